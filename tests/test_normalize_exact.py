"""The punctuation, anti-copy, whitespace and folding passes give exactly what the per-match Python
callbacks they replaced gave (frozen below as the reference), byte for byte, over the fixtures, the
seed page, every real page, generated seed-like pages and random strings; and they run in linear time
on inputs that made the old ones quadratic. (None of these texts holds a radical or compatibility
ideograph, which the normaliser folds since; tests/test_normalize.py has those.)"""
from __future__ import annotations

import random
import re
import sys
from functools import cache
from itertools import pairwise

import lxml.html
import pytest
from conftest import PAGES, REPO, SHARED, needs_shared

from pipelines import normalize
from pipelines.decode import decode_page

SEED = SHARED / "seeds" / "000_31e30dd63c086f7e.txt"
REAL_PAGES = SHARED / "realpages" / "pages"

# ----------------------------------------------------------------- the reference (the old code, frozen)

CJK, HAN = normalize.CJK, normalize.HAN
_ASCII_TO_CJK = {",": "，", "!": "！", "?": "？", ":": "：", ";": "；"}
_ASCII_PUNCT = re.compile(r"[,!?:;]")
_IS_CJK = re.compile(f"[{CJK}]")
_PAREN_PAIR = re.compile(r"\(([^()]*)\)")
_HAN_RE = re.compile(f"[{HAN}]")
_CJK_BEFORE = re.compile(f"[{CJK}]$")
_STRAY_DOT = re.compile(rf"\.(?<=[{HAN}]\.)(?=[{HAN}])")
_QUOTES = re.compile(r"'+")
_SPACE_RUN = re.compile(r"[ \t\r\f\v]+")
_CJK_SPACES = re.compile(f" (?<=[{CJK}] ) *(?=[{CJK}])")
_LONG_SPACES = re.compile("  +")
_PINYIN = re.compile(rf"[(（](?<=[{HAN}][(（])[{normalize._PINYIN_LETTERS}]{{1,7}}[1-5]?[)）]")


def _neighbours_match(pattern, m):
    s, start, end = m.string, m.start(), m.end()
    return (start > 0 and pattern.match(s, start - 1) is not None,
            end < len(s) and pattern.match(s, end) is not None)


def _paren_to_cjk(match):
    inner = match.group(1)
    before = match.string[: match.start()]
    if _HAN_RE.search(inner) or _CJK_BEFORE.search(before[-1:] if before else ""):
        return f"（{inner}）"
    return match.group(0)


def _punct_to_cjk(m):
    return _ASCII_TO_CJK[m.group(0)] if any(_neighbours_match(_IS_CJK, m)) else m.group(0)


def old_cjk_punctuation(text):
    for _ in range(2):
        before = text
        if "(" in text:
            text = _PAREN_PAIR.sub(_paren_to_cjk, text)
        if any(c in text for c in _ASCII_TO_CJK):
            text = _ASCII_PUNCT.sub(_punct_to_cjk, text)
        if text == before:
            break
    return text


_QUOTED_PHRASE = re.compile(r"'[^'\n，。！？；,.!?;]{1,20}'")


def old_remove_anticopy_marks(text):
    if "." in text and "。" in text and text.count("。") >= len(_STRAY_DOT.findall(text)):
        text = _STRAY_DOT.sub("", text)
    if "'" not in text:
        return text
    kept = [m.span() for m in _QUOTED_PHRASE.finditer(text)]
    edges = [0, *(e for span in kept for e in span), len(text)]
    return "".join(text[a:b] if n % 2 else _QUOTES.sub(_old_quote, text[a:b])
                   for n, (a, b) in enumerate(pairwise(edges)))


def _old_quote(m):
    return "" if any(_neighbours_match(_HAN_RE, m)) else m.group(0)


def old_collapse_whitespace(text):
    if any(c in text for c in "\t\r\f\v"):
        text = _SPACE_RUN.sub(_old_space, text)
    elif " " not in text:
        return text
    else:
        text = _LONG_SPACES.sub(" ", _CJK_SPACES.sub("", text))
    return text.replace(" \n", "\n").replace("\n ", "\n").strip(" ")


_OLD_TO_FOLD = re.compile(normalize.char_class(normalize._CHAR_MAP))


def _old_space(m):
    return "" if all(_neighbours_match(_IS_CJK, m)) else " "


def old_fold_characters(text):
    return _OLD_TO_FOLD.sub(lambda m: normalize._CHAR_MAP[m.group(0)], text)


@cache
def old_to_convert_or_fold(convert):
    if convert == "none":
        return _OLD_TO_FOLD
    chars = (*normalize._traditional_chars(convert), *normalize._CHAR_MAP)
    return re.compile(normalize.char_class(chars, also=normalize._SUPPLEMENTARY_HAN))


def old_remove_pinyin(text):
    return _PINYIN.sub("", text) if "(" in text or "（" in text else text


def old_normalize_text(text, convert="t2s"):
    changing = old_to_convert_or_fold(convert).search(text) is not None
    if changing:
        text = normalize.convert_script(text, convert)
    text = old_remove_pinyin(text)
    if changing:
        text = old_fold_characters(text)
    return old_cjk_punctuation(old_remove_anticopy_marks(old_collapse_whitespace(text)))


# The punctuation pass before the marks were found one pattern per mark: one class-first pattern
# for the marks that change (second pass) and one for the runs that stay (first pass).
_SPLIT_ADJACENT_MARK = re.compile(f"([,!?:;](?:(?<=[{CJK}][,!?:;])|(?=[{CJK}])))")
_SPLIT_KEPT_MARKS = re.compile(f"([,!?:;](?<![{CJK}][,!?:;])(?![{CJK}])(?:[,!?:;](?![{CJK}]))*+)")


def _split_replace(pattern, text, at):
    parts = pattern.split(text)
    for ascii_mark, cjk in _ASCII_TO_CJK.items():
        parts[at::2] = [part.replace(ascii_mark, cjk) for part in parts[at::2]]
    return "".join(parts)


def _split_pass(text, few=False):
    if "(" in text:
        text = normalize._split_map(normalize._CJK_PAREN_PAIR, text, normalize._PAREN_REPLACERS, at=1)
    if not any(c in text for c in _ASCII_TO_CJK):
        return text
    if few:
        return _split_replace(_SPLIT_ADJACENT_MARK, text, at=1)
    return _split_replace(_SPLIT_KEPT_MARKS, text, at=0) if _SPLIT_ADJACENT_MARK.search(text) else text


def split_cjk_punctuation(text):
    once = _split_pass(text)
    return once if once == text else _split_pass(once, few=True)


PAIRS = [(old_cjk_punctuation, normalize.cjk_punctuation),
         (split_cjk_punctuation, normalize.cjk_punctuation),
         (old_remove_anticopy_marks, normalize.remove_anticopy_marks),
         (old_collapse_whitespace, normalize.collapse_whitespace),
         (old_fold_characters, normalize.fold_characters),
         (old_remove_pinyin, normalize.remove_pinyin),
         (old_normalize_text, normalize.normalize_text)]

# ----------------------------------------------------------------- inputs


def texts_of_page(data: bytes) -> list[str]:
    """The decoded page, and for markup the text lxml sees in it."""
    text = decode_page(data)[0]
    if "<" not in text:
        return [text]
    return [text, lxml.html.fromstring(text).text_content()]


def assert_same(texts: list[str]) -> None:
    for text in texts:
        for old, new in PAIRS:
            assert new(text) == old(text), (new.__name__, text[:200])


@pytest.mark.parametrize("page", sorted(p.name for p in PAGES.iterdir() if p.suffix in (".html", ".txt")))
def test_fixture_pages(page):
    assert_same(texts_of_page((PAGES / page).read_bytes()))


@needs_shared
def test_seed_page():
    assert_same(texts_of_page(SEED.read_bytes()))


@needs_shared
def test_every_real_page():
    pages = sorted(REAL_PAGES.iterdir())
    assert len(pages) >= 80
    for page in pages:
        assert_same(texts_of_page(page.read_bytes()))


@pytest.mark.parametrize("page_set", ["generated", "seed-utf8", "seed-gbk"])
def test_generated_pages(page_set):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from pagegen import PAGE_SETS
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    for spec in PAGE_SETS[page_set](6, 1):
        assert_same(texts_of_page(spec.body))


ALPHABET = "汉字，（）。a1 ,!?:;()'.\t\r\n\u3000\xa0Ａ\u200bāz3"


MARKS_ALPHABET = "汉，a ,,!!?:;;()"


def test_random_runs_of_marks():
    """Long runs of marks next to CJK characters and not: runs that stay ASCII are found again from
    each of their marks."""
    rng = random.Random(16)
    texts = ["".join(rng.choices(MARKS_ALPHABET, k=rng.randint(0, 60))) for _ in range(5_000)]
    for text in texts:
        assert normalize.cjk_punctuation(text) == split_cjk_punctuation(text) == old_cjk_punctuation(text), text


def test_random_strings_over_the_characters_that_matter():
    rng = random.Random(14)
    texts = ["".join(rng.choices(ALPHABET, k=rng.randint(0, 16))) for _ in range(20_000)]
    assert_same(texts)


@pytest.mark.parametrize("text, expected", [
    ("汉,,,a", "汉，，,a"),            # a converted mark makes its neighbour CJK-adjacent: two passes, no more
    ("汉,!?a", "汉，！?a"),            # every mark of a pass is judged on the text as the pass found it
    ("汉(1)(2)(3)", "汉（1）（2）(3)"),
    ("(a(汉)b)", "（a（汉）b）"),       # the inner pair converted, the outer one becomes a pair with Han inside
    ("a(1, 2)b", "a(1, 2)b"),
    ("汉'''a", "汉a"),
    ("a'''b", "a'''b"),
    ("汉 \t 汉 a \t b", "汉汉 a b"),
    ("字(zì)（zi）字（zi）(zi)", "字（zi）字（zi）"),  # pinyin judged as the text stands, not as each removal leaves it
])
def test_edge_cases_agree_with_the_reference(text, expected):
    assert normalize.normalize_text(text) == old_normalize_text(text) == expected


# ----------------------------------------------------------------- linear time (issue 12, item 6)
# 1.6 million characters: quadratic work here is ~10^12 steps (the old parenthesis pass took 51 s
# on the first case, and 3.4 s already on a fifth of it).

N = 320_000


@pytest.mark.parametrize("text, expected", [
    ("字(12)" * N, "字（12）" * N),
    ("(" * 5 * N + "汉)", "(" * (5 * N - 1) + "（汉）"),
    ("(a" * 2 * N + ")", "(a" * (2 * N - 1) + "(a)"),
    ("a(" + "汉" * 5 * N, "a(" + "汉" * 5 * N),
    ("汉" + "," * 5 * N + "a", "汉，，" + "," * (5 * N - 2) + "a"),
    ("a" + "'" * 5 * N + "b", "a" + "'" * 5 * N + "b"),
    ("汉" + "'" * 5 * N + "a", "汉a"),
    ("a" + " " * 5 * N + "汉", "a 汉"),
    ("汉" + " \t" * 3 * N + "a", "汉 a"),
    ("汉" + " " * 5 * N + "汉", "汉汉"),
    ("汉" + "\xa0" * 5 * N + "汉", "汉汉"),
])
def test_long_inputs_finish(text, expected):
    assert normalize.normalize_text(text) == expected
