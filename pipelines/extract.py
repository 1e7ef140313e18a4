"""HTML → :class:`PageDocument`: anti-copy junk removal, content-block detection, metadata."""
from __future__ import annotations

import html
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

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
# Where article text lives; link text is left out of the weighing, but the text after a link (its
# tail) is its paragraph's.
TEXT_TAGS = ("p", "div", "td", "th", "li", "span", "font", "strong", "b", "em", "i", "u", "br", "section", "article",
             "center", "blockquote", "pre", "dd", "dt", "main", "body", "small", "big", "label", "cite", "q")
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
INLINE_TAGS = frozenset({"span", "font", "strong", "b", "em", "i", "u", "a", "small", "big", "sup",
                         "sub", "label", "abbr", "cite", "code", "mark", "s", "strike", "ins", "del",
                         "q", "var", "tt", "o:p"})
WHITE = frozenset({"#fff", "#ffffff", "white", "#fefefe", "#fdfdfd"})
JUNK_CLASSES = ("jammer", "hidden", "hide", "copyright-hidden")

MIN_PARAGRAPH_CHARS = 8       # shorter texts (labels, menu items) do not count towards content
INFO_CHARS = 300              # the date/栏目 line is looked for this far after the headline
MIN_CONTENT_HAN = 60          # fewer Han characters than this is not an article
MAX_LINK_SHARE = 0.5          # content whose text is mostly link text is a list, not an article
EXPAND_MIN_SHARE = 0.3        # grow the content block to its parent when the parent adds this much text
EXPAND_MAX_LINK_SHARE = 0.25  # … and that added text is not mostly links

_HIDDEN_CLASS_RULE = re.compile(r"\.([A-Za-z_][\w-]*)\s*\{[^}]*?(?:display\s*:\s*none|visibility\s*:\s*hidden)", re.I)
# Ad containers by class or id: ad, ads, ad-*, *-ad, adsbygoogle, advert*, sponsor*, gg, guanggao.
_AD_CLASS = re.compile(r"^(?:ads?|ad[-_].*|.*[-_]ads?|adsbygoogle|advert.*|sponsor.*|gg|gg[-_].*|guanggao.*)$", re.I)
_AD_HINT = re.compile(r"ad|gg|guanggao|sponsor", re.IGNORECASE)  # cheap test before the class check
_AD_HOST = re.compile(r"//(?:[^/]*\.)?(?:ads?|adserver|adx|doubleclick|googlesyndication|union|click)[.-]", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SITE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|-{1,2}|—{1,2}| - )\s*")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
CATEGORY = re.compile(r"(?:所属|所屬)?(?:栏目|欄目|分类|分類|类别|類別)(?:分类|分類)?\s*[:：]\s*([^\s|｜/]+)")
_CRUMB_HINT = re.compile(r"当前位置|您的位置|你的位置|位置[:：]|首页\s*[>»›＞]")
_CRUMB_CLASS = re.compile(r"crumb|position|location|place|weizhi|dqwz|path", re.I)
_CRUMB_TAGS = ("div", "p", "span", "td", "ul", "ol", "section")
_CRUMB_SKIP = frozenset({"首页", "正文", "主页", "网站首页", "home", "Home", "内容"})
_INFO_HINT = re.compile(r"栏目|分类|来源|作者|浏览|阅读|点击|发布|时间|编辑")
_DATE_ONLY = re.compile(r"^[\d\s:：/.年月日-]+$")
_JUNK_TAG = "essay-crawler-junk"
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Over lxml's serialisation, which writes tag names in lower case (an empty heading as <h2/>).
_HEADING_START = re.compile(rf"<(?:{'|'.join(HEADING_TAGS)})(?![a-z0-9:])[^>]*(?<!/)>", re.A)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(sorted(BLOCK_TAGS | HEADING_TAGS))})(?![a-z0-9:])[^>]*>", re.A)
_STRIP = " \t\r\f\v\ufdd0"
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")

_find_leaf_with_text = etree.XPath("//body//*[not(*)][normalize-space() = $t]")
_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))


def _string(el) -> str:
    """All text under ``el`` (XPath ``string()``), serialised in C without an XPath context."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


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


def parse_html(markup: str) -> etree._Element:
    """Parse decoded HTML into an lxml tree (``not_a_page`` when there is no document)."""
    if declaration := XML_DECLARATION.match(markup):
        markup = markup[declaration.end():]
    if "<" not in markup:
        raise PageError("not_a_page", "no HTML markup")
    return _parse(markup.encode("utf-8"))


def parse_utf8_html(data: bytes) -> etree._Element:
    """Parse HTML bytes taken to be UTF-8 without decoding them first: the parser decodes them, and
    ``PageError('bad_encoding')`` says it found bytes that are not UTF-8."""
    problem = None
    try:
        root = _parse(data)
    except PageError as exc:
        problem = exc
    if _parser().error_log.filter_types(_NOT_UTF8):
        raise PageError("bad_encoding", "bytes are not UTF-8")
    if problem:
        raise problem
    return root


def _parse(utf8: bytes) -> etree._Element:
    try:
        root = etree.fromstring(utf8, parser=_parser())
    except (etree.ParserError, ValueError) as exc:
        raise PageError("not_a_page", str(exc)) from exc
    if root is None:
        raise PageError("not_a_page", "empty document")
    return root


def _parser() -> etree.HTMLParser:
    """This thread's parser: an lxml parser, and the error log read after a parse, serve one thread."""
    parser = getattr(_THREAD, "parser", None)
    if parser is None:
        parser = _THREAD.parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                                   collect_ids=False)
    return parser


_THREAD = threading.local()
_NOT_UTF8 = [etree.ErrorTypes.ERR_INVALID_ENCODING]


@dataclass
class PageInfo:
    """What a page says about itself outside its text: <title>, <meta>, canonical link, the
    classes its <style> blocks hide, and its <h1> and <nav> elements."""

    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    hidden_classes: set[str] = field(default_factory=set)
    headlines: list = field(default_factory=list)
    navs: list = field(default_factory=list)


def read_page_info(root, url: str | None) -> PageInfo:
    """One pass over <title>, <meta>, <link rel=canonical>, <style>, <h1> and <nav> elements (each
    walk of the whole tree costs about as much as a small stage)."""
    info = PageInfo()
    for el in root.iter("title", "meta", "link", "style", "h1", "nav"):
        tag = el.tag
        if tag == "h1":
            info.headlines.append(el)
        elif tag == "nav":
            info.navs.append(el)
        elif tag == "meta":
            prop, name = el.get("property"), el.get("name")
            if prop is not None or name is not None:
                info.meta[(prop or name or "").lower()] = el.get("content", "")
        elif tag == "style":
            info.hidden_classes.update(m.group(1) for m in _HIDDEN_CLASS_RULE.finditer(el.text or ""))
        elif tag == "title":
            info.title = info.title or " ".join(_string(el).split())
        elif tag == "link" and el.get("rel") == "canonical" and info.canonical is None and (
                href := (el.get("href") or "").strip()):
            info.canonical = urljoin(url or "", href)
    return info


def _mark_dropped(elements) -> None:
    for el in elements:
        el.tag = _JUNK_TAG


def drop_keeping_tails(root, elements) -> None:
    """Remove ``elements`` (under ``root``) with their content, keeping the text that follows each
    (its tail), in one pass of lxml's ``strip_elements``."""
    _mark_dropped(elements)
    etree.strip_elements(root, _JUNK_TAG, with_tail=False)


def is_ad(el) -> bool:
    """An ad inside the content: an ad-network or ad-class container, or a sponsored link or a
    nofollow link to an ad server."""
    attrib = el.attrib
    names = f"{attrib.get('class') or ''} {attrib.get('id') or ''}"
    if el.tag == "ins" or _AD_HINT.search(names) and any(map(_AD_CLASS.match, names.split())):
        return True
    rel = attrib.get("rel")
    return rel is not None and el.tag == "a" and (
        "sponsored" in rel.lower() or "nofollow" in rel.lower() and bool(_AD_HOST.search(attrib.get("href") or "")))


def find_hidden_junk(container, junk_classes: set[str]) -> list:
    """Anti-copy junk and ads inside ``container``: elements hidden inline (``display:none``,
    ``visibility:hidden``, ``hidden``), by a page-hidden or junk class, painted white, or ads
    (:func:`is_ad`)."""
    hidden_style = _HIDDEN_STYLE.search
    junk = []
    for el in container.iterdescendants():
        attrib = el.attrib
        if not attrib and el.tag != "ins":
            continue
        style, classes = attrib.get("style"), attrib.get("class")
        if (style is not None and hidden_style(style)
                or classes is not None and not junk_classes.isdisjoint(classes.split())
                or "hidden" in attrib
                or el.tag == "font" and (attrib.get("color") or "").strip().lower() in WHITE
                or is_ad(el)):
            junk.append(el)
    return junk


def remove_hidden_junk(container, junk_classes: set[str]) -> None:
    """Drop anti-copy junk inside the content (see :func:`find_hidden_junk`). Tails stay: the text
    after a junk element is real content."""
    junk = find_hidden_junk(container, junk_classes)
    if junk:
        drop_keeping_tails(container, junk)


def remove_chrome(root, remove: tuple[str, ...] = ()) -> None:
    """Drop scripts, styles, navigation, asides, footers, forms and a profile's extra selectors."""
    for selector in remove:
        _mark_dropped(_css(selector)(root))
    etree.strip_elements(root, *DROP_TAGS, _JUNK_TAG, with_tail=False)


def _text_owner(el):
    """The block element that text directly inside ``el`` renders in; None for link text."""
    while el is not None and el.tag in INLINE_TAGS:
        if el.tag == "a":
            return None
        el = el.getparent()
    return el


def _han_weight(text: str) -> int:
    """≈ 2 × the number of CJK characters (UTF-8 length minus code points), computed in C."""
    return len(text.encode("utf-8")) - len(text)


def _link_weight(el) -> int:
    """≈ 2 × characters of link text under ``el`` (link labels on these sites are Chinese)."""
    return sum(map(_anchor_weight, el.iterdescendants("a")))


def _anchor_weight(a) -> int:
    """≈ 2 × characters of the text of link ``a`` (with no child elements, all of it is ``.text``)."""
    return 2 * (len(a.text or "") if not len(a) else len(_string(a)))


def _text_weight(el) -> int:
    """:func:`_han_weight` of all text under ``el``, counted on its UTF-8 serialisation (the bytes
    beyond one per character are the continuation bytes) without building a Python string."""
    utf8 = etree.tostring(el, method="text", encoding="utf-8", with_tail=False)
    return len(utf8) - len(utf8.translate(None, _UTF8_CONTINUATION))


def find_content(root) -> tuple | None:
    r"""The element holding the article text, found by Han-text density and link density, and
    the weight of its link text (:func:`_link_weight`).

    Each paragraph-sized text outside links is credited to its block element and to that block's
    parent. The best candidate is the element with most such text (less twice its link text); it
    then grows to its own parent while that adds substantial text that is not links (pieces
    wrapped in separate ``<div>``\s).
    """
    owned: dict = defaultdict(int)
    # The hot loop of the extractor: names bound locally, _han_weight inlined.
    inline, shorter, owner_of = INLINE_TAGS, MIN_PARAGRAPH_CHARS - 1, _text_owner
    for el in root.iter(*TEXT_TAGS):
        text = el.text
        if text is not None and len(text) > shorter and not text.isspace():
            owner = owner_of(el) if el.tag in inline else el
            if owner is not None:
                owned[owner] += len(text.encode()) - len(text)
        tail = el.tail
        if tail is not None and len(tail) > shorter and not tail.isspace():
            owner = el.getparent()
            if owner is not None and owner.tag in inline:
                owner = owner_of(owner)
            if owner is not None:
                owned[owner] += len(tail.encode()) - len(tail)
    for el in root.iter("a"):  # the text after a link (its own text is not weighed)
        tail = el.tail
        if tail is not None and len(tail) > shorter and not tail.isspace():
            owner = el.getparent()
            if owner is not None and owner.tag in inline:
                owner = owner_of(owner)
            if owner is not None:
                owned[owner] += len(tail.encode()) - len(tail)
    direct: dict = defaultdict(int)
    for block, weight in owned.items():
        direct[block] += weight
        parent = block.getparent()
        if parent is not None:
            direct[parent] += weight
    if not direct:
        return None
    best, best_score, best_links = None, 0, 0
    for el in sorted(direct, key=direct.__getitem__, reverse=True)[:3]:
        if best is not None and direct[el] <= best_score:
            break  # links only lower a score: this and the rest cannot win
        links = _link_weight(el)
        if best is None or direct[el] - 2 * links > best_score:
            best, best_score, best_links = el, direct[el] - 2 * links, links
    return _grow_to_parent(best, best_links, direct[best])


def _grow_to_parent(best, links: int, text_at_least: int) -> tuple:
    """``text_at_least``: a lower bound of ``best``'s text weight (its paragraphs' weight), which
    settles the common case, a parent adding little, before ``best`` is weighed whole."""
    text = None
    while (parent := best.getparent()) is not None and parent.tag not in ("body", "html"):
        beside = _text_weight_beside(parent, best)
        if beside < EXPAND_MIN_SHARE * (text_at_least - links):
            break  # adds too little text even if none of it were links
        if text is None:
            text = _text_weight(best)
            if beside < EXPAND_MIN_SHARE * (text - links):
                break
        p_text = text + beside
        p_links = links + _link_weight_beside(parent, best)
        added_links = p_links - links
        added_text = p_text - text - added_links
        if (added_text < EXPAND_MIN_SHARE * (text - links)
                or added_links > EXPAND_MAX_LINK_SHARE * (added_text + added_links)):
            break
        best, text, links = parent, p_text, p_links
        text_at_least = text
    return best, links


def _text_weight_beside(parent, child) -> int:
    """:func:`_text_weight` of ``parent`` less that of ``child``, without weighing ``child`` again."""
    weight = _han_weight(parent.text or "")
    for el in parent:
        if el is not child:
            weight += _text_weight(el)
        if el.tail:
            weight += _han_weight(el.tail)
    return weight


def _link_weight_beside(parent, child) -> int:
    """:func:`_link_weight` of ``parent`` less that of ``child``'s descendants."""
    weight = 0
    for el in parent:
        if el.tag == "a":
            weight += _anchor_weight(el)
        if el is not child:
            weight += _link_weight(el)
    return weight


def content_blocks(container) -> list[Block]:
    """Paragraphs of a content element: ``<p>``, ``<div>``, ``<br>``, ``<li>``… start a new block;
    inline tags do not. Heading elements (``<h1>``…``<h6>``) give blocks marked as headings."""
    # XML serialisation is lxml's fastest; it writes a carriage return as &#13; (a space here, as
    # line breaks are) and a character XML cannot hold (C0 controls) as &#xFFFD; (NUL here, which
    # normalisation drops as it drops those controls).
    markup = etree.tostring(container, encoding=str, method="xml", with_tail=False)
    # Serialised markup escapes "<" and ">" outside tags, so the three passes see the same tags.
    markup = markup.replace("\n", " ")
    if "&#" in markup:
        markup = markup.replace("&#13;", " ").replace("&#xFFFD;", "\x00")
    if "<h" in markup:
        markup = _HEADING_START.sub("\n\ufdd0", markup)
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", markup))
    if "&" in text:
        text = html.unescape(text)
    return [Block(stripped, line[:1] == "\ufdd0") for line in text.split("\n") if (stripped := line.strip(_STRIP))]


def _text(el) -> str:
    return " ".join(_string(el).split()) if el is not None else ""


def find_title(root, page: PageInfo, selector: str = "") -> str | None:
    """The page headline: profile selector, else the longest ``<h1>`` that ``<title>`` contains (not
    a logo ``<h1>`` holding the site name), else ``<title>`` without its site-name suffix."""
    if selector:
        return _text(_first(root, selector)) or None
    page_title = page.title
    h1s = [t for t in map(_text, page.headlines) if t]
    named = [t for t in h1s if page_title and t in page_title]
    if named:
        return max(named, key=len)
    if h1s and not page_title:
        return h1s[0]
    if page_title:
        return _SITE_SEPARATORS.split(page_title)[0] or page_title
    return None


def normalize_date(text: str) -> str | None:
    """First date in text as ``YYYY-MM-DD``."""
    m = DATE.search(text or "")
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _in_tree(el, root) -> bool:
    """Whether ``el`` is still under ``root`` (not dropped with the chrome)."""
    while (parent := el.getparent()) is not None:
        el = parent
    return el is root


def _headline_elements(root, headlines: list, title: str | None) -> list:
    """The element showing the headline: a matching ``<h1>`` of ``headlines`` still in the tree,
    else a leaf whose text is the title."""
    h1s = [h for h in headlines if (not title or title in _text(h)) and _in_tree(h, root)]
    return h1s or (_find_leaf_with_text(root, t=title) if title else [])


def _leading_text(el, limit: int) -> str:
    """The first ``limit``-odd characters of ``el``'s text, a space between text nodes so adjacent
    blocks do not run together."""
    parts, size = [], 0
    for text in el.itertext():
        parts.append(text)
        size += len(text)
        if size >= limit:
            break
    return " ".join(parts)


def _info_text(root, headlines: list, title: str | None) -> str:
    """Text right after the headline, where essay sites put the date and 栏目 line: the headline's
    following siblings, else its parent's, up to three levels."""
    for el in _headline_elements(root, headlines, title)[:1]:
        parts: list[str] = []
        for _ in range(3):
            parts.append(el.tail or "")
            for sibling in el.itersiblings():
                parts.append(_leading_text(sibling, INFO_CHARS))
                if sum(map(len, parts)) >= INFO_CHARS:
                    break
            after = " ".join(parts)[:INFO_CHARS]
            if DATE.search(after) or CATEGORY.search(after):
                return after
            el = el.getparent()
            if el is None:
                break
    return ""


def find_breadcrumb_category(elements, title: str | None) -> str | None:
    """Last breadcrumb link that is not 首页/正文 or the title itself, in the first of ``elements``
    that looks like a breadcrumb (by class/id or a 当前位置 hint)."""
    for el in elements:
        cls = f"{el.get('class', '')} {el.get('id', '')}"
        text = _string(el)
        if len(text) > 200 or not (_CRUMB_CLASS.search(cls) or _CRUMB_HINT.search(text)):
            continue
        links = [_text(a) for a in el.iter("a")]
        links = [t for t in links if t and t not in _CRUMB_SKIP and t != title]
        if links:
            return links[-1]
    return None


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
        container, links = _first(root, selectors.content), None
    else:
        container, links = find_content(root) or (None, None)
    if container is None:
        raise PageError("no_content", f"content selector {selectors.content!r} matched nothing"
                        if selectors.content else "no text blocks")
    remove_hidden_junk(container, junk_classes)
    info = _text(_first(root, selectors.date)) if selectors.date else _info_text(root, page.headlines, title)
    published = (normalize_date(info) or normalize_date(meta.get("article:published_time", ""))
                 or normalize_date(meta.get("pubdate", "")))
    category = (_text(_first(root, selectors.category)) if selectors.category else None) or None
    if category is None:
        m = CATEGORY.search(info)
        category = m.group(1) if m else nav_crumb or find_breadcrumb_category(root.iter(*_CRUMB_TAGS), title)
    blocks = drop_header_blocks(content_blocks(container), title)
    _check_is_article(blocks, container, links)
    return PageDocument(title=title, published=published, category=category, canonical_url=page.canonical,
                        site_name=meta.get("og:site_name") or None, blocks=blocks)


def drop_header_blocks(blocks: list[Block], title: str | None) -> list[Block]:
    """Drop the headline and the date/栏目 info line when the content block includes them."""
    start = 0
    for block in blocks[:4]:
        short = len(block.text) <= 80
        if short and (block.text == title or DATE.search(block.text) and (
                _INFO_HINT.search(block.text) or _DATE_ONLY.match(block.text))):
            start = blocks.index(block) + 1
    return blocks[start:]


def _check_is_article(blocks: list[Block], container, links_at_most: int | None = None) -> None:
    """``links_at_most``: the container's link weight before junk was dropped, if known (dropping
    only removes text, so when that passes the check the link text is not weighed again)."""
    text_weight = _han_weight("\n".join([b.text for b in blocks]))
    if text_weight < 2 * MIN_CONTENT_HAN:
        raise PageError("no_content", "too little Chinese text for an article")
    if links_at_most is not None and links_at_most <= MAX_LINK_SHARE * text_weight:
        return
    if _link_weight(container) > MAX_LINK_SHARE * text_weight:
        raise PageError("no_content", "content is mostly links (a list page)")
