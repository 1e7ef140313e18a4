"""Crawl components besides the pipelines: the run's life (claimed, opened, committed), the page budget of
``CLOSESPIDER_PAGECOUNT`` kept to, robots.txt failures in one log line, the fetched responses archived as
WARC, and the live progress line."""
from __future__ import annotations

import logging
import sqlite3
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import CloseSpider, IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from twisted.internet import task

from essay_crawler.items import LeftOut, LeftOutReason
from essay_crawler.manifest import attempt_counters, run_counts, run_manifest
from essay_crawler.monitor import Thresholds, run_alerts
from essay_crawler.runfiles import default_state_path, is_disk_full
from essay_crawler.runs import CrawlRun
from essay_crawler.shared import lost_state_errors, redis_lost, shown, stop_on_lost_redis

logger = logging.getLogger(__name__)


class RunNotOpened(ValueError):
    """The run's state cannot be used (another crawl holds it, or it is not a state database)."""


def run_paths(settings, site: str) -> tuple[Path, Path | None, Path | None]:
    """``(output root, pieces path, state path)`` of a crawl of ``site``: ``ESSAY_OUTPUT_ROOT``,
    ``ESSAY_PIECES_PATH``, ``ESSAY_STATE`` (default on; off: no state path) and ``ESSAY_STATE_PATH``
    (default :func:`~essay_crawler.runfiles.default_state_path`)."""
    root = Path(settings.get("ESSAY_OUTPUT_ROOT", "output"))
    pieces = Path(settings.get("ESSAY_PIECES_PATH")) if settings.get("ESSAY_PIECES_PATH") else None
    state = None
    if settings.getbool("ESSAY_STATE", True):
        state = Path(settings.get("ESSAY_STATE_PATH") or default_state_path(root, site, pieces))
    return root, pieces, state


def check_foreign_database(path: Path) -> None:
    """:class:`RunNotOpened` for an SQLite file of some other program (it has tables, none of ours):
    opening it as the state would add the state's tables to it."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        return  # not SQLite at all: opening it says so
    if tables and "runs" not in tables:
        raise RunNotOpened(f"{path}: not an essay-crawler state database (it holds other tables: "
                           f"{', '.join(sorted(tables))}); move it away or give another --state")


def not_opened(exc: Exception, state: Path | None) -> RunNotOpened:
    """The one line saying why the run could not be claimed or opened."""
    if isinstance(exc, sqlite3.DatabaseError):
        if is_disk_full(exc):
            return RunNotOpened(f"{state}: disk full ({exc})")
        return RunNotOpened(f"{state}: not an essay-crawler state database ({exc}); "
                            "move it away or give another --state")
    return RunNotOpened(f"disk full: {exc}" if is_disk_full(exc) and "disk full" not in str(exc) else str(exc))


class CrawlRunExtension:
    """The crawl's run (:class:`~essay_crawler.runs.CrawlRun`) through its life, as Scrapy's
    ``SpiderState`` keeps a spider's state: the state is claimed when the crawler is set up (a state
    that cannot be used stops the crawl before the engine starts, as :class:`RunNotOpened`), the run
    is opened on ``spider_opened`` and committed — or left resumable when the crawl was interrupted —
    on ``spider_closed``, with its ``run.json`` (:attr:`manifest`).

    Other components get it with ``crawler.get_extension(CrawlRunExtension)``: they read the state
    through :attr:`run`, write through :meth:`writing`, which stops the run at the first write the
    disk refuses (reason ``disk_full``, left resumable). Pages left out on purpose are counted here,
    by reason (:meth:`count_left_out`); errors are counted by reason where they are written.
    """

    def __init__(self, crawler, run: CrawlRun):
        self.crawler = crawler
        self.run = run
        self.open = False
        self.failure: str | None = None  # why the run could not be opened
        self.manifest: dict | None = None  # the run's run.json, once the crawl ended
        self.stopped: str | None = None  # why nothing more is written (disk full)
        self.closing = None  # the engine closing the spider after a full disk (kept referenced)
        self.lost_state_errors = lost_state_errors(crawler.settings.get("ESSAY_REDIS_URL"))

    @classmethod
    def from_crawler(cls, crawler):
        spider = crawler.spider
        if getattr(spider, "site_name", None) is None:
            raise NotConfigured("not an essays crawl")
        root, pieces, state = run_paths(crawler.settings, spider.site_name)
        redis_url = crawler.settings.get("ESSAY_REDIS_URL")
        if redis_url and not state:
            raise ValueError("a crawl shared through Redis needs its state (drop --no-state)")
        try:
            if state:
                check_foreign_database(state)
            run = CrawlRun(site=spider.site_name, start_urls=list(spider.start_urls),
                           profile=spider.profile.name if spider.profile else None,
                           output_root=root, pieces_path=pieces, state_path=state, redis_url=redis_url)
        except (sqlite3.DatabaseError, RuntimeError, OSError) as exc:
            raise not_opened(exc, state) from None
        extension = cls(crawler, run)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        return extension

    def spider_opened(self, spider):
        try:
            self.run.open()
        except (sqlite3.DatabaseError, RuntimeError, OSError) as exc:
            self.failure = str(not_opened(exc, self.run.state.path if self.run.state else None))
            raise CloseSpider("run_not_opened") from None
        except self.lost_state_errors as exc:
            self.failure = (f"redis {shown(self.crawler.settings['ESSAY_REDIS_URL'])}: unreachable as the run "
                            f"opened ({exc}); run the same command again once it answers")
            raise CloseSpider("run_not_opened") from None
        self.open = True
        stats = self.crawler.stats
        stats.set_value("essay/resumed_articles", self.run.recovered_articles)
        stats.set_value("essay/damaged_lines", len(self.run.damaged_lines))
        for line in self.run.damaged_lines:
            logger.warning("damaged line skipped while resuming: %s", line)
        if self.run.forgotten_articles:
            logger.warning("%d article(s) recorded in the state are not in %s: they will be fetched again",
                           self.run.forgotten_articles, self.run.files.partial_pieces)

    def count_left_out(self, reason: LeftOutReason) -> None:
        """Count a page (for ``known``, a request) left out on purpose: ``essay/left_out/<reason>``."""
        self.crawler.stats.inc_value(f"essay/left_out/{reason}")

    def item_dropped(self, item, exception):
        if isinstance(exception, LeftOut):
            self.count_left_out(exception.reason)

    @contextmanager
    def writing(self, url: str):
        """Around a write of the page ``url`` (or a read of a shared state): :class:`LeftOut`
        (``not_written``) when the run stopped writing; a write the disk refuses
        (:func:`~essay_crawler.runfiles.is_disk_full`) stops it, and so does a shared state's Redis that
        stopped answering (:func:`~essay_crawler.shared.stop_on_lost_redis`); any other error is raised."""
        if self.stopped or redis_lost(self.crawler):
            raise LeftOut("not_written", f"not written ({self.stopped or 'redis unreachable'}): {url}")
        try:
            yield self.run
        except self.lost_state_errors as exc:
            stop_on_lost_redis(self.crawler, exc)
            raise LeftOut("not_written", f"not written (redis unreachable): {url}") from None
        except (OSError, sqlite3.Error) as exc:
            if not is_disk_full(exc):
                raise
            self.stop_on_full_disk(exc)
            raise LeftOut("not_written", f"not written ({self.stopped}): {url}") from None

    def stop_on_full_disk(self, exc: Exception) -> None:
        """The first write the disk refuses stops the run (reason ``disk_full``), left resumable: the
        write was rolled back, nothing more is written, and the run's reserved space is given back so
        its ``run.json`` and state can still be saved."""
        self.stopped = f"disk full: {exc}"
        self.run.reserve.release()
        self.crawler.stats.set_value("essay/disk_full", str(exc))
        logger.error("disk full: %s (%s); the run stopped; free some space and run the same command again "
                     "to resume it", self.run.files.partial_pieces.parent, exc)
        self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))

    def spider_closed(self, spider, reason):
        try:
            if self.open:
                self.manifest = self.end(spider, reason)
        finally:
            self.run.close()

    def end(self, spider, reason: str) -> dict:
        """Commit the run (a crawl that completed) or leave it resumable; its manifest, with
        ``files.manifest`` where it was written."""
        run = self.run
        current = attempt_counters(self.crawler.stats.get_stats())
        counts = run_counts(run.total_counters(current), run.file_counts())
        complete = reason == "finished" or reason.startswith("closespider_")
        settings = self.crawler.settings
        alerts = run_alerts(counts, Thresholds.from_settings(settings)) if complete else None
        manifest = run_manifest(run, spider, settings, reason, counts, alerts)
        if complete:
            run.commit(manifest)
        else:
            manifest["files"]["manifest"] = str(run.leave_resumable(manifest, current))
        return manifest


class PageBudget:
    """Downloader middleware keeping ``CLOSESPIDER_PAGECOUNT`` to N responses.

    Scrapy's CloseSpider extension closes the spider at the N-th response, but every request already
    handed to the downloader (up to ``CONCURRENT_REQUESTS``, most of them waiting for their slot) is
    still fetched. This middleware, first in the chain, lets a request in only while the responses
    received and the requests under way are fewer than N. A request is under way from the moment it
    passes until its response is received (the ``response_received`` signal) or its failure comes
    back through the whole chain; retries and redirects of it, which carry its mark, are the same
    request. So a crawl gets at most N responses (robots.txt included; a robots.txt request is never
    refused), fewer only when requests under way fail once no other may follow.
    """

    MARK = "essay_page_budget"

    def __init__(self, crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.under_way = 0
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        limit = crawler.settings.getint("CLOSESPIDER_PAGECOUNT")
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit)

    def process_request(self, request):
        if request.meta.get(self.MARK):
            return  # a retry or redirect of a request under way
        robots = request.meta.get("dont_obey_robotstxt") and request.url.endswith("/robots.txt")
        received = self.crawler.stats.get_value("response_received_count", 0)
        if not robots and received + self.under_way >= self.limit:
            self.crawler.stats.inc_value("essay/page_budget_refused")
            raise IgnoreRequest(f"page budget of {self.limit} spent")
        request.meta[self.MARK] = True
        self.under_way += 1

    def response_received(self, response, request):
        self._ended(request)  # counted as received at this very moment

    def process_exception(self, request, exception):
        self._ended(request)

    def request_dropped(self, request):
        self._ended(request)

    def _ended(self, request) -> None:
        if request.meta.pop(self.MARK, False):
            self.under_way -= 1


class OneLineRobotsErrors(logging.Filter):
    """A robots.txt that cannot be fetched is at most one log line, never a traceback: nothing more
    when the retry middleware has already logged giving up on it, else the reason alone."""

    LOGGER = "scrapy.downloadermiddlewares.robotstxt"

    def __init__(self, retried: tuple[type[BaseException], ...]):
        super().__init__()
        self.retried = retried

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        retried = (tuple(load_object(e) if isinstance(e, str) else e for e in settings.getlist("RETRY_EXCEPTIONS"))
                   if settings.getbool("RETRY_ENABLED") else ())
        log_filter = cls(retried)
        logging.getLogger(cls.LOGGER).addFilter(log_filter)
        crawler.signals.connect(log_filter.remove, signal=signals.engine_stopped)
        return log_filter

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.args.get("f_exception") if isinstance(record.args, dict) else None
        if isinstance(exc, self.retried):
            return False
        record.exc_info = record.exc_text = None
        return True

    def remove(self):
        logging.getLogger(self.LOGGER).removeFilter(self)


class ProgressLine:
    """A live progress line on stderr while a crawl runs (enabled by ``ESSAY_PROGRESS``): pages
    fetched, articles, pieces, errors and pages/min, redrawn every second."""

    def __init__(self, crawler, stream=sys.stderr, interval: float = 1.0):
        self.crawler = crawler
        self.stream = stream
        self.interval = interval
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.draw)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ESSAY_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def line(self) -> str:
        stats = self.crawler.stats.get_stats()
        pages = stats.get("response_received_count", 0)
        errors = sum(v for k, v in stats.items() if k.startswith("essay/errors/"))
        minutes = max(time.monotonic() - self.started, 1e-6) / 60
        return (f"pages {pages} | articles {stats.get('essay/articles', 0)} | "
                f"pieces {stats.get('essay/pieces_written', 0)} | errors {errors} | {pages / minutes:.0f} pages/min")

    def draw(self):
        if self.stream.isatty():
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()

    def spider_opened(self, spider):
        self.started = time.monotonic()
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason):
        if self.loop.running:
            self.loop.stop()
        if self.stream.isatty():
            self.stream.write("\r\x1b[2K")
        self.stream.write(self.line() + "\n")
        self.stream.flush()
