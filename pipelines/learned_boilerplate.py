"""Boilerplate learned from a run: lines that recur on a large share of one site's pages.

Site slogans and per-site promotions are not named by any pattern, but they repeat across the
site's pages while essay text does not. A line (paragraph of ``text``) is counted once per page
(distinct ``url``), so pieces of one page that share paragraphs do not inflate its count, and pages
with the same lines (one essay republished under several titles) count as one page. Lines
that differ only in their digits ("本站已收录1234篇" / "本站已收录1240篇") count as one line.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: A line is boilerplate when it is on at least this share of a site's pages …
DEFAULT_MIN_SHARE = 0.5
#: … and the site has at least this many pages in the records (fewer pages give no evidence).
DEFAULT_MIN_SITE_PAGES = 10

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class RecurringLine:
    """A line seen on ``pages`` of the ``site_pages`` pages of ``site``."""

    site: str
    line: str
    pages: int
    site_pages: int

    @property
    def share(self) -> float:
        return self.pages / self.site_pages

    def as_dict(self) -> dict:
        return {"site": self.site, "line": self.line, "pages": self.pages,
                "site_pages": self.site_pages, "share": round(self.share, 4)}


def line_key(line: str) -> int:
    """Identity of a line for counting: its text with every digit run replaced by "0"."""
    digest = hashlib.blake2b(_DIGITS.sub("0", line).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _site_line_pages(records: Iterable[dict]) -> dict[str, tuple[int, Counter]]:
    """Per site: number of pages with distinct content, and for each line key how many carry it."""
    page_keys: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for record in records:
        page_keys[record["site"]][record["url"]].update(line_key(line) for line in record["text"].split("\n"))
    result = {}
    for site, pages in page_keys.items():
        distinct = {frozenset(keys) for keys in pages.values()}  # one essay under many urls counts once
        counts: Counter = Counter()
        for keys in distinct:
            counts.update(keys)
        result[site] = (len(distinct), counts)
    return result


def _first_lines(records: Iterable[dict], wanted: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """The first line seen for each wanted (site, key)."""
    found: dict[tuple[str, int], str] = {}
    for record in records:
        keys = wanted.get(record["site"])
        if not keys:
            continue
        for line in record["text"].split("\n"):
            key = line_key(line)
            if key in keys and (record["site"], key) not in found:
                found[record["site"], key] = line
    return found


def recurring_lines(records: Sequence[dict], *, min_pages: int = 2, min_share: float = 0.0,
                    min_site_pages: int = 1, limit: int | None = None) -> list[RecurringLine]:
    """Lines on ≥ ``min_pages`` and ≥ ``min_share`` of their site's pages, most widespread first.

    Sites with fewer than ``min_site_pages`` pages are skipped; ``limit`` caps the lines per site.
    """
    selected: dict[str, list[tuple[int, int, int]]] = {}
    for site, (site_pages, counts) in _site_line_pages(records).items():
        if site_pages < min_site_pages:
            continue
        keep = [(key, n, site_pages) for key, n in counts.most_common()
                if n >= min_pages and n / site_pages >= min_share]
        selected[site] = keep[:limit] if limit is not None else keep
    examples = _first_lines(records, {site: {k for k, _, _ in keep} for site, keep in selected.items()})
    lines = [RecurringLine(site, examples[site, key], n, site_pages)
             for site, keep in selected.items() for key, n, site_pages in keep]
    return sorted(lines, key=lambda item: (-item.share, -item.pages, item.site, item.line))


def learn_boilerplate(records: Sequence[dict], *, min_share: float = DEFAULT_MIN_SHARE,
                      min_site_pages: int = DEFAULT_MIN_SITE_PAGES) -> list[RecurringLine]:
    """Lines on ≥ ``min_share`` of the pages of a site with ≥ ``min_site_pages`` pages."""
    return recurring_lines(records, min_pages=2, min_share=min_share, min_site_pages=min_site_pages)


def strip_lines(records: Iterable[dict], lines: Iterable[RecurringLine]) -> list[dict]:
    """``records`` without the given lines of their site.

    Changed records get new ``text``, ``chars`` and ``sha1``; records left with no text are dropped.
    Records that lose no line are returned as they are.
    """
    keys: dict[str, set[int]] = defaultdict(set)
    for item in lines:
        keys[item.site].add(line_key(item.line))
    kept = []
    for record in records:
        site_keys = keys.get(record["site"])
        if not site_keys:
            kept.append(record)
            continue
        paragraphs = record["text"].split("\n")
        remaining = [p for p in paragraphs if line_key(p) not in site_keys]
        if len(remaining) == len(paragraphs):
            kept.append(record)
        elif remaining:
            text = "\n".join(remaining)
            kept.append({**record, "text": text, "chars": len(text),
                         "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest()})
    return kept
