"""Items that flow from the spider through the item pipelines."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageItem:
    """A fetched page to clean. ``kind`` is ``article`` when a profile's article pattern matched
    (no content is then an error) or ``candidate`` on the automatic path (no content means it is
    not an article)."""

    url: str
    body: bytes | None
    declared_encoding: str | None
    kind: str
    crawled_at: str
    records: list[dict] = field(default_factory=list)
    claimed: int | None = None
    mismatch: bool = False


@dataclass
class ErrorItem:
    """A page that could not be turned into records, for the errors file."""

    url: str
    reason: str
    message: str = ""
    status: int | None = None

    def as_record(self, time: str) -> dict:
        return {"url": self.url, "reason": self.reason, "status": self.status, "message": self.message,
                "time": time}
