"""Cleaning in worker processes during a crawl. Imports no Scrapy, so workers stay small."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading

from pipelines.errors import PageError
from pipelines.profiles import SiteProfile
from pipelines.result import CleanResult

_worker: dict = {}


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def cores_beside_the_crawl() -> int:
    """:func:`usable_cores` less the one the crawl thread takes (at least 1)."""
    return max(1, usable_cores() - 1)


def init_cleaner(profile: SiteProfile | None, convert: str) -> None:
    """Keep the site profile once per worker process (passed whole: a bundled one may sit in a zipped egg);
    in a worker, exit with the crawl process."""
    _worker["profile"] = profile
    _worker["convert"] = convert
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=exit_when_gone, args=(parent.sentinel,), daemon=True).start()


def exit_when_gone(sentinel: int) -> None:
    """Exit as soon as the crawl process is gone, even killed with SIGKILL: an orphaned worker
    would otherwise keep itself and the forkserver alive."""
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def clean_fetched_page(body: bytes, url: str, declared_encoding: str | None) -> CleanResult:
    """Clean one page in a worker: its result for the crawl process, a page's failure as its ``error``.

    A bug in cleaning (any exception but :class:`PageError`) is an ``internal_error`` for this page
    only: the crawl goes on.
    """
    from pipelines.clean import clean_page  # here, so a crawl process with workers never loads the stages
    from pipelines.normalize import DEFAULT_CONVERSION

    try:
        return clean_page(body, url, profile=_worker.get("profile"), convert=_worker.get("convert", DEFAULT_CONVERSION),
                          declared_encoding=declared_encoding)
    except PageError as exc:
        return CleanResult(error=exc.failure)
    except Exception as exc:  # reported as the page's error, never lost
        return CleanResult.failed("internal_error", f"{type(exc).__name__}: {exc}")
