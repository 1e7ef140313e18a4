"""Run the ``essays`` spider in this process with settings from the command line."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

from essay_crawler import __version__
from essay_crawler.cli import HeldSignals
from essay_crawler.extensions import CrawlRunExtension
from essay_crawler.spiders.essays import EssaysSpider


def crawl_settings(overrides: dict | None = None) -> Settings:
    """The project's settings (``essay_crawler.settings``) with ``overrides`` applied."""
    settings = Settings()
    settings.setmodule("essay_crawler.settings", priority="project")
    overrides = overrides or {}
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    if "CONTACT_URL" in overrides and "USER_AGENT" not in overrides:
        settings.set("USER_AGENT", user_agent(overrides["CONTACT_URL"]), priority="cmdline")
    return settings


def user_agent(contact_url: str) -> str:
    """The User-Agent: the tool, its version and where to read about (or complain about) the crawl."""
    return f"essay-crawler/{__version__} (+{contact_url})"


def new_queue_dir(folder: Path) -> Path:
    """A fresh folder for this process's request queue; queues of crawls killed earlier are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(".queue-*"):
        pid = old.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".queue-{os.getpid()}-", dir=folder))


class CrawlNotStarted(RuntimeError):
    """The crawl stopped before it could open its run (the reason is the message)."""


class CrawlInterrupted(RuntimeError):
    """The crawl was stopped at once (a second SIGINT/SIGTERM) before it could save its run."""


#: What the crawl's components raise for a crawl that cannot start: a bad start URL or profile
#: (ValueError), a state another crawl holds or that is not a state database (RunNotOpened).
START_ERRORS = (ValueError, NotConfigured)


class CrawlOutcome:
    """How the crawl's Deferred fired: ``done``, or its ``failure`` (neither: the reactor was stopped
    before the crawl ended, by a second SIGINT/SIGTERM)."""

    def __init__(self):
        self.done = False
        self.failure = None

    def finished(self, _result) -> None:
        self.done = True

    def failed(self, failure) -> None:
        self.failure = failure


def run_spider(spider_args: dict, overrides: dict | None = None, held_signals: HeldSignals | None = None) -> dict:
    """Crawl until finished or interrupted; returns the run manifest (``run.json``): ``status`` is
    ``ok`` or ``failed`` (with ``alerts``) for a committed run, ``incomplete`` for one left resumable.

    Raises :class:`CrawlNotStarted` when the crawl cannot start, :class:`CrawlInterrupted` when it was
    stopped before saving its run. SIGINT/SIGTERM are held until Scrapy's handlers are installed
    (``held_signals``: already holding since the command started).

    Pending requests wait in a disk queue (a fresh ``JOBDIR`` in the system's temporary folder,
    removed afterwards), not in memory: a big site's frontier would otherwise dominate the crawl's
    memory. It is not beside the output, so a full output disk is met by the run's own writes, which
    stop it cleanly, and not by Scrapy's scheduler.
    Resuming is the incremental state's job, so the queue never outlives one attempt.
    """
    settings = crawl_settings(overrides)
    queue_dir = None
    if not settings.get("JOBDIR"):
        queue_dir = new_queue_dir(Path(tempfile.gettempdir()) / "essay-crawler")
        settings.set("JOBDIR", str(queue_dir), priority="cmdline")
    outcome = CrawlOutcome()
    signals = held_signals or HeldSignals()
    try:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(EssaysSpider)
        process.crawl(crawler, **spider_args).addCallbacks(outcome.finished, outcome.failed)
        if outcome.failure is None:
            signals.resend_after_startup()
        process.start()
    finally:
        if queue_dir:
            shutil.rmtree(queue_dir, ignore_errors=True)
        signals.release()
    if outcome.failure is not None:
        raise_start_error(outcome.failure)
    if not outcome.done:
        raise CrawlInterrupted("the crawl was stopped before it saved its run")
    runs = crawler.get_extension(CrawlRunExtension)
    if runs is not None and runs.failure:
        raise CrawlNotStarted(runs.failure)
    if runs is None or runs.manifest is None:
        raise CrawlNotStarted("the crawl stopped before writing its run (see the log above)")
    return runs.manifest


def raise_start_error(failure) -> None:
    """The crawl's failure as :class:`CrawlNotStarted` when it is one of :data:`START_ERRORS`
    (as the exception itself otherwise: that is a bug, and its traceback is wanted)."""
    if failure.check(*START_ERRORS):
        raise CrawlNotStarted(str(failure.value)) from None
    failure.raiseException()
