"""Per-record quality signals: script shares, paragraph count, template placeholders, language, mojibake.

The signals are cheap to compute and deterministic, so they can be added to every record and used
to filter a dataset (e.g. drop records with ``placeholders`` or with ``han_share < 0.5``).
"""
from __future__ import annotations

import re
from functools import lru_cache

#: Template placeholders found in 范文 pages, by the label written to ``placeholders``.
PLACEHOLDER_PATTERNS: dict[str, re.Pattern[str]] = {
    # a year left to fill in: 20xx年, 20XX, 20××
    "20xx": re.compile(r"(?<![0-9])(?:19|20)[xX×]{2}(?![A-Za-z])"),
    # a name left to fill in: XX公司, ××学校, 在xx市 (two or more x next to a Han character)
    "XX": re.compile(
        r"(?<![0-9A-Za-z])(?:(?<=[\u4e00-\u9fff])[xX×]{2,}(?![A-Za-z])|[xX×]{2,}(?=[\u4e00-\u9fff]))"
    ),
    # masked words: A**公司, ＊＊
    "**": re.compile(r"\*{2,}|＊{2,}"),
    # blanks to fill in: ____, ＿＿
    "____": re.compile(r"_{3,}|＿{2,}"),
}

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_SPACE = re.compile(r"\s")

#: Minimum share of kana among letters for a Han-script text to count as Japanese.
KANA_SHARE_JA = 0.1


#: Mojibake: at least MOJIBAKE_SUSPECTS suspect characters within MOJIBAKE_SPAN characters.
MOJIBAKE_SUSPECTS = 3
MOJIBAKE_SPAN = 8
# GB2312 (both levels) and Big5's frequently used level, as (lead bytes, trail bytes) ranges.
_COMMON_HAN_CODES = (("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF)),
                     ("big5", range(0xA4, 0xC7), (*range(0x40, 0x7F), *range(0xA1, 0xFF))))


@lru_cache(maxsize=1)
def _suspect() -> re.Pattern[str]:
    """What a wrongly decoded page is made of: U+FFFD and private-use code points; Latin-1 letters
    before another Latin-1 character or a Han one (GBK or UTF-8 bytes read as Latin-1: a pinyin or
    French word has ASCII letters beside its accented ones); ``?`` before a letter (bytes a
    converter could not map); Han characters in neither GB2312 nor Big5's common level (GBK read as
    Big5, UTF-8 read as GBK). Real text has these alone (a rare name, a French word), not packed."""
    common = set()
    for codec, leads, trails in _COMMON_HAN_CODES:
        for lead in leads:
            for trail in trails:
                try:
                    common.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass
    han = "".join(sorted(c for c in common if _HAN.match(c)))
    return re.compile(r"[\ufffd\ue000-\uf8ff]|[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff](?=[\u00a1-\u00ff\u4e00-\u9fff])"
                      rf"|\?(?=\w)|[?？]{{2,}}(?=\w)|(?![{han}])[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def mojibake(text: str) -> bool:
    """``text`` holds a stretch of mojibake (see :func:`_suspect`)."""
    found = [m.start() for m in _suspect().finditer(text)]
    last = MOJIBAKE_SUSPECTS - 1
    return any(found[i + last] - found[i] < MOJIBAKE_SPAN for i in range(len(found) - last))


def han_share(text: str) -> float:
    """Share of Han characters among the non-whitespace characters of ``text`` (0.0 for empty)."""
    visible = len(text) - len(_SPACE.findall(text))
    return round(len(_HAN.findall(text)) / visible, 4) if visible else 0.0


def placeholders(text: str) -> list[str]:
    """Labels of the template placeholders present in ``text``, in :data:`PLACEHOLDER_PATTERNS` order."""
    return [label for label, pattern in PLACEHOLDER_PATTERNS.items() if pattern.search(text)]


def detect_lang(text: str) -> str:
    """Dominant script of ``text`` as a language code.

    "zh" (Han), "ja" (Han or kana with ≥ :data:`KANA_SHARE_JA` kana), "ko" (Hangul), "en" (Latin
    letters; the Latin-script texts of essay sites are English essays) or "und" (no letters).
    """
    han, kana = len(_HAN.findall(text)), len(_KANA.findall(text))
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    letters = han + kana + hangul + latin
    if not letters:
        return "und"
    if kana / letters >= KANA_SHARE_JA:
        return "ja"
    best = max((han, "zh"), (hangul, "ko"), (latin, "en"))
    return best[1]


def quality_signals(record: dict) -> dict:
    """The quality fields for ``record`` (computed from its ``text``)."""
    text = record["text"]
    return {
        "han_share": han_share(text),
        "paragraphs": text.count("\n") + 1 if text else 0,
        "placeholders": placeholders(text),
        "lang": detect_lang(text),
        "mojibake": mojibake(text),
    }
