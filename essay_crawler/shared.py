"""One large site crawled by several workers sharing a frontier in Redis (``ESSAY_REDIS_URL``).

The pieces, each the Scrapy way and each off unless ``ESSAY_REDIS_URL`` is set:

- :class:`SharedSite`, an add-on (``ADDONS``): scrapy-redis's scheduler and request dupefilter as the
  frontier (kept in Redis between workers, ``SCHEDULER_PERSIST``), requests stored as JSON
  (:mod:`essay_crawler.requestjson`), and this worker's share of the site's polite rate
  (``ESSAY_REDIS_WORKERS``), with no more requests taken from the queue than it may send at once. With ``ESSAY_REDIS_SWEEP`` the crawl keeps Scrapy's own scheduler.
- :class:`SiteScheduler`: scrapy-redis's scheduler with keys named after the site, not the spider.
- :class:`WorkerIdle`, an extension: a worker stays while the shared queue holds requests or another
  worker is busy, and stops once the whole site has been idle ``ESSAY_REDIS_IDLE`` seconds; an idle
  worker takes a request from the shared queue within a second of one arriving.
- :class:`Sweep`, an extension: the pass after the workers, which ends a shared crawl (it refuses to
  start while a worker is alive, clears the frontier and releases the claims of articles never
  written).

The incremental state of such a site lives in the same Redis (:mod:`essay_crawler.redis_state`).
"""
from __future__ import annotations

import logging
import math
import os
import socket
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from essay_crawler import requestjson
from essay_crawler.runfiles import site_folder

logger = logging.getLogger(__name__)

# scrapy-redis 0.9.1 passes ``spider=`` to the stats collector, which Scrapy warns about on every
# crawl (fixed upstream after 0.9.1); the warning says nothing about this project's crawl.
warnings.filterwarnings("ignore", message="Passing a 'spider' argument to StatsCollector",
                        category=ScrapyDeprecationWarning, module="scrapy_redis")

#: Seconds a worker's heartbeat lives: a worker killed without a goodbye is forgotten after it.
HEARTBEAT_TTL = 5.0
HEARTBEAT_INTERVAL = 1.0


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


def connect(url: str) -> redis.Redis:
    """A client for ``url`` that has answered a PING, else :class:`RedisUnreachable`."""
    try:
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except ValueError as exc:
        raise RedisUnreachable(f"redis {shown(url)}: not a Redis URL ({exc})") from None
    except redis.RedisError as exc:
        raise RedisUnreachable(f"redis {shown(url)}: unreachable ({exc})") from None
    return client


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
        if settings.getbool("ESSAY_REDIS_SWEEP"):
            return  # the sweep runs alone, at the site's whole polite rate
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
        settings.set("SCHEDULER", "essay_crawler.shared.SiteScheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("SCHEDULER_SERIALIZER", "essay_crawler.requestjson", priority="addon")


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


class SiteScheduler(Scheduler):
    """scrapy-redis's scheduler, its queue and dupefilter keys named after the site (``essay:<site>:…``),
    so several sites can share one Redis database; unreachable Redis is :class:`RedisUnreachable` at
    the start, and stops the crawl during it (:func:`stop_on_lost_redis`)."""

    @classmethod
    def from_crawler(cls, crawler):
        connect(crawler.settings["ESSAY_REDIS_URL"])
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        keys = SiteKeys.of(crawler.spider.site_name)
        scheduler.queue_key = keys.requests
        scheduler.df = RFPDupeFilter(scheduler.server, key=keys.seen, debug=crawler.settings.getbool("DUPEFILTER_DEBUG"))
        return scheduler

    def enqueue_request(self, request):
        try:
            return not redis_lost(self.crawler) and super().enqueue_request(request)
        except redis.RedisError as exc:
            stop_on_lost_redis(self.crawler, exc)
            return False

    def next_request(self):
        try:
            return None if redis_lost(self.crawler) else super().next_request()
        except redis.RedisError as exc:
            stop_on_lost_redis(self.crawler, exc)
            return None

    def has_pending_requests(self):
        try:
            return not redis_lost(self.crawler) and super().has_pending_requests()
        except redis.RedisError as exc:
            stop_on_lost_redis(self.crawler, exc)
            return False


def worker_name() -> str:
    """This process, as other workers see it: ``<host>:<pid>``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class WorkerIdle:
    """Extension: keeps a worker of a shared crawl open while the site has work, closes it after
    ``ESSAY_REDIS_IDLE`` seconds in which neither the shared queue held a request nor any worker was
    busy. Every second each worker writes its heartbeat (``busy`` or ``idle``, expiring after
    :data:`HEARTBEAT_TTL` seconds, so a killed worker stops counting)."""

    def __init__(self, crawler, client: redis.Redis, keys: SiteKeys, idle_seconds: float):
        self.crawler = crawler
        self.client = client
        self.keys = keys
        self.idle_seconds = idle_seconds
        self.me = keys.worker(worker_name())
        self.last_work = time.monotonic()
        self.loop = task.LoopingCall(self.beat)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("ESSAY_REDIS_URL") or settings.getbool("ESSAY_REDIS_SWEEP"):
            raise NotConfigured
        return cls(crawler, connect(settings["ESSAY_REDIS_URL"]), SiteKeys.of(crawler.spider.site_name),
                   settings.getfloat("ESSAY_REDIS_IDLE", 30.0))

    def spider_opened(self, spider):
        self.queue = PriorityQueue(self.client, spider, self.keys.requests, serializer=requestjson)
        self.last_work = time.monotonic()
        self.loop.start(HEARTBEAT_INTERVAL, now=True)

    def beat(self) -> None:
        try:
            self.share_work()
        except redis.RedisError as exc:
            stop_on_lost_redis(self.crawler, exc)

    def share_work(self) -> None:
        """Hand an idle engine a request of the shared queue; write this worker's heartbeat."""
        if redis_lost(self.crawler):
            return
        engine = self.crawler.engine
        if not engine.downloader.active and (request := self.queue.pop()) is not None:
            # An idle engine looks at its scheduler again only every few seconds (its heartbeat):
            # hand it a request of the shared queue now, so an idle worker joins in at once.
            request.dont_filter = True  # it is in the shared dupefilter already
            engine.crawl(request)
        busy = not engine.spider_is_idle()
        self.client.set(self.me, "busy" if busy else "idle", px=int(HEARTBEAT_TTL * 1000))
        if busy:
            self.last_work = time.monotonic()

    def others_busy(self) -> bool:
        names = [k for k in self.client.scan_iter(match=self.keys.workers, count=100) if k != self.me]
        return "busy" in (self.client.mget(names) if names else [])

    def spider_idle(self, spider):
        if redis_lost(self.crawler):
            return
        try:
            if self.client.zcard(self.keys.requests) or self.others_busy():
                self.last_work = time.monotonic()
        except redis.RedisError as exc:
            stop_on_lost_redis(self.crawler, exc)
            return
        if time.monotonic() - self.last_work < self.idle_seconds:
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        if self.loop.running:
            self.loop.stop()
        try:
            self.client.delete(self.me)
        except redis.RedisError:
            pass  # it expires by itself


class Sweep:
    """Extension for the sweep (``ESSAY_REDIS_SWEEP``), run once the workers have ended: it refuses to
    start while a worker's heartbeat is alive, then clears the shared queue and dupefilter (the next
    shared crawl starts afresh) and releases every claim (an article claimed by a killed worker but
    never written is written by the sweep); at the end it releases the sweep's own claims."""

    def __init__(self, client: redis.Redis, keys: SiteKeys):
        self.client = client
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("ESSAY_REDIS_URL") or not settings.getbool("ESSAY_REDIS_SWEEP"):
            raise NotConfigured
        keys = SiteKeys.of(crawler.spider.site_name)
        client = connect(settings["ESSAY_REDIS_URL"])
        alive = sorted(k.rsplit(":worker:", 1)[1] for k in client.scan_iter(match=keys.workers, count=100))
        if alive:
            raise ValueError(f"redis {shown(settings['ESSAY_REDIS_URL'])}: {len(alive)} worker(s) of "
                             f"{crawler.spider.site_name} still running ({', '.join(alive)}); "
                             "sweep once they have ended")
        client.delete(keys.requests, keys.seen, keys.claims)
        sweep = cls(client, keys)
        crawler.signals.connect(sweep.spider_closed, signal=signals.spider_closed)
        return sweep

    def spider_closed(self, spider, reason):
        if reason == "finished":
            self.client.delete(self.keys.claims)
