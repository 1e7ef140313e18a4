"""Quality signals added to each record."""
from __future__ import annotations

import pytest

from pipelines.quality import detect_lang, han_share, mojibake, placeholders, quality_signals


def test_signals_of_a_template_piece():
    text = "20XX年XX公司工作总结\n本人于20xx年3月进入A**公司。\n签名：____  日期：＿＿"
    assert quality_signals({"text": text}) == {
        "han_share": round(len("年公司工作总结本人于年月进入公司签名日期") / len(text.replace(" ", "").replace("\n", "")), 4),
        "paragraphs": 3,
        "placeholders": ["20xx", "XX", "**", "____"],
        "lang": "zh",
        "mojibake": False,
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


ESSAY = "放学的路上下起了小雨，我和同桌撑着一把伞，一边走一边数路边的水洼，鞋子湿了也不在乎。"
ESSAY_TRAD = "放學的路上下起了小雨，我和同桌撐著一把傘，一邊走一邊數路邊的水窪，鞋子濕了也不在乎。"


@pytest.mark.parametrize("wrong", [
    ESSAY.encode("gbk").decode("big5", errors="replace"),       # GBK shown as Big5
    ESSAY.encode("utf-8").decode("gbk", errors="replace"),      # UTF-8 shown as GBK
    ESSAY.encode("gbk").decode("latin-1"),                      # GBK shown as Latin-1
    ESSAY.encode("utf-8").decode("cp1252", errors="replace"),   # UTF-8 shown as Windows-1252
    ESSAY_TRAD.encode("big5").decode("gbk", errors="replace"),  # Big5 shown as GBK
    ESSAY[:20] + "\ufffd\ufffd\ufffd" + ESSAY[20:],            # bytes replaced by U+FFFD
])
def test_mojibake_is_flagged(wrong):
    assert mojibake(ESSAY + "\n" + wrong)
    assert quality_signals({"text": wrong})["mojibake"] is True


@pytest.mark.parametrize("text", [
    ESSAY, ESSAY_TRAD,
    "老师教我们读拼音：wǒ ài nǐ，bà ba，mā ma，nèi róng，lǜ sè的草地。",  # tone marks beside ASCII letters
    "我读了一本法国小说，书里的café、résumé、déjà vu都是外来词。",
    "他叫龑，名字里的字很少见；这碗饭吃完了吗？吃完了！真的吗？？我不信。",   # a rare name, doubled ？
    "冬天的气温降到了-5°C，一件外套£30，折扣是¼，5×6=30。",
])
def test_real_text_is_not_mojibake(text):
    assert not mojibake(text)
