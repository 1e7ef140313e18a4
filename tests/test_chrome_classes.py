"""Chrome the site puts around a piece, on pages of our own writing: link lines, pager notes, tips,
reprint notices, exam prompts and notes on the text, watermarks and cut markers never reach the
records; essay sentences with the same words (更多, 投稿, 小贴士, 下一页, 相关…) stay whole."""
from __future__ import annotations

import pytest

from pipelines import clean_page

HEADER = ["青藤作文网", "首页 > 散文 > 抒情", "院子里的石榴树", "作者：林木  2023-06-01  阅读：120"]
ESSAY = ["外婆家的院子里有一棵石榴树，是外公年轻时亲手种下的。",
         "每年五月，树上开满火红的花，远远看去像一团团跳动的火苗。",
         "秋天一到，石榴裂开了嘴，露出一颗颗晶莹的籽，外婆总会挑最大的一个留给我。"]
FOOTER = ["上一篇：老街的早晨", "下一篇：雨中的小巷", "青藤作文网 版权所有"]


def records(lines: list[str]) -> list[dict]:
    return clean_page("\n".join(lines), "http://example.cn/a.html", kind="text").records


def only_text(lines: list[str]) -> list[str]:
    found = records(lines)
    assert len(found) == 1
    return found[0]["text"].split("\n")


# Chrome lines below the essay (a link line, a pager note, a tip, a reprint notice) or above it (an
# exam prompt, a note on what the text is and where it serves, how the list was made).
BELOW = [
    "更多好文：写给外婆的信｜我家的小院",
    "热门倡议书：节约粮食倡议书 | 文明出行倡议书 | 爱护环境倡议书",
    "推荐散文：故乡的河/母亲的围裙",
    "（本组散文未完，请翻到下一页）",
    "（接下页）",
    "余下儿歌见第3页",
    "点击下一页继续欣赏",
    "想看更多请点击下一页",
    "写作小窍门：多用比喻句，文章会更生动，也更容易打动读者。",
    "【习作小提示】写景时要按一定的顺序，比如从远到近，再写出自己的感受。",
    "【写作要点】先写看到的景色，再写心里的感受。",
    "◆本文系网友原创投稿，转载须经作者授权。",
    "本作品由会员投稿发布。",
    "◇本篇係網友投稿，轉載須經作者授權。",
    "（转载请事先联系作者获得许可）",
]
ABOVE = [
    "【真题再现】阅读下面的文字，以“远方”为题写一篇文章，不少于700字。",
    "【考题回放】以“温暖”为话题，自选角度，写一篇不少于800字的议论文。",
    "请以“门”为题，写一篇记叙文，不少于600字；文中不得出现真实的校名。",
    "阅读下面的文字，根据要求写一篇不少于800字的文章。",
    "发言是一门学问。这是一篇以“感恩”为话题的发言稿，可用于家长会或主题班会。",
    "中秋到了。以下这些中秋祝福短信都是精心挑选的，温馨又不俗套，赶紧收藏起来发给亲友吧！",
]


@pytest.mark.parametrize("chrome", BELOW)
def test_a_chrome_line_below_the_essay_is_dropped(chrome):
    assert only_text([*HEADER, *ESSAY, chrome, *FOOTER]) == ESSAY


@pytest.mark.parametrize("chrome", ABOVE)
def test_a_note_above_the_essay_is_dropped(chrome):
    assert only_text([*HEADER, chrome, *ESSAY, *FOOTER]) == ESSAY


def test_a_tip_ends_the_piece_it_follows_on_a_collection():
    page = ["青藤作文网", "写景短文（精选2篇）", "篇一", *ESSAY[:2], "写作小窍门：按时间顺序写，条理会更清楚。",
            "篇二", ESSAY[2], *FOOTER]
    found = records(page)
    assert [r["text"].split("\n") for r in found] == [ESSAY[:2], [ESSAY[2]]]


def test_a_list_under_a_header_naming_a_kind_of_text_is_dropped():
    page = [*HEADER, *ESSAY, "相关发言稿：", "· 毕业典礼学生代表发言稿", "· 开学第一课教师发言稿", *FOOTER]
    assert only_text(page) == ESSAY


SAFE = [
    "更多的时候，我喜欢一个人坐在石榴树下看书。",
    "热门的景点总是人挤人：长城、故宫、颐和园，到处都是游客。",
    "我翻到下一页，发现了一幅外公年轻时的照片。",
    "老师说：“请翻到下一页。”",
    "奶奶的小贴士贴满了冰箱门，提醒我们按时吃饭。",
    "我把这篇日记投稿给了校刊，没想到真的登了出来。",
    "本文是我第一次投稿的作品，写得不好请大家多指教。",
    "老师请我们以“我的家乡”为题写一篇作文，我一下子就想到了外婆家门前的小河。",
    "这是一篇关于友谊的文章，我读了很多遍，每一遍都有新的感受。",
    "下面这些照片都是外公拍的，每一张背后都有一个故事。",
    "考题一发下来，我就看到了熟悉的题目，心里踏实了许多。",
    "阅读下面的句子时，我总会想起外婆讲过的故事。",
    "点击下一页的按钮时，我的手有点发抖。",
    "相关的书我都找来读了：童话、寓言，还有一本厚厚的百科全书。",
]


@pytest.mark.parametrize("sentence", SAFE)
def test_an_essay_sentence_with_the_same_words_stays(sentence):
    essay = [ESSAY[0], sentence, ESSAY[1]]
    assert only_text([*HEADER, *essay, *FOOTER]) == essay


@pytest.mark.parametrize("sentence", SAFE)
def test_an_essay_sentence_with_the_same_words_ends_the_essay(sentence):
    essay = [*ESSAY, sentence]
    assert only_text([*HEADER, *essay, *FOOTER]) == essay


def test_a_site_name_glued_to_a_watermark_goes_with_its_domain():
    marked = "每年五月，树上开满火红的花青藤作文网www.shili-wenyuan.cn，远远看去像一团团跳动的火苗。"
    assert only_text([*HEADER, ESSAY[0], marked, ESSAY[2], *FOOTER]) == ESSAY


def test_words_before_a_watermark_that_no_other_line_starts_with_stay():
    marked = "每年五月，我们去火车站www.shili-wenyuan.cn接外公，远远看去像一团团跳动的火苗。"
    kept = "每年五月，我们去火车站接外公，远远看去像一团团跳动的火苗。"
    page = [*HEADER, ESSAY[0], marked, "我们在火车站前的广场上等了很久，大家都在等待远方的亲人。", *FOOTER]
    assert only_text(page) == [ESSAY[0], kept, "我们在火车站前的广场上等了很久，大家都在等待远方的亲人。"]


@pytest.mark.parametrize("below", [["【作者简介】林木，教师，喜欢写身边的小事。"],
                                   ["【名师点评】", "文章写石榴树的四季，层次清楚，语言朴素。"]])
def test_the_sites_cut_marker_never_reaches_the_text_though_commentary_follows(below):
    cut = [*ESSAY[:2], "秋天一到，石榴裂开了嘴，露出一颗颗晶莹的籽……查看全文>>"]
    found = records([*HEADER, *cut, *below, "本文标签：石榴 外婆", *FOOTER])
    assert [(r["text"].split("\n"), "truncated" in r) for r in found] == [
        ([*ESSAY[:2], "秋天一到，石榴裂开了嘴，露出一颗颗晶莹的籽"], True)]


def test_commentary_under_a_cut_piece_ends_at_the_next_heading():
    page = ["青藤作文网", "写景短文（精选2篇）", "篇一", ESSAY[0], "每年五月，树上开满火红的花……阅读全文",
            "【老师点评】", "写花写得很生动，比喻用得恰当。", "篇二", ESSAY[2], *FOOTER]
    found = records(page)
    assert [(r["text"].split("\n"), "truncated" in r) for r in found] == [
        ([ESSAY[0], "每年五月，树上开满火红的花"], True), ([ESSAY[2]], False)]


def test_a_breadcrumb_with_arrows_is_chrome_and_never_the_title():
    page = ["青藤作文网 → 散文 → 抒情散文", "院子里的石榴树", *ESSAY]
    assert [(r["title"], r["text"].split("\n")) for r in records(page)] == [("院子里的石榴树", ESSAY)]


def test_the_task_and_guidance_under_their_labels_are_dropped_up_to_the_next_label():
    page = [*HEADER, "【作文题目】", "写一种你喜欢的树，写出它在不同季节的样子，不少于300字。", "【写作指导】",
            "1.按季节的顺序写。", "2.写出自己和这棵树的故事。", "【佳作展示】", *ESSAY, *FOOTER]
    assert only_text(page) == ESSAY


def test_a_label_without_another_label_below_drops_itself_only():
    assert only_text([*HEADER, "【作文题目】", *ESSAY, *FOOTER]) == ESSAY
