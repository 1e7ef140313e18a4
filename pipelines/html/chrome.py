"""Site chrome and injected junk: elements dropped from the whole page, and anti-copy junk and
ads dropped from inside the content."""
from __future__ import annotations

import re

from lxml import etree

from .parse import css_select

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "nav", "aside",
             "footer", "form", "select", "button", "textarea", "input", "svg", "canvas", "video",
             "audio", "map", "head")
WHITE = frozenset({"#fff", "#ffffff", "white", "#fefefe", "#fdfdfd"})
JUNK_CLASSES = ("jammer", "hidden", "hide", "copyright-hidden")

# Ad containers by class or id: ad, ads, ad-*, *-ad, adsbygoogle, advert*, sponsor*, gg, guanggao.
_AD_CLASS = re.compile(r"^(?:ads?|ad[-_].*|.*[-_]ads?|adsbygoogle|advert.*|sponsor.*|gg|gg[-_].*|guanggao.*)$", re.IGNORECASE)
_AD_HINT = re.compile(r"ad|gg|guanggao|sponsor", re.IGNORECASE)  # cheap test before the class check
_AD_HOST = re.compile(r"//(?:[^/]*\.)?(?:ads?|adserver|adx|doubleclick|googlesyndication|union|click)[.-]", re.IGNORECASE)
# Share boxes by class: share, *-share-*, sharing, sharedaddy, bdshare* (Baidu's), social-share*.
_SHARE_CLASS = re.compile(r"^(?:.*[-_])?(?:share|sharing|sharedaddy|bdshare.*|social[-_]share.*)(?:[-_].*)?$", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_JUNK_TAG = "essay-crawler-junk"


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


def is_share_box(el) -> bool:
    """A share box inside the content (its header and its buttons: 分享到：微信 微博)."""
    names = el.attrib.get("class")
    return names is not None and "shar" in names.lower() and any(map(_SHARE_CLASS.match, names.split()))


def find_hidden_junk(container, junk_classes: set[str]) -> list:
    """Anti-copy junk and ads inside ``container``: elements hidden inline (``display:none``,
    ``visibility:hidden``, ``hidden``), by a page-hidden or junk class, painted white, ads
    (:func:`is_ad`) or share boxes (:func:`is_share_box`)."""
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
                or is_ad(el) or is_share_box(el)):
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
        _mark_dropped(css_select(selector)(root))
    etree.strip_elements(root, *DROP_TAGS, _JUNK_TAG, with_tail=False)
