"""Split a page's paragraphs into its numbered pieces (篇)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Block, Piece, Split

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})"
MAX_HEADING_CHARS = 40


def parse_ordinal(token: str) -> int | None:
    """``12`` / ``十二`` / ``二十一`` / ``一百零二`` → int; None when it is not a number."""
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    value = total + current
    return value or None


# What may follow the number: nothing, or a subtitle after a separator, a space (removed between Han
# characters by normalisation) or directly.
_AFTER = r"(?:\s*[:：.、—-]+\s*|\s*)(?P<sub>.*)$"
# After a number, the subtitle must not start with a digit or numeral (else it is part of the number).
_SUBTITLE = r"(?![\d零〇一二两三四五六七八九十百])" + _AFTER

# Each style: a name and a pattern over a whole heading paragraph with groups `stem` (optional) and `n`.
HEADING_STYLES: tuple[tuple[str, re.Pattern], ...] = (
    ("bracket", re.compile(rf"^[【\[〖]\s*(?:篇|第|范文|例文)?(?P<n>{NUM})篇?\s*[】\]〗]\s*[:：.、]?\s*(?P<sub>.*)$")),
    ("ordinal", re.compile(rf"^第(?P<n>{NUM})篇{_AFTER}")),
    ("pian", re.compile(rf"^(?P<stem>[^\s:：，。！？]{{0,30}}?)篇(?P<n>{NUM}){_SUBTITLE}")),
    ("fanwen", re.compile(rf"^(?P<stem>(?:精选|优秀|参考|经典)?(?:范文|例文|模板))(?P<n>{NUM}){_SUBTITLE}")),
    ("stem", re.compile(r"^(?P<stem>[\u4e00-\u9fff][^\s\d:：，。！？、；.,!?;（）()【】]{1,38}?)(?P<n>\d{1,2})$")),
)


@dataclass(frozen=True, slots=True)
class _Heading:
    index: int
    style: str
    stem: str
    n: int


def _heading_candidates(blocks: list[Block]) -> list[_Heading]:
    found = []
    for i, block in enumerate(blocks):
        text = block.text
        if len(text) > MAX_HEADING_CHARS:
            continue
        for style, pattern in HEADING_STYLES:
            m = pattern.match(text)
            if m and (n := parse_ordinal(m.group("n"))):
                stem = m.groupdict().get("stem") or ""
                found.append(_Heading(i, style, stem if style in ("stem", "pian") else "", n))
                break
    return found


def _runs_in_order(headings: list[_Heading]) -> bool:
    return [h.n for h in headings] == list(range(1, len(headings) + 1))


def choose_numbering(blocks: list[Block], claimed: int | None) -> list[_Heading]:
    """The headings of the numbering the page uses, or [] when no style runs 1, 2, 3… cleanly.

    Candidates are grouped by style (and stem); a group is accepted only when its ordinals run
    1..n in page order. Among accepted groups, one matching the title's claimed count wins, then
    the longest.
    """
    groups: dict[tuple[str, str], list[_Heading]] = {}
    for h in _heading_candidates(blocks):
        groups.setdefault((h.style, h.stem), []).append(h)
    accepted = [g for g in groups.values()
                if _runs_in_order(g) and (len(g) >= 2 or claimed == 1)]
    if not accepted:
        return []
    return max(accepted, key=lambda g: (len(g) == claimed, len(g), -g[0].index))


_CLAIMED = re.compile(rf"(?P<n>{NUM})篇")


def claimed_count(title: str | None) -> int | None:
    """The piece count a title claims: ``…参考范文7篇`` → 7, ``（精选十篇）`` → 10."""
    if not title:
        return None
    matches = list(_CLAIMED.finditer(title))
    return parse_ordinal(matches[-1].group("n")) if matches else None


def split_pieces(blocks: list[Block], title: str | None) -> Split:
    """Pieces in page order; paragraphs before the first heading (an intro) are not a piece."""
    claimed = claimed_count(title)
    headings = choose_numbering(blocks, claimed)
    if not headings:
        paragraphs = [b.text for b in blocks if b.text]
        return Split([Piece(1, None, paragraphs)] if paragraphs else [], claimed)
    bounds = [h.index for h in headings] + [len(blocks)]
    pieces = []
    for no, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        paragraphs = [b.text for b in blocks[start + 1:end] if b.text]
        pieces.append(Piece(no, blocks[start].text, paragraphs))
    return Split(pieces, claimed)
