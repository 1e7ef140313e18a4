"""The content block's paragraphs: its markup serialised once and cut at block tags."""
from __future__ import annotations

import html
import re

from lxml import etree

from ..document import Block
from .page import DATE

BLOCK_TAGS = frozenset({"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr",
                        "td", "th", "table", "tbody", "section", "article", "blockquote", "dd", "dt",
                        "dl", "center", "pre", "hr", "header", "main", "figure", "figcaption"})
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_INFO_HINT = re.compile(r"栏目|分类|来源|作者|浏览|阅读|点击|发布|时间|编辑")
_DATE_ONLY = re.compile(r"^[\d\s:：/.年月日-]+$")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
# Over lxml's serialisation, which writes tag names in lower case (an empty heading as <h2/>).
_HEADING_START = re.compile(rf"<(?:{'|'.join(HEADING_TAGS)})(?![a-z0-9:])[^>]*(?<!/)>", re.ASCII)
# A paragraph the editor styled as a heading: centred, or all of it in one <b>/<strong> (within
# <span>/<font>), the line up to the next block tag or <br>.
_STYLED_HEADING_START = re.compile(
    r"<(?:p|div)(?![a-z0-9:])[^>]*(?:text-align: ?center|align=\"center\")[^>]*(?<!/)>|<center>"
    r"|<(?:p|div)(?![a-z0-9:])[^>]*(?<!/)>(?=\s*(?:<(?:span|font)[^>]*>\s*)*<(?:b|strong)(?![a-z])[^>]*>[^<]{1,40}"
    r"</(?:b|strong)>\s*(?:</(?:span|font)>\s*)*(?:</(?:p|div)>|<br))", re.ASCII)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(sorted(BLOCK_TAGS | HEADING_TAGS))})(?![a-z0-9:])[^>]*>", re.ASCII)
_STRIP = " \t\r\f\v\ufdd0"


def content_blocks(container) -> list[Block]:
    """Paragraphs of a content element: ``<p>``, ``<div>``, ``<br>``, ``<li>``… start a new block;
    inline tags do not. Heading elements (``<h1>``…``<h6>``), centred paragraphs and paragraphs
    all in bold give blocks marked as headings."""
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
    if "center" in markup or "<b" in markup or "<strong" in markup:
        markup = _STYLED_HEADING_START.sub("\n\ufdd0", markup)
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", markup))
    if "&" in text:
        text = html.unescape(text)
    return [Block(stripped, line[:1] == "\ufdd0") for line in text.split("\n") if (stripped := line.strip(_STRIP))]


def drop_header_blocks(blocks: list[Block], title: str | None) -> list[Block]:
    """Drop the headline and the date/栏目 info line when the content block includes them."""
    start = 0
    for block in blocks[:4]:
        short = len(block.text) <= 80
        if short and (block.text == title or DATE.search(block.text) and (
                _INFO_HINT.search(block.text) or _DATE_ONLY.match(block.text))):
            start = blocks.index(block) + 1
    return blocks[start:]
