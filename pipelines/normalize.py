"""Character normalisation: OpenCC conversion, width folding, punctuation, junk and whitespace."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, partial
from itertools import pairwise
from operator import methodcaller

import opencc

# tw2s and tw2sp read Taiwan's variants first (看著 → 看着, which t2s leaves as it is).
CONVERSIONS = ("t2s", "tw2s", "tw2sp", "hk2s", "none")
DEFAULT_CONVERSION = "t2s"
# The conversion whose single-character changes say that a text is Traditional, whatever the
# chosen conversion: tw2s and tw2sp also change 著 and 么 alone, which Simplified text uses.
_DETECTING = "t2s"

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2018\u2019\u201c\u201d\u2026"
CJK = HAN + CJK_PUNCT

_PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüêḿńňǹ"
# A pinyin annotation after a Han character, one pattern for each opening parenthesis: a pattern
# that starts with one literal character is found by a fast scan, one that starts with a class of
# two is tried at every position.
_PINYIN_AFTER = tuple(re.compile(rf"{re.escape(p)}(?<=[{HAN}]{re.escape(p)})[{_PINYIN_LETTERS}]{{1,7}}[1-5]?[)）]")
                      for p in "(（")

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
                    for c in range(r[0], r[1] + 1)}
_INVISIBLE = {c: None for c in (*range(0x200B, 0x2010), 0x2060, 0xFEFF, 0x00AD,
                                *range(0x09), *range(0x0B, 0x20), 0x7F)}
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


# CJK Radicals Supplement → the unified ideograph each stands for, as pairs of characters (Unicode's
# EquivalentUnifiedIdeograph data; U+2E9F and U+2EF3 are left to NFKC, U+2E80 stands for none).
_RADICALS_SUPPLEMENT = ("⺁厂⺂乛⺃乚⺄乙⺅亻⺆冂⺇𠘨⺈刀⺉刂⺊卜⺋㔾⺌小⺍小⺎兀⺏尣⺐尢⺑𡯂⺒巳⺓幺⺔彑⺕𫜹⺖忄⺗心⺘扌"
                       "⺙攵⺛旡⺜日⺝月⺞歺⺠民⺡氵⺢氺⺣灬⺤爫⺥爫⺦丬⺧牛⺨犭⺩王⺪𤴔⺫目⺬示⺭礻⺮𥫗⺯糹⺰纟⺱罓⺲罒"
                       "⺳㓁⺴冗⺵𦉫⺶羊⺷𦍌⺸𦍋⺹耂⺺肀⺻聿⺼肉⺽𦥑⺾艹⺿艹⻀艹⻁虎⻂衤⻃覀⻄西⻅见⻆角⻇𧢲⻈讠⻉贝⻊𧾷"
                       "⻋车⻌辶⻍辶⻎辶⻏邑⻐钅⻑長⻒镸⻓长⻔门⻕𨸏⻖阝⻗雨⻘青⻙韦⻚页⻛风⻜飞⻝食⻞𩙿⻟飠⻠饣⻡𩠐⻢马"
                       "⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙⻱龜⻲亀")
_IDEOGRAPH_BLOCKS = ((0x2E80, 0x2EF3), (0x2F00, 0x2FD5), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))


def _ideograph_map() -> dict[str, str]:
    """Kangxi radicals, radicals supplement and compatibility ideographs → unified ideographs: their
    NFKC form where they have one, else the supplement's table."""
    folds = dict(zip(_RADICALS_SUPPLEMENT[::2], _RADICALS_SUPPLEMENT[1::2], strict=True))
    for lo, hi in _IDEOGRAPH_BLOCKS:
        for c in map(chr, range(lo, hi + 1)):
            nfkc = unicodedata.normalize("NFKC", c)
            if nfkc != c and len(nfkc) == 1:
                folds[c] = nfkc
    return folds


_IDEOGRAPH_MAP = _ideograph_map()
_IDEOGRAPH_RUNS = re.compile(f"({char_class(_IDEOGRAPH_MAP)}+)")
_IDEOGRAPH_RUN = (methodcaller("translate", str.maketrans(_IDEOGRAPH_MAP)),)
_TO_FOLD = re.compile(char_class((*_CHAR_MAP, *_IDEOGRAPH_MAP)))
_FOLD_RUNS = re.compile(f"({char_class(_CHAR_MAP)}+)")
_FOLD_RUN = (methodcaller("translate", str.maketrans(_CHAR_MAP)),)
_SPACE_LIKE = "".join(c for c, v in _CHAR_MAP.items() if v == " ")

_ASCII_TO_CJK = {",": "，", "!": "！", "?": "？", ":": "：", ";": "；"}
# For each ASCII mark, one pattern that starts with it (a literal first character is found by a fast
# scan; a class of marks first would be tried at every position): the mark with a CJK character on
# either side, which becomes full-width; and a run of marks that stay as they are (the first with no
# CJK character on either side, each after it with none after it).
_CJK_ADJACENT_MARK = tuple(re.compile(f"{m}(?:(?<=[{CJK}]{m})|(?=[{CJK}]))") for m in map(re.escape, _ASCII_TO_CJK))
_KEPT_MARKS = tuple(re.compile(f"{m}(?<![{CJK}]{m})(?![{CJK}])(?:[,!?:;](?![{CJK}]))*+")
                    for m in map(re.escape, _ASCII_TO_CJK))
_MARK_REPLACERS = tuple(methodcaller("replace", ascii, cjk) for ascii, cjk in _ASCII_TO_CJK.items())
# An ASCII pair "(…)" with no parenthesis inside that becomes "（…）": a CJK character right before
# it, or a Han character inside. Possessive runs keep every attempt within one paren-free stretch.
_CJK_PAREN_PAIR = re.compile(rf"(\((?:(?<=[{CJK}]\()[^()]*+|[^(){HAN}]*+[{HAN}][^()]*+)\))")
_PAREN_REPLACERS = (methodcaller("replace", "(", "（"), methodcaller("replace", ")", "）"))

# A "." between two Han characters; a run of "'" touching a Han character (found at its first "'").
_STRAY_DOT = re.compile(rf"\.(?<=[{HAN}]\.)(?=[{HAN}])")
# A short phrase in a pair of ASCII quotes ('小不点'): a quotation, not two anti-copy marks.
_QUOTED_PHRASE = re.compile(r"('[^'\n，。！？；,.!?;]{1,20}')")
_HAN_QUOTES = re.compile(rf"'(?<!'')(?:(?<=[{HAN}]')'*|'*+(?=[{HAN}]))")
_QUOTES_REMOVED = (partial(_HAN_QUOTES.sub, ""),)
# A whitespace run between two CJK characters (found at its first character), and any run.
_CJK_SPACE_RUN = re.compile(rf"[ \t\r\f\v](?<=[{CJK}][ \t\r\f\v])[ \t\r\f\v]*+(?=[{CJK}])")
_SPACE_RUN = re.compile(r"[ \t\r\f\v]+")  # other spaces are folded to " " first
_OTHER_SPACES = "\t\r\f\v"
# Plain-space runs: ones between two CJK characters (the run starts after a CJK character and
# reaches one), and longer runs. Both start with a literal space, which the regex engine finds fast.
_CJK_SPACES = re.compile(f" (?<=[{CJK}] ) *+(?=[{CJK}])")
_LONG_SPACES = re.compile("  +")


def _split_map(pattern: re.Pattern, text: str, functions: tuple, at: int) -> str:
    """``text`` split by ``pattern`` (one capturing group around the whole match), with each of
    ``functions`` mapped over the matches (``at=1``) or the stretches between them (``at=0``).
    The functions are C-level (``methodcaller``), so no Python code runs per match."""
    parts = pattern.split(text)
    for function in functions:
        parts[at::2] = map(function, parts[at::2])
    return "".join(parts)


def _split_at_marks(patterns: tuple[re.Pattern, ...], text: str) -> list[str]:
    """``text`` cut at the matches of ``patterns`` (one for each of :data:`_ASCII_TO_CJK`, tried only
    for the marks ``text`` holds), as ``re.split`` with one group would: the stretches between the
    matches at even indices, the matches at odd ones. A match that starts inside an earlier one (a
    run of kept marks is found again from each of its marks) extends it."""
    spans = sorted(m.span() for mark, pattern in zip(_ASCII_TO_CJK, patterns, strict=True) if mark in text
                   for m in pattern.finditer(text))
    edges = [0]
    for start, end in spans:
        if start < edges[-1]:
            edges[-1] = max(edges[-1], end)
        else:
            edges += (start, end)
    edges.append(len(text))
    return [text[a:b] for a, b in pairwise(edges)]


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
    converter = _converter(convert)
    if converter is None:
        return ()
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        return tuple(chars)
    return tuple(c for c, after in zip(chars, converted, strict=True) if c != after)


@cache
def _traditional_marks() -> re.Pattern:
    """A character :func:`convert_script` converts for: one that ``t2s`` changes on its own (so a
    Simplified text with 著名 or 什么 is not converted by ``tw2s``), or any supplementary-plane Han
    character (a class of ranges stays fast)."""
    return re.compile(char_class(_traditional_chars(_DETECTING), also=_SUPPLEMENTARY_HAN))


@cache
def _to_convert_or_fold(convert: str) -> re.Pattern:
    """A character that :func:`convert_script` or :func:`fold_characters` would change: most pages
    have neither, and one search then spares both."""
    if _converter(convert) is None:
        return _TO_FOLD
    return re.compile(char_class((*_traditional_chars(_DETECTING), *_CHAR_MAP, *_IDEOGRAPH_MAP),
                                  also=_SUPPLEMENTARY_HAN))


def convert_script(text: str, convert: str = DEFAULT_CONVERSION) -> str:
    """Convert Traditional to Simplified Chinese with OpenCC (``none`` leaves text as is).

    Text with no character that the conversion changes on its own is Simplified already and is
    left as it is: OpenCC's phrase tables would otherwise rewrite some Simplified words
    (``打坏`` → ``打坯``, ``瞭解`` → ``了解``)."""
    converter = _converter(convert)
    if converter is None or not _traditional_marks().search(text):
        return text
    return converter.convert(text)


def remove_pinyin(text: str) -> str:
    """Drop pinyin annotations that mirrors put after a character.

    >>> remove_pinyin("績(jì)效考核")
    '績效考核'
    """
    found = [pattern for pattern, paren in zip(_PINYIN_AFTER, "(（", strict=True) if paren in text]
    if len(found) < 2:
        return found[0].sub("", text) if found else text
    # Both kinds: the annotations as they stand in ``text`` (removing one can put a Han character
    # before the next; each ends at its closing parenthesis, so none holds another).
    spans = sorted(m.span() for pattern in found for m in pattern.finditer(text))
    starts, ends = [0, *(end for _, end in spans)], [*(start for start, _ in spans), len(text)]
    return "".join([text[a:b] for a, b in zip(starts, ends, strict=True)])


def fold_ideographs(text: str) -> str:
    """Radicals and compatibility ideographs → the unified ideographs they stand for, before
    conversion, so a Traditional one is converted too.

    >>> fold_ideographs("⼈⻓\uf900")
    '人长豈'
    """
    return _split_map(_IDEOGRAPH_RUNS, text, _IDEOGRAPH_RUN, at=1)


def fold_characters(text: str) -> str:
    """Full-width letters/digits to ASCII, drop zero-width/control chars, odd spaces to plain spaces
    (only the runs of such characters are translated)."""
    return _split_map(_FOLD_RUNS, text, _FOLD_RUN, at=1)


def _has_any(text: str, chars: Iterable[str]) -> bool:
    return any(c in text for c in chars)


def _cjk_punctuation_pass(text: str, marks_to_change_are_few: bool = False) -> str:
    """One pass: parenthesis pairs first, then the marks, each judged by its neighbours as the
    text stands at the start of its step. In Chinese text nearly every mark changes, so only the
    marks that stay are found and the stretches between them are converted whole by
    ``str.replace``; when few marks are left to change (a second pass), those few are found."""
    if "(" in text:
        text = _split_map(_CJK_PAREN_PAIR, text, _PAREN_REPLACERS, at=1)
    if not _has_any(text, _ASCII_TO_CJK):
        return text
    if marks_to_change_are_few:
        parts = _split_at_marks(_CJK_ADJACENT_MARK, text)
        parts[1::2] = map(_ASCII_TO_CJK.__getitem__, parts[1::2])
        return "".join(parts)
    if not any(mark in text and pattern.search(text)
               for mark, pattern in zip(_ASCII_TO_CJK, _CJK_ADJACENT_MARK, strict=True)):
        return text
    parts = _split_at_marks(_KEPT_MARKS, text)
    for replace in _MARK_REPLACERS:
        parts[::2] = map(replace, parts[::2])
    return "".join(parts)


def cjk_punctuation(text: str) -> str:
    """ASCII , ! ? : ; ( ) inside Chinese text → the full-width forms the page would use.

    >>> cjk_punctuation("一晃就是五年了,真快!(第1年) Hello, world!")
    '一晃就是五年了，真快！（第1年） Hello, world!'
    """
    once = _cjk_punctuation_pass(text)
    # A converted mark can make its neighbour CJK-adjacent: a second pass, and no more.
    return once if once == text else _cjk_punctuation_pass(once, marks_to_change_are_few=True)


def remove_anticopy_marks(text: str) -> str:
    """Remove a ``.`` between two Han characters and a ``'`` touching one (injected anti-copy marks).

    A text with fewer ``。`` than such dots writes its full stops as ``.``: its dots are kept. A
    pair of ``'`` around a phrase of at most 20 characters without punctuation quotes it: the pair
    is kept.

    >>> remove_anticopy_marks("春天.来了。小草绿了。"), remove_anticopy_marks("春天来了.小草绿了.")
    ('春天来了。小草绿了。', '春天来了.小草绿了.')
    >>> remove_anticopy_marks("无数的'小星星，叫它'小不点'吧。")
    "无数的小星星，叫它'小不点'吧。"
    """
    if "." in text and "。" in text and text.count("。") >= len(_STRAY_DOT.findall(text)):
        text = _STRAY_DOT.sub("", text)
    return _split_map(_QUOTED_PHRASE, text, _QUOTES_REMOVED, at=0) if "'" in text else text


def collapse_whitespace(text: str) -> str:
    """Drop whitespace between CJK characters, collapse the rest to one space, strip each line."""
    if _has_any(text, _OTHER_SPACES):
        text = _SPACE_RUN.sub(" ", _CJK_SPACE_RUN.sub("", text))
    elif " " not in text:  # most Chinese pages, once paragraphs are stripped
        return text
    else:
        text = _LONG_SPACES.sub(" ", _CJK_SPACES.sub("", text))
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def normalize_text(text: str, convert: str = DEFAULT_CONVERSION) -> str:
    """All normalisation steps, in order; newlines separate paragraphs and are kept."""
    changing = _to_convert_or_fold(convert).search(text) is not None
    if changing:
        text = convert_script(fold_ideographs(text), convert)
    text = remove_pinyin(text)
    if changing:
        text = fold_characters(text)
    text = collapse_whitespace(text)
    text = remove_anticopy_marks(text)
    return cjk_punctuation(text)


def normalize_paragraphs(paragraphs: list[str], convert: str = DEFAULT_CONVERSION) -> list[str]:
    """Normalise many paragraphs in one OpenCC call; empty results are kept as ``""``."""
    # Indentation (NBSP, U+3000…) would become spaces that are stripped anyway; stripping it
    # first leaves most pages with no character to fold and no space to collapse.
    joined = "\n".join([p.strip(_SPACE_LIKE) for p in paragraphs])
    if joined.count("\n") != len(paragraphs) - 1:  # a paragraph holds a newline of its own
        joined = "\n".join(p.replace("\n", " ").strip(_SPACE_LIKE) for p in paragraphs)
    return normalize_text(joined, convert).split("\n")
