"""Scrapy item pipelines: thin wrappers that run the cleaning stages during a crawl.

Only Scrapy loads this module; the cleaning stages themselves never import Scrapy.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import platform
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.exceptions import DropItem

from essay_crawler import __version__
from essay_crawler.items import ErrorItem, PageItem
from pipelines.clean import clean_page
from pipelines.errors import PageError
from pipelines.jsonl import JsonlAppender, fsync_dir
from pipelines.profiles import SiteProfile

_worker: dict = {}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def init_cleaner(profile_path: str | None, convert: str) -> None:
    """Load the site profile once per worker process."""
    _worker["profile"] = SiteProfile.load(profile_path) if profile_path else None
    _worker["convert"] = convert


def clean_fetched_page(body: bytes, url: str, declared_encoding: str | None) -> dict:
    """Clean one page in a worker; returns plain data (records or an error) for the crawl process."""
    try:
        result = clean_page(body, url, profile=_worker.get("profile"), convert=_worker.get("convert", "t2s"),
                            declared_encoding=declared_encoding)
    except PageError as exc:
        return {"error": (exc.reason, exc.message)}
    return {"records": result.records, "claimed": result.claimed, "mismatch": result.mismatch,
            "canonical": result.document.canonical_url}


class CleanPipeline:
    """Turns fetched pages into piece records in ``CLEAN_WORKERS`` worker processes.

    A page the extractor rejects becomes an :class:`ErrorItem`, except on the automatic path, where
    it is simply not an article (a list or other page) and is dropped.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.workers = crawler.settings.getint("CLEAN_WORKERS")
        self.convert = crawler.settings.get("CLEAN_CONVERT")
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        profile = getattr(self.crawler.spider, "profile", None)
        source = profile.source if profile else None
        init_cleaner(source, self.convert)
        if self.workers > 0:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                            initializer=init_cleaner, initargs=(source, self.convert))

    def close_spider(self):
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def _clean(self, item: PageItem) -> dict:
        if self.pool is None:
            return clean_fetched_page(item.body, item.url, item.declared_encoding)
        future = self.pool.submit(clean_fetched_page, item.body, item.url, item.declared_encoding)
        return await asyncio.wrap_future(future)

    async def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        out = await self._clean(item)
        item.body = None
        stats = self.crawler.stats
        if "error" in out:
            reason, message = out["error"]
            if item.kind == "candidate" and reason == "no_content":
                stats.inc_value("essay/pages_not_article")
                raise DropItem(f"not an article: {item.url}", log_level="DEBUG")
            return ErrorItem(item.url, reason, message)
        for record in out["records"]:
            record["crawled_at"] = item.crawled_at
        item.records, item.claimed, item.mismatch = out["records"], out["claimed"], out["mismatch"]
        item.canonical_url = out["canonical"]
        return item


class DuplicatePipeline:
    """Drops a page whose canonical URL was already written in this run (one article, two URLs)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, PageItem) and item.records:
            url = item.records[0]["url"]
            if url in self.seen:
                self.crawler.stats.inc_value("essay/duplicates_skipped")
                raise DropItem(f"duplicate of {url}: {item.url}", log_level="DEBUG")
            self.seen.add(url)
        return item


def run_paths(settings, site: str, run_id: str) -> dict[str, Path]:
    """Where a run writes: ``-o`` paths, or ``ESSAY_OUTPUT_ROOT/<site>/<run-id>/``."""
    pieces = settings.get("ESSAY_PIECES_PATH")
    if pieces:
        pieces = Path(pieces)
        stem = pieces.with_suffix("") if pieces.suffix == ".jsonl" else pieces
        return {"pieces": pieces, "errors": Path(f"{stem}.errors.jsonl"), "manifest": Path(f"{stem}.run.json")}
    folder = Path(settings.get("ESSAY_OUTPUT_ROOT")) / site / run_id
    return {"pieces": folder / "pieces.jsonl", "errors": folder / "errors.jsonl", "manifest": folder / "run.json"}


class RunWriterPipeline:
    """Writes pieces and errors as JSONL (one ``write(2)`` per line) and a ``run.json`` manifest."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started = utc_now()
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.pieces: JsonlAppender | None = None
        self.errors: JsonlAppender | None = None
        self.paths: dict[str, Path] = {}
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        self.paths = run_paths(self.crawler.settings, spider.site_name, self.run_id)
        self.pieces = JsonlAppender(self.paths["pieces"])
        self.errors = JsonlAppender(self.paths["errors"])
        self.crawler.stats.set_value("essay/manifest", str(self.paths["manifest"]))

    def process_item(self, item):
        stats = self.crawler.stats
        if isinstance(item, ErrorItem):
            self.errors.write(item.as_record(utc_now()))
            stats.inc_value(f"essay/errors/{item.reason}")
            return item
        if isinstance(item, PageItem):
            for record in item.records:
                self.pieces.write(record)
            stats.inc_value("essay/articles")
            stats.inc_value("essay/pieces_written", len(item.records))
            if item.mismatch:
                self.errors.write(ErrorItem(item.url, "split_mismatch",
                                            f"found {len(item.records)} pieces, title claims {item.claimed}"
                                            ).as_record(utc_now()))
                stats.inc_value("essay/errors/split_mismatch")
        return item

    def close_spider(self):
        for f in (self.pieces, self.errors):
            if f:
                f.close()

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats()
        manifest = {
            "run_id": self.run_id,
            "site": spider.site_name,
            "start_urls": list(spider.start_urls),
            "profile": spider.profile.name if spider.profile else None,
            "started": self.started,
            "finished": utc_now(),
            "exit_reason": reason,
            "files": {k: str(v) for k, v in self.paths.items()},
            "counts": summary_counts(stats),
            "versions": {"essay-crawler": __version__, "scrapy": scrapy.__version__,
                         "python": platform.python_version()},
            "settings": {k: self.crawler.settings.get(k) for k in MANIFEST_SETTINGS},
        }
        write_json_atomic(self.paths["manifest"], manifest)


MANIFEST_SETTINGS = ("ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
                     "AUTOTHROTTLE_ENABLED", "CLOSESPIDER_PAGECOUNT", "CLEAN_WORKERS", "CLEAN_CONVERT", "USER_AGENT")


def summary_counts(stats: dict) -> dict:
    """The figures a person checks after a run, from Scrapy's stats."""
    errors = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("essay/errors/")}
    return {
        "pages_fetched": stats.get("response_received_count", 0),
        "article_pages": stats.get("essay/articles", 0),
        "pieces_written": stats.get("essay/pieces_written", 0),
        "duplicates_skipped": stats.get("essay/duplicates_skipped", 0),
        "not_articles": stats.get("essay/pages_not_article", 0),
        "robots_disallowed": stats.get("robotstxt/forbidden", 0),
        "errors": dict(sorted(errors.items())),
        "elapsed_seconds": round(stats.get("elapsed_time_seconds", 0.0), 2),
    }


def write_json_atomic(path: Path, data: dict) -> None:
    """Write, fsync, rename: readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
