"""A live progress line on stderr while a crawl runs (enabled by ``ESSAY_PROGRESS``)."""
from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressLine:
    """Pages fetched, articles, pieces, errors and pages/min, redrawn every second."""

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
