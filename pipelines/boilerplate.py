"""Strip site boilerplate from a page's paragraphs, driven by patterns in ``data/boilerplate.toml``."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from importlib import resources
from itertools import pairwise

from .document import Block
from .patterns import LineScan, PatternSet

SENTENCE_MARK = re.compile("[。！？；]")
_PROSE_MARK = re.compile("[，。！？；]")
PROSE_MIN_CHARS = 10   # a shorter line is prose only when it ends a sentence
PROSE_LONG_CHARS = 50  # a longer line is prose whatever its punctuation
VERSE_RUN = 3          # this many short lines in a row are verse


def is_prose(text: str) -> bool:
    """A line of running text: sentence punctuation and some length, or long."""
    return len(text) > PROSE_LONG_CHARS or bool(_PROSE_MARK.search(text)) and (
        len(text) >= PROSE_MIN_CHARS or bool(SENTENCE_MARK.search(text[-1:])))

@dataclass(frozen=True)
class BoilerplatePatterns:
    """Compiled boilerplate patterns (see ``data/boilerplate.toml`` for their meaning)."""

    section_end: PatternSet
    intro: PatternSet
    note: PatternSet
    line: PatternSet
    title_part: re.Pattern
    title_hint: re.Pattern
    link_hint: re.Pattern
    intro_max_chars: int
    note_max_chars: int
    line_max_chars: int
    section_end_after_chars: int
    section_end_after_verse: int
    byline: PatternSet
    school_line: PatternSet
    byline_max_chars: int
    piece_end: PatternSet
    truncation: re.Pattern
    collection: re.Pattern
    collection_intro: re.Pattern
    signature: re.Pattern
    closing_sender: re.Pattern
    closing_date: re.Pattern
    letter_frame: re.Pattern
    menu_item: re.Pattern
    menu_run_min: int
    menu_item_max_chars: int
    junk: re.Pattern
    watermark: re.Pattern
    watermark_site_name: re.Pattern
    watermark_name_max_chars: int
    site_line: re.Pattern
    author_name: re.Pattern
    comment_header: re.Pattern
    comment_gap: int

    def extended(self, extra: dict) -> BoilerplatePatterns:
        """These patterns plus a profile's extra ones (same keys as the data file)."""
        if not extra:
            return self
        return replace(
            self,
            section_end=self.section_end.plus(extra.get("section_end")),
            intro=self.intro.plus(extra.get("intro")),
            line=self.line.plus(extra.get("line")),
            byline=self.byline.plus(extra.get("byline")),
            school_line=self.school_line.plus(extra.get("school_line")),
            piece_end=self.piece_end.plus(extra.get("piece_end")),
        )

    @cached_property
    def scan(self) -> LineScan | None:
        # intros and notes in one group (a line's candidacy only: each is decided by its own limit)
        return LineScan.compile([(None, self.section_end.sources),
                                 (max(self.intro_max_chars, self.note_max_chars), self.intro.sources + self.note.sources),
                                 (self.line_max_chars, self.line.sources)])

    def is_intro(self, text: str) -> bool:
        return len(text) <= self.intro_max_chars and self.intro.hit(text)

    def is_note(self, text: str) -> bool:
        return len(text) <= self.note_max_chars and self.note.hit(text)

    def is_boilerplate_line(self, text: str) -> bool:
        return len(text) <= self.line_max_chars and self.line.hit(text)

    def is_byline(self, text: str, school: bool = True) -> bool:
        """An author / teacher / editor line, or (``school``) one naming a school or grade (not a
        salutation ending in a colon: 尊敬的学校领导：); never a line with sentence punctuation."""
        return (len(text) <= self.byline_max_chars and not SENTENCE_MARK.search(text)
                and (self.byline.hit(text) or school and self.school_line.hit(text) and not text.endswith(("：", ":"))))


@lru_cache(maxsize=1)
def default_patterns() -> BoilerplatePatterns:
    """The bundled patterns."""
    data = tomllib.loads(resources.files(__package__).joinpath("data/boilerplate.toml").read_text("utf-8"))
    return BoilerplatePatterns(
        section_end=PatternSet.compile(data["section_end"]),
        intro=PatternSet.compile(data["intro"]),
        note=PatternSet.compile(data["note"]),
        line=PatternSet.compile(data["line"]),
        title_part=re.compile(data["title_part"]),
        title_hint=re.compile(data["title_hint"]),
        link_hint=re.compile(data["link_hint"]),
        intro_max_chars=data["intro_max_chars"],
        note_max_chars=data["note_max_chars"],
        line_max_chars=data["line_max_chars"],
        section_end_after_chars=data["section_end_after_chars"],
        section_end_after_verse=data["section_end_after_verse"],
        byline=PatternSet.compile(data["byline"]),
        school_line=PatternSet.compile(data["school_line"]),
        byline_max_chars=data["byline_max_chars"],
        piece_end=PatternSet.compile(data["piece_end"]),
        truncation=re.compile(data["truncation"]),
        collection=re.compile(data["collection"]),
        collection_intro=re.compile(data["collection_intro"]),
        signature=re.compile(data["signature"]),
        closing_sender=re.compile(data["closing_sender"]),
        closing_date=re.compile(data["closing_date"]),
        letter_frame=re.compile(data["letter_frame"]),
        menu_item=re.compile(data["menu_item"]),
        menu_run_min=data["menu_run_min"],
        menu_item_max_chars=data["menu_item_max_chars"],
        junk=re.compile("|".join(data["junk"])),
        watermark=re.compile("|".join(data["watermark"])),
        watermark_site_name=re.compile(data["watermark_site_name"]),
        watermark_name_max_chars=data["watermark_name_max_chars"],
        site_line=re.compile(data["site_line"]),
        author_name=re.compile(rf"^(?:{'|'.join(data['compound_surnames'])}|[{data['surnames']}])[\u4e00-\u9fff]{{1,2}}$"),
        comment_header=re.compile(data["comment_header"]),
        comment_gap=data["comment_gap"],
    )


_MENU_PUNCT = re.compile("[，。！？；：、,.!?;:]")


def _is_menu_item(text: str, patterns: BoilerplatePatterns) -> bool:
    return len(text) <= patterns.menu_item_max_chars and not _MENU_PUNCT.search(text)


def drop_menu_runs(blocks: list[Block], patterns: BoilerplatePatterns) -> list[Block]:
    """Blocks without the page's menus left one item a line: a run of ``menu_run_min`` or more short
    lines without punctuation, at least half of them naming a site section or a kind of text
    (``小学作文``, ``日记``, ``首页``; verse seldom does)."""
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and _is_menu_item(blocks[j].text, patterns):
            j += 1
        names = [k for k in range(i, j) if patterns.menu_item.search(blocks[k].text)]
        if names and (run := names[-1] + 1 - names[0]) >= patterns.menu_run_min and 2 * len(names) >= run:
            drop.update(range(names[0], names[-1] + 1))  # from its first item to its last
        i = j + 1
    return [b for k, b in enumerate(blocks) if k not in drop] if drop else blocks


def is_title_line(text: str, patterns: BoilerplatePatterns) -> bool:
    """A line of one or two article titles, as prev/next links leave behind."""
    parts = text.split()
    return (
        1 <= len(parts) <= 2
        and all(patterns.title_part.match(p) for p in parts)
        and any(patterns.title_hint.search(p) for p in parts)
    )


COMMENT_HEADER_MAX_CHARS = 40  # a longer line is no comment's header


def comment_thread_starts(texts: list[str], patterns: BoilerplatePatterns) -> set[int]:
    """Comment headers (a user name and a time) with another one at most ``comment_gap`` lines
    below: the first lines of a comment thread. (A header has a ``:`` in its time, or says 前 or
    刚刚: a test of those first is cheaper than the pattern.)"""
    heads = [i for i, text in enumerate(texts)
             if len(text) <= COMMENT_HEADER_MAX_CHARS and (":" in text or "前" in text or "刚刚" in text)
             and patterns.comment_header.match(text)]
    return {a for a, b in pairwise(heads) if b - a <= patterns.comment_gap}


def _content_end(texts: list[str], checked, dropped: set[int], patterns: BoilerplatePatterns,
                 resumes: Callable[[list[str], int], int | None] | None = None, collection: bool = False) -> int:
    """Index of the first section-end line or comment thread below enough kept text (where the page
    tail starts): prose, or verse (the third and later of consecutive kept lines), or, on a page
    that is no ``collection``, a short poem (that many kept lines in a row somewhere above: on a
    collection, a poem without a heading that resumes may follow the list). A section end followed by a heading that
    ``resumes`` the page's numbering is an interlude: its lines up to that heading go into
    ``dropped`` and the content goes on."""
    ends = {i for i in checked if patterns.section_end.hit(texts[i])} | comment_thread_starts(texts, patterns)
    text_chars = run = longest_run = 0
    for i, text in enumerate(texts[:max(ends, default=-1) + 1]):
        enough = text_chars >= patterns.section_end_after_chars
        if i in ends and (enough or longest_run >= patterns.section_end_after_verse):
            if (resumed := resumes(texts, i) if resumes else None) is not None:
                dropped.update(range(i, resumed))
            elif enough or not collection:
                return i
        run = 0 if i in dropped else run + 1
        longest_run = max(longest_run, run)
        if run and (is_prose(text) or run >= VERSE_RUN):
            text_chars += len(text)
    return len(texts)


_JUNK_MARKS = ("<", ">", "`", "www.", "http")  # every junk pattern needs one of these


_DOMAIN = re.compile(r"\.(?:com|cn|net|org|cc)(?![A-Za-z0-9])")  # a line naming a domain (its top level)


def remove_junk(blocks: list[Block], patterns: BoilerplatePatterns) -> list[Block]:
    """Blocks with injected junk (watermarks, leftover tags, stray marks) cut out of their text;
    a block left empty is dropped."""
    joined = "\n".join(b.text for b in blocks)
    if _DOMAIN.search(joined):
        blocks = [_without_watermark(b, patterns, joined) if "." in b.text else b for b in blocks]
        joined = "\n".join(b.text for b in blocks)
    if names := headed_site_names(blocks, patterns):
        blocks = [_without_site_names(b, names) for b in blocks]
        joined = "\n".join(b.text for b in blocks)
    multiline = joined.count("\n") != len(blocks) - 1  # a paragraph holds a newline: lines would not line up
    if multiline or not any(mark in joined for mark in _JUNK_MARKS) or not patterns.junk.search(joined):
        return [b for b in blocks if b.text]
    cleaned = patterns.junk.sub("", joined).split("\n")
    return [Block(text.strip(), b.heading) for text, b in zip(cleaned, blocks, strict=True) if text.strip()]


def _without_watermark(block: Block, patterns: BoilerplatePatterns, page: str) -> Block:
    """The block with a site's watermark cut out of a sentence, when it names a domain: the domain,
    and the site's name glued before it when another line of the ``page`` starts with that name."""
    if not _DOMAIN.search(block.text):
        return block
    parts, pos = [], 0
    for m in patterns.watermark.finditer(block.text):
        before = block.text[pos:m.start()]
        parts.append(before[:len(before) - site_name_at_end(before, block.text, patterns, page)])
        pos = m.end()
    text = "".join(parts + [block.text[pos:]]).strip()
    return block if text == block.text else Block(text, block.heading)


SITE_NAME_LINE_MAX_CHARS = 60  # a header or footer line that starts with the site's name


SITE_NAME_MIN_CHARS = 3


def headed_site_names(blocks: list[Block], patterns: BoilerplatePatterns) -> list[str]:
    """Site names (shaped as ``watermark_site_name``, three characters or more) that start a short
    line naming a domain or the site (``X www.x.cn``, ``X 版权所有``): its header or footer;
    longest first."""
    starts = {m.group() for b in blocks if len(b.text) <= SITE_NAME_LINE_MAX_CHARS
              and (_DOMAIN.search(b.text) or patterns.site_line.search(b.text))
              and (m := patterns.watermark_site_name.match(b.text)) and len(m.group()) >= SITE_NAME_MIN_CHARS}
    return sorted(starts, key=len, reverse=True)


def _without_site_names(block: Block, names: list[str]) -> Block:
    """The block with a site's name injected between two sentences (…明天。渤海范文网让我们…) cut out."""
    text = block.text
    if len(text) <= SITE_NAME_LINE_MAX_CHARS:
        return block
    for name in names:
        if name in text:
            text = re.sub(rf"(?<=[。！？]){re.escape(name)}(?=[\u4e00-\u9fff“「])", "", text)
    return block if text == block.text else Block(text, block.heading)


def site_name_at_end(text: str, line: str, patterns: BoilerplatePatterns, page: str) -> int:
    """How many characters at the end of ``text`` (in ``line``) are a site's name: the longest one
    shaped as ``watermark_site_name`` with another line of the ``page`` that starts with it (the
    site's header or footer: an essay's words seldom end in 网 or 站 and start another paragraph)."""
    lines = "\n" + page
    for size in range(min(patterns.watermark_name_max_chars, len(text)), 2, -1):
        name = text[-size:]
        if patterns.watermark_site_name.fullmatch(name) and lines.count("\n" + name) > line.startswith(name):
            return size
    return 0


BYLINE_TITLE_MAX_CHARS = 30  # a longer line above a byline is no piece title


def _byline_under_title(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is a byline (``作者：X``) under a short line without sentence punctuation: kept for
    the split, which reads a title over a byline as a piece heading (piece edges drop the byline)."""
    above = texts[i - 1] if i else ""
    return (bool(above) and len(above) <= BYLINE_TITLE_MAX_CHARS and not SENTENCE_MARK.search(above)
            and patterns.is_byline(texts[i], school=False) and not patterns.section_end.hit(texts[i]))


def closes_signed(lines: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is the date under a signature or a sender's name, or a sender's name over such a
    date: the closing of a letter or report."""
    def signed(j: int) -> bool:
        return bool(patterns.signature.match(lines[j]) or patterns.closing_sender.match(lines[j]))

    def dated(j: int) -> bool:
        return j < len(lines) and bool(patterns.closing_date.match(lines[j]))

    return i > 0 and dated(i) and signed(i - 1) or dated(i + 1) and bool(patterns.closing_sender.match(lines[i]))


_LABEL = re.compile(r"^[【\[][^】\]，。！？；]{2,24}[】\]]$")  # a bracketed label alone on its line: 【作文题目】
NOTE_SECTION_MAX_LINES = 8  # a note's label heads at most this many lines before the next label


def note_sections(texts: list[str], dropped: set[int], patterns: BoilerplatePatterns) -> set[int]:
    """The lines under a note's or intro's label alone on its line (``【作文题目】``, ``【写作指导】``) up
    to the next bracketed label (``【范文展示】``, not a commentary's such as ``【教师点评】``, which
    follows an essay), when one comes within ``NOTE_SECTION_MAX_LINES``: the task and the guidance
    the site shows above the essay."""
    found: set[int] = set()
    for i in sorted(dropped):
        if not (_LABEL.match(texts[i]) and (patterns.is_note(texts[i]) or patterns.is_intro(texts[i]))):
            continue
        below = range(i + 1, min(i + 1 + NOTE_SECTION_MAX_LINES, len(texts)))
        label = next((j for j in below if _LABEL.match(texts[j])), None)
        if label is not None and not patterns.piece_end.hit(texts[label]):  # (a commentary label closes an essay)
            found.update(range(i + 1, label))
    return found


def strip_boilerplate(blocks: list[Block], patterns: BoilerplatePatterns | None = None,
                      resumes: Callable[[list[str], int], int | None] | None = None,
                      collection: bool = False) -> list[Block]:
    """Drop the page tail from the first 猜你喜欢/相关推荐/上一篇… marker on (unless a heading below it
    ``resumes`` the page's numbering: see :func:`_content_end`), intros, boilerplate lines, and a
    trailing prev/next title line."""
    patterns = patterns or default_patterns()
    texts = [b.text for b in blocks]
    candidates = patterns.scan.candidates(texts) if patterns.scan else None
    checked = range(len(texts)) if candidates is None else sorted(candidates)
    dropped = {i for i in checked if patterns.is_boilerplate_line(texts[i]) or patterns.is_intro(texts[i])
               or patterns.is_note(texts[i]) or patterns.section_end.hit(texts[i])}
    dropped -= {i for i in dropped if _byline_under_title(texts, i, patterns) or closes_signed(texts, i, patterns)}
    dropped |= note_sections(texts, dropped, patterns)
    end = _content_end(texts, checked, dropped, patterns, resumes, collection)
    kept = drop_commentary_after_cut([b for i, b in enumerate(blocks[:end]) if b.text and i not in dropped], patterns)
    while kept and is_title_line(kept[-1].text, patterns):
        kept.pop()
    return kept


def drop_commentary_after_cut(blocks: list[Block], patterns: BoilerplatePatterns) -> list[Block]:
    """Blocks without the commentary right below a line the site cut short (``……阅读全文>>``): a
    ``piece_end`` line (作者简介, 点评) and the prose under it, up to the next line that is no prose
    (a heading). The rest of the piece is on another page; so the cut stays the piece's last line,
    where the piece is marked truncated."""
    texts = [b.text for b in blocks]
    drop: set[int] = set()
    end = 1
    for at in _commentary_lines(texts, patterns):
        if at >= end and patterns.truncation.search(texts[at - 1]):
            end = at + 1
            while end < len(texts) and is_prose(texts[end]):
                end += 1
            drop.update(range(at, end))
    return [b for k, b in enumerate(blocks) if k not in drop] if drop else blocks


def _commentary_lines(texts: list[str], patterns: BoilerplatePatterns) -> list[int]:
    """Indices (from 1 on) of the lines that a ``piece_end`` pattern matches: they are few, so each
    is found by one search over the lines joined (when no line holds a newline)."""
    if any("\n" in text for text in texts):
        return [i for i in range(1, len(texts)) if patterns.piece_end.hit(texts[i])]
    found: list[int] = []
    at = patterns.piece_end.first_hit(texts, start=1)
    while at is not None:
        found.append(at)
        at = patterns.piece_end.first_hit(texts, start=at + 1)
    return found
