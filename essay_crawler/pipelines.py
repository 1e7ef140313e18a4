"""Scrapy item pipelines: thin wrappers that run the cleaning stages during a crawl.

Only Scrapy loads this module; the cleaning stages themselves never import Scrapy.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cached_property

from scrapy.exceptions import DropItem, NotConfigured

from essay_crawler.extensions import CrawlRunExtension
from essay_crawler.items import ErrorItem, PageItem
from essay_crawler.manifest import attempt_counters
from essay_crawler.monitor import PAGE_ERROR_REASONS
from essay_crawler.runfiles import utc_now
from essay_crawler.state import content_hash, url_shape
from pipelines.worker import clean_fetched_page, init_cleaner

logger = logging.getLogger(__name__)


def run_extension(crawler) -> CrawlRunExtension:
    """The crawl's :class:`CrawlRunExtension`; without it (not an essays crawl) the pipelines are off."""
    runs = crawler.get_extension(CrawlRunExtension)
    if runs is None:
        raise NotConfigured("needs essay_crawler.extensions.CrawlRunExtension")
    return runs


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

    def __init__(self, crawler, runs: CrawlRunExtension):
        self.crawler = crawler
        self.runs = runs
        self.workers = crawler.settings.getint("CLEAN_WORKERS")
        self.convert = crawler.settings.get("CLEAN_CONVERT")
        self.timeout = crawler.settings.getfloat("CLEAN_TIMEOUT") or None
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_extension(crawler))

    @cached_property
    def article_shapes(self) -> set[str]:
        """URL shapes of the articles known when the first page came (the run is open by then)."""
        return self.runs.run.known_shapes()

    def open_spider(self):
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

    def __init__(self, crawler, runs: CrawlRunExtension):
        self.crawler = crawler
        self.runs = runs
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_extension(crawler))

    def process_item(self, item):
        if isinstance(item, PageItem) and item.records:
            url = item.records[0]["url"]
            if url in self.seen:
                self.runs.run.add_alias(item.url, url)
                self.crawler.stats.inc_value("essay/duplicates_skipped")
                raise DropItem(f"duplicate of {url}: {item.url}", log_level="DEBUG")
            self.seen.add(url)
        return item


class RunWriterPipeline:
    """Writes pieces and errors into the run's partial files (one ``write(2)`` per article) and
    records each written article in the incremental state; the run extension commits them.

    A page whose canonical URL is known is not written again; with ``ESSAY_REFRESH`` it is written
    when its content changed (same ids, newer ``crawled_at``).
    """

    def __init__(self, crawler, runs: CrawlRunExtension):
        self.crawler = crawler
        self.runs = runs
        self.refresh = crawler.settings.getbool("ESSAY_REFRESH", False)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_extension(crawler))

    def write_error(self, item: ErrorItem) -> None:
        """Write an error once per (url, reason) in a run, across resumed attempts."""
        if not self.runs.run.write_error(item.as_record(utc_now())):
            return
        stats = self.crawler.stats
        stats.inc_value(f"essay/errors/{item.reason}")
        if item.status is None and item.reason not in PAGE_ERROR_REASONS | {"split_mismatch"}:
            stats.inc_value("essay/requests_failed")

    def process_item(self, item):
        with self.runs.writing(item.url):
            if isinstance(item, ErrorItem):
                self.write_error(item)
            elif isinstance(item, PageItem):
                self.write_page(item)
        return item

    def write_page(self, item: PageItem) -> None:
        run = self.runs.run
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
        run.write_article(item.records, item.url, digest, attempt_counters(stats.get_stats()))
        stats.inc_value("essay/articles")
        stats.inc_value("essay/pieces_written", len(item.records))
        if known is not None:
            stats.inc_value("essay/articles_changed")
