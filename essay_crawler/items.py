"""Items that flow from the spider through the item pipelines."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from scrapy.exceptions import DropItem

from pipelines.result import CleanResult

#: ``article``: a profile's article pattern matched (no content is then an error); ``candidate``: the
#: automatic path (no content means it is not an article).
PageKind = Literal["article", "candidate"]


@dataclass(frozen=True, slots=True)
class PageItem:
    """A fetched page to clean."""

    url: str
    body: bytes = field(repr=False)
    declared_encoding: str | None
    kind: PageKind
    crawled_at: str


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """A cleaned page: what cleaning gave (its records stamped with ``crawled_at``) and the content
    hash of its records; ``changed`` once :class:`~essay_crawler.pipelines.AlreadyKnownPipeline` let
    it through as new content of a known article."""

    url: str
    result: CleanResult
    digest: str
    changed: bool = False

    @property
    def records(self) -> list[dict]:
        return self.result.records

    @property
    def canonical(self) -> str:
        """The article's canonical URL (the records' ``url``; ``url`` is where it was fetched)."""
        return self.result.records[0]["url"]


#: Why a page is left out on purpose: not an article (automatic path), a duplicate of an article
#: this run wrote under another URL, known to the state, unchanged (``ESSAY_REFRESH``), taken (on a
#: site shared through Redis, another worker claimed it first), or not written because the run
#: stopped (disk full, Redis lost).
LeftOutReason = Literal["not_article", "duplicate", "known", "unchanged", "taken", "not_written"]


class LeftOut(DropItem):
    """An item left out on purpose (logged at DEBUG); counted by ``reason`` in one place,
    :meth:`essay_crawler.extensions.CrawlRunExtension.count_left_out`."""

    def __init__(self, reason: LeftOutReason, message: str):
        super().__init__(message, log_level="DEBUG")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """A page that could not be turned into records, for the errors file."""

    url: str
    reason: str
    message: str = ""
    status: int | None = None

    def as_record(self, time: str) -> dict:
        return {"url": self.url, "reason": self.reason, "status": self.status, "message": self.message,
                "time": time}
