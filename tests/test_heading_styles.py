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
])
def test_a_numbering_style_heads_each_piece(title, headings):
    want_headings = [h.replace("四季作文 篇", "四季作文篇") for h in headings]
    assert records(page(title, headings)) == [(title, h, text) for h, text in zip(want_headings, SEASONS, strict=True)]


def test_a_stem_in_brackets_with_a_subtitle_line_under_it():
    got = records(page("四季作文", ["四季作文（一）", "四季作文（二）", "四季作文（三）"], ["美丽的春天", "火热的夏天", "金色的秋天"]))
    assert [(h, text[0]) for _, h, text in got] == [("四季作文（一）", "美丽的春天"), ("四季作文（二）", "火热的夏天"),
                                                   ("四季作文（三）", "金色的秋天")]


def test_a_page_number_after_the_title_is_no_heading():
    assert records(["秋天的雨（2）", *SEASONS[2]]) == [("秋天的雨（2）", None, SEASONS[2])]


def test_circled_numbers_in_one_essay_are_a_list_not_pieces():
    lines = ["我的暑假计划", "暑假到了，我给自己定了一个计划，一共有三件事。", "①", "每天读一个小时的书。", "②", "每天跑步二十分钟。",
             "③", "每周帮妈妈做两次家务。"]
    assert records(lines) == [("我的暑假计划", None, lines[1:])]
