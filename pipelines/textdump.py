"""Plain-text page dumps (site name, title, date/栏目 line, body, trailing chrome) → PageDocument."""
from __future__ import annotations

from .document import Block, PageDocument
from .extract import CATEGORY, DATE, normalize_date

HEADER_LINES = 6  # the date/栏目 line is looked for among the first non-blank lines


def looks_like_text_dump(text: str) -> bool:
    """Plain text rather than markup."""
    head = text[:2000].lstrip().lower()
    return not (head.startswith("<") or "<html" in head or "<body" in head or "<p>" in head)


def parse_text_dump(text: str) -> PageDocument:
    """Lines before the first date line are site name and title; the rest are paragraphs."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    info_at = next((i for i, line in enumerate(lines[:HEADER_LINES]) if DATE.search(line) and len(line) < 80), None)
    if info_at is None:
        title, body, info = (lines[0] if lines else None), lines[1:], ""
    else:
        header, info, body = lines[:info_at], lines[info_at], lines[info_at + 1:]
        title = header[-1] if header else None
    site_name = lines[0] if info_at and info_at >= 2 else None
    category = CATEGORY.search(info)
    return PageDocument(title=title, published=normalize_date(info),
                        category=category.group(1) if category else None,
                        site_name=site_name, blocks=[Block(line) for line in body])
