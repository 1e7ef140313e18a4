"""Scrapy item pipelines: thin wrappers that run the cleaning stages during a crawl.

Only Scrapy loads this module; the cleaning stages themselves never import Scrapy.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import platform
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import scrapy
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from essay_crawler import __version__
from essay_crawler.items import ErrorItem, PageItem
from essay_crawler.monitor import PAGE_ERROR_REASONS, Thresholds, run_alerts
from essay_crawler.runs import CrawlRun, crawl_run, is_disk_full, utc_now
from essay_crawler.state import content_hash, url_shape
from pipelines.errors import NOTICES, truncation_notice
from pipelines.jsonl import JsonlAppender
from pipelines.worker import clean_fetched_page, init_cleaner

logger = logging.getLogger(__name__)


class CleanPipeline:
    """Turns fetched pages into piece records in ``CLEAN_WORKERS`` worker processes.

    A page the extractor rejects becomes an :class:`ErrorItem`, except on the automatic path, where
    it is simply not an article (a list or other page) and is dropped. Pages that should be articles
    (profile pattern, or the URL shape of articles in the state) are counted for the layout check:
    ``essay/layout/checked`` and, when no content was found, ``essay/layout/no_content``.

    A worker that dies (killed, e.g. by the OOM killer) breaks the pool: it is replaced (counted in
    ``essay/worker_deaths``, which raises the ``worker_died`` alert) and each page it held is cleaned
    once more; a page that breaks the new pool too is an ``internal_error``. A page not cleaned within
    ``CLEAN_TIMEOUT`` seconds is a ``timeout_cleaning`` error: its worker is killed (the pool is
    replaced, counted in ``essay/cleaning_timeouts``) and the run goes on.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.workers = crawler.settings.getint("CLEAN_WORKERS")
        self.convert = crawler.settings.get("CLEAN_CONVERT")
        self.timeout = crawler.settings.getfloat("CLEAN_TIMEOUT") or None
        self.pool: ProcessPoolExecutor | None = None
        self.article_shapes: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.article_shapes = crawl_run(self.crawler).known_shapes()
        init_cleaner(self.profile, self.convert)
        if self.workers > 0:
            self.pool = self.new_pool()

    @property
    def profile(self):
        return getattr(self.crawler.spider, "profile", None)

    def new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"),
                                   initializer=init_cleaner, initargs=(self.profile, self.convert))

    def replace_broken_pool(self, broken: ProcessPoolExecutor) -> None:
        """Start a new pool in place of ``broken`` (once, however many pages it failed)."""
        if broken is not self.pool:
            return
        self.crawler.stats.inc_value("essay/worker_deaths")
        logger.error("a cleaning worker died (killed, e.g. out of memory); starting a new one")
        broken.shutdown(wait=False, cancel_futures=True)
        self.pool = self.new_pool()

    def replace_stuck_pool(self, stuck: ProcessPoolExecutor) -> None:
        """Kill the workers of ``stuck`` (one of them is past the budget) and start a new pool; the
        other pages it held are cleaned again there, as after a death."""
        if stuck is not self.pool:
            return
        self.crawler.stats.inc_value("essay/cleaning_timeouts")
        self.pool = self.new_pool()
        for process in list(stuck._processes.values()):  # the executor has no public kill (3.14 adds one)
            process.kill()
        stuck.shutdown(wait=False, cancel_futures=True)

    def close_spider(self):
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def looks_like_article(self, item: PageItem) -> bool:
        """An article by the profile's URL pattern, or shaped like articles of earlier runs."""
        return item.kind == "article" or url_shape(item.url) in self.article_shapes

    async def _clean(self, item: PageItem) -> dict:
        body = item.body
        assert body is not None  # dropped only once the page is cleaned (process_item)
        if self.pool is None:
            return clean_fetched_page(body, item.url, item.declared_encoding)
        for _ in range(2):
            pool = self.pool
            try:
                future = pool.submit(clean_fetched_page, body, item.url, item.declared_encoding)
                return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
            except TimeoutError:
                self.replace_stuck_pool(pool)
                return {"error": ("timeout_cleaning", f"not cleaned within CLEAN_TIMEOUT ({self.timeout} s)")}
            except BrokenProcessPool:
                self.replace_broken_pool(pool)
            except Exception as exc:  # e.g. a result that cannot be sent back
                return {"error": ("internal_error", f"{type(exc).__name__}: {exc}")}
        return {"error": ("internal_error", "the cleaning worker died twice while cleaning this page")}

    async def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        out = await self._clean(item)
        item.body = None
        stats = self.crawler.stats
        if self.looks_like_article(item):
            stats.inc_value("essay/layout/checked")
            if "error" in out and out["error"][0] == "no_content":
                stats.inc_value("essay/layout/no_content")
        if "error" in out:
            reason, message = out["error"]
            if item.kind == "candidate" and reason == "no_content":
                stats.inc_value("essay/pages_not_article")
                raise DropItem(f"not an article: {item.url}", log_level="DEBUG")
            return ErrorItem(item.url, reason, message)
        for record in out["records"]:
            record["crawled_at"] = item.crawled_at
        item.records, item.claimed, item.mismatch = out["records"], out["claimed"], out["mismatch"]
        return item


class DuplicatePipeline:
    """Drops a page whose canonical URL was already written in this run (one article, two URLs);
    the second URL is recorded in the state as an alias, so later runs do not fetch it."""

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
                crawl_run(self.crawler).add_alias(item.url, url)
                self.crawler.stats.inc_value("essay/duplicates_skipped")
                raise DropItem(f"duplicate of {url}: {item.url}", log_level="DEBUG")
            self.seen.add(url)
        return item


class RunWriterPipeline:
    """Writes pieces and errors as JSONL (one ``write(2)`` per line) into the run's partial files,
    records each written article in the incremental state, and at the end commits the run with its
    ``run.json`` manifest (or leaves it resumable when the crawl was interrupted).

    A page whose canonical URL is known is not written again; with ``ESSAY_REFRESH`` it is written
    when its content changed (same ids, newer ``crawled_at``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.refresh = crawler.settings.getbool("ESSAY_REFRESH", False)
        self.run: CrawlRun | None = None
        self.pieces: JsonlAppender | None = None
        self.errors: JsonlAppender | None = None
        self.stopped: str | None = None  # why nothing more is written (disk full)
        self.closing = None  # the engine closing the spider after a full disk (kept referenced)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.run = crawl_run(self.crawler)
        self.pieces = JsonlAppender(self.run.files.partial_pieces)
        self.errors = JsonlAppender(self.run.files.partial_errors)
        self.crawler.stats.set_value("essay/manifest", str(self.run.files.manifest))
        self.crawler.stats.set_value("essay/resumed_articles", self.run.recovered_articles)
        self.crawler.stats.set_value("essay/damaged_lines", len(self.run.damaged_lines))
        for line in self.run.damaged_lines:
            logger.warning("damaged line skipped while resuming: %s", line)
        if self.run.forgotten_articles:
            logger.warning("%d article(s) recorded in the state are not in %s: they will be fetched again",
                           self.run.forgotten_articles, self.run.files.partial_pieces)

    def write_error(self, item: ErrorItem) -> None:
        """Write an error once per (url, reason) in a run, across resumed attempts."""
        run, errors = self.run, self.errors
        assert run is not None and errors is not None  # set in open_spider
        key = (item.url, item.reason)
        if key in run.error_keys:
            return
        errors.write(item.as_record(utc_now()))
        run.error_keys.add(key)
        stats = self.crawler.stats
        stats.inc_value(f"essay/errors/{item.reason}")
        if item.status is None and item.reason not in PAGE_ERROR_REASONS | NOTICES:
            stats.inc_value("essay/requests_failed")

    def process_item(self, item):
        if self.stopped:
            raise DropItem(f"not written ({self.stopped}): {item.url}", log_level="DEBUG")
        try:
            if isinstance(item, ErrorItem):
                self.write_error(item)
            elif isinstance(item, PageItem):
                self.write_page(item)
        except (OSError, sqlite3.Error) as exc:
            if not is_disk_full(exc):
                raise
            self.stop_on_full_disk(exc)
            raise DropItem(f"not written ({self.stopped}): {item.url}", log_level="DEBUG") from None
        return item

    def stop_on_full_disk(self, exc: Exception) -> None:
        """The first write the disk refuses stops the run (reason ``disk_full``), left resumable: the
        write was rolled back, nothing more is written, and the run's reserved space is given back so
        its ``run.json`` and state can still be saved."""
        run = self.run
        assert run is not None  # set in open_spider
        self.stopped = f"disk full: {exc}"
        run.reserve.release()
        self.crawler.stats.set_value("essay/disk_full", str(exc))
        logger.error("disk full: %s (%s); the run stopped; free some space and run the same command again "
                     "to resume it", run.files.partial_pieces.parent, exc)
        self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))

    def write_page(self, item: PageItem) -> None:
        run, pieces = self.run, self.pieces
        assert run is not None and pieces is not None  # set in open_spider
        stats = self.crawler.stats
        canonical = item.records[0]["url"]
        if item.url != canonical:
            run.add_alias(item.url, canonical)
        digest = content_hash(item.records)
        known = run.known_hash(canonical)
        if known is not None and not self.refresh:
            stats.inc_value("essay/articles_known")
            raise DropItem(f"already written: {canonical}", log_level="DEBUG")
        if known == digest:
            stats.inc_value("essay/articles_unchanged")
            raise DropItem(f"unchanged: {canonical}", log_level="DEBUG")
        if item.mismatch:
            self.write_error(ErrorItem(item.url, "split_mismatch",
                                       f"found {len(item.records)} pieces, title claims {item.claimed}"))
        if notice := truncation_notice(item.records):
            self.write_error(ErrorItem(item.url, "truncated_by_site", notice))
        pieces.write_all(item.records)
        stats.inc_value("essay/articles")
        stats.inc_value("essay/pieces_written", len(item.records))
        if known is not None:
            stats.inc_value("essay/articles_changed")
        run.mark_written(item.records, item.url, digest, attempt_counters(stats.get_stats()))

    def close_spider(self):
        for f in (self.pieces, self.errors):
            if f:
                f.close()

    def spider_closed(self, spider, reason):
        if self.run is None:
            return
        stats = self.crawler.stats
        current = attempt_counters(stats.get_stats())
        counts = run_counts(self.run.total_counters(current), self.run.file_counts())
        complete = reason == "finished" or reason.startswith("closespider_")
        limits = Thresholds.from_settings(self.crawler.settings)
        alerts = run_alerts(counts, limits) if complete else []
        manifest = {
            "run_id": self.run.run_id,
            "site": spider.site_name,
            "start_urls": list(spider.start_urls),
            "profile": spider.profile.name if spider.profile else None,
            "started": self.run.started,
            "finished": utc_now(),
            "exit_reason": reason,
            "status": ("failed" if alerts else "ok") if complete else "incomplete",
            "alerts": alerts,
            "attempts": self.run.row.attempts,
            "refresh": self.refresh,
            "state": str(self.run.state.path) if self.run.state else None,
            "files": self.run.files.final_paths(),
            "counts": counts,
            "versions": {"essay-crawler": __version__, "scrapy": scrapy.__version__,
                         "python": platform.python_version()},
            "settings": {k: self.crawler.settings.get(k) for k in MANIFEST_SETTINGS} | thresholds_setting(limits),
        }
        if complete:
            path = self.run.commit(manifest)
        else:
            path = self.run.leave_resumable(manifest, current)
            manifest["files"]["manifest"] = str(path)
        stats.set_value("essay/manifest", str(path))
        self.run.close()


MANIFEST_SETTINGS = ("ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
                     "AUTOTHROTTLE_ENABLED", "CLOSESPIDER_PAGECOUNT", "CLEAN_WORKERS", "CLEAN_CONVERT", "USER_AGENT")

#: Run figures kept per attempt (summed over the attempts of a resumed run) → Scrapy stats key.
ATTEMPT_STATS = {
    "pages_fetched": "response_received_count",
    "duplicates_skipped": "essay/duplicates_skipped",
    "not_articles": "essay/pages_not_article",
    "robots_disallowed": "robotstxt/forbidden",
    "articles_known": "essay/articles_known",
    "articles_unchanged": "essay/articles_unchanged",
    "requests_failed": "essay/requests_failed",
    "layout_checked": "essay/layout/checked",
    "layout_no_content": "essay/layout/no_content",
    "worker_deaths": "essay/worker_deaths",
    "damaged_lines": "essay/damaged_lines",
}


def thresholds_setting(limits: Thresholds) -> dict:
    """The alert thresholds under their setting names, for ``run.json``."""
    return {f"ESSAY_{name.upper()}": value for name, value in vars(limits).items()}


def attempt_counters(stats: dict) -> dict:
    """This process's figures (see :data:`ATTEMPT_STATS`) and its elapsed seconds so far."""
    counters = {name: stats.get(key, 0) for name, key in ATTEMPT_STATS.items()}
    start = stats.get("start_time")
    elapsed = stats.get("elapsed_time_seconds")
    if elapsed is None and start is not None:
        elapsed = (datetime.now(start.tzinfo) - start).total_seconds()
    counters["elapsed_seconds"] = round(elapsed or 0.0, 2)
    return counters


def run_counts(counters: dict, files: dict) -> dict:
    """The figures a person checks after a run: crawl figures of all attempts, plus what the run's
    files hold (pieces, article pages, errors by reason)."""
    return {
        "pages_fetched": counters.get("pages_fetched", 0),
        "article_pages": files["article_pages"],
        "pieces_written": files["pieces_written"],
        "articles_new": files.get("articles_new", files["article_pages"]),
        "articles_changed": files.get("articles_changed", 0),
        "articles_unchanged": counters.get("articles_unchanged", 0),
        "articles_known": counters.get("articles_known", 0),
        "duplicates_skipped": counters.get("duplicates_skipped", 0),
        "not_articles": counters.get("not_articles", 0),
        "robots_disallowed": counters.get("robots_disallowed", 0),
        "requests_failed": counters.get("requests_failed", 0),
        "layout_checked": counters.get("layout_checked", 0),
        "layout_no_content": counters.get("layout_no_content", 0),
        "worker_deaths": counters.get("worker_deaths", 0),
        "damaged_lines": counters.get("damaged_lines", 0),
        "errors": files["errors"],
        "elapsed_seconds": round(counters.get("elapsed_seconds", 0.0), 2),
    }
