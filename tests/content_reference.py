"""A plain, slow statement of the content search (``pipelines.html.content.find_content``), for
tests to compare the fast one against: every element weighed whole, no bounds, no shortcuts.

1. Paragraph texts: the text of each element of TEXT_TAGS, and the text after (the tail of) each
   such element and each link, when at least MIN_PARAGRAPH_CHARS long (a <p>'s own text and the
   text after a <br>: any length) and not blank. A text is
   owned by the element it renders in (the nearest ancestor that is not inline); text inside a
   link is owned by nobody.
2. Each owned text's Han weight is credited to its owner and to the owner's parent.
3. The candidate is the element with the highest credit less twice its link weight (the first in
   credit order among equals).
4. The candidate grows to its parent (never to <body> or <html>) while the parent adds at least
   EXPAND_MIN_SHARE of the candidate's non-link weight in text that is not links, and the links it
   adds are at most EXPAND_MAX_LINK_SHARE of all it adds; a parent adding no text and no links at
   all (a wrapper) is passed through.
"""
from __future__ import annotations

from pipelines.html.content import (
    EXPAND_MAX_LINK_SHARE,
    EXPAND_MIN_SHARE,
    INLINE_TAGS,
    MIN_PARAGRAPH_CHARS,
    TEXT_TAGS,
)


def han_weight(text: str) -> int:
    return len(text.encode("utf-8")) - len(text)


def owner(el):
    """The element text directly inside ``el`` renders in; None inside a link."""
    while el is not None and el.tag in INLINE_TAGS:
        if el.tag == "a":
            return None
        el = el.getparent()
    return el


def paragraph_texts(root):
    """(owner, text, whether it counts at any length) of every text outside links, in document order."""
    for el in root.iter():
        if el.tag in TEXT_TAGS:
            yield owner(el), el.text, el.tag == "p"
        if el.tag in TEXT_TAGS or el.tag == "a":
            yield owner(el.getparent()) if el.getparent() is not None else None, el.tail, el.tag == "br"


def link_weight(el) -> int:
    return sum(han_weight("".join(a.itertext())) for a in el.iter("a") if a is not el)


def text_weight(el) -> int:
    return han_weight("".join(el.itertext()))


def find_content_reference(root):
    credit: dict = {}
    for block, text, any_length in paragraph_texts(root):
        if block is None or text is None or len(text) < MIN_PARAGRAPH_CHARS and not any_length or text.isspace():
            continue
        for el in (block, block.getparent()):
            if el is not None:
                credit[el] = credit.get(el, 0) + han_weight(text)
    if not credit:
        return None
    ranked = sorted(credit, key=credit.__getitem__, reverse=True)
    best = max(ranked, key=lambda el: credit[el] - 2 * link_weight(el))
    while (parent := best.getparent()) is not None and parent.tag not in ("body", "html"):
        text, links = text_weight(best), link_weight(best)
        added_links = link_weight(parent) - links
        added_text = text_weight(parent) - text - added_links
        if added_text == added_links == 0:
            best = parent
            continue
        if (added_text < EXPAND_MIN_SHARE * (text - links)
                or added_links > EXPAND_MAX_LINK_SHARE * (added_text + added_links)):
            break
        best = parent
    return best, link_weight(best)
