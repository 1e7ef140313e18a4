"""Incremental runs over one state: known articles are not fetched or written again; a new article
is written alone; ``--refresh`` rewrites exactly the articles whose content changed."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from conftest import expected_records, validate_records
from crawl_runs import (
    article_page,
    committed_runs,
    demo_site,
    is_article_path,
    latest_run,
    link_from_home,
    run_crawl,
    site_dir,
    without_crawled_at,
)

NEW_PATH = "/zuowen/1201.html"
NEW_TITLE = "描写春天的作文2篇"
NEW_PIECES = [
    ("【篇一】春雨", ["清晨醒来，窗外的春雨细细密密地落着，像一层薄薄的纱盖住了整个小镇。",
                   "我撑着伞走到河边，看见柳枝上冒出了嫩绿的新芽，河水也比冬天欢快了许多。"]),
    ("【篇二】春风", ["春风吹过田野，油菜花一片连着一片，黄得耀眼，蜜蜂在花间忙个不停。",
                   "奶奶说，春天是播种的季节，只有肯在春天流汗的人，秋天才能收获沉甸甸的果实。"]),
]
CHANGED_PATH = "/zuowen/1001.html"


@pytest.fixture
def site():
    with demo_site() as srv:
        yield srv


def article_requests(srv, since: int) -> list[str]:
    return [p for p in srv.requests[since:] if is_article_path(p)]


def crawl(site, out, *extra):
    result = run_crawl(site, out, *extra)
    assert result.returncode == 0, result.stderr
    assert "alert:" not in result.stderr
    return latest_run(out)


def test_runs_write_only_new_and_changed_articles(site, tmp_path):
    first, first_pieces, _ = crawl(site, tmp_path)
    assert first["counts"]["pieces_written"] == len(first_pieces) == 65
    assert (site_dir(tmp_path) / "state.sqlite").is_file()

    # An unchanged site: list pages are read again, no article page is fetched, nothing is written.
    before = len(site.requests)
    second, second_pieces, second_errors = crawl(site, tmp_path)
    assert second_pieces == []
    assert article_requests(site, before) == ["/zuowen/1099.html"]  # the 404: never written, so not known
    assert [e["reason"] for e in second_errors] == ["http_error"]
    assert second["status"] == "ok" and second["alerts"] == []
    assert second["counts"]["pieces_written"] == 0
    assert second["counts"]["articles_known"] == 24  # 23 articles, one also linked under an alias
    assert second["run_id"] != first["run_id"]

    # One new article: the next run writes exactly its pieces.
    site.routes[NEW_PATH] = article_page(NEW_TITLE, NEW_PIECES)
    link_from_home(site, NEW_PATH, NEW_TITLE)
    before = len(site.requests)
    third, third_pieces, _ = crawl(site, tmp_path)
    assert sorted(article_requests(site, before)) == ["/zuowen/1099.html", NEW_PATH]
    expected = expected_records(url=site.base_url + NEW_PATH, title=NEW_TITLE, category="作文",
                                published="2024-03-02", claimed=2,
                                pieces=[(h, paragraphs) for h, paragraphs in NEW_PIECES])
    validate_records([{k: v for k, v in r.items() if k != "crawled_at"} for r in third_pieces])
    assert without_crawled_at(third_pieces) == without_crawled_at(expected)
    assert (third["counts"]["articles_new"], third["counts"]["articles_changed"]) == (1, 0)

    # --refresh over an unchanged site fetches every article again and writes nothing.
    before = len(site.requests)
    fourth, fourth_pieces, _ = crawl(site, tmp_path, "--refresh")
    assert fourth_pieces == []
    assert NEW_PATH in article_requests(site, before) and CHANGED_PATH in article_requests(site, before)
    assert fourth["counts"]["articles_unchanged"] == 24
    assert fourth["status"] == "ok"

    # --refresh after one article changed: exactly its pieces, same ids, newer crawled_at.
    route = site.routes[CHANGED_PATH]
    assert route.body.count("语文老师".encode()) == 1
    site.routes[CHANGED_PATH] = dataclasses.replace(route, body=route.body.replace("语文老师".encode(),
                                                                                 "数学老师".encode()))
    fifth, fifth_pieces, _ = crawl(site, tmp_path, "--refresh")
    old = sorted((r for r in first_pieces if r["url"] == site.base_url + CHANGED_PATH), key=lambda r: r["id"])
    new = sorted(fifth_pieces, key=lambda r: r["id"])
    assert [r["id"] for r in new] == [r["id"] for r in old] and len(new) == 4
    assert all(n["crawled_at"] > o["crawled_at"] for n, o in zip(new, old, strict=True))
    changed = [(o["text"], n["text"]) for o, n in zip(old, new, strict=True) if o["text"] != n["text"]]
    assert changed == [(o, o.replace("语文老师", "数学老师")) for o, _ in changed] and len(changed) == 1
    assert [{k: v for k, v in r.items() if k not in ("text", "sha1", "chars", "crawled_at")} for r in new] == \
        [{k: v for k, v in r.items() if k not in ("text", "sha1", "chars", "crawled_at")} for r in old]
    counts = fifth["counts"]
    assert (counts["articles_changed"], counts["articles_new"], counts["articles_unchanged"]) == (1, 0, 23)
    assert counts["pieces_written"] == 4

    # Every run was committed once, and latest names the newest.
    runs = committed_runs(tmp_path)
    assert [p.name for p in runs] == [m["run_id"] for m in (first, second, third, fourth, fifth)]
    assert (site_dir(tmp_path) / "latest").resolve() == runs[-1].resolve()


def test_state_path_and_aliases(site, tmp_path):
    """--state moves the database; an alias URL seen once is not fetched again."""
    state = tmp_path / "elsewhere" / "crawl.sqlite"
    crawl(site, tmp_path / "out", "--state", str(state))
    assert state.is_file() and not (site_dir(tmp_path / "out") / "state.sqlite").exists()
    with sqlite3.connect(state) as db:
        aliases = dict(db.execute("SELECT url, canonical FROM urls WHERE url != canonical"))
    assert aliases == {site.base_url + "/mirror/shuzhi/2002.html": site.base_url + "/shuzhi/2002.html"}
    before = len(site.requests)
    _, pieces, _ = crawl(site, tmp_path / "out", "--state", str(state))
    assert pieces == []
    assert "/mirror/shuzhi/2002.html" not in site.requests[before:]


def test_no_state_writes_everything_again(site, tmp_path):
    crawl(site, tmp_path)
    _, pieces, _ = crawl(site, tmp_path, "--no-state")
    assert len(pieces) == 65
