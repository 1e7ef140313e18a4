"""Strip site boilerplate from a page's paragraphs, driven by patterns in ``data/boilerplate.toml``."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .document import Block


@dataclass(frozen=True)
class BoilerplatePatterns:
    """Compiled boilerplate patterns (see ``data/boilerplate.toml`` for their meaning)."""

    section_end: tuple[re.Pattern, ...]
    intro: tuple[re.Pattern, ...]
    line: tuple[re.Pattern, ...]
    title_part: re.Pattern
    title_hint: re.Pattern

    def extended(self, extra: dict) -> BoilerplatePatterns:
        """These patterns plus a profile's extra ones (same keys as the data file)."""
        if not extra:
            return self
        return BoilerplatePatterns(
            section_end=self.section_end + _compile_all(extra.get("section_end", ())),
            intro=self.intro + _compile_all(extra.get("intro", ())),
            line=self.line + _compile_all(extra.get("line", ())),
            title_part=self.title_part,
            title_hint=self.title_hint,
        )


def _compile_all(patterns) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


@lru_cache(maxsize=1)
def default_patterns() -> BoilerplatePatterns:
    """The bundled patterns."""
    data = tomllib.loads(resources.files(__package__).joinpath("data/boilerplate.toml").read_text("utf-8"))
    return BoilerplatePatterns(
        section_end=_compile_all(data["section_end"]),
        intro=_compile_all(data["intro"]),
        line=_compile_all(data["line"]),
        title_part=re.compile(data["title_part"]),
        title_hint=re.compile(data["title_hint"]),
    )


def _matches(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def is_title_line(text: str, patterns: BoilerplatePatterns) -> bool:
    """A line of one or two article titles, as prev/next links leave behind."""
    parts = text.split()
    return (
        1 <= len(parts) <= 2
        and all(patterns.title_part.match(p) for p in parts)
        and any(patterns.title_hint.search(p) for p in parts)
    )


def cut_at_section_end(blocks: list[Block], patterns: BoilerplatePatterns) -> tuple[list[Block], bool]:
    """Blocks before the first 猜你喜欢/相关推荐/上一篇… marker, and whether a marker was found."""
    for i, block in enumerate(blocks):
        if _matches(patterns.section_end, block.text):
            return blocks[:i], True
    return blocks, False


def strip_boilerplate(blocks: list[Block], patterns: BoilerplatePatterns | None = None) -> list[Block]:
    """Drop intros, boilerplate lines, the page tail and a trailing prev/next title line."""
    patterns = patterns or default_patterns()
    blocks, _ = cut_at_section_end(blocks, patterns)
    kept = [b for b in blocks
            if b.text and not _matches(patterns.line, b.text) and not _matches(patterns.intro, b.text)]
    while kept and is_title_line(kept[-1].text, patterns):
        kept.pop()
    return kept
