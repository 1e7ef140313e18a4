"""HTML → :class:`PageDocument`: the steps of ``pipelines/html`` in order (see
``docs/extraction.md``)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .document import PageDocument
from .errors import PageError
from .html.blocks import content_blocks, drop_header_blocks
from .html.chrome import JUNK_CLASSES, remove_chrome, remove_hidden_junk
from .html.content import check_is_article, find_content
from .html.page import (
    CATEGORY,
    CRUMB_TAGS,
    find_breadcrumb_category,
    find_title,
    info_text,
    normalize_date,
    read_page_info,
)
from .html.parse import css_first, parse_html, text_of


@dataclass(frozen=True)
class Selectors:
    """CSS selectors from a site profile; any may be empty (automatic detection)."""

    title: str = ""
    date: str = ""
    category: str = ""
    content: str = ""
    remove: tuple[str, ...] = field(default_factory=tuple)


def extract_html(markup: str, url: str | None = None, selectors: Selectors | None = None) -> PageDocument:
    """Decoded HTML → page document (see :func:`extract_tree`)."""
    return extract_tree(parse_html(markup), url, selectors)


def extract_tree(root, url: str | None = None, selectors: Selectors | None = None) -> PageDocument:
    """Parsed HTML → page document; raises ``PageError('no_content')`` when no article text is found."""
    selectors = selectors or Selectors()
    page = read_page_info(root, url)
    meta = page.meta
    junk_classes = page.hidden_classes.union(JUNK_CLASSES)
    title = find_title(root, page, selectors.title)
    nav_crumb = find_breadcrumb_category(page.navs, title)  # <nav> is dropped with the chrome
    remove_chrome(root, selectors.remove)
    if selectors.content:
        container, links = css_first(root, selectors.content), None
    else:
        container, links = find_content(root) or (None, None)
    if container is None:
        raise PageError("no_content", f"content selector {selectors.content!r} matched nothing"
                        if selectors.content else "no text blocks")
    remove_hidden_junk(container, junk_classes)
    info = text_of(css_first(root, selectors.date)) if selectors.date else info_text(root, page.headlines, title)
    published = (normalize_date(info) or normalize_date(meta.get("article:published_time", ""))
                 or normalize_date(meta.get("pubdate", "")))
    category = (text_of(css_first(root, selectors.category)) if selectors.category else None) or None
    if category is None:
        m = CATEGORY.search(info)
        category = m.group(1) if m else nav_crumb or find_breadcrumb_category(root.iter(*CRUMB_TAGS), title)
    blocks = drop_header_blocks(content_blocks(container), title)
    check_is_article(blocks, container, links)
    return PageDocument(title=title, published=published, category=category, canonical_url=page.canonical,
                        site_name=meta.get("og:site_name") or None, blocks=blocks)
