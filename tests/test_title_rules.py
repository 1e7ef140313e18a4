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


def title_and_text_with_tail(header: list[str], tail: list[str]) -> tuple[str | None, list[list[str]]]:
    records = clean_page("\n".join([*header, *ESSAY, *tail]), "http://x.cn/a.html", kind="text").records
    return records[0]["title"], [r["text"].split("\n") for r in records]


FOOTER = ["上一篇：春天的小雨", "版权所有 © 2024 晴川作文网 京ICP备00000000号"]


@pytest.mark.parametrize("header", [
    # the <title> line (headline_栏目_site) under a banner, the site named in the footer
    ["晴川作文网 - 中小学生作文大全", "秋天的落叶_三年级作文_晴川作文网"],
    # the banner's site is the last part of the <title> line
    ["晴川作文网 | 作文大全", "秋天的落叶 - 晴川作文网", "作者：林小北"],
])
def test_a_banner_naming_the_site_is_passed_over_and_the_title_line_loses_its_site(header):
    assert title_and_text_with_tail(header, FOOTER) == ("秋天的落叶", [ESSAY])


@pytest.mark.parametrize("header", [
    ["晴川范文网-总结,计划,心得体会", "网站首页 | 工作总结 | 心得体会 | 演讲稿", "位置:晴川范文网 > 心得体会 > 读书心得",
     "秋天的落叶", "时间:2024-09-02 来源:网友投稿"],
    ["晴川文苑 繁体版", "首页 > 散文 > 写景散文", "秋天的落叶"],
    ["晴川书屋 · 散文频道", "首页 散文 随笔 诗歌", "晴川书屋 > 散文 > 写景", "秋天的落叶", "发布者:小林 | 2024-05-09 | 浏览:21"],
    ["晴川作文", "晴川作文 → 满分作文 → 2024年满分作文", "秋天的落叶", "日期：2024-07-05"],
    ["晴川作文", "首页 / 三年级 / 写景", "秋天的落叶"],
])
def test_the_headline_under_the_breadcrumb_is_the_title_and_the_header_above_is_dropped(header):
    assert title_and_text_with_tail(header, FOOTER[:1]) == ("秋天的落叶", [ESSAY])


def test_a_title_above_the_breadcrumb_stays_the_title_when_text_follows_the_breadcrumb():
    assert title_and_text(["秋天的落叶", "首页 > 三年级作文 > 正文", *ESSAY[:0]]) == ("秋天的落叶", [ESSAY])


def test_titles_listed_below_the_essay_do_not_make_its_title_a_piece_heading():
    header = ["晴川作文网 - 小学生作文", "首页 | 一年级 | 二年级 | 三年级", "当前位置：晴川作文网 > 三年级作文",
              "秋天的落叶", "作者：三年级二班 林一鸣 来源：晴川作文网"]
    tail = ["上一篇：我的奶奶", "相关文章", "我最爱的一本书", "四年级写人作文：我的同学", "我最敬佩的人",
            "标签：秋天 写景作文", *FOOTER[1:]]
    assert title_and_text_with_tail(header, tail) == ("秋天的落叶", [ESSAY])


@pytest.mark.parametrize("line", ["2024年3月2日 由 小北 发表", "2024-03-02 09:12 由晴川发布"])
def test_a_date_line_with_its_poster_is_dropped(line):
    assert title_and_text(["秋天的落叶", line]) == ("秋天的落叶", [ESSAY])


def test_an_essay_sentence_with_a_date_and_you_stays():
    sentence = "2024年3月2日由我主持的班会开得很成功，同学们都发表了自己的看法。"
    assert title_and_text(["秋天的落叶", sentence]) == ("秋天的落叶", [[sentence, *ESSAY]])


def test_a_title_over_a_byline_above_numbered_pieces_is_the_page_title():
    lines = ["晴川书信网", "您的位置：晴川书信网 → 书信 → 给妈妈的一封信", "给妈妈的一封信（第1篇-第2篇）",
             "作者：晴川书信网整理 时间：2024-05-12"]
    for n, (salutation, closing) in enumerate([("亲爱的妈妈：", "您的儿子：小明"), ("妈妈：", "您的女儿：小红")], start=1):
        lines += [f"第{n}篇", salutation, *ESSAY, "祝您天天开心！", closing, "2024年5月10日"]
    records = clean_page("\n".join(lines), "http://x.cn/a.html", kind="text").records
    assert [(r["title"], r["piece_title"]) for r in records] == [("给妈妈的一封信（第1篇-第2篇）", "第1篇"),
                                                                 ("给妈妈的一封信（第1篇-第2篇）", "第2篇")]


@pytest.mark.parametrize("line", ["（第1页，共3页）", "第2/3页", "当前第1页"])
def test_the_page_number_of_a_paginated_article_is_dropped(line):
    assert title_and_text(["秋天的落叶", line]) == ("秋天的落叶", [ESSAY])


def test_a_sentence_about_a_page_stays():
    sentence = "第1页写的是春天的故事，我一口气读完了。"
    assert title_and_text(["秋天的落叶", sentence]) == ("秋天的落叶", [[sentence, *ESSAY]])


def html_page(h1: str, title: str, heading: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in ESSAY * 2)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='header'>{h1}</div><div class='post'><h3 class='post-title'>{heading}</h3>"
            f"<div class='post-body'>{paragraphs}</div></div></body></html>").encode()


@pytest.mark.parametrize("href", ["https://blog.example.tw/", "/", "/index.html", "index.html", "./"])
def test_a_logo_h1_linking_home_is_the_site_not_the_headline(href):
    page = html_page(f"<h1><a href='{href}'>晴川笔记</a></h1>", "秋天的落叶 | 晴川笔记", "秋天的落叶")
    assert clean_page(page, "https://blog.example.tw/2024/10/a.html").records[0]["title"] == "秋天的落叶"


def test_an_h1_linking_to_its_own_article_is_the_headline():
    page = html_page("<h1><a href='/2024/10/a.html'>秋天的落叶</a></h1>", "秋天的落叶 | 晴川笔记", "秋天的落叶")
    assert clean_page(page, "https://blog.example.tw/2024/10/a.html").records[0]["title"] == "秋天的落叶"
