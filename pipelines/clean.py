"""The cleaning pipeline: page bytes → numbered-piece records, composed from the stages."""
from __future__ import annotations

import codecs
from dataclasses import replace
from typing import Literal, get_args

from .boilerplate import (
    BoilerplatePatterns,
    default_patterns,
    drop_menu_runs,
    remove_junk,
    strip_boilerplate,
)
from .decode import decode_page, reads_as_utf8
from .document import Block, PageDocument, Split
from .errors import PageError
from .extract import Selectors, extract_html, extract_tree
from .html.parse import XML_DECLARATION, parse_utf8_html
from .layout import above_page_tail, take_title, trim_pieces
from .normalize import DEFAULT_CONVERSION, normalize_paragraphs
from .profiles import SiteProfile
from .records import build_records
from .result import CleanResult
from .split import break_run_in_headings, is_heading, resumed_heading, split_pieces, titled_headings
from .textdump import looks_like_text_dump, parse_text_dump

#: What a page is read as: HTML or a plain-text dump, or ``auto`` (a dump when it looks like one).
Kind = Literal["auto", "html", "text"]
KINDS: tuple[Kind, ...] = get_args(Kind)
INTRO_LOOKAHEAD = 12  # an intro among the first blocks says the page is a collection
MAX_PIECE_CHARS = 200_000  # a longer piece is a page the split could not cut up: reported, not written


def _check_kind(kind: Kind) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")


def read_document(text: str, url: str, kind: Kind = "auto", selectors: Selectors | None = None) -> PageDocument:
    """Decoded page text → document, from HTML or from a plain-text dump."""
    _check_kind(kind)
    if "\x00" in text[:8192]:
        raise PageError("not_a_page", "binary data")
    if kind == "text" or (kind == "auto" and looks_like_text_dump(text)):
        return parse_text_dump(text)
    return extract_html(text, url, selectors)


def read_utf8_html(data: bytes, url: str, kind: Kind = "auto", selectors: Selectors | None = None,
                   declared: tuple = ()) -> PageDocument | None:
    """Page bytes → document for the commonest page, UTF-8 HTML, with the bytes handed to the parser
    undecoded (it checks them). None when that is not settled without decoding the page: another
    encoding comes first, a text dump, NUL bytes, an XML declaration, bytes that are not UTF-8."""
    _check_kind(kind)
    if kind == "text" or not reads_as_utf8(data, *declared) or b"\x00" in data[:32768]:
        return None
    try:  # at least the 2,000 characters looked at; a GBK page mostly fails here, before parsing
        head = codecs.utf_8_decode(data[:8192], "strict", False)[0]
    except UnicodeDecodeError:
        return None
    if kind == "auto" and looks_like_text_dump(head) or XML_DECLARATION.match(head):
        return None
    try:
        root = parse_utf8_html(data)
    except PageError as exc:
        if exc.reason == "bad_encoding":
            return None
        raise
    return extract_tree(root, url, selectors)


def normalize_document(doc: PageDocument, convert: str = DEFAULT_CONVERSION) -> PageDocument:
    """Normalise title, category and every block in one pass."""
    texts = normalize_paragraphs([doc.title or "", doc.category or ""] + [b.text for b in doc.blocks], convert)
    title, category, *blocks = texts
    return PageDocument(title=title or None, published=doc.published, category=category or None,
                        canonical_url=doc.canonical_url, site_name=doc.site_name,
                        blocks=[Block(t, b.heading) for t, b in zip(blocks, doc.blocks, strict=True) if t],
                        title_in_blocks=doc.title_in_blocks)


def locate_title(doc: PageDocument, patterns: BoilerplatePatterns | None = None) -> PageDocument:
    """A text dump's title taken out of its first lines, its menus left one item a line dropped
    first (other documents pass unchanged)."""
    if not doc.title_in_blocks:
        return doc
    patterns = patterns or default_patterns()
    doc = replace(doc, blocks=drop_menu_runs(doc.blocks, patterns))
    # a title over a byline above the first numbered heading is the page's own (or its intro's)
    numbered = next((i for i, b in enumerate(doc.blocks) if is_heading(b.text)), -1)
    piece_titles = frozenset(i for i in titled_headings(above_page_tail(doc.blocks, patterns), patterns, collection=False)
                             if i > numbered)
    title, blocks = take_title(doc.blocks, patterns, is_heading, piece_titles)
    return replace(doc, title=title, blocks=blocks, title_in_blocks=False)


def is_collection(doc: PageDocument, patterns: BoilerplatePatterns) -> bool:
    """The page promises several pieces: its title says so, or an intro presents them (one the
    patterns drop, or a line that counts them: 以下3篇…)."""
    return bool(doc.title and patterns.collection.search(doc.title)) or any(
        patterns.is_intro(b.text) or patterns.collection_intro.search(b.text) for b in doc.blocks[:INTRO_LOOKAHEAD])


def split_document(doc: PageDocument, patterns: BoilerplatePatterns | None = None) -> Split:
    """Strip boilerplate, split into pieces, trim each piece's edges; a heading with no text under
    it is dropped and the pieces are numbered 1..n as written."""
    patterns = patterns or default_patterns()
    collection = is_collection(doc, patterns)
    kept = strip_boilerplate(remove_junk(doc.blocks, patterns), patterns, resumed_heading, collection)
    split = split_pieces(kept, doc.title, patterns, collection)
    split.pieces = [p for p in trim_pieces(split.pieces, doc.title, patterns) if p.paragraphs]
    for no, piece in enumerate(split.pieces, start=1):
        piece.no = no
    if not split.pieces:
        raise PageError("no_content", "no essay text left after removing boilerplate")
    for piece in split.pieces:
        if (chars := sum(map(len, piece.paragraphs))) > MAX_PIECE_CHARS:
            raise PageError("piece_too_long", f"piece {piece.no} has {chars} characters (more than {MAX_PIECE_CHARS})")
    return split


def clean_page(data: bytes | str, url: str, *, profile: SiteProfile | None = None, convert: str = DEFAULT_CONVERSION,
               declared_encoding: str | None = None, kind: Kind = "auto") -> CleanResult:
    """Decode → extract (or parse a text dump) → normalise → strip boilerplate → split → records."""
    selectors = profile.selectors if profile else None
    encoding: str | None = None
    doc: PageDocument | None = None
    text = data if isinstance(data, str) else None
    if isinstance(data, bytes):
        declared = (profile.encoding if profile else None, declared_encoding)
        doc = read_utf8_html(data, url, kind, selectors, declared)
        if doc is None:
            text, encoding = decode_page(data, *declared)
        else:
            encoding = "utf-8"
    if doc is None:
        doc = read_document(text or "", url, kind, selectors)
    patterns = default_patterns().extended(profile.boilerplate) if profile else default_patterns()
    doc = normalize_document(doc, convert)
    doc = locate_title(replace(doc, blocks=break_run_in_headings(doc.blocks)), patterns)
    split = split_document(doc, patterns)
    return CleanResult(build_records(doc, split, url), split.claimed, split.mismatch, encoding)
