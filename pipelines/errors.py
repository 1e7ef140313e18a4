"""Why a page could not be turned into records."""
from __future__ import annotations

#: Stable reason codes written to errors files.
REASONS = (
    "unreadable",      # file could not be read
    "bad_encoding",    # bytes decode to no recognisable text
    "not_a_page",      # not HTML / not a text dump
    "no_content",      # no essay text found
    "http_error",      # non-2xx response
    "timeout",
    "connection_error",
    "too_large",
    "split_mismatch",  # pieces found differ from the title's claimed count
)


class PageError(Exception):
    """A page that yields no records; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(f"{reason}: {message}" if message else reason)
        self.reason = reason
        self.message = message or reason
