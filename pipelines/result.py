"""The result of cleaning one page, light to import (the crawl process holds results, not the stages)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import PageFailure


@dataclass(frozen=True, slots=True)
class CleanResult:
    """What cleaning one page gave: its records, the encoding it was read in and how its piece count
    compares with the title's claim — or, where a page's failure is data rather than an exception
    (:func:`pipelines.worker.clean_fetched_page`), the ``error`` that left it without records."""

    records: list[dict] = field(default_factory=list)
    claimed: int | None = None
    mismatch: bool = False
    encoding: str | None = None
    error: PageFailure | None = None

    @classmethod
    def failed(cls, reason: str, message: str) -> CleanResult:
        return cls(error=PageFailure(reason, message))
