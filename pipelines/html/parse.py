"""Parsing HTML with lxml, and the small selection helpers every step uses."""
from __future__ import annotations

import re
import threading
from functools import lru_cache

from lxml import etree
from lxml.cssselect import CSSSelector

from ..errors import PageError

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def string_of(el) -> str:
    """All text under ``el`` (XPath ``string()``), serialised in C without an XPath context."""
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def text_of(el) -> str:
    return " ".join(string_of(el).split()) if el is not None else ""


@lru_cache(maxsize=256)
def css_select(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def css_first(root, selector: str):
    found = css_select(selector)(root) if selector else []
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
