"""The demo site's content, loaded from ``articles.toml``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """A number from 1 to 99 in Chinese numerals.

    >>> [chinese_numeral(n) for n in (1, 10, 12, 21, 99)]
    ['一', '十', '十二', '二十一', '九十九']
    """
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@dataclass(frozen=True)
class Piece:
    """One essay of a page: its heading line (None for a single essay) and paragraphs."""

    heading: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Article:
    """One article page."""

    id: int
    category: str  # slug
    category_name: str
    title: str
    date: str  # YYYY-MM-DD
    template: str
    pieces: tuple[Piece, ...]
    intro: str | None = None
    encoding: str = "utf-8"
    declare: str = "header"  # where the charset is declared: header | meta | none
    aliases: tuple[str, ...] = ()
    prefix: str = ""

    @property
    def path(self) -> str:
        return f"{self.prefix}/{self.category}/{self.id}.html"


@dataclass(frozen=True)
class ListEntry:
    """A link on a category list page."""

    id: int
    path: str
    title: str
    date: str | None


@dataclass(frozen=True)
class Site:
    """Everything the demo site serves."""

    name: str
    page_size: int
    disallow: tuple[str, ...]
    categories: tuple[tuple[str, str], ...]  # (slug, name), in menu order
    articles: tuple[Article, ...]
    missing: tuple[ListEntry, ...]  # listed but not served (404)

    def category_name(self, slug: str) -> str:
        return dict(self.categories)[slug]

    def is_disallowed(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.disallow)

    @property
    def public_articles(self) -> tuple[Article, ...]:
        """Articles a polite crawler may fetch (not under a robots.txt disallowed path)."""
        return tuple(a for a in self.articles if not self.is_disallowed(a.path))

    def list_entries(self, slug: str) -> list[ListEntry]:
        """The links of a category's list pages, ordered by id."""
        entries = [ListEntry(a.id, a.path, a.title, a.date) for a in self.articles if a.category == slug]
        entries += [e for e in self.missing if e.path.split("/")[1] == slug]
        return sorted(entries, key=lambda e: e.id)


def _piece(raw: dict, index: int, article: dict) -> Piece:
    paragraphs = tuple(line.strip() for line in raw["text"].splitlines() if line.strip())
    fmt = article.get("heading")
    heading = None if fmt is None else fmt.format(
        stem=article.get("stem", ""), n=index, cn=chinese_numeral(index), subtitle=raw.get("subtitle", ""))
    return Piece(heading, paragraphs)


def _article(raw: dict, names: dict[str, str]) -> Article:
    return Article(
        id=raw["id"], category=raw["category"], category_name=names[raw["category"]], title=raw["title"],
        date=raw["date"], template=raw["template"],
        pieces=tuple(_piece(p, i, raw) for i, p in enumerate(raw["piece"], start=1)),
        intro=raw.get("intro"), encoding=raw.get("encoding", "utf-8"), declare=raw.get("declare", "header"),
        aliases=tuple(raw.get("aliases", ())), prefix=raw.get("prefix", ""),
    )


@cache
def load_site() -> Site:
    """Parse the bundled ``articles.toml``."""
    data = tomllib.loads(resources.files(__package__).joinpath("articles.toml").read_text("utf-8"))
    names = {c["slug"]: c["name"] for c in data["category"]}
    return Site(
        name=data["site"]["name"], page_size=data["site"]["page_size"],
        disallow=tuple(data["site"]["disallow"]),
        categories=tuple(names.items()),
        articles=tuple(_article(a, names) for a in data["article"]),
        missing=tuple(ListEntry(m["id"], f"/{m['category']}/{m['id']}.html", m["title"], None)
                      for m in data.get("missing", ())),
    )
