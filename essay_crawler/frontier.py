"""The Redis components of a shared crawl (:mod:`essay_crawler.shared`), loaded only with
``ESSAY_REDIS_URL``: the site's scheduler, the idle and sweep extensions, the checked client."""
from __future__ import annotations

import time
import warnings

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, ScrapyDeprecationWarning
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from essay_crawler import requestjson
from essay_crawler.shared import RedisUnreachable, SiteKeys, redis_lost, shown, stop_on_lost_redis, worker_name

# scrapy-redis 0.9.1 passes ``spider=`` to the stats collector, which Scrapy warns about on every
# crawl (fixed upstream after 0.9.1); the warning says nothing about this project's crawl.
warnings.filterwarnings("ignore", message="Passing a 'spider' argument to StatsCollector",
                        category=ScrapyDeprecationWarning, module="scrapy_redis")


#: Seconds a worker's heartbeat lives: a worker killed without a goodbye is forgotten after it.
HEARTBEAT_TTL = 5.0
HEARTBEAT_INTERVAL = 1.0


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
