"""Downloader middleware: Scrapy's retry, with exponential backoff between attempts."""
from __future__ import annotations

import asyncio

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message


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
