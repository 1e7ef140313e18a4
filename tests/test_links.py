"""Link extraction from raw page bytes and the allowed-domain check (essay_crawler/links.py)."""
from __future__ import annotations

import pytest

from essay_crawler.links import extract_links, host_allowed

PAGE = "http://www.zuowen.test/zuowen/list_2.html"


def links(html: str, url: str = PAGE, encoding: str = "utf-8") -> list[str]:
    return extract_links(html.encode(encoding), url, encoding)


def test_relative_absolute_and_scheme_relative_links_resolve_against_the_page():
    html = ('<a href="1001.html">一</a><a href="/shuzhi/2001.html">二</a><a href="../yanjiang/">三</a>'
            '<a href="//m.zuowen.test/zuowen/1001.html">四</a><a href="https://other.test/x.html">五</a>')
    assert links(html) == ["http://www.zuowen.test/zuowen/1001.html", "http://www.zuowen.test/shuzhi/2001.html",
                           "http://www.zuowen.test/yanjiang/", "http://m.zuowen.test/zuowen/1001.html",
                           "https://other.test/x.html"]


def test_quote_styles_case_and_whitespace_in_the_tag():
    html = ("<A HREF='/a.html'>a</A><a\n  class=\"t\"\n  href = /b.html >b</a>"
            '<a target=_blank href=" /c.html ">c</a><a class=\'x\'href="/d.html">d</a>')
    assert links(html) == ["http://www.zuowen.test/a.html", "http://www.zuowen.test/b.html",
                           "http://www.zuowen.test/c.html", "http://www.zuowen.test/d.html"]


def test_only_the_href_attribute_of_a_tags_counts():
    html = ('<a data-href="/wrong1.html" href="/right1.html">x</a>'
            '<a title="共有 > 3 篇" href="/right2.html">y</a>'
            '<a title="href=/wrong2.html" href="/right3.html">z</a>'
            '<abbr href="/wrong3.html">缩写</abbr><link href="/style.html"><area href="/wrong4.html">'
            '<a name="top">锚</a><a href="/right4.html">w</a>')
    assert links(html) == [f"http://www.zuowen.test/right{i}.html" for i in range(1, 5)]


def test_fragments_are_removed_and_repeats_dropped_in_page_order():
    html = ('<a href="/b.html#comments">b</a><a href="/a.html">a</a><a href="/b.html">b again</a>'
            '<a href="/a.html#top">a again</a><a href="#top">top</a><a href="#">nothing</a>')
    assert links(html) == ["http://www.zuowen.test/b.html", "http://www.zuowen.test/a.html"]


def test_query_strings_are_kept_and_amp_entities_decoded():
    html = '<a href="?page=3">下一页</a><a href="/plus/list.php?tid=5&amp;PageNo=2">2</a>'
    assert links(html) == ["http://www.zuowen.test/zuowen/list_2.html?page=3",
                           "http://www.zuowen.test/plus/list.php?tid=5&PageNo=2"]


def test_non_http_schemes_are_skipped():
    html = ('<a href="javascript:void(0)">j</a><a href="JavaScript:showMore()">J</a>'
            '<a href="mailto:editor@zuowen.test">m</a><a href="tel:010-12345678">t</a>'
            '<a href="data:text/html,hi">d</a><a href="ftp://zuowen.test/f.html">f</a><a href="">empty</a>'
            '<a href="/ok.html">ok</a>')
    assert links(html) == ["http://www.zuowen.test/ok.html"]


@pytest.mark.parametrize("href", ["/pic/a.JPG", "/s/site.css", "/s/app.js?v=3", "/down/范文.docx",
                                  "/down/all.zip", "/sitemap.xml", "/f.PDF"])
def test_static_assets_are_skipped(href):
    assert links(f'<a href="{href}">x</a>') == []


@pytest.mark.parametrize("href,expected", [
    ("/v1.2/page", "http://www.zuowen.test/v1.2/page"),       # a dot in a folder name, not a file extension
    ("/show.php?id=12", "http://www.zuowen.test/show.php?id=12"),
    ("/zuowen/1001.shtml", "http://www.zuowen.test/zuowen/1001.shtml"),
    ("/zuowen/", "http://www.zuowen.test/zuowen/"),
    ("http://www.zuowen.test", "http://www.zuowen.test/"),
])
def test_page_links_are_kept(href, expected):
    assert links(f'<a href="{href}">x</a>') == [expected]


def test_base_href_changes_what_relative_links_resolve_against():
    html = '<head><base href="http://www.zuowen.test/shuzhi/"></head><a href="2001.html">述职</a>'
    assert links(html) == ["http://www.zuowen.test/shuzhi/2001.html"]


def test_gbk_page_with_a_non_ascii_link_decodes_it_with_the_page_encoding():
    html = '<a href="/专题/秋天.html">秋天</a><a href="/ok.html">好</a>'
    assert links(html, encoding="gbk") == ["http://www.zuowen.test/专题/秋天.html", "http://www.zuowen.test/ok.html"]


def test_links_come_from_raw_bytes_without_a_parse():
    body = ("<html><head><meta charset='utf-8'></head><body><p>没有闭合的段落<div><a href='/x.html'>x"
            "<!-- <a href='/in-comment.html'>c</a> -->").encode()
    assert extract_links(body, PAGE) == ["http://www.zuowen.test/x.html",
                                         "http://www.zuowen.test/in-comment.html"]


@pytest.mark.parametrize("url,allowed", [
    ("http://www.zuowen.test/a.html", True),
    ("https://WWW.ZUOWEN.TEST/a.html", True),
    ("http://m.www.zuowen.test/a.html", True),          # subdomain of an allowed domain
    ("http://zuowen.test/a.html", False),               # parent domain is another site
    ("http://evilwww.zuowen.test/a.html", False),
    ("http://www.zuowen.test.evil.test/a.html", False),
    ("http://127.0.0.1:8000/a.html", False),
    ("http://localhost/a.html", False),
])
def test_host_allowed_matches_the_domain_or_its_subdomains(url, allowed):
    assert host_allowed(url, ("www.zuowen.test",)) is allowed


def test_host_allowed_with_an_ip_and_several_domains():
    domains = ("127.0.0.1", "zuowen.test")
    assert host_allowed("http://127.0.0.1:41234/x.html", domains)
    assert host_allowed("http://m.zuowen.test/x.html", domains)
    assert not host_allowed("http://localhost:41234/x.html", domains)
    assert not host_allowed("http://1127.0.0.1/x.html", domains)
    assert not host_allowed("not a url", domains)


def test_numeric_character_references_in_hrefs_are_decoded_and_named_ones_left_alone():
    html = ('<a href="/plus/list.php?tid=5&#38;PageNo=3">3</a><a href="/plus/list.php?tid=5&#x26;PageNo=4">4</a>'
            '<a href="/search.php?q=1&copy=2&amp;reg=3">s</a>')
    assert links(html) == ["http://www.zuowen.test/plus/list.php?tid=5&PageNo=3",
                           "http://www.zuowen.test/plus/list.php?tid=5&PageNo=4",
                           "http://www.zuowen.test/search.php?q=1&copy=2&reg=3"]
