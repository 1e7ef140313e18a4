"""Site profiles: what is known about one site's layout, as data (TOML files).

A profile is checked when it is read: an unknown key (a misspelling such as ``allowed_domain``), a
value of the wrong type, a bad regular expression or CSS selector, or an unknown encoding is a
:class:`ProfileError` naming the file, the key and the problem.
"""
from __future__ import annotations

import codecs
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lxml.cssselect import CSSSelector, SelectorError

from .extract import Selectors


class ProfileError(ValueError):
    """A profile that cannot be used: ``<file>: <key>: <problem>``."""


def _string(value, key: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{key}: must be a string, not {_type_name(value)}")


def _strings(value, key: str) -> None:
    if not isinstance(value, list):
        raise TypeError(f"{key}: must be a list of strings, not {_type_name(value)}")
    for i, item in enumerate(value):
        _string(item, f"{key}[{i}]")


def _patterns(value, key: str) -> None:
    _strings(value, key)
    for i, pattern in enumerate(value):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{key}[{i}]: bad regular expression {pattern!r}: {exc}") from None


def _css(value, key: str) -> None:
    _string(value, key)
    if value:
        try:
            CSSSelector(value)
        except SelectorError as exc:
            raise ValueError(f"{key}: bad CSS selector {value!r}: {exc}") from None


def _css_list(value, key: str) -> None:
    _strings(value, key)
    for i, selector in enumerate(value):
        _css(selector, f"{key}[{i}]")


def _encoding(value, key: str) -> None:
    _string(value, key)
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(f"{key}: unknown encoding {value!r}") from None


SELECTOR_KEYS = {"title": _css, "date": _css, "category": _css, "content": _css, "remove": _css_list}
#: The pattern lists of ``pipelines/data/boilerplate.toml`` a profile may extend.
BOILERPLATE_KEYS = {name: _patterns for name in ("section_end", "intro", "line", "byline", "piece_end")}


def _table(checks: dict):
    def check(value, key: str) -> None:
        if not isinstance(value, dict):
            raise TypeError(f"{key}: must be a table, not {_type_name(value)}")
        _check_keys(value, checks, f"{key}.")
    return check


PROFILE_KEYS = {
    "name": _string, "description": _string, "allowed_domains": _strings, "start_urls": _strings,
    "article_urls": _patterns, "list_urls": _patterns, "encoding": _encoding,
    "selectors": _table(SELECTOR_KEYS), "boilerplate": _table(BOILERPLATE_KEYS),
}


def _check_keys(data: dict, checks: dict, prefix: str = "") -> None:
    for key, value in data.items():
        if key not in checks:
            close = difflib.get_close_matches(key, checks, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(checks)}"
            raise ValueError(f"{prefix}{key}: unknown key ({hint})")
        checks[key](value, prefix + key)


def _type_name(value) -> str:
    return {str: "a string", list: "a list", dict: "a table", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def check_profile(data: dict, source: str = "") -> None:
    """Raise :class:`ProfileError` unless ``data`` is a valid profile (see the module docstring)."""
    try:
        if "name" not in data:
            raise ValueError("name: missing (every profile needs a name)")
        _check_keys(data, PROFILE_KEYS)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{source or 'profile'}: {exc}") from None


@dataclass(frozen=True)
class SiteProfile:
    """A site's crawl scope, URL shapes, selectors, encoding override and extra boilerplate."""

    name: str
    description: str = ""
    allowed_domains: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    article_urls: tuple[re.Pattern, ...] = ()
    list_urls: tuple[re.Pattern, ...] = ()
    encoding: str | None = None
    selectors: Selectors = field(default_factory=Selectors)
    boilerplate: dict = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_dict(cls, data: dict, source: str = "") -> SiteProfile:
        check_profile(data, source)
        sel = data.get("selectors", {})
        return cls(
            name=data["name"],
            description=data.get("description", ""),
            allowed_domains=tuple(data.get("allowed_domains", ())),
            start_urls=tuple(data.get("start_urls", ())),
            article_urls=tuple(re.compile(p) for p in data.get("article_urls", ())),
            list_urls=tuple(re.compile(p) for p in data.get("list_urls", ())),
            encoding=data.get("encoding"),
            selectors=Selectors(title=sel.get("title", ""), date=sel.get("date", ""),
                                category=sel.get("category", ""), content=sel.get("content", ""),
                                remove=tuple(sel.get("remove", ()))),
            boilerplate=data.get("boilerplate", {}),
            source=source,
        )

    @classmethod
    def from_toml(cls, text: str, source: str) -> SiteProfile:
        """A profile from TOML text; a syntax error is a :class:`ProfileError` naming ``source``."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"{source}: not valid TOML: {exc}") from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> SiteProfile:
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{path}: cannot read the profile: {getattr(exc, 'strerror', None) or exc}") from None
        return cls.from_toml(text, str(path))

    def is_article_url(self, path: str) -> bool:
        return any(p.search(path) for p in self.article_urls)

    def is_list_url(self, path: str) -> bool:
        return any(p.search(path) for p in self.list_urls)


def load_profiles(folder: str | Path) -> dict[str, SiteProfile]:
    """All ``*.toml`` profiles in a folder, by name."""
    profiles = (SiteProfile.load(p) for p in sorted(Path(folder).glob("*.toml")))
    return {p.name: p for p in profiles}
