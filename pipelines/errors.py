"""Why a page could not be turned into records."""
from __future__ import annotations

from dataclasses import dataclass

#: Stable reason codes written to errors files.
REASONS = (
    "unreadable",      # file could not be read
    "bad_warc",        # a .warc/.warc.gz file that is not a WARC, or a record in it that cannot be parsed
    "bad_encoding",    # bytes decode to no recognisable text
    "not_a_page",      # not HTML / not a text dump
    "no_content",      # no essay text found
    "http_error",      # non-2xx response (after retries for 429/5xx)
    "timeout",         # no complete answer within DOWNLOAD_TIMEOUT, after retries
    "connection_error",  # refused, reset, unresolvable host, connection lost, after retries
    "too_large",       # body larger than DOWNLOAD_MAXSIZE (declared or while downloading)
    "truncated",       # connection closed before the Content-Length was received, after retries; or a
                       # WARC file that ends inside a record
    "redirect_loop",   # redirects back to a URL of the same chain, or more than REDIRECT_MAX_TIMES
    "split_mismatch",  # pieces found differ from the title's claimed count
    "truncated_by_site",  # the site cut a piece short (……阅读全文, 此处隐藏N个字): its records say "truncated"
    "piece_too_long",  # a piece longer than MAX_PIECE_CHARS: a page the split could not cut up
    "timeout_cleaning",  # not cleaned within CLEAN_TIMEOUT seconds: its worker was killed
    "internal_error",  # cleaning failed: a bug (exception text in the message) or its worker died twice
)

#: Reasons noted for a page whose records were written all the same: not failures.
NOTICES = frozenset({"split_mismatch", "truncated_by_site"})


def truncation_notice(records: list[dict]) -> str | None:
    """The ``truncated_by_site`` message for a page's records, or None when no piece was cut short."""
    cut = [str(r["piece_no"]) for r in records if r.get("truncated")]
    if not cut:
        return None
    return f"the site cut piece{'s' if len(cut) > 1 else ''} {', '.join(cut)} of {len(records)} short"


class PageError(Exception):
    """A page that yields no records; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message or reason

    @property
    def failure(self) -> PageFailure:
        return PageFailure(self.reason, self.message)


@dataclass(frozen=True, slots=True)
class PageFailure:
    """A :class:`PageError` as plain data (it crosses from a worker process)."""

    reason: str
    message: str
