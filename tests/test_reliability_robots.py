"""robots.txt as RFC 9309 says, Crawl-delay, ports, decompression bombs: real crawls of loopback sites
with the project's own settings."""
from __future__ import annotations

import gzip
import time

import pytest
from crawl_helpers import FAST, read_jsonl, run_cli
from crawl_runs import article_page

from essay_crawler.demo.server import Route, SiteServer, serve
from essay_crawler.links import host_allowed

ARGS = (*FAST, "-s", "RETRY_BACKOFF_BASE=0.01", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
PAGES = [f"/zuowen/{n}.html" for n in range(1, 5)]


TITLES = ["秋天的校园", "冬日的暖阳", "春雨", "夏夜的星空", "我的老师", "外婆的菜园", "运动会", "读书的乐趣", "元宵节", "小河边"]


def essay(n: int) -> Route:
    title = TITLES[n]
    return article_page(title, [("", [f"{title}：这是一篇作文的正文，写的是校园里的一天和落叶纷飞的操场。" * 4])])


def site(robots: Route, extra: dict[str, Route] | None = None) -> SiteServer:
    home = "".join(f'<a href="{p}">{p}</a>' for p in [*PAGES, *(extra or {})])
    routes = {"/": Route.page(f"<html><body>{home}</body></html>".encode()), "/robots.txt": robots,
              **{p: essay(n) for n, p in enumerate(PAGES, 1)}, **(extra or {})}
    return SiteServer(routes)


def crawl(srv: SiteServer, tmp_path, *extra: str):
    out = tmp_path / "out.jsonl"
    proc = run_cli("crawl", srv.url("/"), "-o", out, *ARGS, *extra)
    return proc, read_jsonl(out), read_jsonl(tmp_path / "out.errors.jsonl")


def robots(text: str) -> Route:
    return Route.page(text.encode(), "text/plain")


def test_a_robots_txt_answering_5xx_disallows_everything(tmp_path):
    with site(Route(status=503, body=b"busy")) as srv:
        proc, pieces, _ = crawl(srv, tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert set(srv.requests) == {"/robots.txt"}, srv.requests
    assert pieces == []


def test_a_robots_txt_answering_404_allows_everything(tmp_path):
    with site(Route(status=404, body=b"no")) as srv:
        proc, pieces, _ = crawl(srv, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(pieces) == len(PAGES)


def test_an_oversized_robots_txt_is_read_up_to_its_limit_not_ignored(tmp_path):
    body = "User-agent: *\nDisallow: /private/\n" + "# padding to make this robots.txt huge\n" * 60_000
    private = {"/private/secret.html": essay(9)}
    with site(robots(body), private) as srv:  # 2.3 MB, over DOWNLOAD_MAXSIZE below
        proc, pieces, _ = crawl(srv, tmp_path, "-s", "DOWNLOAD_MAXSIZE=1000000")
    assert proc.returncode == 0, proc.stderr
    assert "/private/secret.html" not in srv.requests
    assert len(pieces) == len(PAGES)


def timed(route: Route, log: list[float]) -> Route:
    def responder(req):
        log.append(time.monotonic())
        serve(req, route)
    return Route(handler=responder)


def test_crawl_delay_is_honoured_up_to_its_cap(tmp_path):
    times: list[float] = []
    with site(robots("User-agent: *\nCrawl-delay: 60\n")) as srv:
        for n, path in enumerate(PAGES, 1):
            srv.routes[path] = timed(essay(n), times)
        start = time.monotonic()
        proc, pieces, _ = crawl(srv, tmp_path, "-s", "ROBOTSTXT_MAX_CRAWL_DELAY=0.6")
    assert proc.returncode == 0, proc.stderr
    assert len(pieces) == len(PAGES)
    gaps = [b - a for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert min(gaps) >= 0.5, gaps  # without Crawl-delay the four pages come at once
    assert time.monotonic() - start < 30  # capped: not 60 s a page


def test_a_gzip_bomb_page_is_a_too_large_error_line(tmp_path):
    bomb = gzip.compress(b"\0" * 20_000_000, compresslevel=9)
    route = Route(headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body=bomb)
    with site(robots("User-agent: *\nAllow: /\n"), {"/zuowen/bomb.html": route}) as srv:
        proc, pieces, errors = crawl(srv, tmp_path, "-s", "DOWNLOAD_MAXSIZE=4000000")
    assert proc.returncode in (0, 1), proc.stderr
    assert len(pieces) == len(PAGES)
    bomb_errors = [e for e in errors if e["url"].endswith("/bomb.html")]
    assert [e["reason"] for e in bomb_errors] == ["too_large"], errors


@pytest.mark.parametrize(("url", "allowed"), [
    ("http://127.0.0.1:8000/a.html", True), ("http://127.0.0.1:8001/a.html", False),
    ("http://127.0.0.1/a.html", False), ("http://www.example.org:8080/a", True),
    ("http://example.org/a", True), ("https://example.org:8443/a", True), ("http://other.org/", False),
])
def test_an_allowed_domain_with_a_port_allows_that_port_only(url, allowed):
    assert host_allowed(url, ("127.0.0.1:8000", "example.org")) is allowed


def test_another_port_of_the_start_host_is_not_crawled(tmp_path):
    with SiteServer({"/zuowen/9.html": essay(9)}) as other:
        extra = {"/other": Route.page(f'<html><body><a href="{other.url("/zuowen/9.html")}">x</a></body></html>'.encode())}
        with site(robots("User-agent: *\nAllow: /\n"), extra) as srv:
            proc, pieces, _ = crawl(srv, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert other.requests == [] and len(pieces) == len(PAGES)
