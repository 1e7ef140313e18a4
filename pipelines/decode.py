"""Bytes → text for essay pages: declared charsets, BOMs, and undeclared GBK."""
from __future__ import annotations

import codecs
import re

from bs4.dammit import EncodingDetector
from w3lib.encoding import resolve_encoding

from .errors import PageError

# Declared names w3lib does not map to the codec these sites really send (it maps the GB and Big5
# names to their supersets, GB18030 and Big5-HKSCS, and Latin-1 to cp1252 as browsers do). A
# Chinese page declaring ASCII or a Latin code page is UTF-8 in practice.
_SITE_ALIASES = {"x-gbk": "gb18030", "cp950": "big5hkscs", "ascii": "utf-8", "us-ascii": "utf-8",
                 "iso-8859-1": "utf-8", "latin-1": "utf-8", "windows-1252": "utf-8", "cp1252": "utf-8"}
# Tried after the declared encodings: undeclared Chinese pages are UTF-8, GBK or Big5.
_FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
# The commonest characters of Simplified and Traditional text: GBK bytes read as Big5 (or the
# reverse) decode without error but into rare characters, so these tell the two apart.
_COMMON_HAN = re.compile("[的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子"
                         "那得于着下自之年过发后作里個這來為國時會對發後裡說們學與還]")


def _codec_name(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    resolved = _SITE_ALIASES.get(name) or resolve_encoding(name)
    if resolved is None:
        return None
    return codecs.lookup(_SITE_ALIASES.get(resolved, resolved)).name


def header_charset(content_type: str | None) -> str | None:
    """The charset an HTTP ``Content-Type`` value declares (lower case), or None."""
    _, _, charset = (content_type or "").lower().partition("charset=")
    return charset.split(";")[0].strip(" \"'") or None


def declared_encodings(data: bytes, *declared: str | None) -> list[str]:
    """Encodings the page is said to use, most trusted first: overrides/headers, then its own
    declaration."""
    names = [*declared, EncodingDetector.find_declared_encoding(data[:4096], is_html=True)]
    return list(dict.fromkeys(c for c in map(_codec_name, names) if c))


def reads_as_utf8(data: bytes, *declared: str | None) -> bool:
    """Whether :func:`decode_page` reads ``data`` as UTF-8 whenever its bytes are valid UTF-8: no
    byte-order mark, and UTF-8 is the first encoding tried."""
    if EncodingDetector.strip_byte_order_mark(data)[1]:
        return False
    return [*declared_encodings(data, *declared), "utf-8"][0] == "utf-8"


def decode_page(data: bytes, *declared: str | None) -> tuple[str, str]:
    """Decode page bytes; ``declared`` are encodings from a profile override or HTTP header.

    A BOM wins. Otherwise each candidate is tried strictly, so a mislabelled page falls through to
    the encoding that really decodes it. Returns ``(text, encoding)``; raises ``PageError`` when no
    candidate decodes the bytes.
    """
    stripped, bom_encoding = EncodingDetector.strip_byte_order_mark(data)
    if bom_encoding:
        try:
            return stripped.decode(bom_encoding), _codec_name(bom_encoding) or bom_encoding
        except UnicodeDecodeError as exc:
            raise PageError("bad_encoding", f"{bom_encoding} byte-order mark but {exc.reason}") from exc
    trusted = declared_encodings(data, *declared)
    for encoding in dict.fromkeys([*trusted, *_FALLBACKS]):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding in trusted or encoding == "utf-8":
            return text, encoding
        return _likelier_chinese(data, text, encoding)
    raise PageError("bad_encoding", "bytes are not UTF-8, GB18030 or Big5")


def _common_han_count(text: str) -> int:
    return len(_COMMON_HAN.findall(text))


def _likelier_chinese(data: bytes, text: str, encoding: str) -> tuple[str, str]:
    """For an undeclared non-UTF-8 page, choose between GB18030 and Big5 by common characters."""
    other = "big5hkscs" if encoding == "gb18030" else "gb18030"
    try:
        other_text = data.decode(other)
    except UnicodeDecodeError:
        return text, encoding
    if _common_han_count(other_text) > _common_han_count(text):
        return other_text, other
    return text, encoding
