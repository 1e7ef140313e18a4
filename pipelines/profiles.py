"""Site profiles: what is known about one site's layout, as data (TOML files)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

from .extract import Selectors


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
    def load(cls, path: str | Path) -> SiteProfile:
        path = Path(path)
        return cls.from_dict(tomllib.loads(path.read_text("utf-8")), source=str(path))

    def is_article_url(self, path: str) -> bool:
        return any(p.search(path) for p in self.article_urls)

    def is_list_url(self, path: str) -> bool:
        return any(p.search(path) for p in self.list_urls)


def load_profiles(folder: str | Path) -> dict[str, SiteProfile]:
    """All ``*.toml`` profiles in a folder, by name."""
    profiles = (SiteProfile.load(p) for p in sorted(Path(folder).glob("*.toml")))
    return {p.name: p for p in profiles}
