"""One large site crawled by several workers sharing a frontier in Redis (``ESSAY_REDIS_URL``).

This module is what every crawl loads, and it imports neither the Redis client nor scrapy-redis: the
add-on :class:`SharedSite` (``ADDONS``) puts the Redis components in place only when
``ESSAY_REDIS_URL`` is set, and they live in :mod:`essay_crawler.frontier`:

- the frontier: scrapy-redis's scheduler and request dupefilter, kept in Redis between workers
  (``SCHEDULER_PERSIST``) under keys named after the site, requests stored as JSON
  (:mod:`essay_crawler.requestjson`); this worker takes its share of the site's polite rate
  (``ESSAY_REDIS_WORKERS``), with no more requests taken from the queue than it may send at once. With
  ``ESSAY_REDIS_SWEEP`` the crawl keeps Scrapy's own scheduler.
- the ``WorkerIdle`` extension: a worker stays while the shared queue holds requests or another worker
  is busy, and stops once the whole site has been idle ``ESSAY_REDIS_IDLE`` seconds.
- the ``Sweep`` extension: the pass after the workers, which ends a shared crawl.

The incremental state of such a site lives in the same Redis (:mod:`essay_crawler.redis_state`).
"""
from __future__ import annotations

import logging
import math
import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from scrapy.utils.defer import deferred_from_coro

from essay_crawler.runfiles import site_folder

logger = logging.getLogger(__name__)

class RedisUnreachable(ValueError):
    """The Redis of ``ESSAY_REDIS_URL`` does not answer (the message says which and why)."""


@dataclass(frozen=True)
class SiteKeys:
    """The Redis keys of one site: ``essay:<site>:…``."""

    prefix: str

    @classmethod
    def of(cls, site: str) -> SiteKeys:
        return cls(f"essay:{site_folder(site)}")  # letters, digits, ``.-_``: never a ``%`` or a glob

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"

    def worker(self, name: str) -> str:
        return f"{self.prefix}:worker:{name}"

    @property
    def workers(self) -> str:
        """The pattern of every worker's heartbeat key."""
        return f"{self.prefix}:worker:*"

    @property
    def articles(self) -> str:
        return f"{self.prefix}:articles"

    @property
    def urls(self) -> str:
        return f"{self.prefix}:urls"

    @property
    def claims(self) -> str:
        return f"{self.prefix}:claims"

    def run(self, name: str) -> str:
        return f"{self.prefix}:run:{name}"

    @property
    def runs(self) -> str:
        return f"{self.prefix}:runs"

    @property
    def run_numbers(self) -> str:
        return f"{self.prefix}:run_numbers"


def shown(url: str) -> str:
    """``url`` as messages show it: a password in it replaced by ``***``.

    >>> shown("redis://:s3cret@10.0.0.5:6379/0")
    'redis://:***@10.0.0.5:6379/0'
    >>> shown("redis://127.0.0.1:6379/0")
    'redis://127.0.0.1:6379/0'
    """
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}***@{parts.netloc.rpartition('@')[2]}"))



def politeness_share(settings, workers: int) -> dict:
    """The settings that give one of ``workers`` its share of the site's polite rate: delays times
    ``workers``, concurrency (per domain, and autothrottle's target) divided by it."""
    delay = settings.getfloat("DOWNLOAD_DELAY")
    start = settings.getfloat("AUTOTHROTTLE_START_DELAY")
    return {
        "DOWNLOAD_DELAY": delay * workers,
        "AUTOTHROTTLE_START_DELAY": start * workers,
        "AUTOTHROTTLE_MAX_DELAY": max(settings.getfloat("AUTOTHROTTLE_MAX_DELAY"), start * workers),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": settings.getfloat("AUTOTHROTTLE_TARGET_CONCURRENCY") / workers,
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(1, math.ceil(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
                                                           / workers)),
    }



class SharedSite:
    """Add-on: a crawl with ``ESSAY_REDIS_URL`` takes its frontier from Redis (see the module docstring)."""

    def update_settings(self, settings) -> None:
        url = settings.get("ESSAY_REDIS_URL")
        if not url:
            return
        from essay_crawler.frontier import Sweep, WorkerIdle  # the Redis client, only for a shared crawl

        if settings.getbool("ESSAY_REDIS_SWEEP"):
            # Before the run is claimed: it releases claims the run may need. The sweep runs alone, at
            # the site's whole polite rate, with Scrapy's own scheduler.
            settings.set_in_component_priority_dict("EXTENSIONS", Sweep, -10)
            return
        workers = settings.getint("ESSAY_REDIS_WORKERS", 1)
        if workers < 1:
            raise ValueError(f"ESSAY_REDIS_WORKERS: {workers} is not a whole number of at least 1")
        share = politeness_share(settings, workers)
        # A worker holds no more requests than it may send at once: what a killed worker had taken
        # from the shared queue is lost to the others until the sweep.
        share["CONCURRENT_REQUESTS"] = share["CONCURRENT_REQUESTS_PER_DOMAIN"]
        for name, value in share.items():
            settings.set(name, value, priority=settings.getpriority(name) or "addon")
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "essay_crawler.frontier.SiteScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_SERIALIZER", "essay_crawler.requestjson", priority="addon")
        settings.set_in_component_priority_dict("EXTENSIONS", WorkerIdle, 500)


LOST = "essay/redis_lost"  # stats key: why the crawl stopped when Redis stopped answering


def stop_on_lost_redis(crawler, exc: Exception) -> None:
    """Redis stopped answering during the crawl: say so once and stop the crawl (reason
    ``redis_unreachable``), leaving its run resumable (the run's own record is in its SQLite file)."""
    if crawler.stats.get_value(LOST):
        return
    crawler.stats.set_value(LOST, str(exc))
    logger.error("redis %s: unreachable (%s); the run stopped; run the same command again once it answers",
                 shown(crawler.settings["ESSAY_REDIS_URL"]), exc)
    closing = deferred_from_coro(crawler.engine.close_spider_async(reason="redis_unreachable"))
    _closing.add(closing)  # kept referenced until it has run

    def forget(result):
        _closing.discard(closing)
        return result

    closing.addBoth(forget)


_closing: set = set()


def redis_lost(crawler) -> bool:
    """True once :func:`stop_on_lost_redis` has stopped the crawl."""
    return bool(crawler.stats.get_value(LOST))



def lost_state_errors(redis_url: str | None) -> tuple[type[Exception], ...]:
    """The errors of a shared state that stopped answering: Redis's, for a crawl with ``redis_url``;
    none otherwise (the Redis client is not loaded)."""
    if not redis_url:
        return ()
    import redis

    return (redis.RedisError,)


def worker_name() -> str:
    """This process, as other workers see it: ``<host>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


