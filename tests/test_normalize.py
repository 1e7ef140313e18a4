"""Script conversion: Traditional pages go through OpenCC; Simplified pages are left as written."""
import opencc
import pytest

from pipelines import clean_page
from pipelines.normalize import (
    convert_script,
    fold_characters,
    fold_ideographs,
    normalize_paragraphs,
)

SIMPLIFIED = "他把杯子打坏了，我们要瞭解情况，这件事反覆想了很久。"
TRADITIONAL = "他把杯子打壞了，我們要瞭解情況，這件事反覆想了很久，沈浸在回憶裡。"


def test_simplified_text_is_not_rewritten_by_opencc_phrase_tables():
    assert opencc.OpenCC("t2s").convert(SIMPLIFIED) != SIMPLIFIED  # what a blind t2s would do
    assert convert_script(SIMPLIFIED, "t2s") == SIMPLIFIED


@pytest.mark.parametrize("convert", ["t2s", "tw2s", "tw2sp", "hk2s"])
def test_traditional_text_is_converted_exactly_as_opencc_does(convert):
    expected = opencc.OpenCC(convert).convert(TRADITIONAL)
    assert convert_script(TRADITIONAL, convert) == expected
    assert "沉浸在回忆里" in expected


@pytest.mark.parametrize("convert", ["t2s", "tw2s", "tw2sp", "hk2s"])
def test_simplified_text_with_zhu_and_me_is_left_alone_by_every_conversion(convert):
    # tw2s and tw2sp change 著 and 么 on their own; in Simplified text they are words (土著, 什么).
    text = "他打坏了什么东西？土著居民的歌很著名，卓著的成绩来自执著。"
    assert convert_script(text, convert) == text
    assert normalize_paragraphs([text], convert) == [text]


def test_tw2s_reads_taiwan_zhu_as_the_aspect_particle():
    assert convert_script("他看著窗外，等著我們回來。", "tw2s") == "他看着窗外，等着我们回来。"
    assert convert_script("他看著窗外，等著我們回來。", "t2s") == "他看著窗外，等著我们回来。"


def test_one_traditional_character_converts_the_whole_text():
    text = "打坏了杯子。" + "這"
    assert convert_script(text, "t2s") == opencc.OpenCC("t2s").convert(text) == "打坯了杯子。这"


def test_supplementary_plane_characters_go_through_opencc():
    text = "𠮶个人"  # U+20BB6
    assert convert_script(text, "t2s") == opencc.OpenCC("t2s").convert(text)


def test_none_leaves_traditional_text_alone():
    assert convert_script(TRADITIONAL, "none") == TRADITIONAL


def test_a_simplified_page_keeps_its_words():
    paragraphs = "".join(f"<p>第{n}段：他把杯子打坏了，妈妈没有责备他，只是让他自己把碎片扫干净，这件事他记了很久。</p>"
                         for n in "一二三")
    html = f"<html><head><meta charset='utf-8'><title>打碎的杯子</title></head><body><h1>打碎的杯子</h1>{paragraphs}</body></html>"
    [record] = clean_page(html.encode("utf-8"), "http://x.cn/a/1.html").records
    assert record["text"].count("打坏了") == 3 and "打坯" not in record["text"]


def test_indentation_and_odd_spaces_are_removed_or_folded():
    paragraphs = ["\u3000\u3000春天来了。", "\xa0\xa0 Hello\u2003world\xa0", "\u3000",
                  "桃花\u3000开了，ＡＢ１２\u200b。"]
    assert normalize_paragraphs(paragraphs) == ["春天来了。", "Hello world", "", "桃花开了，AB12。"]


def test_fold_characters_alone_folds_every_space_like_character():
    assert fold_characters("\xa0a\u3000b\u2002c\u2009d\te\u00adf") == " a b c d ef"


@pytest.mark.parametrize("convert", ["t2s", "tw2s", "tw2sp", "hk2s", "none"])
def test_each_step_runs_when_only_its_own_characters_are_present(convert):
    """One search decides whether conversion and folding run at all; each must still run alone."""
    convert_only = "他們在這裡" if convert != "none" else "他们在这里"
    expected = opencc.OpenCC(convert).convert(convert_only) if convert != "none" else convert_only
    assert normalize_paragraphs([convert_only], convert) == [expected]
    assert normalize_paragraphs(["今年１２岁\u200b"], convert) == ["今年12岁"]
    assert normalize_paragraphs(["𠮶个人"], convert) == [convert_script("𠮶个人", convert)]


@pytest.mark.parametrize("convert", ["t2s", "none"])
def test_radicals_and_compatibility_ideographs_fold_to_unified_ideographs(convert):
    # Kangxi radicals ⼈⽣ (U+2F08, U+2F63), supplement radicals ⺠⻓⻔ (U+2EA0, U+2ED3, U+2ED4),
    # compatibility ideographs 丽 (U+2F800) and 﨑 (U+FA11, a unified ideograph itself: kept).
    text = "\u2f08\u2ea0\u7684\u2f63\u6d3b\uff0c\u2ed3\u57ce\u2ed4\u53e3\uff0c\U0002f800\u6c34\ufa11\u3002"
    assert normalize_paragraphs([text], convert) == ["人民的生活，长城门口，丽水\ufa11。"]


def test_a_folded_traditional_ideograph_is_converted_too():
    # Kangxi radical ⾨ (U+2FA8) is 門; compatibility ideograph 豈 (U+F900) is 豈 (U+8C48).
    text = "\u2fa8\u53e3\u7684\uf900\u6b62\u4e00\u4e2a\u3002"
    assert normalize_paragraphs([text], "t2s") == ["门口的岂止一个。"]
    assert normalize_paragraphs([text], "none") == ["門口的\u8c48止一个。"]


def test_folded_radicals_count_as_han_for_punctuation_and_spaces():
    assert normalize_paragraphs(["\u2f08 \u2ea0,\u2f63(\u2f63)"]) == ["人民，生（生）"]


def test_every_kangxi_radical_and_compatibility_ideograph_folds_to_one_unified_ideograph():
    import unicodedata

    blocks = [range(0x2F00, 0x2FD6), range(0x2E80, 0x2EF4), range(0xF900, 0xFB00), range(0x2F800, 0x2FA20)]
    chars = "".join(chr(c) for block in blocks for c in block if unicodedata.name(chr(c), ""))
    folded = fold_ideographs(chars)
    assert len(folded) == len(chars)
    unified = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x323AF))
    kept = [before for before, after in zip(chars, folded, strict=True) if before == after]
    assert kept == ["\u2e80"] + [c for c in chars if "\ufa0e" <= c <= "\ufa29" and unicodedata.normalize("NFKC", c) == c]
    for before, after in zip(chars, folded, strict=True):
        assert before == after or any(lo <= ord(after) <= hi for lo, hi in unified), hex(ord(before))


def test_a_text_writing_its_full_stops_as_dots_keeps_them():
    text = "春天来了.小草从地里探出头来,柳树发芽了.我们去公园放风筝!"
    assert normalize_paragraphs([text]) == ["春天来了.小草从地里探出头来，柳树发芽了.我们去公园放风筝！"]


def test_an_injected_dot_in_a_text_with_full_stops_is_removed():
    assert normalize_paragraphs(["春天.来了，小草绿了。", "花儿开了。鸟儿叫了。"]) == ["春天来了，小草绿了。", "花儿开了。鸟儿叫了。"]


def test_a_text_writing_most_full_stops_as_dots_keeps_them_beside_a_few_full_width_ones():
    text = ["新的一年已经到来.回顾过去一年,我们取得了进步.下一步,我们要做好三件事.", "一是学习。二是工作."]
    assert normalize_paragraphs(text) == ["新的一年已经到来.回顾过去一年，我们取得了进步.下一步，我们要做好三件事.",
                                          "一是学习。二是工作."]


def test_as_many_injected_dots_as_full_stops_are_removed():
    assert normalize_paragraphs(["春.天来了。小.草绿了。"]) == ["春天来了。小草绿了。"]
