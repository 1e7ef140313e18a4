"""Character normalisation: OpenCC conversion, width folding, punctuation, junk and whitespace."""
from __future__ import annotations

import re
from functools import cache

import opencc

CONVERSIONS = ("t2s", "tw2sp", "hk2s", "none")

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018\u2019\u201c\u201d\u2026"
CJK = HAN + CJK_PUNCT

_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêḿńňǹ"
_PINYIN = re.compile(rf"[(（](?<=[{HAN}][(（])[{_PINYIN_LETTERS}]{{1,7}}[1-5]?[)）]")

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_INVISIBLE = {c: None for c in (*range(0x200B, 0x2010), 0x2060, 0xFEFF, 0x00AD,
                                *range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}
_NBSP = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x0009: " "}
_CHAR_MAP = {chr(k): v if isinstance(v, str) else chr(v) if v is not None else ""
             for k, v in {**_FULLWIDTH_ALNUM, **_INVISIBLE, **_NBSP}.items()}


def char_class(chars, also: str = "") -> str:
    """A regex character class for ``chars`` (and the class items ``also``), written as ranges of
    consecutive code points, which the regex engine tests faster than a long list of characters."""
    points, parts = sorted(set(map(ord, chars))), []
    start = 0
    for i, point in enumerate(points):
        if i + 1 == len(points) or points[i + 1] != point + 1:
            first, last = re.escape(chr(points[start])), re.escape(chr(point))
            parts.append(first if start == i else f"{first}-{last}")
            start = i + 1
    return "[" + "".join(parts) + also + "]"


_TO_FOLD = re.compile(char_class(_CHAR_MAP))
_SPACE_LIKE = "".join(c for c, v in _CHAR_MAP.items() if v == " ")

_ASCII_TO_CJK = {",": "，", "!": "！", "?": "？", ":": "：", ";": "；"}
_ASCII_PUNCT = re.compile(r"[,!?:;]")
_IS_CJK = re.compile(f"[{CJK}]")
_PAREN_PAIR = re.compile(r"\(([^()]*)\)")
_HAN_RE = re.compile(f"[{HAN}]")
_CJK_BEFORE = re.compile(f"[{CJK}]$")

_STRAY_DOT = re.compile(rf"\.(?<=[{HAN}]\.)(?=[{HAN}])")
_QUOTES = re.compile(r"'+")
_SPACE_RUN = re.compile(r"[ \t\r\f\v]+")  # other spaces are folded to " " first
_OTHER_SPACES = "\t\r\f\v"
# Plain-space runs: ones between two CJK characters (the run starts after a CJK character and
# reaches one), and longer runs. Both start with a literal space, which the regex engine finds fast.
_CJK_SPACES = re.compile(f" (?<=[{CJK}] ) *(?=[{CJK}])")
_LONG_SPACES = re.compile("  +")


@cache
def _converter(convert: str) -> opencc.OpenCC | None:
    if convert not in CONVERSIONS:
        raise ValueError(f"unknown conversion {convert!r}; choose one of {', '.join(CONVERSIONS)}")
    return None if convert == "none" else opencc.OpenCC(convert)


# The Basic Multilingual Plane's Han blocks: CJK Extension A, Unified Ideographs, Compatibility;
# and the supplementary planes' (Extensions B–F, Compatibility Supplement) as one class range.
_BMP_HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_SUPPLEMENTARY_HAN = "\U00020000-\U0002FA1F"


@cache
def _traditional_chars(convert: str) -> tuple[str, ...]:
    """BMP Han characters that ``convert`` changes on their own, found with one OpenCC call over
    every one of them (all of them when OpenCC's answer cannot be lined up with the input)."""
    chars = [chr(c) for lo, hi in _BMP_HAN_BLOCKS for c in range(lo, hi + 1)]
    converted = _converter(convert).convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        return tuple(chars)
    return tuple(c for c, after in zip(chars, converted) if c != after)


@cache
def _traditional_marks(convert: str) -> re.Pattern:
    """A character :func:`convert_script` converts for: one of :func:`_traditional_chars`, or any
    supplementary-plane Han character (a class of ranges stays fast)."""
    return re.compile(char_class(_traditional_chars(convert), also=_SUPPLEMENTARY_HAN))


@cache
def _to_convert_or_fold(convert: str) -> re.Pattern:
    """A character that :func:`convert_script` or :func:`fold_characters` would change: most pages
    have neither, and one search then spares both."""
    if _converter(convert) is None:
        return _TO_FOLD
    return re.compile(char_class((*_traditional_chars(convert), *_CHAR_MAP), also=_SUPPLEMENTARY_HAN))


def convert_script(text: str, convert: str = "t2s") -> str:
    """Convert Traditional to Simplified Chinese with OpenCC (``none`` leaves text as is).

    Text with no character that the conversion changes on its own is Simplified already and is
    left as it is: OpenCC's phrase tables would otherwise rewrite some Simplified words
    (``打坏`` → ``打坯``, ``瞭解`` → ``了解``)."""
    converter = _converter(convert)
    if converter is None or not _traditional_marks(convert).search(text):
        return text
    return converter.convert(text)


def remove_pinyin(text: str) -> str:
    """Drop pinyin annotations that mirrors put after a character: ``績(jì)效`` → ``績效``."""
    return _PINYIN.sub("", text) if "(" in text or "（" in text else text


def fold_characters(text: str) -> str:
    """Full-width letters/digits to ASCII, drop zero-width/control chars, odd spaces to plain spaces."""
    return _TO_FOLD.sub(lambda m: _CHAR_MAP[m.group(0)], text)


def _has_any(text: str, chars: str) -> bool:
    return any(c in text for c in chars)


def _paren_to_cjk(match: re.Match) -> str:
    inner = match.group(1)
    before = match.string[: match.start()]
    if _HAN_RE.search(inner) or _CJK_BEFORE.search(before[-1:] if before else ""):
        return f"（{inner}）"
    return match.group(0)


def _neighbours_match(pattern: re.Pattern, m: re.Match) -> tuple[bool, bool]:
    """Whether the characters right before and right after a match match ``pattern``."""
    s, start, end = m.string, m.start(), m.end()
    return (start > 0 and pattern.match(s, start - 1) is not None,
            end < len(s) and pattern.match(s, end) is not None)


def _punct_to_cjk(m: re.Match) -> str:
    return _ASCII_TO_CJK[m.group(0)] if any(_neighbours_match(_IS_CJK, m)) else m.group(0)


def cjk_punctuation(text: str) -> str:
    """ASCII , ! ? : ; ( ) inside Chinese text → the full-width forms the page would use."""
    for _ in range(2):  # a converted mark can make its neighbour CJK-adjacent
        before = text
        if "(" in text:
            text = _PAREN_PAIR.sub(_paren_to_cjk, text)
        if _has_any(text, _ASCII_TO_CJK):
            text = _ASCII_PUNCT.sub(_punct_to_cjk, text)
        if text == before:
            break
    return text


def _quote_mark(m: re.Match) -> str:
    return "" if any(_neighbours_match(_HAN_RE, m)) else m.group(0)


def remove_anticopy_marks(text: str) -> str:
    """Remove a ``.`` between two Han characters and a ``'`` touching one (injected anti-copy marks)."""
    if "." in text:
        text = _STRAY_DOT.sub("", text)
    return _QUOTES.sub(_quote_mark, text) if "'" in text else text


def _space_run(m: re.Match) -> str:
    return "" if all(_neighbours_match(_IS_CJK, m)) else " "


def collapse_whitespace(text: str) -> str:
    """Drop whitespace between CJK characters, collapse the rest to one space, strip each line."""
    if _has_any(text, _OTHER_SPACES):
        text = _SPACE_RUN.sub(_space_run, text)
    elif " " not in text:  # most Chinese pages, once paragraphs are stripped
        return text
    else:
        text = _LONG_SPACES.sub(" ", _CJK_SPACES.sub("", text))
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def normalize_text(text: str, convert: str = "t2s") -> str:
    """All normalisation steps, in order; newlines separate paragraphs and are kept."""
    changing = _to_convert_or_fold(convert).search(text) is not None
    if changing:
        text = convert_script(text, convert)
    text = remove_pinyin(text)
    if changing:
        text = fold_characters(text)
    text = collapse_whitespace(text)
    text = remove_anticopy_marks(text)
    return cjk_punctuation(text)


def normalize_paragraphs(paragraphs: list[str], convert: str = "t2s") -> list[str]:
    """Normalise many paragraphs in one OpenCC call; empty results are kept as ``""``."""
    # Indentation (NBSP, U+3000…) would become spaces that are stripped anyway; stripping it
    # first leaves most pages with no character to fold and no space to collapse.
    joined = "\n".join([p.strip(_SPACE_LIKE) for p in paragraphs])
    if joined.count("\n") != len(paragraphs) - 1:  # a paragraph holds a newline of its own
        joined = "\n".join(p.replace("\n", " ").strip(_SPACE_LIKE) for p in paragraphs)
    return normalize_text(joined, convert).split("\n")
