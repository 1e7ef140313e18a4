"""Crawl components besides the pipelines: the run opened before the crawl starts, the page budget of
``CLOSESPIDER_PAGECOUNT`` kept to, robots.txt failures in one log line, the fetched responses archived
as WARC, and the live progress line."""
from __future__ import annotations

import logging
import sqlite3
import sys
import time
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from twisted.internet import task

from essay_crawler.runs import crawl_run, default_state_path, is_disk_full

logger = logging.getLogger(__name__)


class RunNotOpened(ValueError):
    """The run's state cannot be used (another crawl holds it, or it is not a state database)."""


def state_path(settings, site: str) -> Path:
    """The state file a crawl of ``site`` uses (see :func:`essay_crawler.runs.open_run`)."""
    pieces = settings.get("ESSAY_PIECES_PATH")
    return Path(settings.get("ESSAY_STATE_PATH") or default_state_path(
        Path(settings.get("ESSAY_OUTPUT_ROOT", "output")), site, Path(pieces) if pieces else None))


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


class OpenRun:
    """Opens the crawl's run (state lock, state, partial files) while the crawler is set up, so that a
    run that cannot open stops the crawl before the engine starts, as :class:`RunNotOpened`."""

    @classmethod
    def from_crawler(cls, crawler):
        site = getattr(crawler.spider, "site_name", None)
        if site is None:
            raise NotConfigured("not an essays crawl")
        if crawler.settings.getbool("ESSAY_STATE", True):
            check_foreign_database(state_path(crawler.settings, site))
        try:
            crawl_run(crawler)
        except sqlite3.DatabaseError as exc:
            if is_disk_full(exc):
                raise RunNotOpened(f"{state_path(crawler.settings, site)}: disk full ({exc})") from None
            raise RunNotOpened(f"{state_path(crawler.settings, site)}: not an essay-crawler state database "
                               f"({exc}); move it away or give another --state") from None
        except (RuntimeError, OSError) as exc:
            raise RunNotOpened(f"disk full: {exc}" if is_disk_full(exc) and "disk full" not in str(exc)
                               else str(exc)) from None
        return cls()


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


class WarcArchive:
    """Writes every response the downloader receives into the run's WARC file, ``pages.warc.gz`` in the
    run folder (``OUT.warc.gz`` with ``-o``), when ``ESSAY_WARC`` is on: one WARC/1.1 ``response``
    record per response (robots.txt, redirects, errors and retries included), with the HTTP status line
    and headers as received and the body as it came off the wire (a compressed body stays compressed,
    with its ``Content-Encoding``; ``Transfer-Encoding`` is left out: the client has undone the
    chunking). Connected to the ``response_downloaded`` signal, so it sees each response before the
    downloader middlewares change it.

    The file is one of the run's files: partial while the run goes on, renamed into the run folder
    by its commit, and continued by a resumed run, which repeats no response already in it (same
    target URI, same payload). A full disk stops the crawl as it stops the pieces file (``disk_full``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stopped = False
        self.closing = None  # the engine closing the spider after a full disk (kept referenced)
        self.archive = crawl_run(crawler).archive()
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ESSAY_WARC") or getattr(crawler.spider, "site_name", None) is None:
            raise NotConfigured
        return cls(crawler)

    def response_downloaded(self, response, request, spider):
        if self.stopped:
            return
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, values in response.headers.items() for value in values]
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        try:
            if self.archive.write_response(response.url, response.status, reason, headers, response.body,
                                           datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")):
                self.crawler.stats.inc_value("essay/warc_records")
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            self.stopped = True
            logger.error("disk full: %s (%s); the run stopped; free some space and run the same command again "
                         "to resume it", self.archive.path, exc)
            self.crawler.stats.set_value("essay/disk_full", str(exc))
            self.closing = deferred_from_coro(self.crawler.engine.close_spider_async(reason="disk_full"))


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
