"""The demo site as routes for :class:`~essay_crawler.demo.server.SiteServer`, and what a crawl of it yields.

Canonical links are absolute (``<link rel="canonical" href="http://127.0.0.1:PORT/…">``), so pages are
rendered for a known base URL: ``build_site(srv.base_url)``; :func:`demo_server` does this.
"""
from __future__ import annotations

import re

from .content import Article, Site, load_site
from .render import (
    ArticleContext,
    render_about,
    render_article,
    render_index,
    render_list,
)
from .server import Route, SiteServer

STYLE = b"body{font:14px/1.8 sans-serif}.side,.right,aside{color:#666}"
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(\uff08][a-z\u00e0-\u01dc\u00fc]+[)\uff09]")


def _neighbours(site: Site, article: Article) -> tuple[Article | None, Article | None]:
    same = [a for a in site.articles if a.category == article.category]
    i = same.index(article)
    return (same[i - 1] if i > 0 else None), (same[i + 1] if i + 1 < len(same) else None)


def _rotate(articles: tuple[Article, ...], start: int) -> list[Article]:
    start %= len(articles)
    return list(articles[start:] + articles[:start])


def article_context(site: Site, article: Article, base_url: str) -> ArticleContext:
    """Chrome for ``article``: previous/next in its category, related (same category) and hot (others)."""
    public = site.public_articles
    related = [a for a in _rotate(public, article.id) if a.category == article.category and a != article]
    hot = [a for a in _rotate(public, article.id) if a.category != article.category]
    prev, nxt = _neighbours(site, article)
    return ArticleContext(site, base_url, prev, nxt, tuple(related[:4]), tuple(hot[:5]))


def _list_routes(site: Site, slug: str) -> dict[str, Route]:
    entries = site.list_entries(slug)
    pages = max(1, -(-len(entries) // site.page_size))
    return {
        f"/{slug}/list_{page}.html": Route.page(render_list(
            site, slug, page, pages, entries[(page - 1) * site.page_size: page * site.page_size]))
        for page in range(1, pages + 1)
    }


def _robots(site: Site) -> bytes:
    return ("User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in site.disallow)).encode()


def build_site(base_url: str) -> dict[str, Route]:
    """Every route of the demo site, with canonical links pointing at ``base_url`` (no trailing slash)."""
    site = load_site()
    public = site.public_articles
    latest = tuple(sorted(public, key=lambda a: a.date, reverse=True)[:6])
    featured = tuple((alias, a.title) for a in site.articles for alias in a.aliases)
    routes = {
        "/": Route.page(render_index(site, latest, featured)),
        "/robots.txt": Route.page(_robots(site), "text/plain; charset=utf-8"),
        "/about.html": Route.page(render_about(site)),
        "/static/style.css": Route.page(STYLE, "text/css"),
    }
    for slug, _ in site.categories:
        routes.update(_list_routes(site, slug))
    for article in site.articles:
        body, content_type = render_article(article, article_context(site, article, base_url))
        for path in (article.path, *article.aliases):
            routes[path] = Route.page(body, content_type)
    return routes


def demo_server(host: str = "127.0.0.1", port: int = 0) -> SiteServer:
    """A :class:`SiteServer` loaded with the demo site (not started; use it as a context manager)."""
    srv = SiteServer(host=host, port=port)
    srv.routes.update(build_site(srv.base_url))
    return srv


def _claimed(title: str) -> int | None:
    counts = re.findall(r"(\d+)篇", title)
    return int(counts[-1]) if counts else None


def _expected_text(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(_PINYIN.sub("", p) for p in paragraphs)


def expected_article(article: Article, base_url: str) -> dict:
    """What cleaning ``article``'s page must give: page fields plus each piece's title and text."""
    return {
        "url": base_url + article.path,
        "title": article.title,
        "category": article.category_name,
        "published": article.date,
        "piece_total": len(article.pieces),
        "piece_total_claimed": _claimed(article.title),
        "piece_titles": [p.heading for p in article.pieces],
        "piece_texts": [_expected_text(p.paragraphs) for p in article.pieces],
        "path": article.path,
    }


def expected_articles(base_url: str) -> list[dict]:
    """One entry per article page a polite crawl of the demo site turns into records.

    Keys: url (canonical), title, category, published, piece_total, piece_total_claimed (from the
    title, may differ from piece_total), piece_titles (None for a single essay), piece_texts, path.
    Pages under a robots.txt-disallowed path and alias URLs are not listed.
    """
    return [expected_article(a, base_url) for a in load_site().public_articles]


def expected_errors(base_url: str) -> list[dict]:
    """Linked pages that fail: ``{"url", "reason": "http_error", "status": 404}``."""
    return [{"url": base_url + m.path, "reason": "http_error", "status": 404} for m in load_site().missing]


def disallowed_urls(base_url: str) -> list[str]:
    """Article URLs that robots.txt forbids (a polite crawl never requests them)."""
    site = load_site()
    return [base_url + a.path for a in site.articles if site.is_disallowed(a.path)]


def alias_urls(base_url: str) -> dict[str, str]:
    """Second URLs of articles → their canonical URL (records must carry the canonical one)."""
    return {base_url + alias: base_url + a.path for a in load_site().articles for alias in a.aliases}
