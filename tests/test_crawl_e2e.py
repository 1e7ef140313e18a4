"""End to end: the real Scrapy engine (``essay-crawler crawl`` / ``scrape`` / ``sites`` and ``scrapy crawl``)
against sites served on 127.0.0.1 by the test process."""
from __future__ import annotations

import json
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import cli_command, validate_records
from crawl_helpers import (
    FAST,
    CrawlRun,
    by_page,
    crawl,
    crawl_to_run_folder,
    error_lines,
    page_summary,
    path_of,
    read_jsonl,
    run_cli,
    run_scrapy,
    subprocess_env,
    without_crawl_time,
)

from essay_crawler.demo import (
    Route,
    SiteServer,
    alias_urls,
    demo_server,
    disallowed_urls,
    expected_articles,
    expected_errors,
)
from essay_crawler.profiles import bundled_profiles, resolve_profile
from pipelines import clean_page

ROBOTS_DISALLOWED_PREFIX = "/private/"


@dataclass
class DemoCrawl:
    """One crawl of a fresh demo server: what was served, what was asked for, what was written."""

    profile: str | None
    base_url: str
    routes: dict[str, Route]
    requests: list[str]
    run: CrawlRun


@pytest.fixture(scope="module", params=["demo", None], ids=["profile", "automatic"])
def demo_crawl(request, tmp_path_factory) -> DemoCrawl:
    """The demo site crawled with its profile (into a run folder) or with none (into ``-o`` files)."""
    out = tmp_path_factory.mktemp("demo-crawl")
    with demo_server() as srv:
        start = srv.base_url + "/"
        if request.param:
            run = crawl_to_run_folder(start, out / "runs", "--profile", request.param)
        else:
            run = crawl(start, out / "pieces.jsonl")
        return DemoCrawl(request.param, srv.base_url, dict(srv.routes), list(srv.requests), run)


@pytest.fixture(scope="module")
def demo_site():
    with demo_server() as srv:
        yield srv


def expected_pages(base_url: str) -> dict[str, dict]:
    """``expected_articles`` by canonical URL, without the path key."""
    return {a["url"]: {k: v for k, v in a.items() if k != "path"} for a in expected_articles(base_url)}


def expected_error_lines(base_url: str) -> list[tuple[str, str, int | None]]:
    """The 404 and every page whose title claims another piece count than it has."""
    mismatches = [(a["url"], "split_mismatch", None) for a in expected_articles(base_url)
                  if a["piece_total_claimed"] is not None and a["piece_total_claimed"] != a["piece_total"]]
    return sorted([(e["url"], e["reason"], e["status"]) for e in expected_errors(base_url)] + mismatches)


# ------------------------------------------------------------------ crawl of the demo site


def test_crawl_writes_exactly_the_expected_articles(demo_crawl):
    pages = {url: page_summary(records) for url, records in by_page(demo_crawl.run.pieces).items()}
    assert pages == expected_pages(demo_crawl.base_url)
    assert len(demo_crawl.run.pieces) == sum(a["piece_total"] for a in expected_articles(demo_crawl.base_url))


def test_crawled_records_validate_against_the_schema(demo_crawl):
    records = demo_crawl.run.pieces
    validate_records(records)
    assert all(r["site"] == "127.0.0.1" for r in records)
    assert all(isinstance(r["crawled_at"], str) and r["crawled_at"].endswith("+00:00") for r in records)
    assert len({r["id"] for r in records}) == len(records)


def test_crawled_records_equal_clean_page_of_the_served_html(demo_crawl):
    profile = resolve_profile(demo_crawl.profile) if demo_crawl.profile else None
    crawled = by_page(without_crawl_time(demo_crawl.run.pieces))
    for url, records in crawled.items():
        body = demo_crawl.routes[urlsplit(url).path].body
        assert records == clean_page(body, url, profile=profile).records, url


def test_crawled_records_equal_what_the_clean_command_makes_of_a_mirror(demo_crawl, tmp_path):
    mirror = tmp_path / "mirror"
    for url in by_page(demo_crawl.run.pieces):
        target = mirror / urlsplit(url).path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(demo_crawl.routes[urlsplit(url).path].body)
    args = ["--profile", demo_crawl.profile] if demo_crawl.profile else []
    proc = run_cli("clean", mirror, "--base-url", demo_crawl.base_url + "/", "-o", tmp_path / "clean.jsonl", *args)
    assert proc.returncode == 0, proc.stderr
    cleaned = read_jsonl(tmp_path / "clean.jsonl")
    key = lambda r: (r["url"], r["piece_no"])  # noqa: E731
    assert sorted(without_crawl_time(demo_crawl.run.pieces), key=key) == sorted(cleaned, key=key)


def test_errors_file_has_exactly_the_404_and_the_split_mismatch(demo_crawl):
    errors = demo_crawl.run.errors
    assert error_lines(errors) == expected_error_lines(demo_crawl.base_url)
    by_reason = {e["reason"]: e for e in errors}
    assert by_reason["http_error"]["message"] == "HTTP 404"
    mismatch = by_reason["split_mismatch"]
    page = expected_pages(demo_crawl.base_url)[mismatch["url"]]
    assert mismatch["message"] == f"found {page['piece_total']} pieces, title claims {page['piece_total_claimed']}"
    assert all(set(e) == {"url", "reason", "status", "message", "time"} for e in errors)


def test_split_mismatch_page_still_writes_the_pieces_it_found(demo_crawl):
    mismatch = next(e["url"] for e in demo_crawl.run.errors if e["reason"] == "split_mismatch")
    records = by_page(demo_crawl.run.pieces)[mismatch]
    assert len(records) == expected_pages(demo_crawl.base_url)[mismatch]["piece_total"] >= 2
    assert all(r["piece_total_claimed"] != r["piece_total"] for r in records)


def test_robots_disallowed_page_is_never_requested(demo_crawl):
    base = demo_crawl.base_url
    assert "/robots.txt" in demo_crawl.requests
    assert not [p for p in demo_crawl.requests if p.startswith(ROBOTS_DISALLOWED_PREFIX)]
    disallowed = disallowed_urls(base)
    assert disallowed and not {r["url"] for r in demo_crawl.run.pieces} & set(disallowed)
    # The disallowed page is linked from the site, so only robots.txt kept the crawl away from it.
    linking = [p for p, route in demo_crawl.routes.items() if path_of(disallowed[0]).encode() in route.body]
    assert linking and set(linking) & set(demo_crawl.requests)


def test_article_under_two_urls_is_written_once_under_its_canonical_url(demo_crawl):
    aliases = alias_urls(demo_crawl.base_url)
    assert aliases
    urls = [r["url"] for r in demo_crawl.run.pieces if r["piece_no"] == 1]
    for alias, canonical in aliases.items():
        assert path_of(alias) in demo_crawl.requests  # fetched, recognised as the same article, not rewritten
        assert alias not in urls and urls.count(canonical) == 1
    assert demo_crawl.run.manifest["counts"]["duplicates_skipped"] == len(aliases)


def test_run_manifest_counts_match_the_files_and_the_server(demo_crawl):
    manifest, run = demo_crawl.run.manifest, demo_crawl.run
    counts = manifest["counts"]
    expected = expected_articles(demo_crawl.base_url)
    assert manifest["exit_reason"] == "finished"
    assert manifest["profile"] == demo_crawl.profile
    assert manifest["site"] == urlsplit(demo_crawl.base_url).netloc
    assert manifest["start_urls"] == [demo_crawl.base_url + "/"]
    assert counts["article_pages"] == len(expected) == len(by_page(run.pieces))
    assert counts["pieces_written"] == len(run.pieces)
    assert counts["robots_disallowed"] == len(disallowed_urls(demo_crawl.base_url))
    assert counts["errors"] == {"http_error": 1, "split_mismatch": 1}
    assert counts["pages_fetched"] == len(demo_crawl.requests)  # robots.txt included, each page once
    assert len(set(demo_crawl.requests)) == len(demo_crawl.requests)
    assert manifest["settings"]["ROBOTSTXT_OBEY"] is True
    assert manifest["settings"]["DOWNLOAD_DELAY"] in (0, "0")


def test_run_folder_layout(demo_crawl):
    files = {k: Path(v) for k, v in demo_crawl.run.manifest["files"].items()}
    if demo_crawl.profile:  # --output-root ROOT → ROOT/<site>/<run-id>/{pieces,errors}.jsonl, run.json
        folder = files["pieces"].parent
        port = urlsplit(demo_crawl.base_url).port
        assert folder.parent.name == f"127.0.0.1_{port}" and folder.name == demo_crawl.run.manifest["run_id"]
        assert files == {"pieces": folder / "pieces.jsonl", "errors": folder / "errors.jsonl",
                         "manifest": folder / "run.json"}
    assert all(f.is_file() for f in files.values())


def test_dash_o_writes_pieces_errors_and_run_json_next_to_each_other(demo_site, tmp_path):
    out = tmp_path / "sub" / "OUT.jsonl"
    run = crawl(demo_site.base_url + "/", out, "--profile", "demo")
    assert {"OUT.errors.jsonl", "OUT.jsonl", "OUT.run.json"} <= {p.name for p in out.parent.iterdir()}
    assert run.manifest["files"] == {"pieces": str(out), "errors": str(tmp_path / "sub" / "OUT.errors.jsonl"),
                                     "manifest": str(tmp_path / "sub" / "OUT.run.json")}
    assert len(run.pieces) == run.manifest["counts"]["pieces_written"] > 0
    assert error_lines(run.errors) == expected_error_lines(demo_site.base_url)
    assert "pieces written" in run.proc.stderr


def imported_modules(importtime_log: str) -> set[str]:
    """The modules a ``PYTHONPROFILEIMPORTTIME`` log (stderr) names, every process's."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def test_a_crawl_without_redis_never_imports_the_redis_client_or_scrapy_redis(demo_site, tmp_path):
    command = [*cli_command(), "crawl", demo_site.base_url + "/", "-o", str(tmp_path / "out.jsonl"), *FAST,
               "--profile", "demo"]
    proc = subprocess.run(command, env=subprocess_env() | {"PYTHONPROFILEIMPORTTIME": "1"}, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    modules = imported_modules(proc.stderr)
    assert {"scrapy", "essay_crawler.shared", "pipelines"} <= modules  # the log covers the crawl's imports
    assert not {m for m in modules if m.split(".")[0] in {"redis", "scrapy_redis"}}
    assert read_jsonl(tmp_path / "out.jsonl")


# ------------------------------------------------------------------ scrapy crawl, scrape, sites


def test_scrapy_crawl_from_the_project_root_gives_the_same_records(tmp_path):
    with demo_server() as srv:
        proc = run_scrapy("crawl", "essays", "-a", f"start_url={srv.base_url}/", "-a", "profile=demo",
                          "-O", tmp_path / "out.jsonl", *FAST, "-s", f"ESSAY_OUTPUT_ROOT={tmp_path / 'runs'}",
                          "-s", "LOG_LEVEL=WARNING")
        assert proc.returncode == 0, proc.stderr
        reference = crawl(srv.base_url + "/", tmp_path / "ref.jsonl", "--profile", "demo")
    key = lambda r: (r["url"], r["piece_no"])  # noqa: E731
    exported = read_jsonl(tmp_path / "out.jsonl")
    assert sorted(without_crawl_time(exported), key=key) == sorted(without_crawl_time(reference.pieces), key=key)
    assert {url: page_summary(r) for url, r in by_page(exported).items()} == expected_pages(srv.base_url)
    validate_records(exported)
    runs = (tmp_path / "runs").glob(f"127.0.0.1_{urlsplit(srv.base_url).port}/*/run.json")
    (run_folder,) = (m.parent for m in runs if not m.parent.is_symlink())
    assert error_lines(read_jsonl(run_folder / "errors.jsonl")) == expected_error_lines(srv.base_url)


@pytest.mark.parametrize(("args", "message"), [
    (["-a", "start_url=www.example.cn/zuowen/"], "www.example.cn/zuowen/: a start URL needs http:// or https://"),
    (["-a", "start_url=http://"], "http://: a start URL needs a host name"),
    (["-a", "profile=no-such-site"], "unknown profile 'no-such-site'; known: demo, gaozhong"),
    ([], "give a start_url (or a profile with absolute start_urls)"),
])
def test_scrapy_crawl_with_a_bad_argument_is_a_usage_error(tmp_path, args, message):
    proc = run_scrapy("crawl", "essays", *args, "-s", f"ESSAY_OUTPUT_ROOT={tmp_path / 'runs'}", "-s", "LOG_LEVEL=WARNING")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == f"scrapy: error: {message}"
    assert "Traceback" not in proc.stderr and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("profile", [None, "demo"])
def test_scrape_prints_exactly_one_articles_records(demo_site, profile):
    article = expected_articles(demo_site.base_url)[0]
    args = ["--profile", profile] if profile else []
    before = len(demo_site.requests)
    proc = run_cli("scrape", article["url"], *args)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    body = demo_site.routes[article["path"]].body
    expected = clean_page(body, article["url"], profile=resolve_profile(profile) if profile else None).records
    assert without_crawl_time(records) == expected
    assert page_summary(records) == {k: v for k, v in article.items() if k != "path"}
    assert demo_site.requests[before:] == ["/robots.txt", article["path"]]  # the page only, no links followed


def test_scrape_of_an_alias_prints_records_under_the_canonical_url(demo_site):
    alias, canonical = next(iter(alias_urls(demo_site.base_url).items()))
    proc = run_cli("scrape", alias)
    assert proc.returncode == 0, proc.stderr
    assert {json.loads(line)["url"] for line in proc.stdout.splitlines()} == {canonical}


def test_scrape_of_a_missing_page_exits_non_zero_with_an_error_line(demo_site):
    (missing,) = expected_errors(demo_site.base_url)
    proc = run_cli("scrape", missing["url"])
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert f"error: {missing['url']}: http_error: HTTP 404" in proc.stderr.splitlines()


def test_scrape_of_a_robots_disallowed_page_fails_without_requesting_it(demo_site):
    url = disallowed_urls(demo_site.base_url)[0]
    proc = run_cli("scrape", url)
    assert proc.returncode != 0 and proc.stdout == ""
    assert any(line.startswith(f"error: {url}: robots_disallowed") for line in proc.stderr.splitlines())
    assert path_of(url) not in demo_site.requests


def test_sites_lists_the_bundled_profiles():
    proc = run_cli("sites")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    profiles = bundled_profiles()
    assert "demo" in profiles
    assert [line.split()[0] for line in lines] == sorted(profiles)
    for line, (_name, profile) in zip(lines, sorted(profiles.items()), strict=True):
        assert profile.description in line
        assert all(domain in line for domain in profile.allowed_domains)


# ------------------------------------------------------------------ staying on the site


def article_html(title: str, paragraphs: list[str], links: list[str] = ()) -> bytes:
    anchors = "".join(f'<li><a href="{href}">相关文章{i}</a></li>' for i, href in enumerate(links, 1))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_站内测试网</title></head><body>'
            f'<div class="nav"><a href="/">首页</a></div><h1>{title}</h1><div class="content">{body}</div>'
            f'<ul class="links">{anchors}</ul></body></html>').encode()


ESSAY = ["清晨的校园格外安静，只有几只麻雀在操场边的梧桐树上跳来跳去，叽叽喳喳地说个不停。",
         "我背着书包走进教室，发现同桌已经在认真地读英语课文了，她的声音不大，却让人心里很踏实。",
         "那一刻我忽然明白，努力从来不是做给别人看的，而是一点一滴写进自己日子里的东西。"]
OTHER_ESSAY = ["这篇文章放在另一个网站上，爬虫不应该来到这里，更不应该把它写进结果。",
               "如果你在输出里看到了这段话，说明爬虫离开了允许的域名，这是一个错误。"]


def test_links_and_redirects_to_other_hosts_are_not_followed(tmp_path):
    other = SiteServer({"/far.html": Route.page(article_html("别处的文章", OTHER_ESSAY)),
                        "/moved.html": Route.page(article_html("跳转过去的文章", OTHER_ESSAY))})
    with other:
        other_url = f"http://localhost:{urlsplit(other.base_url).port}"
        with urllib.request.urlopen(other_url + "/far.html", timeout=10) as resp:  # reachable, so only policy
            assert resp.status == 200                                          # can keep the crawler away
        other.requests.clear()
        home = SiteServer()
        home.routes.update({
            "/": Route.page(article_html("首页", [], ["/a.html", other_url + "/far.html", "/go.html"])),
            "/a.html": Route.page(article_html("清晨的校园", ESSAY, [other_url + "/far.html"])),
            "/go.html": Route(status=302, headers={"Location": other_url + "/moved.html"}),
        })
        with home:
            run = crawl(home.base_url + "/", tmp_path / "out.jsonl")
        assert other.requests == []
    assert {r["url"] for r in run.pieces} == {home.base_url + "/a.html"}
    assert [r["text"] for r in run.pieces] == ["\n".join(ESSAY)]
    assert sorted(home.requests) == ["/", "/a.html", "/go.html", "/robots.txt"]
