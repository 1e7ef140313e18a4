"""Plain-text page dumps (site name, title, date/栏目 line, body, trailing chrome) → PageDocument."""
from __future__ import annotations

import re

from .document import Block, PageDocument
from .html.page import CATEGORY, DATE, normalize_date

HEADER_LINES = 10  # the date/栏目 line is looked for among the first non-blank lines
FLAT_LINE_CHARS = 200  # a longer line of many short space-separated parts is a page flattened into one line
FLAT_PART_CHARS = 60
FLAT_MIN_PARTS = 8
_MARKUP = re.compile(r"<(?:html|body|head|!doctype|p|div|br|table|td|span|a|meta|script)\b", re.IGNORECASE)
MARKUP_TAGS = 5  # this many tags in the first 2,000 characters make a page markup


def looks_like_text_dump(text: str) -> bool:
    """Plain text rather than markup (a few leftover tags in a text dump do not count)."""
    head = text[:2000].lstrip().lower()
    if head.startswith(("<!doctype", "<html", "<?xml")) or "<html" in head or "<body" in head:
        return False
    return len(_MARKUP.findall(head)) < MARKUP_TAGS


KEYWORD_RUN_PARTS = 5  # this many short space-separated words and no punctuation: an SEO keyword line
KEYWORD_CHARS = 8
_PUNCTUATION = re.compile(r"[，。！？；：、,.!?;:>»›＞→/|｜]")  # (a breadcrumb's arrows and a menu's bars too)


def is_keyword_run(line: str) -> bool:
    """A line of SEO keywords: several short words separated by spaces, no punctuation (the spaces
    are gone once the text is normalised, so this is decided on the raw line)."""
    parts = line.split()
    return (len(parts) >= KEYWORD_RUN_PARTS and max(map(len, parts)) <= KEYWORD_CHARS
            and not _PUNCTUATION.search(line))


def unflatten(line: str) -> list[str]:
    """A page flattened into one line (its lines joined by single spaces) → its lines."""
    parts = line.split(" ")
    if (len(line) > FLAT_LINE_CHARS and len(parts) >= FLAT_MIN_PARTS
            and max(map(len, parts)) <= FLAT_PART_CHARS):
        return [part for part in parts if part]
    return [line]


def parse_text_dump(text: str) -> PageDocument:
    """Every non-blank line but SEO keyword runs is a block; the title is chosen among them after
    normalisation. The first short line with a date among the first lines gives the date and 栏目."""
    lines = [part for raw in text.splitlines() if (line := raw.strip()) for part in unflatten(line)
             if not is_keyword_run(part)]
    info_at = next((i for i, line in enumerate(lines[:HEADER_LINES]) if DATE.search(line) and len(line) < 80), None)
    info = lines[info_at] if info_at is not None else ""
    category = CATEGORY.search(info)
    return PageDocument(title=None, published=normalize_date(info),
                        category=category.group(1) if category else None,
                        site_name=lines[0] if info_at and info_at >= 2 else None,
                        blocks=[Block(line) for line in lines], title_in_blocks=True)
