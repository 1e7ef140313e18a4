"""Finding the content block: the element holding the article text, by the weight of its text
outside links against the weight of its link text (see ``docs/extraction.md``).

All weights are in one unit, the *Han weight* of text: its UTF-8 length less its length in code
points, about 2 per CJK character and 0 per ASCII character (computed in C)."""
from __future__ import annotations

from collections import defaultdict

from lxml import etree

from ..document import Block
from ..errors import PageError
from .parse import string_of

# Where article text lives; link text is left out of the weighing, but the text after a link (its
# tail) is its paragraph's.
TEXT_TAGS = ("p", "div", "td", "th", "li", "span", "font", "strong", "b", "em", "i", "u", "br", "section", "article",
             "center", "blockquote", "pre", "dd", "dt", "main", "body", "small", "big", "label", "cite", "q")
INLINE_TAGS = frozenset({"span", "font", "strong", "b", "em", "i", "u", "a", "small", "big", "sup",
                         "sub", "label", "abbr", "cite", "code", "mark", "s", "strike", "ins", "del",
                         "q", "var", "tt", "o:p"})

MIN_PARAGRAPH_CHARS = 8       # shorter texts (labels, menu items) do not count towards content,
                              # except a <p>'s own and a line after a <br> (lines of verse)
MIN_CONTENT_HAN = 60          # fewer Han characters than this is not an article
MAX_LINK_SHARE = 0.5          # content whose text is mostly link text is a list, not an article
EXPAND_MIN_SHARE = 0.3        # grow the content block to its parent when the parent adds this much text
EXPAND_MAX_LINK_SHARE = 0.25  # … and that added text is not mostly links
_UTF8_CONTINUATION = bytes(range(0x80, 0xC0))


def _text_owner(el):
    """The block element that text directly inside ``el`` renders in; None for link text."""
    while el is not None and el.tag in INLINE_TAGS:
        if el.tag == "a":
            return None
        el = el.getparent()
    return el


def _han_weight(text: str) -> int:
    """The Han weight of ``text`` (UTF-8 length minus code points)."""
    return len(text.encode("utf-8")) - len(text)


def _link_weight(el) -> int:
    """The Han weight of the link text under ``el``."""
    return sum(map(_anchor_weight, el.iterdescendants("a")))


def _anchor_weight(a) -> int:
    """The Han weight of the text of link ``a`` (with no child elements, all of it is ``.text``)."""
    return _han_weight(a.text or "" if not len(a) else string_of(a))


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
    # The hot loop of the extractor: names bound locally, _han_weight and _credit_tail inlined.
    inline, shorter, owner_of = INLINE_TAGS, MIN_PARAGRAPH_CHARS - 1, _text_owner
    for el in root.iter(*TEXT_TAGS):
        text = el.text
        if text is not None and (len(text) > shorter or el.tag == "p") and not text.isspace():
            owner = owner_of(el) if el.tag in inline else el
            if owner is not None:
                owned[owner] += len(text.encode()) - len(text)
        tail = el.tail
        if tail is not None and (len(tail) > shorter or el.tag == "br") and not tail.isspace():  # _credit_tail, inlined
            owner = el.getparent()
            if owner is not None and owner.tag in inline:
                owner = owner_of(owner)
            if owner is not None:
                owned[owner] += len(tail.encode()) - len(tail)
    for el in root.iter("a"):  # the text after a link (its own text is not weighed)
        tail = el.tail
        if tail is not None and len(tail) > shorter and not tail.isspace():
            _credit_tail(el, tail, owned)
    direct: dict = defaultdict(int)
    for block, weight in owned.items():
        direct[block] += weight
        parent = block.getparent()
        if parent is not None:
            direct[parent] += weight
    if not direct:
        return None
    best, best_score, best_links = None, 0, 0
    for el in sorted(direct, key=direct.__getitem__, reverse=True):
        if best is not None and direct[el] <= best_score:
            break  # links only lower a score: this and the rest cannot win
        links = _link_weight(el)
        if best is None or direct[el] - 2 * links > best_score:
            best, best_score, best_links = el, direct[el] - 2 * links, links
    return _grow_to_parent(best, best_links, direct[best])


def _credit_tail(el, tail: str, owned: dict) -> None:
    """Credit the text after ``el`` to the block it renders in (its parent, or the parent's block)."""
    owner = el.getparent()
    if owner is not None and owner.tag in INLINE_TAGS:
        owner = _text_owner(owner)
    if owner is not None:
        owned[owner] += len(tail.encode()) - len(tail)


def _grow_to_parent(best, links: int, text_at_least: int) -> tuple:
    """``text_at_least``: a lower bound of ``best``'s text weight (its paragraphs' weight), which
    settles the common case, a parent adding little, before ``best`` is weighed whole."""
    text = None
    while (parent := best.getparent()) is not None and parent.tag not in ("body", "html"):
        beside = _text_weight_beside(parent, best)
        if beside == 0:
            best = parent  # a wrapper adding no text (a table row around its cell): look past it
            continue
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


def check_is_article(blocks: list[Block], container, links_at_most: int | None = None) -> None:
    """``links_at_most``: the container's link weight before junk was dropped, if known (dropping
    only removes text, so when that passes the check the link text is not weighed again)."""
    text_weight = _han_weight("\n".join([b.text for b in blocks]))
    if text_weight < 2 * MIN_CONTENT_HAN:
        raise PageError("no_content", "too little Chinese text for an article")
    if links_at_most is not None and links_at_most <= MAX_LINK_SHARE * text_weight:
        return
    if _link_weight(container) > MAX_LINK_SHARE * text_weight:
        raise PageError("no_content", "content is mostly links (a list page)")
