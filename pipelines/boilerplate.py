"""Strip site boilerplate from a page's paragraphs, driven by patterns in ``data/boilerplate.toml``."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from importlib import resources
from re import _constants, _parser  # type: ignore[attr-defined]

from .document import Block


@dataclass(frozen=True)
class PatternSet:
    """Patterns combined into two regexes: those anchored with ``^`` (tried at the start only) and
    the rest (searched), which keeps one check per paragraph cheap."""

    sources: tuple[str, ...]
    anchored: re.Pattern | None
    floating: re.Pattern | None

    @classmethod
    def compile(cls, sources) -> PatternSet:
        sources = tuple(sources)
        return cls(sources, _either(_anchored(sources)), _either(_floating(sources)))

    def hit(self, text: str) -> bool:
        return bool((self.anchored and self.anchored.match(text)) or (self.floating and self.floating.search(text)))

    def plus(self, extra) -> PatternSet:
        return PatternSet.compile(self.sources + tuple(extra)) if extra else self

    @cached_property
    def _in_lines(self) -> re.Pattern | None:
        """All the patterns over newline-joined lines (``^`` and ``$`` at each line's edges)."""
        anchored = [f"^(?:{p})" for p in _anchored(self.sources)]
        return _either(anchored + _floating(self.sources), re.MULTILINE)

    def first_hit(self, lines: list[str], start: int = 0) -> int | None:
        """Index of the first of ``lines`` from ``start`` on that a pattern matches (lines without
        newlines), found by one search over them joined."""
        if self._in_lines is None or start >= len(lines):
            return None
        joined = "\n".join(lines[start:])
        m = self._in_lines.search(joined)
        return None if m is None else start + joined.count("\n", 0, m.start())


def _anchored(sources) -> list[str]:
    return [_first_chars_first(p[1:]) for p in sources if p.startswith("^")]


def _anchored_scan(sources) -> list[str]:
    """The anchored patterns for a scan of many lines: those whose first characters are known go
    behind one lookahead for all of them, so a line starting otherwise costs one check in all."""
    known, unknown, firsts = [], [], set()
    for pattern in (p[1:] for p in sources if p.startswith("^")):
        chars = _starting_chars(pattern)
        if chars is None:
            unknown.append(pattern)
        else:
            known.append(_first_chars_first(pattern))
            firsts |= chars
    if len(known) < 2:
        return _anchored(sources)
    return [f"(?=[{_char_class(firsts)}])(?:{'|'.join(known)})", *unknown]


FIRST_CHARS_MAX = 256  # a pattern that may start with more characters gets no lookahead


def _starting_chars(pattern: str) -> set[str] | None:
    """The characters a match of ``pattern`` can start with, or None when they are not a small
    known set (a pattern that may start with any Han character, or match an empty line)."""
    firsts, nullable = _first_chars(_parser.parse(pattern))
    return None if firsts is None or nullable or len(firsts) > FIRST_CHARS_MAX else firsts


def _char_class(chars: set[str]) -> str:
    return "".join(map(re.escape, sorted(chars)))


def _first_chars_first(pattern: str) -> str:
    """``pattern`` behind a lookahead for the characters a match can start with (``(?=[上下])``
    before ``(上一篇|下一篇)…``): in an alternation of many patterns, a line that starts otherwise
    is given up after one check per pattern instead of one per word. Unchanged when those
    characters are unknown (:func:`_starting_chars`)."""
    firsts = _starting_chars(pattern)
    return pattern if firsts is None else f"(?=[{_char_class(firsts)}]){pattern}"


_DIGITS = frozenset("0123456789")
_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


def _first_chars(items) -> tuple[set[str] | None, bool]:
    """(the characters a match of the parsed ``items`` can start with, or None when unknown; whether
    it can be empty)."""
    found: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            return found | {chr(av)}, False
        if op is _constants.IN:
            chars = _class_chars(av)
            return (None if chars is None else found | chars), False
        if op is _constants.SUBPATTERN:
            chars, nullable = _first_chars(av[-1])
        elif op is _constants.BRANCH:
            parts = [_first_chars(alt) for alt in av[1]]
            if any(chars is None for chars, _ in parts):
                return None, False
            chars = set().union(*(chars for chars, _ in parts if chars))
            nullable = any(n for _, n in parts)
        elif op in _REPEATS:
            chars, nullable = _first_chars(av[2])
            nullable = nullable or av[0] == 0
        elif op is _constants.ASSERT and av[0] == 1 or op is _constants.AT and av is _constants.AT_BEGINNING:
            continue  # zero-width: the items after it start the match
        else:
            return None, False
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _class_chars(items) -> set[str] | None:
    """The characters of a parsed character class of literals, small ranges and digits."""
    chars: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            chars.add(chr(av))
        elif op is _constants.RANGE and av[1] - av[0] < FIRST_CHARS_MAX:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        elif op is _constants.CATEGORY and av is _constants.CATEGORY_DIGIT:
            chars |= _DIGITS
        else:
            return None
    return chars


def _floating(sources) -> list[str]:
    return [p for p in sources if not p.startswith("^")]


SENTENCE_MARK = re.compile("[。！？；]")
_PROSE_MARK = re.compile("[，。！？；]")
PROSE_MIN_CHARS = 10   # a shorter line is prose only when it ends a sentence
PROSE_LONG_CHARS = 50  # a longer line is prose whatever its punctuation
VERSE_RUN = 3          # this many short lines in a row are verse


def is_prose(text: str) -> bool:
    """A line of running text: sentence punctuation and some length, or long."""
    return len(text) > PROSE_LONG_CHARS or bool(_PROSE_MARK.search(text)) and (
        len(text) >= PROSE_MIN_CHARS or bool(SENTENCE_MARK.search(text[-1:])))

# A pattern that could match a paragraph on its own but not where it stands among the others:
# string anchors, lookbehind (it would see the newline before), \B.
_NOT_SCANNABLE = re.compile(r"\\[AZB]|\(\?<[=!]")


@dataclass(frozen=True)
class LineScan:
    """All patterns of a :class:`BoilerplatePatterns`, searched over every paragraph at once (one
    search over the newline-joined text finds the few paragraphs worth an exact check). Each group
    of patterns (section ends, intros, lines) is searched only in the paragraphs short enough for
    it to apply."""

    groups: tuple[tuple[int | None, re.Pattern | None, re.Pattern | None], ...]  # (max chars, anchored, floating)

    @classmethod
    def compile(cls, groups) -> LineScan | None:
        """``groups``: (max chars or None, pattern sources) pairs."""
        groups = [(limit, tuple(sources)) for limit, sources in groups]
        if any(_NOT_SCANNABLE.search(src) for _, sources in groups for src in sources):
            return None
        return cls(tuple(
            (limit, _either(_anchored_scan(sources), re.MULTILINE, prefix="\n"),
             _either(_floating(sources), re.MULTILINE))
            for limit, sources in groups))

    def candidates(self, texts: list[str]) -> set[int] | None:
        """Indices of the paragraphs where some pattern may match (None: paragraphs hold newlines)."""
        joined = "\n" + "\n".join(texts)
        if joined.count("\n") != len(texts):
            return None
        found: set[int] = set()
        for limit, anchored, floating in self.groups:
            indices = range(len(texts)) if limit is None else [i for i, t in enumerate(texts) if len(t) <= limit]
            part = joined if limit is None else "\n" + "\n".join([texts[i] for i in indices])
            found |= _scan(anchored, part, indices) | _scan(floating, part, indices)
        return found


def _scan(pattern: re.Pattern | None, joined: str, indices) -> set[int]:
    """``indices`` of the newline-prefixed paragraphs in ``joined`` where ``pattern`` matches."""
    found: set[int] = set()
    pos = counted = line = 0  # newlines are counted once each: linear in the text
    while pattern is not None and (m := pattern.search(joined, pos)):
        line += joined.count("\n", counted, m.start() + 1)
        counted = m.start() + 1
        found.add(indices[line - 1])
        pos = joined.find("\n", m.start() + 1)
        if pos < 0:
            break
    return found


@dataclass(frozen=True)
class BoilerplatePatterns:
    """Compiled boilerplate patterns (see ``data/boilerplate.toml`` for their meaning)."""

    section_end: PatternSet
    intro: PatternSet
    line: PatternSet
    title_part: re.Pattern
    title_hint: re.Pattern
    intro_max_chars: int
    line_max_chars: int
    section_end_after_chars: int
    byline: PatternSet
    school_line: PatternSet
    byline_max_chars: int
    piece_end: PatternSet
    truncation: re.Pattern
    collection: re.Pattern
    signature: re.Pattern
    junk: re.Pattern
    site_line: re.Pattern
    author_name: re.Pattern

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
        return LineScan.compile([(None, self.section_end.sources), (self.intro_max_chars, self.intro.sources),
                                 (self.line_max_chars, self.line.sources)])

    def is_intro(self, text: str) -> bool:
        return len(text) <= self.intro_max_chars and self.intro.hit(text)

    def is_boilerplate_line(self, text: str) -> bool:
        return len(text) <= self.line_max_chars and self.line.hit(text)

    def is_byline(self, text: str, school: bool = True) -> bool:
        """An author / teacher / editor line, or (``school``) one naming a school or grade; never a
        line with sentence punctuation."""
        return (len(text) <= self.byline_max_chars and not SENTENCE_MARK.search(text)
                and (self.byline.hit(text) or school and self.school_line.hit(text)))


def _either(patterns: list[str], flags: int = 0, prefix: str = "") -> re.Pattern | None:
    """One regex matching where any of ``patterns`` matches (None for no patterns).

    The patterns are joined into one flat alternation (the same language as wrapping each in
    ``(?:…)``), so when all alternatives start with a literal the engine can skip ahead to them.
    """
    if not patterns:
        return None
    return re.compile(f"{prefix}(?:{'|'.join(patterns)})" if prefix else "|".join(patterns), flags)


@lru_cache(maxsize=1)
def default_patterns() -> BoilerplatePatterns:
    """The bundled patterns."""
    data = tomllib.loads(resources.files(__package__).joinpath("data/boilerplate.toml").read_text("utf-8"))
    return BoilerplatePatterns(
        section_end=PatternSet.compile(data["section_end"]),
        intro=PatternSet.compile(data["intro"]),
        line=PatternSet.compile(data["line"]),
        title_part=re.compile(data["title_part"]),
        title_hint=re.compile(data["title_hint"]),
        intro_max_chars=data["intro_max_chars"],
        line_max_chars=data["line_max_chars"],
        section_end_after_chars=data["section_end_after_chars"],
        byline=PatternSet.compile(data["byline"]),
        school_line=PatternSet.compile(data["school_line"]),
        byline_max_chars=data["byline_max_chars"],
        piece_end=PatternSet.compile(data["piece_end"]),
        truncation=re.compile(data["truncation"]),
        collection=re.compile(data["collection"]),
        signature=re.compile(data["signature"]),
        junk=re.compile("|".join(data["junk"])),
        site_line=re.compile(data["site_line"]),
        author_name=re.compile(rf"^(?:{'|'.join(data['compound_surnames'])}|[{data['surnames']}])[\u4e00-\u9fff]{{1,2}}$"),
    )


def is_title_line(text: str, patterns: BoilerplatePatterns) -> bool:
    """A line of one or two article titles, as prev/next links leave behind."""
    parts = text.split()
    return (
        1 <= len(parts) <= 2
        and all(patterns.title_part.match(p) for p in parts)
        and any(patterns.title_hint.search(p) for p in parts)
    )


def _content_end(texts: list[str], checked, dropped: set[int], patterns: BoilerplatePatterns) -> int:
    """Index of the first section-end line below enough kept text (where the page tail starts):
    prose, or verse (the third and later of consecutive kept lines)."""
    ends = {i for i in checked if patterns.section_end.hit(texts[i])}
    text_chars, run = 0, 0
    for i, text in enumerate(texts[:max(ends, default=-1) + 1]):
        if i in ends and text_chars >= patterns.section_end_after_chars:
            return i
        run = 0 if i in dropped else run + 1
        if run and (is_prose(text) or run >= VERSE_RUN):
            text_chars += len(text)
    return len(texts)


_JUNK_MARKS = ("<", ">", "`", "www.", "http")  # every junk pattern needs one of these


def remove_junk(blocks: list[Block], patterns: BoilerplatePatterns) -> list[Block]:
    """Blocks with injected junk (watermarks, leftover tags, stray marks) cut out of their text;
    a block left empty is dropped."""
    joined = "\n".join(b.text for b in blocks)
    multiline = joined.count("\n") != len(blocks) - 1  # a paragraph holds a newline: lines would not line up
    if multiline or not any(mark in joined for mark in _JUNK_MARKS) or not patterns.junk.search(joined):
        return blocks
    cleaned = patterns.junk.sub("", joined).split("\n")
    return [Block(text.strip(), b.heading) for text, b in zip(cleaned, blocks, strict=True) if text.strip()]


BYLINE_TITLE_MAX_CHARS = 30  # a longer line above a byline is no piece title


def _byline_under_title(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is a byline (``作者：X``) under a short line without sentence punctuation: kept for
    the split, which reads a title over a byline as a piece heading (piece edges drop the byline)."""
    above = texts[i - 1] if i else ""
    return (bool(above) and len(above) <= BYLINE_TITLE_MAX_CHARS and not SENTENCE_MARK.search(above)
            and patterns.is_byline(texts[i], school=False) and not patterns.section_end.hit(texts[i]))


def strip_boilerplate(blocks: list[Block], patterns: BoilerplatePatterns | None = None) -> list[Block]:
    """Drop the page tail from the first 猜你喜欢/相关推荐/上一篇… marker on, intros, boilerplate
    lines, and a trailing prev/next title line."""
    patterns = patterns or default_patterns()
    texts = [b.text for b in blocks]
    candidates = patterns.scan.candidates(texts) if patterns.scan else None
    checked = range(len(texts)) if candidates is None else sorted(candidates)
    dropped = {i for i in checked if patterns.is_boilerplate_line(texts[i]) or patterns.is_intro(texts[i])
               or patterns.section_end.hit(texts[i])}
    dropped -= {i for i in dropped if _byline_under_title(texts, i, patterns)}
    end = _content_end(texts, checked, dropped, patterns)
    kept = [b for i, b in enumerate(blocks[:end]) if b.text and i not in dropped]
    while kept and is_title_line(kept[-1].text, patterns):
        kept.pop()
    return kept
