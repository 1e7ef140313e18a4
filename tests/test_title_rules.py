"""The page title among a text dump's first lines, on headers of our own writing: a banner above the
headline is passed over when a breadcrumb or a metadata line shows which line the headline is."""
from __future__ import annotations

import pytest

from pipelines import clean_page

ESSAY = ["清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。",
         "放学以后，我和妈妈去公园散步，看见湖面上有几只白鹅在慢慢地游。"]


def title_and_text(header: list[str]) -> tuple[str | None, list[list[str]]]:
    records = clean_page("\n".join([*header, *ESSAY]), "http://x.cn/a.html", kind="text").records
    return records[0]["title"], [r["text"].split("\n") for r in records]


@pytest.mark.parametrize("header, title", [
    (["作文小站", "首页 > 三年级作文 > 秋天的落叶", "秋天的落叶"], "秋天的落叶"),
    (["作文小站", "首页 > 作文 > 我的妈妈", "我的妈妈"], "我的妈妈"),
    (["作文小站 - 小学生作文天地", "秋天的落叶", "发布时间：2023-09-01"], "秋天的落叶"),
    (["作文小站", "我的妈妈作文", "2023-09-01 来源：原创"], "我的妈妈作文"),
    (["首页", "秋天的落叶"], "秋天的落叶"),
    (["标题：秋天的落叶"], "秋天的落叶"),
    (["作文题目：秋天的落叶"], "秋天的落叶"),
    (["写景作文", "秋天的落叶"], "秋天的落叶"),
    (["三年级日记", "我的小狗"], "我的小狗"),
    (["作文小站", "秋天的落叶"], "秋天的落叶"),
    (["美文之家", "秋天的落叶"], "秋天的落叶"),
    (["写景作文"], "写景作文"),
    (["小雨的部落格", "外婆的豆花"], "外婆的豆花"),
    (["晨风的博客", "外婆的豆花"], "外婆的豆花"),
    (["我爱作文"], "我爱作文"),
    (["李白诗文"], "李白诗文"),
])
def test_the_headline_is_the_title(header, title):
    assert title_and_text(header) == (title, [ESSAY])


@pytest.mark.parametrize("header", [
    ["我的妈妈", "李小明", "2023-09-01 来源：原创"],
    ["我的妈妈", "示例小学三年级 李小明", "2023-09-01 来源：原创"],
    ["我的妈妈", "写人作文", "发布时间：2023-09-01"],
])
def test_a_line_between_the_title_and_its_metadata_is_not_the_title(header):
    assert title_and_text(header) == ("我的妈妈", [ESSAY])


@pytest.mark.parametrize("line", ["秋天的落叶 - 示例作文网", "秋天的落叶_作文小站", "秋天的落叶|美文之家"])
def test_a_title_line_with_the_site_name_after_it_is_no_site_name_line(line):
    assert title_and_text([line]) == (line, [ESSAY])
