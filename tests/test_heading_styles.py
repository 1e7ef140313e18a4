"""Heading styles of essay collections, on pages of our own writing: each piece exact, and the
lines that look like a numbering but are none (a page title's page number, a list in an essay)
left alone."""
from __future__ import annotations

import pytest

from pipelines import clean_page

SEASONS = [["春天来了，小草从地里探出头来，柳树发出了嫩绿的新芽，桃花也笑红了脸。", "我和小伙伴们在田野里奔跑，放风筝，笑声飘得很远很远。"],
           ["夏天的中午，太阳火辣辣地烤着大地，知了在树上不停地叫着。", "傍晚，我们在河边乘凉，听爷爷讲过去的故事。"],
           ["秋天，果园里的苹果红了，稻田里的稻子黄了，农民伯伯笑得合不拢嘴。", "一阵风吹过，金黄的树叶像蝴蝶一样飞舞。"]]


def records(lines: list[str]) -> list[tuple[str | None, str | None, list[str]]]:
    got = clean_page("\n".join(lines), "http://x.cn/a.html", kind="text").records
    return [(r["title"], r["piece_title"], r["text"].split("\n")) for r in got]


def page(title: str, headings: list[str], between: list[str] | None = None) -> list[str]:
    lines = [title]
    for n, (heading, text) in enumerate(zip(headings, SEASONS, strict=True)):
        lines += [heading, *([between[n]] if between else []), *text]
    return lines


@pytest.mark.parametrize("title, headings", [
    ("四季作文", ["四季作文（一）", "四季作文（二）", "四季作文（三）"]),
    ("四季作文", ["四季作文【1】", "四季作文【2】", "四季作文【3】"]),
    ("四季作文（精选3篇）", ["★ 四季作文1", "★ 四季作文2", "★ 四季作文3"]),
    ("四季作文（精选3篇）", ["■ 四季作文 篇一", "■ 四季作文 篇二", "■ 四季作文 篇三"]),
    ("四季作文（精选3篇）", ["NO.1", "NO.2", "NO.3"]),
    ("四季作文（精选3篇）", ["①", "②", "③"]),
    ("四季作文", ["四季作文400字1", "四季作文400字2", "四季作文400字3"]),
    ("四季作文", ["四季作文400字一", "四季作文400字二", "四季作文400字三"]),
    ("四季作文（精选3篇）", ["美丽的春天（篇一）", "火热的夏天（篇二）", "金色的秋天（篇三）"]),
    ("四季作文", ["范文壹：美丽的春天", "范文贰：火热的夏天", "范文叁：金色的秋天"]),
    ("四季小诗", ["第一首：美丽的春天", "第二首：火热的夏天", "第三首：金色的秋天"]),
    ("四季周记", ["第一周：美丽的春天", "第二周：火热的夏天", "第三周：金色的秋天"]),
    ("四季作文（精选3篇）", ["① 春天，你好", "② 夏天，你好", "③ 秋天，你好"]),
])
def test_a_numbering_style_heads_each_piece(title, headings):
    want_headings = [h.replace("四季作文 篇", "四季作文篇") for h in headings]
    assert records(page(title, headings)) == [(title, h, text) for h, text in zip(want_headings, SEASONS, strict=True)]


def test_a_stem_in_brackets_with_a_subtitle_line_under_it():
    got = records(page("四季作文", ["四季作文（一）", "四季作文（二）", "四季作文（三）"], ["美丽的春天", "火热的夏天", "金色的秋天"]))
    assert [(h, text[0]) for _, h, text in got] == [("四季作文（一）", "美丽的春天"), ("四季作文（二）", "火热的夏天"),
                                                   ("四季作文（三）", "金色的秋天")]


@pytest.mark.parametrize("title", ["秋天的雨（2）", "秋天的雨（第一篇）"])
def test_a_page_number_after_the_title_is_no_heading(title):
    assert records([title, *SEASONS[2]]) == [(title, None, SEASONS[2])]


def test_circled_numbers_in_one_essay_are_a_list_not_pieces():
    lines = ["我的暑假计划", "暑假到了，我给自己定了一个计划，一共有三件事。", "①", "每天读一个小时的书。", "②", "每天跑步二十分钟。",
             "③", "每周帮妈妈做两次家务。"]
    assert records(lines) == [("我的暑假计划", None, lines[1:])]


# A document preview flattened into one line: title, the site's disclaimer, the title again, then each
# 篇N： heading run into its text.
FLAT_PIECES = [
    ("篇一：", "我的小书桌我有一张小书桌，是爸爸亲手做的。桌面上摆着台灯、笔筒和几本故事书，每天放学回家，我都坐在这里写作业。"
              "写完作业，我就趴在桌上看书，看着看着，窗外的天就黑了。我爱我的小书桌，它陪我度过了许多快乐的时光。"),
    ("篇二：", "书桌上的小闹钟书桌上有一只小闹钟，它圆圆的脸，两根细细的指针不停地转呀转。每天早上六点半，它就丁零零地叫起来，"
              "催我起床。有一次我把它按掉又睡着了，结果上学迟到了。从那以后，我再也不赖床了。"),
    ("篇三：", "我的台灯我的台灯是一只白色的小兔子，按一下它的耳朵，灯就亮了。晚上我在灯下写字、画画，灯光暖暖的，"
              "像妈妈的手轻轻地摸着我的头。"),
]


def test_a_page_flattened_into_one_line_is_split_at_its_run_in_headings():
    line = "我的书桌作文精选5篇本文仅供参考，自行编辑使用我的书桌作文精选5篇" + "".join(h + t for h, t in FLAT_PIECES)
    assert records([line]) == [("我的书桌作文精选5篇", h, [t]) for h, t in FLAT_PIECES]


def test_an_essay_paragraph_naming_first_and_second_pieces_stays_whole():
    review = ("这本书一共有三篇故事，我都很喜欢。第一篇：讲的是一只小狐狸怎样帮助迷路的小鸭子找到妈妈，小狐狸聪明又善良，"
              "它想了很多办法，最后终于成功了，我读完以后也想做一个乐于助人的孩子。第二篇：讲的是一棵老槐树的故事，"
              "老槐树在村口站了一百年，看着孩子们一天天长大，又看着他们离开村子去远方，它的心里既高兴又有一点难过。"
              "第三篇讲的是一群小蚂蚁搬家，它们团结一心，把一粒粒米都搬进了新家。")
    lines = ["读《森林里的故事》有感", review, review.replace("这本书", "那本书"), "我要把这本书推荐给我的好朋友。"]
    assert records(lines) == [("读《森林里的故事》有感", None, lines[1:])]


@pytest.mark.parametrize("headings", [["四季作文篇1", "四季作文篇2", "四季作文篇3"], ["篇一：", "篇二：", "篇三："],
                                      ["第一篇：", "第二篇：", "第三篇："]])
def test_a_heading_glued_to_its_first_sentence_is_cut_off_it(headings):
    lines = ["四季作文", *[h + text[0] for h, text in zip(headings, SEASONS, strict=True)]]
    assert records(lines) == [("四季作文", h, [text[0]]) for h, text in zip(headings, SEASONS, strict=True)]


def test_a_subtitle_with_a_comma_or_question_mark_stays_a_heading():
    headings = ["篇一：春天，你好", "篇二：夏天在哪里？", "篇三：秋天，再见"]
    assert records(page("四季作文3篇", headings)) == [("四季作文3篇", h, text) for h, text in zip(headings, SEASONS, strict=True)]


@pytest.mark.parametrize("interlude", [["猜你喜欢", "冬天的雪作文"], ["相关推荐：冬天的雪作文"], ["推荐阅读"], ["本文标签：四季"]])
def test_a_related_list_between_two_pieces_does_not_end_the_page(interlude):
    headings = ["四季作文 篇一", "四季作文 篇二", "四季作文 篇三"]
    lines = ["四季作文3篇", headings[0], *SEASONS[0], *interlude, headings[1], *SEASONS[1], headings[2], *SEASONS[2]]
    assert records(lines) == [("四季作文3篇", h.replace(" ", ""), text) for h, text in zip(headings, SEASONS, strict=True)]


def test_a_related_list_below_the_last_piece_still_ends_the_page():
    lines = ["四季作文3篇", "四季作文 篇一", *SEASONS[0], "四季作文 篇二", *SEASONS[1], "相关文章", "四季作文 篇一", *SEASONS[2]]
    assert records(lines) == [("四季作文3篇", f"四季作文篇{n}", text) for n, text in zip("一二", SEASONS, strict=False)]


@pytest.mark.parametrize("between", [["四季作文3篇"], ["【作文小站·原创作文】"]])
def test_a_title_repeat_or_banner_between_pieces_is_in_no_piece(between):
    headings = ["四季作文 篇一", "四季作文 篇二", "四季作文 篇三"]
    lines = ["四季作文3篇", headings[0], *SEASONS[0], *between, headings[1], *SEASONS[1], *between, headings[2], *SEASONS[2]]
    assert records(lines) == [("四季作文3篇", h.replace(" ", ""), text) for h, text in zip(headings, SEASONS, strict=True)]


def test_a_heading_split_over_two_lines_leaves_its_first_line_in_no_piece():
    lines = ["四季作文3篇"]
    for n, text in zip("一二三", SEASONS, strict=True):
        lines += ["四季作文", f"篇{n}", *text]
    assert records(lines) == [("四季作文3篇", f"篇{n}", text) for n, text in zip("一二三", SEASONS, strict=True)]


def test_a_poem_ending_in_its_title_keeps_that_line():
    poem = ["春天在哪里", "春天在青翠的山林里", "这里有红花呀这里有绿草", "还有那会唱歌的小黄鹂", "春天在哪里"]
    assert records(["春天在哪里", *poem[1:]]) == [("春天在哪里", None, poem[1:])]


def test_a_diary_series_under_its_title_shown_again_keeps_its_first_entry():
    dates = ["2023年7月10日 星期一 晴", "2023年7月11日 星期二 多云", "2023年7月12日 星期三 雨"]
    lines = ["暑假日记三则", "暑假日记三则"]
    for date, text in zip(dates, SEASONS, strict=True):
        lines += [date, *text]
    assert records(lines) == [("暑假日记三则", d.replace(" 星期", "星期").replace(" ", ""), text)
                              for d, text in zip(dates, SEASONS, strict=True)]


def test_a_numbered_list_of_links_below_numbered_sentences_is_no_numbering():
    sentences = ["1、秋天的天空格外蓝，像一块洗过的蓝宝石。", "2、一阵秋风吹过，树叶像蝴蝶一样飞舞着落下来。",
                 "3、果园里的苹果红了，像一个个小灯笼挂在树上。"]
    lines = ["关于秋天的句子（精选10句）", *sentences, "看了关于秋天的句子的人还看了：", "1.描写冬天的句子", "2.描写春天的句子"]
    assert records(lines) == [("关于秋天的句子（精选10句）", None, sentences)]


def test_a_table_of_contents_above_the_pieces_is_in_no_piece():
    headings = ["篇一：美丽的春天", "篇二：火热的夏天", "篇三：金色的秋天"]
    lines = ["四季作文（精选3篇）", "目录", *headings]
    for heading, text in zip(headings, SEASONS, strict=True):
        lines += [heading, *text]
    assert records(lines) == [("四季作文（精选3篇）", h, text) for h, text in zip(headings, SEASONS, strict=True)]


@pytest.mark.parametrize("title, count", [("四季作文篇一篇二篇三", 3), ("四季日记篇1、篇2、篇3", 3)])
def test_a_title_listing_its_pieces_is_the_title_and_claims_their_count(title, count):
    stem = title.split("篇")[0]
    headings = [f"{stem}篇{n}" for n in "一二三"]
    got = clean_page("\n".join(page(title, headings)), "http://x.cn/a.html", kind="text")
    assert [(r["title"], r["piece_title"], r["text"].split("\n")) for r in got.records] == [
        (title, h, text) for h, text in zip(headings, SEASONS, strict=True)]
    assert got.claimed == count


DATES = ["2024年1月20日 星期六 晴", "2024年1月22日 星期一 小雪", "2024年1月25日 星期四 多云转阴"]


def test_dated_diary_entries_on_a_collection_head_its_pieces():
    lines = ["寒假日记（精选3篇）"] + [line for date, text in zip(DATES, SEASONS, strict=True) for line in (date, *text)]
    want = [d.replace(" 星期", "星期").replace(" ", "") for d in DATES]
    assert records(lines) == [("寒假日记（精选3篇）", d, text) for d, text in zip(want, SEASONS, strict=True)]


def test_a_dated_entry_with_a_title_is_headed_by_both():
    titles = ["春天的田野", "夏天的河边", "秋天的果园"]
    lines = ["寒假日记（精选3篇）"] + [line for date, title, text in zip(DATES, titles, SEASONS, strict=True)
                                  for line in (date, title, *text)]
    want = [f"{d.replace(' ', '')} {t}" for d, t in zip(DATES, titles, strict=True)]
    assert records(lines) == [("寒假日记（精选3篇）", h, text) for h, text in zip(want, SEASONS, strict=True)]


def test_one_diary_with_dated_paragraphs_is_one_piece():
    lines = ["我的寒假日记"] + [line for date, text in zip(DATES, SEASONS, strict=True) for line in (date, *text)]
    [(title, heading, text)] = records(lines)
    assert (title, heading) == ("我的寒假日记", None) and len(text) == 9


def test_numbered_diaries_with_date_lines_keep_their_numbering():
    lines = ["寒假日记（精选3篇）"] + [line for n, date, text in zip("一二三", DATES, SEASONS, strict=True)
                                  for line in (f"寒假日记篇{n}", date, *text)]
    assert [h for _, h, _ in records(lines)] == ["寒假日记篇一", "寒假日记篇二", "寒假日记篇三"]


def test_pieces_named_after_the_titles_colon_head_the_pieces():
    title = "散文三篇：春天的田野、夏天的河边、秋天的果园"
    names = ["春天的田野", "夏天的河边", "秋天的果园"]
    lines = [title, "这三篇是去年写的旧稿，最近整理出来，放在这里留个纪念。"]
    for name, text in zip(names, SEASONS, strict=True):
        lines += [name, *text]
    assert records(lines) == [(title, name, text) for name, text in zip(names, SEASONS, strict=True)]


def test_a_title_only_heading_may_hold_one_comma():
    names = ["春天，你好", "夏天的河边", "秋天，谢谢你"]
    lines = ["四季作文（精选3篇）"]
    for name, text in zip(names, SEASONS, strict=True):
        lines += [name, *text]
    assert records(lines) == [("四季作文（精选3篇）", name, text) for name, text in zip(names, SEASONS, strict=True)]


def test_a_line_counting_the_pieces_makes_outline_numbers_head_them():
    headings = ["1.春天的田野", "2.夏天，河边的晚风", "3.秋天的果园"]
    lines = ["四季的作文800字", "四季各有各的美。以下3篇作文写的是不同的季节，可作为写作参考。"]
    for heading, text in zip(headings, SEASONS, strict=True):
        lines += [heading, *text]
    assert records(lines) == [("四季的作文800字", h, text) for h, text in zip(headings, SEASONS, strict=True)]


def test_an_essays_own_numbered_points_under_no_count_stay_in_it():
    lines = ["四季的作文800字", "1.春天的田野", *SEASONS[0], "2.夏天，河边的晚风", *SEASONS[1]]
    [(title, heading, text)] = records(lines)
    assert (title, heading) == ("四季的作文800字", None) and text == lines[1:]


def test_a_pian_stem_may_hold_one_comma():
    headings = ["那一次，我真感动 篇一", "那一次，我真感动 篇二", "那一次，我真感动 篇三"]
    got = records(page("那一次，我真感动作文600字", headings))
    assert [(h, text) for _, h, text in got] == [(h.replace(" ", ""), text) for h, text in zip(headings, SEASONS, strict=True)]


def test_a_dash_line_under_an_essay_heads_no_piece():
    lines = ["有哪些好作文（精选）", "站在光里的人", *SEASONS[0], "——", "后来这孩子考上了师范，如今也站上了讲台。"]
    assert [h for _, h, _ in records(lines)] == ["站在光里的人"]


def html_diary(dates: list[str]) -> bytes:
    body = "".join(f"<h3>{d}</h3>" + "".join(f"<p>{p}</p>" for p in text) for d, text in zip(dates, SEASONS, strict=True))
    return (f"<html><head><meta charset='utf-8'><title>寒假日记200字_日记网</title></head><body><h1>寒假日记200字</h1>"
            f"<div class='content'>{body}</div></body></html>").encode()


def test_date_lines_styled_as_headings_head_diary_entries_without_a_claimed_count():
    dates = ["1月20日 星期一 晴", "1月26日 星期日 小雪", "2月2日 星期日 多云"]
    got = clean_page(html_diary(dates), "http://x.cn/riji/1.html").records
    assert [(r["piece_title"], r["text"].split("\n")) for r in got] == [
        (d.replace(" ", ""), text) for d, text in zip(dates, SEASONS, strict=True)]
