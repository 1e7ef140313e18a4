"""The spider middleware that leaves out articles already known, and downloader middlewares: Scrapy's retry with exponential backoff between attempts, Scrapy's
redirects (HTTP and meta refresh) with loops and endless chains reported as failures rather than
dropped silently, robots.txt read as RFC 9309 says (with Crawl-delay), and decompression bombs
reported as too large."""
from __future__ import annotations

import asyncio
import logging
import time
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import (
    BaseRedirectMiddleware,
    MetaRefreshMiddleware,
    RedirectMiddleware,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured, StopDownload
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import get_meta_refresh, response_status_message

from essay_crawler.extensions import CrawlRunExtension

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class KnownArticlesMiddleware(BaseSpiderMiddleware):
    """Spider middleware: a request for an article page (``kind`` article, or candidate on the
    automatic path) whose URL the run's state knows — written by an earlier run or by this run before
    it was interrupted, under its canonical URL or an alias — is not sent; counted once per URL
    (left out as ``known``). List pages are always requested. Off with ``ESSAY_REFRESH``."""

    KINDS = frozenset({"article", "candidate"})

    def __init__(self, crawler, runs: CrawlRunExtension):
        super().__init__(crawler)
        self.runs = runs
        self.skipped: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.getbool("ESSAY_REFRESH"):
            raise NotConfigured("ESSAY_REFRESH: known articles are fetched again")
        runs = crawler.get_extension(CrawlRunExtension)
        if runs is None:
            raise NotConfigured("needs essay_crawler.extensions.CrawlRunExtension")
        return cls(crawler, runs)

    @cached_property
    def known(self) -> set[str]:
        """The known URLs, read when the first request comes (the run is open by then)."""
        return self.runs.run.known_urls()

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if request.cb_kwargs.get("kind") not in self.KINDS or request.url not in self.known:
            return request
        if request.url not in self.skipped:
            self.skipped.add(request.url)
            self.runs.count_left_out("known")
        return None


class RedirectFailed(IgnoreRequest):
    """Redirects that lead nowhere: back to a URL of the same chain, or more than REDIRECT_MAX_TIMES.

    ``chain`` lists the URLs requested, first (the linked URL) to last, then the redirect target.
    """

    def __init__(self, message: str, chain: list[str]):
        super().__init__(message)
        self.chain = chain


def backoff_delay(attempt: int, base: float, cap: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): ``base·2^(attempt-1)`` or Retry-After."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), cap)
    return min(base * 2 ** (attempt - 1), cap)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries 429/5xx responses and timeouts/connection errors, waiting longer each time."""

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX")

    async def _wait(self, retry, retry_after: str | None = None):
        if retry is not None:
            await asyncio.sleep(backoff_delay(retry.meta.get("retry_times", 1), self.base, self.cap, retry_after))
        return retry

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        header = response.headers.get("Retry-After")
        return await self._wait(retry, header.decode("latin-1") if header else None) or response

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._wait(self._retry(request, exception))


if TYPE_CHECKING:
    class _Redirecting(BaseRedirectMiddleware):
        """For the type checker only: what :class:`_FailingLoops` is mixed into (RedirectMiddleware or
        MetaRefreshMiddleware), whose ``process_response`` its ``super()`` calls."""

        def process_response(self, request: Request, response: Response,
                             spider: Spider | None = None) -> Request | Response: ...
else:
    _Redirecting = object  # at run time the mixin adds nothing to the middleware's MRO


class _FailingLoops(_Redirecting):
    """Turns a redirect loop or an endless chain into :class:`RedirectFailed`.

    Without this a loop (a → b → a) ends in the duplicate filter, which drops the request without
    an errback, and too many redirects end in a plain IgnoreRequest, which looks like robots.txt.
    """

    def _target(self, request, response) -> str:
        raise NotImplementedError

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        # Scrapy's signature; ``spider`` (optional, so Scrapy does not pass it) is not passed on either.
        chain = [*request.meta.get("redirect_urls", []), request.url]
        try:
            result = super().process_response(request, response)
        except IgnoreRequest as exc:
            raise RedirectFailed(f"more than {self.max_redirect_times} redirects",
                                 [*chain, self._target(request, response)]) from exc
        if isinstance(result, Request) and result.url in chain:
            raise RedirectFailed("redirect loop", [*chain, result.url])
        return result


class LoopAwareRedirectMiddleware(_FailingLoops, RedirectMiddleware):
    """Scrapy's HTTP redirect middleware, raising :class:`RedirectFailed` for a loop or too many
    redirects."""

    def _target(self, request, response) -> str:
        return urljoin(request.url, response.headers.get("Location", b"").decode("latin-1"))


class LoopAwareMetaRefreshMiddleware(_FailingLoops, MetaRefreshMiddleware):
    """Scrapy's ``<meta http-equiv="refresh">`` middleware, raising :class:`RedirectFailed` for a
    loop or too many refreshes."""

    def _target(self, request, response) -> str:
        return get_meta_refresh(response, ignore_tags=self._ignore_tags)[1] or request.url


#: A robots.txt declaring more bytes than this is not downloaded at all (disallow all); below, only its
#: first ROBOTSTXT_MAX_BYTES are read. Also the bound on its decompressed size.
ROBOTS_MAX_DECLARED = 256 * 1024 * 1024
#: What a robots.txt that could not be read means (RFC 9309 2.3.1.4: unreachable → disallow all).
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def robots_body(status: int, body: bytes, limit: int) -> bytes:
    """The robots.txt text to obey for a response: 5xx → disallow all, other non-2xx → allow all
    (RFC 9309 2.3.1.3), a body over ``limit`` bytes cut to its last whole line within it."""
    if status >= 500:
        return DISALLOW_ALL
    if not 200 <= status < 300:
        return b""
    if len(body) > limit:
        cut = body.rfind(b"\n", 0, limit)
        body = body[:cut + 1] if cut >= 0 else b""
    return body


class RobotsUnreachable(IgnoreRequest):
    """A request not sent because its site's robots.txt could not be read at all (no answer, a
    refused connection): the site is unreachable, so this is the request's failure, not a policy."""


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, reading robots.txt as RFC 9309 says and honouring Crawl-delay.

    - 5xx (after retries) or no answer at all → disallow all; 4xx → allow all.
    - Only the first ``ROBOTSTXT_MAX_BYTES`` (500 KiB) are read: a longer body is cut, not ignored
      (its download is stopped there, whatever its declared length up to :data:`ROBOTS_MAX_DECLARED`).
    - ``Crawl-delay`` for our user agent spaces the requests to that host, at most
      ``ROBOTSTXT_MAX_CRAWL_DELAY`` seconds apart (10).
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.max_bytes = crawler.settings.getint("ROBOTSTXT_MAX_BYTES", 500 * 1024)
        self.max_delay = crawler.settings.getfloat("ROBOTSTXT_MAX_CRAWL_DELAY", 10.0)
        self.delays: dict[str, float] = {}
        self.next_slot: dict[str, float] = {}
        self.unreachable: dict[str, str] = {}  # netloc → why its robots.txt could not be read
        crawler.signals.connect(self.stop_long_robots, signal=signals.bytes_received)

    @staticmethod
    def is_robots_request(request) -> bool:
        return bool(request.meta.get("dont_obey_robotstxt")) and request.url.endswith("/robots.txt")

    def stop_long_robots(self, data: bytes, request, spider=None) -> None:
        """Stop a robots.txt download past ``ROBOTSTXT_MAX_BYTES``, keeping what came (Scrapy's
        ``bytes_received`` signal)."""
        if not self.is_robots_request(request):
            return
        received = request.meta["robots_bytes"] = request.meta.get("robots_bytes", 0) + len(data)
        if received > self.max_bytes:
            raise StopDownload(fail=False)

    async def process_request(self, request, spider=None):
        if self.is_robots_request(request):  # read its start even when it declares a huge length
            request.meta.setdefault("download_maxsize", ROBOTS_MAX_DECLARED)
        await super().process_request(request)
        if not request.meta.get("dont_obey_robotstxt"):
            await self.wait_crawl_delay(urlparse_cached(request).netloc)

    def process_request_2(self, rp, request) -> None:
        """Scrapy's check, except that a site whose robots.txt never answered fails the request with
        the reason (:class:`RobotsUnreachable`)."""
        netloc = urlparse_cached(request).netloc
        if netloc in self.unreachable:
            raise RobotsUnreachable(f"robots.txt of {netloc} could not be read: {self.unreachable[netloc]}")
        super().process_request_2(rp, request)

    async def wait_crawl_delay(self, netloc: str) -> None:
        """Keep requests to ``netloc`` at least its Crawl-delay apart."""
        delay = self.delays.get(netloc)
        if not delay:
            return
        now = time.monotonic()
        start = max(now, self.next_slot.get(netloc, now))
        self.next_slot[netloc] = start + delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _parse_robots(self, response, netloc, request):
        body = robots_body(response.status, response.body, self.max_bytes)
        await super()._parse_robots(response.replace(body=body), netloc, request)
        parser = self._parsers.get(netloc)
        delay = parser.crawl_delay(self.user_agent(request)) if hasattr(parser, "crawl_delay") else None
        if delay:
            self.delays[netloc] = min(delay, self.max_delay)
            self.crawler.stats.set_value(f"robotstxt/crawl_delay/{netloc}", self.delays[netloc])

    def user_agent(self, request) -> str:
        agent = self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)
        return agent.decode("latin-1") if isinstance(agent, bytes) else agent

    def _robots_error(self, exc, netloc):
        """robots.txt unreachable (connection failed, too large to decompress…): disallow all."""
        logger.debug("robots.txt of %s could not be read (%s): nothing there is fetched", netloc, exc)
        if not isinstance(exc, IgnoreRequest):
            self.crawler.stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            self.unreachable[netloc] = f"{type(exc).__name__}: {exc}"
        waiting = self._parsers[netloc]
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        waiting.callback(self._parsers[netloc])


class SizeCappedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, with a body that inflates past ``DOWNLOAD_MAXSIZE`` (a gzip bomb)
    failing its request as too large (an error line, reason ``too_large``) instead of being dropped
    silently."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                raise DownloadCancelledError(f"body larger than DOWNLOAD_MAXSIZE once decompressed ({exc})") from exc
            raise
