"""Per-record quality signals: script shares, paragraph count, template placeholders, language.

The signals are cheap to compute and deterministic, so they can be added to every record and used
to filter a dataset (e.g. drop records with ``placeholders`` or with ``han_share < 0.5``).
"""
from __future__ import annotations

import re

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
    }
