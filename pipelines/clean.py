"""The cleaning pipeline: page bytes → numbered-piece records, composed from the stages."""
from __future__ import annotations

import codecs
from dataclasses import dataclass

from .boilerplate import BoilerplatePatterns, default_patterns, strip_boilerplate
from .decode import decode_page
from .document import Block, PageDocument, Split
from .errors import PageError
from .extract import Selectors, extract_html
from .normalize import normalize_paragraphs
from .profiles import SiteProfile
from .records import build_records
from .split import split_pieces
from .textdump import looks_like_text_dump, parse_text_dump

KINDS = ("auto", "html", "text")


@dataclass(slots=True)
class CleanResult:
    """Records of one page, its document, and how its piece count compares with the title's claim."""

    records: list[dict]
    document: PageDocument
    claimed: int | None
    mismatch: bool
    encoding: str | None = None


def read_document(text: str, url: str, kind: str = "auto", selectors: Selectors | None = None,
                  utf8: bytes | None = None) -> PageDocument:
    """Decoded page text → document, from HTML or from a plain-text dump (``utf8``: ``text`` as
    UTF-8 bytes, if at hand)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if "\x00" in text[:8192]:
        raise PageError("not_a_page", "binary data")
    if kind == "text" or (kind == "auto" and looks_like_text_dump(text)):
        return parse_text_dump(text)
    return extract_html(text, url, selectors, utf8)


def normalize_document(doc: PageDocument, convert: str = "t2s") -> PageDocument:
    """Normalise title, category and every block in one pass."""
    texts = normalize_paragraphs([doc.title or "", doc.category or ""] + [b.text for b in doc.blocks], convert)
    title, category, *blocks = texts
    return PageDocument(title=title or None, published=doc.published, category=category or None,
                        canonical_url=doc.canonical_url, site_name=doc.site_name,
                        blocks=[Block(t, b.heading) for t, b in zip(blocks, doc.blocks) if t])


def split_document(doc: PageDocument, patterns: BoilerplatePatterns | None = None) -> Split:
    """Strip boilerplate, then split into pieces; a heading with no text under it is dropped and the
    pieces are numbered 1..n as written."""
    split = split_pieces(strip_boilerplate(doc.blocks, patterns), doc.title)
    split.pieces = [p for p in split.pieces if p.paragraphs]
    for no, piece in enumerate(split.pieces, start=1):
        piece.no = no
    if not split.pieces:
        raise PageError("no_content", "no essay text left after removing boilerplate")
    return split


def clean_page(data: bytes | str, url: str, *, profile: SiteProfile | None = None, convert: str = "t2s",
               declared_encoding: str | None = None, kind: str = "auto") -> CleanResult:
    """Decode → extract (or parse a text dump) → normalise → strip boilerplate → split → records."""
    encoding = utf8 = None
    if isinstance(data, bytes):
        raw = data
        data, encoding = decode_page(raw, profile.encoding if profile else None, declared_encoding)
        if encoding == "utf-8" and not raw.startswith(codecs.BOM_UTF8):
            utf8 = raw
    doc = read_document(data, url, kind, profile.selectors if profile else None, utf8)
    doc = normalize_document(doc, convert)
    patterns = default_patterns().extended(profile.boilerplate) if profile else default_patterns()
    split = split_document(doc, patterns)
    return CleanResult(build_records(doc, split, url), doc, split.claimed, split.mismatch, encoding)
