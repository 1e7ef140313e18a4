"""Scrapy item pipelines: thin wrappers that run the cleaning stages during a crawl.

Only Scrapy loads this module; the cleaning stages themselves never import Scrapy.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from functools import cached_property
from typing import NoReturn

from scrapy.exceptions import NotConfigured

from essay_crawler.extensions import CrawlRunExtension
from essay_crawler.items import ArticleItem, ErrorItem, LeftOut, LeftOutReason, PageItem
from essay_crawler.manifest import attempt_counters
from essay_crawler.monitor import PAGE_ERROR_REASONS
from essay_crawler.runfiles import utc_now
from essay_crawler.state import content_hash, url_shape
from pipelines.errors import NOTICES, truncation_notice
from pipelines.result import CleanResult
from pipelines.worker import clean_fetched_page, init_cleaner

logger = logging.getLogger(__name__)


def run_extension(crawler) -> CrawlRunExtension:
    """The crawl's :class:`CrawlRunExtension`; without it (not an essays crawl) the pipelines are off."""
    runs = crawler.get_extension(CrawlRunExtension)
    if runs is None:
        raise NotConfigured("needs essay_crawler.extensions.CrawlRunExtension")
    return runs


def clean_settings(settings) -> tuple[int, str, float | None]:
    """``CLEAN_WORKERS`` (0: clean in the crawl process), ``CLEAN_CONVERT`` (an OpenCC conversion or
    ``none``) and ``CLEAN_TIMEOUT`` (seconds, 0: no limit → None), checked: a bad value is a
    ValueError naming the setting, which stops the crawl before it starts."""
    from pipelines.normalize import CONVERSIONS

    try:
        workers, timeout = settings.getint("CLEAN_WORKERS"), settings.getfloat("CLEAN_TIMEOUT")
    except ValueError as exc:
        raise ValueError(f"CLEAN_WORKERS and CLEAN_TIMEOUT take numbers ({exc})") from None
    convert = settings.get("CLEAN_CONVERT")
    if workers < 0:
        raise ValueError(f"CLEAN_WORKERS must be 0 or more, not {workers}")
    if timeout < 0:
        raise ValueError(f"CLEAN_TIMEOUT must be 0 (no limit) or more seconds, not {timeout:g}")
    if convert not in CONVERSIONS:
        raise ValueError(f"CLEAN_CONVERT must be one of {', '.join(CONVERSIONS)}, not {convert!r}")
    return workers, convert, timeout or None


class CleanPipeline:
    """Turns fetched pages into piece records in ``CLEAN_WORKERS`` worker processes (started as pages
    come: a polite crawl keeps one or two of them busy).

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
        self.workers, self.convert, self.timeout = clean_settings(crawler.settings)
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

    async def _clean(self, item: PageItem) -> CleanResult:
        if self.pool is None:
            return clean_fetched_page(item.body, item.url, item.declared_encoding)
        for _ in range(2):
            pool = self.pool
            try:
                future = pool.submit(clean_fetched_page, item.body, item.url, item.declared_encoding)
                return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
            except TimeoutError:
                self.replace_stuck_pool(pool)
                return CleanResult.failed("timeout_cleaning", f"not cleaned within CLEAN_TIMEOUT ({self.timeout} s)")
            except BrokenProcessPool:
                self.replace_broken_pool(pool)
            except Exception as exc:  # e.g. a result that cannot be sent back
                return CleanResult.failed("internal_error", f"{type(exc).__name__}: {exc}")
        return CleanResult.failed("internal_error", "the cleaning worker died twice while cleaning this page")

    async def process_item(self, item):
        if not isinstance(item, PageItem):
            return item
        result = await self._clean(item)
        error = result.error
        stats = self.crawler.stats
        if self.looks_like_article(item):
            stats.inc_value("essay/layout/checked")
            if error and error.reason == "no_content":
                stats.inc_value("essay/layout/no_content")
        if error:
            if item.kind == "candidate" and error.reason == "no_content":
                raise LeftOut("not_article", f"not an article: {item.url}")
            return ErrorItem(item.url, error.reason, error.message)
        for record in result.records:
            record["crawled_at"] = item.crawled_at
        return ArticleItem(item.url, result, content_hash(result.records))


class AlreadyKnownPipeline:
    """Decides whether a cleaned page is written: not when its canonical URL was already written in
    this run (``duplicate``: one article, two URLs), nor when the state knows the article
    (``known``) — unless ``ESSAY_REFRESH``, and then not when its content is unchanged
    (``unchanged``); on a site shared by workers through Redis, nor when another worker claimed the
    article first (``taken``). The URL a page left out was fetched under is recorded as an alias of
    its canonical URL, so later runs do not fetch it. A page let through is a new article, or
    (``changed``) new content of a known one."""

    def __init__(self, crawler, runs: CrawlRunExtension):
        self.crawler = crawler
        self.runs = runs
        self.refresh = crawler.settings.getbool("ESSAY_REFRESH", False)
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_extension(crawler))

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        canonical = item.canonical
        if canonical in self.seen:
            self.leave_out(item, "duplicate", f"duplicate of {canonical}")
        self.seen.add(canonical)
        with self.runs.writing(item.url) as run:  # (a shared state can stop answering, as a disk can fill)
            known = run.known_hash(canonical)
        if known is not None and not self.refresh:
            self.leave_out(item, "known", "already written")
        if known == item.digest:
            self.leave_out(item, "unchanged", "unchanged")
        with self.runs.writing(item.url) as run:
            claimed = run.claim(canonical)
        if not claimed:
            self.leave_out(item, "taken", "written by another worker")
        return item if known is None else replace(item, changed=True)

    def leave_out(self, item: ArticleItem, reason: LeftOutReason, why: str) -> NoReturn:
        with self.runs.writing(item.url) as run:
            if item.url != item.canonical:
                run.add_alias(item.url, item.canonical)
        raise LeftOut(reason, f"{why}: {item.url}")


class RunWriterPipeline:
    """Writes what reaches it into the run's partial files: an article's pieces in one ``write(2)``
    (recorded in the incremental state; with a ``split_mismatch`` error when the title claimed
    another number of pieces, a ``truncated_by_site`` one when the site cut a piece short), an
    error once per (url, reason) in a run. The run extension commits
    them."""

    def __init__(self, crawler, runs: CrawlRunExtension):
        self.crawler = crawler
        self.runs = runs

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, run_extension(crawler))

    def process_item(self, item):
        if isinstance(item, ErrorItem | ArticleItem):
            with self.runs.writing(item.url):
                if isinstance(item, ErrorItem):
                    self.write_error(item)
                else:
                    self.write_article(item)
        return item

    def write_error(self, item: ErrorItem) -> None:
        if not self.runs.run.write_error(item.as_record(utc_now())):
            return
        stats = self.crawler.stats
        stats.inc_value(f"essay/errors/{item.reason}")
        if item.status is None and item.reason not in PAGE_ERROR_REASONS | NOTICES:
            stats.inc_value("essay/requests_failed")

    def write_article(self, item: ArticleItem) -> None:
        stats = self.crawler.stats
        records, claimed = item.records, item.result.claimed
        if item.result.mismatch:
            self.write_error(ErrorItem(item.url, "split_mismatch", f"found {len(records)} pieces, title claims {claimed}"))
        if notice := truncation_notice(records):
            self.write_error(ErrorItem(item.url, "truncated_by_site", notice))
        self.runs.run.write_article(records, item.url, item.digest, attempt_counters(stats.get_stats()))
        stats.inc_value("essay/articles")
        stats.inc_value("essay/pieces_written", len(records))
        if item.changed:
            stats.inc_value("essay/articles_changed")
