"""Paths from untrusted input: the site folder is a safe slug of the host, always inside the output
root, whatever the start URL's host (``..`` included)."""
from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest

from essay_crawler.runfiles import default_state_path, site_folder
from essay_crawler.runs import CrawlRun

HOSTILE = ["http://../", "http://../../x", "http://./", "http://.hidden/", "http://a%2F..%2F..%2Fb/",
           "http://[::1]/", "http://xn--fsqu00a.xn--0zwm56d/", "http://例子.测试/"]


@pytest.mark.parametrize("url", HOSTILE)
def test_every_file_of_a_run_stays_inside_the_output_root(tmp_path, url):
    root = tmp_path / "nest" / "out"
    site = urlsplit(url).hostname or "local"
    assert default_state_path(root, site, None).resolve().is_relative_to(root.resolve())
    run = CrawlRun(site=site, start_urls=[url], profile=None, output_root=root, pieces_path=None,
                   state_path=default_state_path(root, site, None)).open()
    run.files.partial_dir.mkdir(parents=True, exist_ok=True)
    run.files.partial_pieces.write_text(json.dumps({"url": url, "piece_no": 1, "piece_total": 1}) + "\n", "utf-8")
    run.commit({"run_id": run.run_id})
    run.close()
    made = list(tmp_path.rglob("*"))
    assert made and all(p.resolve().is_relative_to(root.resolve()) or p in (root, root.parent) for p in made), made
    assert sorted(os.listdir(tmp_path)) == ["nest"] and sorted(os.listdir(tmp_path / "nest")) == ["out"]
    folder = site_folder(site)
    assert (root / folder / "latest").resolve().parent == (root / folder).resolve()


def test_slugs_are_plain_names_and_ordinary_hosts_keep_their_name():
    assert site_folder("www.gaozhongzuowen.com") == "www.gaozhongzuowen.com"
    assert site_folder("127.0.0.1") == "127.0.0.1"
    for host in ["..", ".", "", "../..", "a/b", "x\x00y", "::1"]:
        slug = site_folder(host)
        assert slug not in ("", ".", "..") and "/" not in slug and "\x00" not in slug and not slug.startswith(".")


@pytest.mark.parametrize("url, folder", [
    ("http://127.0.0.1:8000/", "127.0.0.1_8000"), ("https://www.example.cn/zuowen/", "www.example.cn"),
    ("http://www.example.cn:80/", "www.example.cn"), ("https://www.example.cn:8443/", "www.example.cn_8443"), ("http://WWW.Example.cn:8080/a", "www.example.cn_8080"),
])
def test_a_site_is_its_host_and_port(url, folder):
    """Another port of a host is another site: its own folder and state, never mixed with the first."""
    from essay_crawler.spiders.essays import EssaysSpider
    assert site_folder(EssaysSpider(start_url=url).site_name) == folder


@pytest.mark.parametrize("start, link, followed", [
    ("http://www.example.cn/", "http://www.example.cn/a.html", True),
    ("http://www.example.cn/", "http://www.example.cn:8080/a.html", False),
    ("http://www.example.cn/", "http://m.www.example.cn/a.html", True),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8001/a.html", False),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/a.html", True),
])
def test_links_are_followed_on_the_start_host_and_port_only(start, link, followed):
    from essay_crawler.links import host_allowed
    from essay_crawler.spiders.essays import EssaysSpider
    assert host_allowed(link, EssaysSpider(start_url=start).follow_hosts) == followed
