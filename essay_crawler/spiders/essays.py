"""The ``essays`` spider: category → pagination → article pages of an essay site."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError, TimeoutError

from essay_crawler.items import ErrorItem, PageItem
from essay_crawler.links import extract_links, host_allowed
from essay_crawler.profiles import resolve_profile

ARTICLE_PRIORITY = 10  # finish articles before opening more list pages: keeps the queue short


def error_reason(failure) -> tuple[str, str, int | None]:
    """``(reason, message, status)`` for a failed request."""
    if failure.check(HttpError):
        response = failure.value.response
        return "http_error", f"HTTP {response.status}", response.status
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout", str(failure.value), None
    if failure.check(DNSLookupError, ConnectionRefusedError):
        return "connection_error", str(failure.value), None
    name = type(failure.value).__name__
    if "MaxSize" in name or "maxsize" in str(failure.value).lower():
        return "too_large", str(failure.value), None
    return "connection_error", f"{name}: {failure.value}", None


class EssaysSpider(scrapy.Spider):
    """Crawls one essay site from its home or category pages.

    Arguments (``-a``): ``start_url`` (one or more, comma-separated), ``profile`` (a bundled profile
    name or a TOML file; without one the automatic path is used), ``follow`` (``0`` to fetch only
    the start URLs, as ``essay-crawler scrape`` does).
    """

    name = "essays"

    def __init__(self, start_url: str | None = None, profile: str | None = None, follow: str = "1",
                 *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = resolve_profile(profile) if profile else None
        given = [u.strip() for u in (start_url or "").split(",") if u.strip()]
        if not given and self.profile:
            given = [u for u in self.profile.start_urls if urlsplit(u).scheme]
        if not given:
            raise ValueError("give a start_url (or a profile with absolute start_urls)")
        base = given[0]
        if self.profile and self.profile.start_urls and len(given) == 1 and urlsplit(base).path in ("", "/"):
            given = [urljoin(base, u) for u in self.profile.start_urls]
        self.start_urls = given
        domains = (self.profile.allowed_domains if self.profile and self.profile.allowed_domains
                   else tuple(sorted({urlsplit(u).hostname for u in given})))
        self.allowed_domains = list(domains)
        self.follow = follow not in ("0", "false", "no", False)
        self.site_name = urlsplit(given[0]).hostname or "local"

    async def start(self):
        for url in self.start_urls:
            kind = self.page_kind(url) if self.follow else "article"
            yield self.request(url, "list" if kind == "other" else kind)

    def page_kind(self, url: str) -> str:
        """``article`` / ``list`` by the profile's URL patterns, ``other`` when it has patterns and
        none match, ``candidate`` on the automatic path."""
        if not self.profile or not (self.profile.article_urls or self.profile.list_urls):
            return "candidate"
        path = urlsplit(url).path
        if self.profile.is_article_url(path):
            return "article"
        if self.profile.is_list_url(path):
            return "list"
        return "other"

    def request(self, url: str, kind: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, cb_kwargs={"kind": kind},
                              priority=ARTICLE_PRIORITY if kind == "article" else 0)

    def parse(self, response, kind: str = "candidate"):
        if not isinstance(response, TextResponse):
            return
        if kind in ("article", "candidate"):
            yield PageItem(url=response.url, body=response.body, declared_encoding=self.header_charset(response),
                           kind=kind, crawled_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if not self.follow:
            return
        for url in extract_links(response.body, response.url, response.encoding):
            if not host_allowed(url, tuple(self.allowed_domains)):
                continue
            link_kind = self.page_kind(url)
            if link_kind != "other":
                yield self.request(url, link_kind)

    @staticmethod
    def header_charset(response) -> str | None:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        _, _, charset = content_type.partition("charset=")
        return charset.strip(" ;\"'") or None

    def on_error(self, failure):
        reason, message, status = error_reason(failure)
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # robots.txt or offsite: policy, not a failure (counted in Scrapy's stats)
        yield ErrorItem(failure.request.url, reason, message, status)
