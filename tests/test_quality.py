"""Quality signals added to each record."""
from __future__ import annotations

import pytest

from pipelines.quality import detect_lang, han_share, placeholders, quality_signals


def test_signals_of_a_template_piece():
    text = "20XX年XX公司工作总结\n本人于20xx年3月进入A**公司。\n签名：____  日期：＿＿"
    assert quality_signals({"text": text}) == {
        "han_share": round(len("年公司工作总结本人于年月进入公司签名日期") / len(text.replace(" ", "").replace("\n", "")), 4),
        "paragraphs": 3,
        "placeholders": ["20xx", "XX", "**", "____"],
        "lang": "zh",
    }


@pytest.mark.parametrize("text, expected", [
    ("我在××学校读书。", ["XX"]),
    ("在xx市召开。", ["XX"]),
    ("2015年到2020年，共计3×4=12。", []),
    ("XXL号的T恤，Xbox游戏机。", []),
    ("20xx", ["20xx"]),
    ("下划线_a_b 和 单个*号", []),
])
def test_placeholders(text, expected):
    assert placeholders(text) == expected


@pytest.mark.parametrize("text, lang", [
    ("秋天来了，树叶黄了。", "zh"),
    ("My favourite season is autumn. 我最喜欢秋天。", "en"),
    ("秋が来ました。木の葉が黄色くなりました。", "ja"),
    ("가을이 왔습니다. 秋天", "ko"),
    ("2023 —— ！", "und"),
])
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_han_share_ignores_whitespace():
    assert han_share("秋天 ab\n好") == 0.6
    assert han_share("") == 0.0
