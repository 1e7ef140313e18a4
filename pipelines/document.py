"""The data that flows between cleaning stages."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Block:
    """One paragraph of page text; ``heading`` marks blocks the page styled as headings."""

    text: str
    heading: bool = False


@dataclass(slots=True)
class PageDocument:
    """A page reduced to its metadata and ordered content blocks."""

    title: str | None = None
    published: str | None = None  # YYYY-MM-DD
    category: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    blocks: list[Block] = field(default_factory=list)
    title_in_blocks: bool = False  # a text dump: the title is still one of the first blocks


@dataclass(slots=True)
class Piece:
    """One numbered essay (篇) of a page."""

    no: int
    title: str | None
    paragraphs: list[str]
    truncated: bool = False  # the site cut the text short (…阅读全文)


@dataclass(slots=True)
class Split:
    """The pieces of a page, and the count its title claims (``…7篇``)."""

    pieces: list[Piece]
    claimed: int | None = None

    @property
    def mismatch(self) -> bool:
        return self.claimed is not None and self.claimed != len(self.pieces)
