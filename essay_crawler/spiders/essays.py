"""The ``essays`` spider: category → pagination → article pages of an essay site."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError, TimeoutError

from essay_crawler.items import ErrorItem, PageItem
from essay_crawler.links import extract_links, host_allowed, host_and_port, host_with_port
from essay_crawler.middlewares import RedirectFailed, RobotsUnreachable
from essay_crawler.profiles import LinkKind, page_kind, resolve_profile
from pipelines.decode import header_charset
from pipelines.profiles import SiteProfile

ARTICLE_PRIORITY = 10  # finish articles before opening more list pages: keeps the queue short


#: Download failures by exception → (reason, message when the exception has none); anything else
#: (reset, refused, unresolvable host, lost connection) is a connection_error.
FAILURE_REASONS = (
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout", "no answer within DOWNLOAD_TIMEOUT"),
    ((DownloadCancelledError,), "too_large", "body larger than DOWNLOAD_MAXSIZE"),
    ((ResponseDataLossError,), "truncated", "body shorter than its Content-Length"),
)


def check_start_url(url: str) -> str:
    """``url`` if it can start a crawl (http or https, with a host); else ValueError ``<url>: <why>``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url}: a start URL needs http:// or https://")
    if not parts.hostname:
        raise ValueError(f"{url}: a start URL needs a host name")
    return url


def error_reason(failure) -> tuple[str, str, int | None]:
    """``(reason, message, status)`` for a failed request (reasons: see pipelines/errors.py)."""
    if failure.check(HttpError):
        response = failure.value.response
        return "http_error", f"HTTP {response.status}", response.status
    if failure.check(RedirectFailed):
        return "redirect_loop", f"{failure.value}: {' -> '.join(failure.value.chain)}", None
    retries = failure.request.meta.get("retry_times", 0)
    attempts = f" (gave up after {retries + 1} attempts)" if retries else ""
    if failure.check(RobotsUnreachable):
        return "connection_error", str(failure.value), None
    for exceptions, reason, default in FAILURE_REASONS:
        if failure.check(*exceptions):
            return reason, f"{str(failure.value) or default}{attempts}", None
    return "connection_error", f"{type(failure.value).__name__}: {failure.value}{attempts}", None


class EssaysSpider(scrapy.Spider):
    """Crawls one essay site from its home or category pages.

    Arguments (``-a``): ``start_url`` (one or more, comma-separated), ``profile`` (a bundled profile
    name or a TOML file; without one the automatic path is used), ``follow`` (``0`` to fetch only
    the start URLs, as ``essay-crawler scrape`` does).

    Article URLs the run's state knows are not requested again (the spider middleware
    :class:`~essay_crawler.middlewares.KnownArticlesMiddleware` drops them).
    """

    name = "essays"

    @staticmethod
    def check_arguments(start_url: str | None = None, profile: str | None = None,
                        **_) -> tuple[SiteProfile | None, list[str]]:
        """The profile and start URLs these arguments give; ValueError ``<what>: <why>`` (a
        ``ProfileError`` for the profile) when they cannot start a crawl."""
        site_profile = resolve_profile(profile) if profile else None
        given = [u.strip() for u in (start_url or "").split(",") if u.strip()]
        if not given and site_profile:
            given = [u for u in site_profile.start_urls if urlsplit(u).scheme]
        if not given:
            raise ValueError("give a start_url (or a profile with absolute start_urls)")
        return site_profile, [check_start_url(u) for u in given]

    def __init__(self, start_url: str | None = None, profile: str | None = None, follow: str = "1",
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile, given = self.check_arguments(start_url, profile)
        base = given[0]
        if self.profile and len(given) == 1 and urlsplit(base).path in ("", "/"):
            # A site's root: start from the profile's relative start paths (category pages) there.
            given = [urljoin(base, u) for u in self.profile.start_urls if not urlsplit(u).scheme] or given
        self.start_urls = given
        # Every start URL has a host (check_start_url; urljoin onto one keeps it).
        hosts = {cast(str, urlsplit(u).hostname) for u in given}
        self.allowed_domains = sorted(hosts.union(self.profile.allowed_domains if self.profile else ()))
        # Links are followed on the start URLs' host and port (another port is another site), and on
        # the profile's domains.
        self.follow_hosts = tuple(sorted({host_with_port(u) for u in given}.union(
            self.profile.allowed_domains if self.profile else ())))
        self.follow = follow not in ("0", "false", "no", False)
        self.site_name = host_and_port(given[0]) or "local"  # another port is another site
        self.requested: set[str] = set()  # links already turned into requests: most links repeat

    async def start(self):
        self.requested.update(self.start_urls)
        for url in self.start_urls:
            kind: LinkKind = self.page_kind(url) if self.follow else "article"
            yield self.request(url, "list" if kind == "other" else kind)

    def page_kind(self, url: str) -> LinkKind:
        return page_kind(self.profile, url)

    def request(self, url: str, kind: LinkKind) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, cb_kwargs={"kind": kind},
                              priority=ARTICLE_PRIORITY if kind == "article" else 0)

    def parse(self, response, kind: LinkKind = "candidate"):
        if not isinstance(response, TextResponse):
            return
        if kind == "article" or kind == "candidate":
            yield PageItem(url=response.url, body=response.body, declared_encoding=self.header_charset(response),
                           kind=kind, crawled_at=datetime.now(UTC).isoformat(timespec="seconds"))
        if not self.follow:
            return
        for url in extract_links(response.body, response.url, response.encoding):
            if url in self.requested or not host_allowed(url, self.follow_hosts):
                continue
            self.requested.add(url)
            link_kind = self.page_kind(url)
            if link_kind != "other":
                yield self.request(url, link_kind)

    @staticmethod
    def header_charset(response) -> str | None:
        return header_charset(response.headers.get("Content-Type", b"").decode("latin-1"))

    def on_error(self, failure):
        if failure.check(IgnoreRequest) and not failure.check(HttpError, RedirectFailed, RobotsUnreachable):
            return  # robots.txt or offsite: policy, not a failure (counted in Scrapy's stats)
        reason, message, status = error_reason(failure)
        url = failure.value.chain[0] if failure.check(RedirectFailed) else failure.request.url
        yield ErrorItem(url, reason, message, status)
