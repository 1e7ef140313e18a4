"""Downloader middlewares: Scrapy's retry with exponential backoff between attempts, and Scrapy's
redirects (HTTP and meta refresh) with loops and endless chains reported as failures rather than
dropped silently."""
from __future__ import annotations

import asyncio
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import (
    MetaRefreshMiddleware,
    RedirectMiddleware,
)
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import get_meta_refresh, response_status_message


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


class _FailingLoops:
    """Turns a redirect loop or an endless chain into :class:`RedirectFailed`.

    Without this a loop (a → b → a) ends in the duplicate filter, which drops the request without
    an errback, and too many redirects end in a plain IgnoreRequest, which looks like robots.txt.
    """

    def _target(self, request, response) -> str:
        raise NotImplementedError

    def process_response(self, request, response):
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
