"""Many line patterns as few regexes: :class:`PatternSet` (one check of a line against all of them) and
:class:`LineScan` (a page's lines checked at once). Patterns anchored with ``^`` whose first characters
are known (read from the parsed pattern) go behind a lookahead for those characters, or are looked up
by a line's first character, so a line that starts otherwise is given up after one check."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from re import _constants, _parser  # type: ignore[attr-defined]


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
        return cls(sources, either(_anchored(sources)), either(_floating(sources)))

    def hit(self, text: str) -> bool:
        return bool((self.anchored and self.anchored.match(text)) or (self.floating and self.floating.search(text)))

    def plus(self, extra) -> PatternSet:
        return PatternSet.compile(self.sources + tuple(extra)) if extra else self

    @cached_property
    def _in_lines(self) -> tuple[re.Pattern | None, re.Pattern | None]:
        """All the patterns over newline-joined lines (``^`` and ``$`` at each line's edges): the
        anchored ones after a newline, which the regex engine skips to fast (when each pattern can be
        scanned so, as in :class:`LineScan`), and the rest."""
        if any(_NOT_SCANNABLE.search(p) for p in self.sources):
            anchored = [f"^(?:{p})" for p in _anchored(self.sources)]
            return None, either(anchored + _floating(self.sources), re.MULTILINE)
        return (either(_anchored_scan(self.sources), re.MULTILINE, prefix="\n"),
                either(_floating(self.sources), re.MULTILINE))

    def first_hit(self, lines: list[str], start: int = 0) -> int | None:
        """Index of the first of ``lines`` from ``start`` on that a pattern matches (lines without
        newlines), found by one search over them joined (one per kind of pattern)."""
        after_newline, anywhere = self._in_lines
        if start >= len(lines) or after_newline is None and anywhere is None:
            return None
        joined = "\n".join(lines[start:])
        hits = [m.start() for m in (after_newline and after_newline.search("\n" + joined),  # at a line's start
                                    anywhere and anywhere.search(joined)) if m]
        return start + joined.count("\n", 0, min(hits)) if hits else None


def _anchored(sources) -> list[str]:
    return [_first_chars_first(p[1:]) for p in sources if p.startswith("^")]


def _anchored_scan(sources) -> list[str]:
    """The anchored patterns for a scan of many lines: those whose first characters are known go
    behind one lookahead for all of them, so a line starting otherwise costs one check in all."""
    known, unknown, firsts = [], [], set[str]()
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


@cache
def _starting_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with, or None when they are not a small
    known set (a pattern that may start with any Han character, or match an empty line). Cached:
    each pattern is read by several of the regexes built from it."""
    firsts, nullable = _first_chars(_parser.parse(pattern))
    return None if firsts is None or nullable or len(firsts) > FIRST_CHARS_MAX else frozenset(firsts)


def _char_class(chars: set[str] | frozenset[str]) -> str:
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


def _class_chars(items, range_max: int = FIRST_CHARS_MAX, digits: bool = True) -> set[str] | None:
    """The characters of a parsed character class of literals, ranges of fewer than ``range_max``
    and (``digits``) ASCII digits for ``\\d``; None for any other class."""
    chars: set[str] = set()
    for op, av in items:
        if op is _constants.LITERAL:
            chars.add(chr(av))
        elif op is _constants.RANGE and av[1] - av[0] < range_max:
            chars.update(map(chr, range(av[0], av[1] + 1)))
        elif digits and op is _constants.CATEGORY and av is _constants.CATEGORY_DIGIT:
            chars |= _DIGITS
        else:
            return None
    return chars


def _floating(sources) -> list[str]:
    return [p for p in sources if not p.startswith("^")]


# A pattern that could match a paragraph on its own but not where it stands among the others:
# string anchors, lookbehind (it would see the newline before), \B.
_NOT_SCANNABLE = re.compile(r"\\[AZB]|\(\?<[=!]")


@dataclass(frozen=True)
class LineScan:
    """All patterns of a :class:`BoilerplatePatterns`, checked over every paragraph at once, to find
    the few paragraphs worth an exact check. Anchored patterns whose first characters are known are
    looked up by a paragraph's first character (only the patterns that can start with it are tried);
    the rest are searched over the newline-joined paragraphs. Each group of patterns (section ends,
    intros, lines) is checked only in the paragraphs short enough for it to apply."""

    groups: tuple[ScanGroup, ...]

    @classmethod
    def compile(cls, groups) -> LineScan | None:
        """``groups``: (max chars or None, pattern sources) pairs."""
        groups = [(limit, tuple(sources)) for limit, sources in groups]
        if any(_NOT_SCANNABLE.search(src) for _, sources in groups for src in sources):
            return None
        return cls(tuple(ScanGroup.compile(limit, sources) for limit, sources in groups))

    def candidates(self, texts: list[str]) -> set[int] | None:
        """Indices of the paragraphs where some pattern may match (None: paragraphs hold newlines)."""
        joined = "\n" + "\n".join(texts)
        if joined.count("\n") != len(texts):
            return None
        found: set[int] = set()
        for group in self.groups:
            limit, by_first = group.limit, group.by_first_char
            indices = range(len(texts)) if limit is None else [i for i, t in enumerate(texts) if len(t) <= limit]
            found.update(i for i in indices if (p := by_first[texts[i][:1]]) is not None and p.match(texts[i]))
            if group.anchored is None and group.floating is None:
                continue
            part = joined if limit is None else "\n" + "\n".join([texts[i] for i in indices])
            for regex in group.anchored.in_text(part) if group.anchored else ():
                found |= _scan(regex, part, indices)
            found |= _scan(group.floating, part, indices)
        return found


class FirstCharPatterns(dict):
    """Paragraph first character → the regex of the anchored patterns that can start with it (None
    for a character none can), each regex compiled when a paragraph first needs it: a run meets
    only some of the characters, and compiling them all would cost more than cleaning many pages."""

    def __init__(self, by_char: dict[str, tuple[str, ...]]):
        super().__init__()
        self._sources = by_char
        self._compiled: dict[tuple[str, ...], re.Pattern] = {}

    def __missing__(self, char: str) -> re.Pattern | None:
        sources = self._sources.get(char)
        if sources is None:
            pattern = None
        elif (pattern := self._compiled.get(sources)) is None:
            pattern = self._compiled[sources] = re.compile("|".join(sources), re.MULTILINE)
        self[char] = pattern
        return pattern

    def compiled(self) -> int:
        """How many regexes have been built so far."""
        return len(self._compiled)


@dataclass(frozen=True)
class ScanGroup:
    """One group of a :class:`LineScan`: anchored patterns by the first character they can start
    with (one regex for each set of patterns sharing a first character), the other anchored
    patterns after a newline, and the floating ones, over paragraphs of at most ``limit`` chars."""

    limit: int | None
    by_first_char: FirstCharPatterns
    anchored: SearchedPatterns | None
    floating: re.Pattern | None

    @classmethod
    def compile(cls, limit: int | None, sources: tuple[str, ...]) -> ScanGroup:
        by_char: dict[str, list[str]] = {}
        unknown = []
        for pattern in (p[1:] for p in sources if p.startswith("^")):
            if (chars := _starting_chars(pattern)) is None:
                unknown.append(pattern)
            for char in chars or ():
                by_char.setdefault(char, []).append(pattern)
        return cls(limit, FirstCharPatterns({char: tuple(ps) for char, ps in by_char.items()}),
                   SearchedPatterns.compile(unknown, prefix="\n"), either(_floating(sources), re.MULTILINE))


class SearchedPatterns:
    """Patterns searched for one by one over newline-joined paragraphs (``prefix``, a literal
    character, before each: found by a fast scan), less the patterns that cannot match there: a
    pattern needs a character of each of its :func:`_required_chars` sets, looked up in the text
    first (``in``, a fast scan too). The paragraphs some pattern matches in are the ones an
    alternation of them all matches in."""

    def __init__(self, sources: list[str], prefix: str):
        self.regexes = tuple(re.compile(f"{prefix}(?:{p})", re.MULTILINE) for p in sources)
        self.required = tuple(tuple("".join(sorted(chars)) for chars in _required_chars(p)) for p in sources)

    @classmethod
    def compile(cls, sources: list[str], prefix: str) -> SearchedPatterns | None:
        return cls(sources, prefix) if sources else None

    def in_text(self, text: str) -> list[re.Pattern]:
        """The regexes of the patterns that may match in ``text``."""
        return [regex for regex, sets in zip(self.regexes, self.required, strict=True)
                if all(any(c in text for c in chars) for chars in sets)]


REQUIRED_CHARS_MAX = 32  # a larger set of characters is no test worth making


@cache
def _required_chars(pattern: str) -> tuple[frozenset[str], ...]:
    """Sets of characters of which every match of ``pattern`` holds one each: its literal characters
    and small classes outside optional parts and negative lookarounds, and for an alternation the
    union of one such set from each alternative (none for a pattern that ignores case)."""
    parsed = _parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return ()
    return tuple(_required_sets(parsed))


def _required_sets(items) -> list[frozenset[str]]:
    found: list[frozenset[str]] = []
    for op, av in items:
        if op is _constants.LITERAL:
            found.append(frozenset(chr(av)))
        elif op is _constants.IN:
            chars = _exact_class_chars(av)
            if chars:
                found.append(frozenset(chars))
        elif op is _constants.SUBPATTERN and not av[1] & re.IGNORECASE:
            found += _required_sets(av[-1])
        elif op is _constants.ATOMIC_GROUP:
            found += _required_sets(av)
        elif op in _REPEATS and av[0] >= 1:
            found += _required_sets(av[2])
        elif op is _constants.ASSERT and av[0] == 1:  # a lookahead
            found += _required_sets(av[1])
        elif op is _constants.BRANCH:
            alternatives = [_required_sets(alt) for alt in av[1]]
            if all(alternatives):
                union = frozenset().union(*(min(sets, key=len) for sets in alternatives))
                if len(union) <= REQUIRED_CHARS_MAX:
                    found.append(union)
    return found


def _exact_class_chars(items) -> set[str] | None:
    """The characters of a parsed class of literals and small ranges, at most ``REQUIRED_CHARS_MAX``
    (None for any other class: a category such as ``\\d`` holds more than ASCII)."""
    chars = _class_chars(items, REQUIRED_CHARS_MAX, digits=False)
    return chars if chars is not None and len(chars) <= REQUIRED_CHARS_MAX else None


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


def either(patterns: list[str], flags: int = 0, prefix: str = "") -> re.Pattern | None:
    """One regex matching where any of ``patterns`` matches (None for no patterns).

    The patterns are joined into one flat alternation (the same language as wrapping each in
    ``(?:…)``), so when all alternatives start with a literal the engine can skip ahead to them.
    """
    if not patterns:
        return None
    return re.compile(f"{prefix}(?:{'|'.join(patterns)})" if prefix else "|".join(patterns), flags)
