"""HTML → :class:`PageDocument`: anti-copy junk removal, content-block detection, metadata."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

from .document import Block, PageDocument
from .errors import PageError

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "nav", "aside",
             "footer", "form", "select", "button", "textarea", "input", "svg", "canvas", "video",
             "audio", "map", "head")
BLOCK_TAGS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr",
                        "td", "th", "table", "tbody", "section", "article", "blockquote", "dd", "dt",
                        "dl", "center", "pre", "hr", "header", "main", "figure", "figcaption"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
INLINE_TAGS = frozenset({"span", "font", "strong", "b", "em", "i", "u", "a", "small", "big", "sup",
                         "sub", "label", "abbr", "cite", "code", "mark", "s", "strike", "ins", "del",
                         "q", "var", "tt", "o:p"})
WHITE = frozenset({"#fff", "#ffffff", "white", "#fefefe", "#fdfdfd"})
JUNK_CLASSES = ("jammer", "hidden", "hide", "copyright-hidden")

MIN_CONTENT_HAN = 60          # fewer Han characters than this is not an article
MAX_LINK_SHARE = 0.5          # content whose text is mostly link text is a list, not an article
EXPAND_MIN_SHARE = 0.3        # grow the content block to its parent when the parent adds this much text
EXPAND_MAX_LINK_SHARE = 0.25  # … and that added text is not mostly links

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASS_RULE = re.compile(r"\.([A-Za-z_][\w-]*)\s*\{[^}]*?(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
_SITE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|-{1,2}|—{1,2}| - )\s*")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
CATEGORY = re.compile(r"(?:所属栏目|栏目|分类|类别|所属分类|栏目分类)\s*[:：]\s*([^\s|｜/]+)")
_CRUMB_HINT = re.compile(r"当前位置|您的位置|你的位置|位置[:：]|首页\s*[>»›＞]")
_CRUMB_CLASS = re.compile(r"crumb|position|location|place|weizhi|dqwz|path", re.I)
_CRUMB_SKIP = frozenset({"首页", "正文", "主页", "网站首页", "home", "Home", "内容"})
_INFO_HINT = re.compile(r"栏目|分类|来源|作者|浏览|阅读|点击|发布|时间|编辑")
_DATE_ONLY = re.compile(r"^[\d\s:：/.年月日-]+$")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")

_find_hidden_style = etree.XPath("//*[@style]")
_find_fonts = etree.XPath("//font[@color]")
_find_classed = etree.XPath("//*[@class]")
_find_style_text = etree.XPath("//style/text()")
_find_canonical = etree.XPath("//link[@rel='canonical']/@href")
_find_title = etree.XPath("string(//title)")
_find_h1 = etree.XPath("//h1")
_find_text = etree.XPath("//text()[normalize-space()]")
_find_meta = etree.XPath("//meta[@property or @name]")
_following_text = etree.XPath("following::text()[normalize-space()][position() <= 30]")


@dataclass(frozen=True)
class Selectors:
    """CSS selectors from a site profile; any may be empty (automatic detection)."""

    title: str = ""
    date: str = ""
    category: str = ""
    content: str = ""
    remove: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=256)
def _css(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def _first(root, selector: str):
    found = _css(selector)(root) if selector else []
    return found[0] if found else None


def parse_html(html: str) -> etree._Element:
    """Parse decoded HTML into an lxml tree (``not_a_page`` when there is no document)."""
    html = _XML_DECL.sub("", html, count=1)
    if "<" not in html:
        raise PageError("not_a_page", "no HTML markup")
    try:
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise PageError("not_a_page", str(exc)) from exc


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def hidden_classes(root) -> set[str]:
    """Class names a ``<style>`` block on the page hides (``.Xyz123{display:none}``)."""
    return {m.group(1) for css in _find_style_text(root) for m in _HIDDEN_CLASS_RULE.finditer(css)}


def remove_hidden_junk(root) -> None:
    """Drop anti-copy junk: elements hidden inline, by a page-hidden or junk class, or painted white.

    Tails stay: the text after a junk element is real content.
    """
    junk = [el for el in _find_hidden_style(root) if _HIDDEN_STYLE.search(el.get("style", ""))]
    junk += [el for el in _find_fonts(root) if el.get("color", "").strip().lower() in WHITE]
    junk_classes = hidden_classes(root).union(JUNK_CLASSES)
    junk += [el for el in _find_classed(root) if junk_classes.intersection(el.get("class", "").split())]
    junk += root.xpath("//*[@hidden]")
    for el in junk:
        if el.getparent() is not None:
            el.drop_tree()


def remove_chrome(root, remove: tuple[str, ...] = ()) -> None:
    """Drop scripts, styles, navigation, asides, footers, forms and a profile's extra selectors."""
    for selector in remove:
        for el in _css(selector)(root):
            if el.getparent() is not None:
                el.drop_tree()
    etree.strip_elements(root, *DROP_TAGS, with_tail=False)


def _block_owner(node):
    """The nearest block-level element that a text node's characters render inside."""
    el = node.getparent()
    if node.is_tail:
        el = el.getparent()
    while el is not None and el.tag in INLINE_TAGS:
        el = el.getparent()
    return el


def _han_weight(text: str) -> int:
    """≈ 2 × the number of CJK characters (UTF-8 length minus code points), computed in C."""
    return len(text.encode("utf-8")) - len(text)


def _in_link(node) -> bool:
    el = node.getparent()
    if node.is_tail:
        el = el.getparent()
    while el is not None and el.tag in INLINE_TAGS:
        if el.tag == "a":
            return True
        el = el.getparent()
    return False


def find_content(root):
    """The element holding the article text, found by Han-text density and link density.

    Text is credited to its block element; each block's text and link text are summed into the
    block's parent. The parent with most non-link text wins, and grows to its own parent while
    that adds substantial text that is not links (pieces wrapped in separate ``<div>``\\s).
    """
    text_weight: dict = defaultdict(int)
    link_weight: dict = defaultdict(int)
    for node in _find_text(root):
        owner = _block_owner(node)
        if owner is None:
            continue
        weight = _han_weight(node)
        if _in_link(node):
            link_weight[owner] += weight
        else:
            text_weight[owner] += weight
    container_score: dict = defaultdict(int)
    container_links: dict = defaultdict(int)
    for block, weight in text_weight.items():
        container_score[block] += weight
        parent = block.getparent()
        if parent is not None and block.tag != "body":
            container_score[parent] += weight
    for block, weight in link_weight.items():
        container_links[block] += weight
        parent = block.getparent()
        if parent is not None:
            container_links[parent] += weight
    if not container_score:
        return None
    best = max(container_score, key=lambda el: container_score[el] - 2 * container_links[el])
    return _grow_to_parent(best, text_weight, link_weight)


def _subtree_weights(el, text_weight, link_weight) -> tuple[int, int]:
    text = links = 0
    for node in el.iter():
        text += text_weight.get(node, 0)
        links += link_weight.get(node, 0)
    return text, links


def _grow_to_parent(best, text_weight, link_weight):
    text, links = _subtree_weights(best, text_weight, link_weight)
    while (parent := best.getparent()) is not None and parent.tag not in ("body", "html"):
        p_text, p_links = _subtree_weights(parent, text_weight, link_weight)
        added_text, added_links = p_text - text, p_links - links
        if added_text < EXPAND_MIN_SHARE * text or added_links > EXPAND_MAX_LINK_SHARE * (added_text + added_links):
            break
        best, text, links = parent, p_text, p_links
    return best


def content_blocks(container) -> list[Block]:
    """Paragraphs of a content element: ``<p>``, ``<div>``, ``<br>``, ``<li>``… start a new block."""
    blocks: list[Block] = []
    parts: list[str] = []
    heading = False

    def flush():
        nonlocal heading
        text = "".join(parts).strip()
        if text:
            blocks.append(Block(text, heading))
        parts.clear()
        heading = False

    for event, el in etree.iterwalk(container, events=("start", "end")):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if tag in BLOCK_TAGS:
                flush()
                heading = tag in HEADING_TAGS
            if el.text:
                parts.append(el.text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            if el.tail and el is not container:
                parts.append(el.tail)
    flush()
    return blocks


def _text(el) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def find_title(root, page_title: str, selector: str = "") -> str | None:
    """The page headline: profile selector, else the ``<h1>`` named by ``<title>``, else ``<title>``."""
    if selector:
        return _text(_first(root, selector)) or None
    h1s = [t for t in (_text(h) for h in _find_h1(root)) if t]
    for text in h1s:
        if page_title and text in page_title:
            return text
    if h1s and not page_title:
        return h1s[0]
    if page_title:
        return _SITE_SEPARATORS.split(page_title)[0] or page_title
    return None


def _meta(root) -> dict[str, str]:
    return {(m.get("property") or m.get("name") or "").lower(): m.get("content", "") for m in _find_meta(root)}


def normalize_date(text: str) -> str | None:
    """First date in text as ``YYYY-MM-DD``."""
    m = DATE.search(text or "")
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _info_text(root, title: str | None) -> str:
    """Text right after the headline, where essay sites put the date and 栏目 line."""
    for h1 in _find_h1(root):
        if not title or title in _text(h1) or _text(h1) in title:
            return " ".join(str(t) for t in _following_text(h1))
    return ""


def find_breadcrumb_category(root, title: str | None) -> str | None:
    """Last breadcrumb link that is not 首页/正文 or the title itself."""
    for el in root.iter("div", "p", "span", "nav", "ul", "ol"):
        cls = f"{el.get('class', '')} {el.get('id', '')}"
        text = el.text_content()
        if len(text) > 200 or not (_CRUMB_CLASS.search(cls) or _CRUMB_HINT.search(text)):
            continue
        links = [_text(a) for a in el.iter("a")]
        links = [t for t in links if t and t not in _CRUMB_SKIP and t != title]
        if links:
            return links[-1]
    return None


def extract_html(html: str, url: str | None = None, selectors: Selectors | None = None) -> PageDocument:
    """Decoded HTML → page document; raises ``PageError('no_content')`` when no article text is found."""
    selectors = selectors or Selectors()
    root = parse_html(html)
    meta = _meta(root)
    page_title = " ".join(_find_title(root).split())
    canonical = next((urljoin(url or "", h.strip()) for h in _find_canonical(root) if h.strip()), None)
    site_name = meta.get("og:site_name") or None
    remove_hidden_junk(root)
    remove_chrome(root, selectors.remove)
    container = _first(root, selectors.content) if selectors.content else find_content(root)
    if container is None:
        raise PageError("no_content", f"content selector {selectors.content!r} matched nothing"
                        if selectors.content else "no text blocks")
    title = find_title(root, page_title, selectors.title)
    info = _text(_first(root, selectors.date)) if selectors.date else _info_text(root, title)
    published = (normalize_date(info) or normalize_date(meta.get("article:published_time", ""))
                 or normalize_date(meta.get("pubdate", "")))
    category = (_text(_first(root, selectors.category)) if selectors.category else None) or None
    if category is None:
        m = CATEGORY.search(info)
        category = m.group(1) if m else find_breadcrumb_category(root, title)
    blocks = drop_header_blocks(content_blocks(container), title)
    _check_is_article(blocks, container)
    return PageDocument(title=title, published=published, category=category, canonical_url=canonical,
                        site_name=site_name, blocks=blocks)


def drop_header_blocks(blocks: list[Block], title: str | None) -> list[Block]:
    """Drop the headline and the date/栏目 info line when the content block includes them."""
    start = 0
    for block in blocks[:4]:
        short = len(block.text) <= 80
        if short and (block.text == title or DATE.search(block.text) and (
                _INFO_HINT.search(block.text) or _DATE_ONLY.match(block.text))):
            start = blocks.index(block) + 1
    return blocks[start:]


def _check_is_article(blocks: list[Block], container) -> None:
    text_weight = sum(_han_weight(b.text) for b in blocks)
    if text_weight < 2 * MIN_CONTENT_HAN:
        raise PageError("no_content", "too little Chinese text for an article")
    link_weight = sum(_han_weight(t) for a in container.iter("a") for t in a.itertext())
    if link_weight > MAX_LINK_SHARE * text_weight:
        raise PageError("no_content", "content is mostly links (a list page)")
