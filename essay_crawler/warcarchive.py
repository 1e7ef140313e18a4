"""The crawl's WARC archive: every response the downloader receives, into the run's ``pages.warc.gz``."""
from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus

from scrapy import signals
from scrapy.exceptions import NotConfigured

from essay_crawler.extensions import CrawlRunExtension
from essay_crawler.items import LeftOut


class WarcArchive:
    """Writes every response the downloader receives into the run's WARC file, ``pages.warc.gz`` in the
    run folder (``OUT.warc.gz`` with ``-o``), when ``ESSAY_WARC`` is on: one WARC/1.1 ``response``
    record per response (robots.txt, redirects, errors and retries included), with the HTTP status line
    and headers as received and the body as it came off the wire (a compressed body stays compressed,
    with its ``Content-Encoding``; ``Transfer-Encoding`` is left out: the client has undone the
    chunking). Connected to the ``response_downloaded`` signal, so it sees each response before the
    downloader middlewares change it.

    The file is one of the run's files (:meth:`~essay_crawler.runs.CrawlRun.open_archive`, once the
    :class:`CrawlRunExtension` has opened the run): partial while the run goes on, renamed into the run
    folder by its commit, and continued by a resumed run, which repeats no response already in it
    (same target URI, same payload). Written through :meth:`CrawlRunExtension.writing`, so a full
    disk stops the run as a refused pieces line does (``disk_full``, resumable).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.runs: CrawlRunExtension | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("ESSAY_WARC"):
            raise NotConfigured
        return cls(crawler)

    def spider_opened(self, spider):
        runs = self.crawler.get_extension(CrawlRunExtension)
        if runs.open:  # connected after the run's extension: it has opened the run by now
            runs.run.open_archive()
            self.runs = runs

    def response_downloaded(self, response, request, spider):
        if self.runs is None:
            return
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, values in response.headers.items() for value in values]
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        try:
            with self.runs.writing(response.url) as run:
                archive = run.warc
                assert archive is not None  # opened in spider_opened
                if archive.write_response(response.url, response.status, reason, headers, response.body,
                                          datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")):
                    self.crawler.stats.inc_value("essay/warc_records")
        except LeftOut:
            pass  # the run stopped writing (disk full): it has said so, once
