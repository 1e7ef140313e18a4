"""The bundled demo site: what the loopback server answers, and that its pages clean to the manifest."""
from __future__ import annotations

import http.client
import re
import tomllib
import urllib.error
import urllib.request
import urllib.robotparser
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from essay_crawler.demo import (
    NOT_FOUND,
    Route,
    SiteServer,
    alias_urls,
    build_site,
    demo_server,
    disallowed_urls,
    expected_articles,
    expected_errors,
)

PROFILE = Path(__file__).resolve().parents[1] / "essay_crawler" / "sites" / "demo.toml"


@pytest.fixture(scope="module")
def site():
    with demo_server() as srv:
        yield srv


def fetch(url: str) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of a GET, for 2xx and error statuses alike."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def canonical_of(html: str) -> str | None:
    found = re.search(r'<link rel="canonical" href="([^"]+)">', html)
    return found.group(1) if found else None


# ------------------------------------------------------------------ SiteServer


def test_site_server_serves_routes_and_404_for_unknown_paths():
    routes = {"/a.html": Route.page("<p>甲</p>".encode(), "text/html; charset=utf-8"),
              "/b.txt": Route(status=201, headers={"Content-Type": "text/plain", "X-Demo": "1"}, body=b"bee")}
    with SiteServer(routes) as srv:
        assert srv.base_url.startswith("http://127.0.0.1:")
        assert fetch(srv.url("/a.html")) == (200, "text/html; charset=utf-8", "<p>甲</p>".encode())
        with urllib.request.urlopen(srv.url("/b.txt")) as resp:
            assert (resp.status, resp.headers["X-Demo"], resp.read()) == (201, "1", b"bee")
        assert fetch(srv.url("/nope.html")) == (404, NOT_FOUND.headers["Content-Type"], NOT_FOUND.body)
        assert srv.requests == ["/a.html", "/b.txt", "/nope.html"]


def test_site_server_matches_query_first_then_path():
    routes = {"/p.html": Route.page(b"plain"), "/p.html?v=2": Route.page(b"second")}
    with SiteServer(routes) as srv:
        assert fetch(srv.url("/p.html?v=2"))[2] == b"second"
        assert fetch(srv.url("/p.html?from=list"))[2] == b"plain"


def test_site_server_keeps_http11_connections_alive_and_answers_head():
    with SiteServer({"/x": Route.page(b"0123456789")}) as srv:
        conn = http.client.HTTPConnection("127.0.0.1", urlsplit(srv.base_url).port, timeout=10)
        conn.request("HEAD", "/x")
        head = conn.getresponse()
        assert (head.version, head.status, head.getheader("Content-Length"), head.read()) == (11, 200, "10", b"")
        conn.request("GET", "/x")
        assert conn.getresponse().read() == b"0123456789"
        conn.close()


def test_site_server_runs_handler_routes_and_delayed_routes():
    def teapot(req):
        req.send_response(418)
        req.send_header("Content-Length", "2")
        req.end_headers()
        req.wfile.write(b"hi")

    with SiteServer({"/t": Route(handler=teapot), "/slow": Route.page(b"late", delay=0.05)}) as srv:
        assert fetch(srv.url("/t"))[::2] == (418, b"hi")
        assert fetch(srv.url("/slow"))[2] == b"late"


def test_site_server_accepts_routes_after_binding_and_releases_its_port():
    srv = SiteServer()
    srv.routes["/late.html"] = Route.page(srv.base_url.encode())
    with srv:
        assert fetch(srv.url("/late.html"))[2] == srv.base_url.encode()
    with pytest.raises(OSError):
        urllib.request.urlopen(srv.url("/late.html"), timeout=5)


# ------------------------------------------------------------------ demo site: shape of the content


def test_manifest_covers_enough_articles_categories_and_numbering_styles():
    pages = expected_articles("http://127.0.0.1:1")
    assert len(pages) >= 22
    assert Counter(p["category"] for p in pages).keys() == {"作文", "述职报告", "读后感", "演讲稿"}
    assert sum(p["piece_total"] >= 2 for p in pages) > len(pages) * 3 // 4
    styles = {
        "stem篇N": r"^\w*篇\d+$", "【篇N】": r"^【篇[一二三四五六七八九十]+】", "第N篇：": r"^第[一二三四五六七八九十]+篇：",
        "范文N": r"^范文[一二三四五六七八九十]+$", "stemN": r"^\w{2,}(?<!篇)\d+$",
    }
    first_titles = [p["piece_titles"][0] for p in pages if p["piece_total"] >= 2]
    for style, pattern in styles.items():
        assert any(re.search(pattern, t) for t in first_titles), style
    singles = [p for p in pages if p["piece_total"] == 1]
    assert singles and all(p["piece_titles"] == [None] and p["piece_total_claimed"] is None for p in singles)
    assert [p["path"] for p in pages if p["piece_total_claimed"] not in (None, p["piece_total"])] == ["/zuowen/1008.html"]
    texts = [t for p in pages for t in p["piece_texts"]]
    assert len(texts) == len(set(texts))


def test_manifest_excludes_disallowed_and_alias_urls():
    base = "http://127.0.0.1:1"
    urls = {p["url"] for p in expected_articles(base)}
    assert disallowed_urls(base) == [f"{base}/private/zuowen/1901.html"]
    assert alias_urls(base) == {f"{base}/mirror/shuzhi/2002.html": f"{base}/shuzhi/2002.html"}
    assert urls.isdisjoint(disallowed_urls(base)) and urls.isdisjoint(alias_urls(base))
    assert set(alias_urls(base).values()) <= urls
    assert expected_errors(base) == [{"url": f"{base}/zuowen/1099.html", "reason": "http_error", "status": 404}]


# ------------------------------------------------------------------ demo site: over HTTP


def test_robots_txt_disallows_private_path(site):
    status, ctype, body = fetch(site.url("/robots.txt"))
    assert (status, ctype) == (200, "text/plain; charset=utf-8")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert not robots.can_fetch("essay-crawler", site.url("/private/zuowen/1901.html"))
    assert robots.can_fetch("essay-crawler", site.url("/zuowen/1001.html"))
    assert fetch(site.url("/private/zuowen/1901.html"))[0] == 200  # served, but off limits


def test_every_manifest_page_is_served_and_the_error_url_is_404(site):
    for page in expected_articles(site.base_url):
        status, ctype, body = fetch(page["url"])
        assert status == 200 and ctype.startswith("text/html") and len(body) > 1000, page["url"]
    for error in expected_errors(site.base_url):
        assert fetch(error["url"])[0] == error["status"] == 404


def test_gbk_page_declared_in_header(site):
    status, ctype, body = fetch(site.url("/shuzhi/2001.html"))
    assert (status, ctype) == (200, "text/html; charset=GBK")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html = body.decode("gbk")
    assert "charset" not in html and "<h1>销售主管述职报告3篇</h1>" in html


def test_gb2312_page_declared_only_in_meta(site):
    status, ctype, body = fetch(site.url("/shuzhi/2003.html"))
    assert (status, ctype) == (200, "text/html")
    html = body.decode("gb2312")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' in html
    assert "<h1>财务人员年度述职报告2篇</h1>" in html


def test_gbk_page_without_any_declaration(site):
    status, ctype, body = fetch(site.url("/zuowen/1005.html"))
    assert (status, ctype) == (200, "text/html")
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "范文四<br>" in body.decode("gbk")


def test_traditional_mirror_page_has_pinyin_and_meta_charset_only(site):
    status, ctype, body = fetch(site.url("/shuzhi/2006.html"))
    assert (status, ctype) == (200, "text/html")
    html = body.decode("utf-8")
    assert 'content="text/html; charset=utf-8"' in html
    assert "<h1>行政主管個人述職報告3篇</h1>" in html and "績(jì)效" in html and "考（kǎo）核" in html
    assert "欄目：述職報告" in html


def test_single_essay_page_starts_with_bom(site):
    status, ctype, body = fetch(site.url("/zuowen/1007.html"))
    assert body.startswith(b"\xef\xbb\xbf<!DOCTYPE html>")
    assert "小编" in body.decode("utf-8-sig")


def test_junk_page_carries_every_kind_of_anti_copy_mark(site):
    html = fetch(site.url("/zuowen/1004.html"))[2].decode()
    hidden_class = re.search(r"<style>\.(\w+)\{display:none\}", html).group(1)
    for mark in ('<span style="display:none">', f'<span class="{hidden_class}">', '<font class="jammer">',
                 '<font color="#FFFFFF">', '<span style="visibility: hidden">'):
        assert mark in html, mark
    assert re.search(r"[\u4e00-\u9fff]'[\u4e00-\u9fff]", html)
    assert re.search(r"[\u4e00-\u9fff]\.[\u4e00-\u9fff]", html)


def test_article_chrome_links_other_articles(site):
    html = fetch(site.url("/zuowen/1003.html"))[2].decode()
    for marker in ('<p class="intro">', "小编", "当前位置：", "栏目：", "猜你喜欢", "热点阅读", "更多作文范文，请关注"):
        assert marker in html, marker
    assert '上一篇：<a href="/zuowen/1002.html">' in html and '下一篇：<a href="/zuowen/1004.html">' in html
    linked = {h for h in hrefs(html) if re.search(r"/\d+\.html$", h)}
    assert len(linked) >= 8 and "/zuowen/1003.html" not in linked


def test_canonical_links_point_at_primary_url_from_both_urls(site):
    primary, alias = site.url("/shuzhi/2002.html"), site.url("/mirror/shuzhi/2002.html")
    primary_body, alias_body = fetch(primary)[2], fetch(alias)[2]
    assert canonical_of(primary_body.decode()) == canonical_of(alias_body.decode()) == primary
    assert alias in [site.url(h) for h in hrefs(fetch(site.url("/"))[2].decode())]
    assert canonical_of(fetch(site.url("/zuowen/1001.html"))[2].decode()) == site.url("/zuowen/1001.html")


def test_list_pages_paginate_with_next_and_numbered_links(site):
    first = fetch(site.url("/zuowen/list_1.html"))[2].decode()
    second = fetch(site.url("/zuowen/list_2.html"))[2].decode()
    last = fetch(site.url("/zuowen/list_3.html"))[2].decode()
    assert '<a href="list_2.html">下一页</a>' in first and '<a href="list_2.html">2</a>' in first
    assert '<a href="list_1.html">1</a>' in second and '<a href="list_3.html">下一页</a>' in second
    assert "下一页" not in last and "<b>3</b>" in last
    assert "/private/zuowen/1901.html" in hrefs(last) and "/zuowen/1099.html" in hrefs(last)
    assert fetch(site.url("/zuowen/list_4.html"))[0] == 404


def crawl(site: SiteServer) -> tuple[set[str], set[str]]:
    """A minimal polite crawl by the demo profile's rules: (article URLs seen, URLs fetched)."""
    profile = tomllib.loads(PROFILE.read_text("utf-8"))
    article_res = [re.compile(p) for p in profile["article_urls"]]
    list_res = [re.compile(p) for p in profile["list_urls"]]
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(fetch(site.url("/robots.txt"))[2].decode().splitlines())
    queue, fetched, articles = [site.url(u) for u in profile["start_urls"]], set(), set()
    while queue:
        url = queue.pop()
        if url in fetched or not robots.can_fetch("essay-crawler", url):
            continue
        fetched.add(url)
        status, _, body = fetch(url)
        if status != 200 or not any(r.search(urlsplit(url).path) for r in list_res):
            continue
        for link in (urljoin(url, h) for h in hrefs(body.decode())):
            path = urlsplit(link).path
            if any(r.search(path) for r in article_res):
                articles.add(link)
                queue.append(link)
            elif any(r.search(path) for r in list_res):
                queue.append(link)
    return articles, fetched


def test_profile_rules_reach_every_article_and_keep_off_disallowed_paths(site):
    articles, fetched = crawl(site)
    expected = {p["url"] for p in expected_articles(site.base_url)}
    extra = set(disallowed_urls(site.base_url)) | set(alias_urls(site.base_url)) | {
        e["url"] for e in expected_errors(site.base_url)}
    assert articles == expected | extra
    assert fetched.isdisjoint(disallowed_urls(site.base_url))
    assert {site.url(f"/zuowen/list_{n}.html") for n in (1, 2, 3)} <= fetched


def test_site_is_rendered_for_the_given_base_url():
    routes = build_site("http://127.0.0.1:8123")
    assert canonical_of(routes["/zuowen/1001.html"].body.decode()) == "http://127.0.0.1:8123/zuowen/1001.html"
    assert routes["/mirror/shuzhi/2002.html"].body == routes["/shuzhi/2002.html"].body


# ------------------------------------------------------------------ demo site: cleaning


def cleaned(url: str, **kwargs):
    from pipelines import clean_page

    status, ctype, body = fetch(url)
    charset = re.search(r"charset=([\w-]+)", ctype)
    return clean_page(body, url, declared_encoding=charset and charset.group(1), **kwargs)


def summary(records: list[dict]) -> dict:
    first = records[0]
    return {"url": first["url"], "title": first["title"], "category": first["category"],
            "published": first["published"], "piece_total": len(records),
            "piece_total_claimed": first["piece_total_claimed"],
            "piece_titles": [r["piece_title"] for r in records], "piece_texts": [r["text"] for r in records]}


@pytest.mark.parametrize("use_profile", [False, True], ids=["auto", "profile"])
def test_cleaning_every_article_page_gives_the_manifest(site, use_profile):
    from pipelines import load_profile

    profile = load_profile(PROFILE) if use_profile else None
    for page in expected_articles(site.base_url):
        result = cleaned(page["url"], profile=profile)
        want = {k: v for k, v in page.items() if k != "path"}
        assert summary(result.records) == want, page["path"]
        assert result.mismatch == (page["piece_total_claimed"] not in (None, page["piece_total"]))


def test_cleaning_alias_url_gives_canonical_records(site):
    for alias, primary in alias_urls(site.base_url).items():
        records = cleaned(alias).records
        assert {r["url"] for r in records} == {primary}
        assert records == cleaned(primary).records
