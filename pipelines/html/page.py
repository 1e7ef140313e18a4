"""What a page says about itself: <title>, <meta>, canonical link, headline, date, 栏目 and
breadcrumb, and the classes its <style> blocks hide."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

from lxml import etree

from .parse import css_first, string_of, text_of

INFO_CHARS = 300              # the date/栏目 line is looked for this far after the headline
# A style sheet read rule by rule: the selector before a "{" and the declarations after it, up to
# the next brace (one pass, so an unclosed rule costs no more than its length).
_CSS_RULE = re.compile(r"([^{}]*)\{([^{}]*)")
_CLASS_BEFORE_BRACE = re.compile(r"\.([A-Za-z_][\w-]*)\s*$")
_HIDES = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SITE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|-{1,2}|—{1,2}| - )\s*")
DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
CATEGORY = re.compile(r"(?:所属|所屬)?(?:栏目|欄目|分类|分類|类别|類別)(?:分类|分類)?\s*[:：]\s*([^\s|｜/]+)")
_CRUMB_HINT = re.compile(r"当前位置|您的位置|你的位置|位置[:：]|首页\s*[>»›＞]")
_CRUMB_CLASS = re.compile(r"crumb|position|location|place|weizhi|dqwz|path", re.IGNORECASE)
CRUMB_TAGS = ("div", "p", "span", "td", "ul", "ol", "section")
_CRUMB_SKIP = frozenset({"首页", "正文", "主页", "网站首页", "home", "Home", "内容"})

_find_leaf_with_text = etree.XPath("//body//*[not(*)][normalize-space() = $t]")


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


def hidden_classes(css: str) -> set[str]:
    """Classes a style sheet hides: ``.name { … display:none … }`` (the class right before the brace)."""
    found = set()
    for m in _CSS_RULE.finditer(css):
        if _HIDES.search(m.group(2)) and (name := _CLASS_BEFORE_BRACE.search(m.group(1))):
            found.add(name.group(1))
    return found


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
            info.hidden_classes.update(hidden_classes(el.text or ""))
        elif tag == "title":
            info.title = info.title or " ".join(string_of(el).split())
        elif tag == "link" and el.get("rel") == "canonical" and info.canonical is None and (
                href := (el.get("href") or "").strip()):
            info.canonical = urljoin(url or "", href)
    return info


_HOME_PATHS = frozenset({"", "/", "./", *(f"{lead}index.{ext}" for lead in ("/", "./", "")
                                          for ext in ("html", "htm", "php", "shtml", "asp"))})


def is_logo(headline) -> bool:
    """An ``<h1>`` that is one link to the site's home page: the site's name, not the headline."""
    links = headline.findall(".//a")
    return (len(links) == 1 and text_of(links[0]) == text_of(headline)
            and urlparse(links[0].get("href") or "").path in _HOME_PATHS)


def find_title(root, page: PageInfo, selector: str = "") -> str | None:
    """The page headline: profile selector, else the longest ``<h1>`` that ``<title>`` contains (not
    a logo ``<h1>``: :func:`is_logo`), else ``<title>`` without its site-name suffix."""
    if selector:
        return text_of(css_first(root, selector)) or None
    page_title = page.title
    h1s = [t for t in map(text_of, (h for h in page.headlines if not is_logo(h))) if t]
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
    h1s = [h for h in headlines if (not title or title in text_of(h)) and _in_tree(h, root)]
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


def info_text(root, headlines: list, title: str | None) -> str:
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
        text = string_of(el)
        if len(text) > 200 or not (_CRUMB_CLASS.search(cls) or _CRUMB_HINT.search(text)):
            continue
        links = [text_of(a) for a in el.iter("a")]
        links = [t for t in links if t and t not in _CRUMB_SKIP and t != title]
        if links:
            return links[-1]
    return None
