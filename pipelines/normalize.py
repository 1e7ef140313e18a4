"""Character normalisation: OpenCC conversion, width folding, punctuation, junk and whitespace."""
from __future__ import annotations

import re
from functools import lru_cache

import opencc

CONVERSIONS = ("t2s", "tw2sp", "hk2s", "none")

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018\u2019\u201c\u201d\u2026"
CJK = HAN + CJK_PUNCT

_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêḿńňǹ"
_PINYIN = re.compile(rf"(?<=[{HAN}])[(（][{_PINYIN_LETTERS}]{{1,7}}[1-5]?[)）]")

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_INVISIBLE = {c: None for c in (*range(0x200B, 0x2010), 0x2060, 0xFEFF, 0x00AD,
                                *range(0x00, 0x09), *range(0x0B, 0x20), 0x7F)}
_NBSP = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " ", 0x0009: " "}
_CHAR_MAP = {**_FULLWIDTH_ALNUM, **_INVISIBLE, **_NBSP}

_ASCII_TO_CJK = {",": "，", "!": "！", "?": "？", ":": "：", ";": "；"}
_PUNCT_AFTER_CJK = re.compile(rf"(?<=[{CJK}])[,!?:;]")
_PUNCT_BEFORE_CJK = re.compile(rf"[,!?:;](?=[{CJK}])")
_PAREN_PAIR = re.compile(r"\(([^()]*)\)")
_HAN_RE = re.compile(f"[{HAN}]")
_CJK_BEFORE = re.compile(f"[{CJK}]$")

_STRAY_DOT = re.compile(rf"(?<=[{HAN}])\.(?=[{HAN}])")
_STRAY_QUOTE = re.compile(rf"(?<=[{HAN}])'+|'+(?=[{HAN}])")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[^\S\n]+(?=[{CJK}])")
_SPACES = re.compile(r"[ \t\r\f\v]+")


@lru_cache(maxsize=None)
def _converter(convert: str) -> opencc.OpenCC | None:
    if convert not in CONVERSIONS:
        raise ValueError(f"unknown conversion {convert!r}; choose one of {', '.join(CONVERSIONS)}")
    return None if convert == "none" else opencc.OpenCC(convert)


def convert_script(text: str, convert: str = "t2s") -> str:
    """Convert Traditional to Simplified Chinese with OpenCC (``none`` leaves text as is)."""
    converter = _converter(convert)
    return converter.convert(text) if converter else text


def remove_pinyin(text: str) -> str:
    """Drop pinyin annotations that mirrors put after a character: ``績(jì)效`` → ``績效``."""
    return _PINYIN.sub("", text)


def fold_characters(text: str) -> str:
    """Full-width letters/digits to ASCII, drop zero-width/control chars, odd spaces to plain spaces."""
    return text.translate(_CHAR_MAP)


def _paren_to_cjk(match: re.Match) -> str:
    inner = match.group(1)
    before = match.string[: match.start()]
    if _HAN_RE.search(inner) or _CJK_BEFORE.search(before[-1:] if before else ""):
        return f"（{inner}）"
    return match.group(0)


def cjk_punctuation(text: str) -> str:
    """ASCII , ! ? : ; ( ) inside Chinese text → the full-width forms the page would use."""
    for _ in range(2):  # a converted mark can make its neighbour CJK-adjacent
        text = _PAREN_PAIR.sub(_paren_to_cjk, text)
        text = _PUNCT_AFTER_CJK.sub(lambda m: _ASCII_TO_CJK[m.group(0)], text)
        text = _PUNCT_BEFORE_CJK.sub(lambda m: _ASCII_TO_CJK[m.group(0)], text)
    return text


def remove_anticopy_marks(text: str) -> str:
    """Remove a ``.`` between two Han characters and a ``'`` touching one (injected anti-copy marks)."""
    return _STRAY_QUOTE.sub("", _STRAY_DOT.sub("", text))


def collapse_whitespace(text: str) -> str:
    """Drop whitespace between CJK characters, collapse the rest to one space, strip each line."""
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def normalize_text(text: str, convert: str = "t2s") -> str:
    """All normalisation steps, in order; newlines separate paragraphs and are kept."""
    text = convert_script(text, convert)
    text = remove_pinyin(text)
    text = fold_characters(text)
    text = collapse_whitespace(text)
    text = remove_anticopy_marks(text)
    return cjk_punctuation(text)


def normalize_paragraphs(paragraphs: list[str], convert: str = "t2s") -> list[str]:
    """Normalise many paragraphs in one OpenCC call; empty results are kept as ``""``."""
    joined = "\n".join(p.replace("\n", " ") for p in paragraphs)
    out = normalize_text(joined, convert).split("\n")
    return out
