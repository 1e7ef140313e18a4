"""`crawl --warc` archives every fetched response in the run folder (committed and resumed like the run's
other files), and `reclean` of that run gives the crawl's records again without the network."""
from __future__ import annotations

import json
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from crawl_runs import (
    DEMO_PIECES,
    TWO_AT_A_TIME,
    committed_runs,
    kill_after_lines,
    latest_run,
    read_lines,
    run_crawl,
    run_reclean,
    site_dir,
    slow_articles,
    start_crawl,
    terminate,
    wait_for_partial,
    warc_responses,
    without_crawled_at,
)
from warcio.archiveiterator import ArchiveIterator

from pipelines.warc import WarcAppender, complete_members


@pytest.fixture(scope="module")
def archived(site, tmp_path_factory):
    """An uninterrupted demo crawl with --warc: (output root, its run.json)."""
    out = tmp_path_factory.mktemp("archived")
    result = run_crawl(site, out, *TWO_AT_A_TIME, "--warc")
    assert result.returncode == 0, result.stderr
    manifest, _, _ = latest_run(out)
    return out, manifest


def test_a_crawl_with_warc_archives_every_response_once(site, reference, archived):
    out, manifest = archived
    folder = site_dir(out) / manifest["run_id"]
    assert manifest["files"]["warc"] == str(folder / "pages.warc.gz")
    assert sorted(p.name for p in folder.iterdir()) == ["errors.jsonl", "pages.warc.gz", "pieces.jsonl", "run.json"]
    responses = warc_responses(folder / "pages.warc.gz")
    assert Counter(url for url, _ in responses).most_common(1)[0][1] == 1
    assert len(responses) == manifest["counts"]["pages_fetched"] == 35
    articles = {r["url"] for r in reference.pieces}
    assert articles | {site.base_url + "/robots.txt", site.base_url + "/zuowen/1099.html"} <= dict(responses).keys()
    assert dict(responses)[site.base_url + "/zuowen/1099.html"] == 404
    assert manifest["settings"]["ESSAY_WARC"] is True


def test_reclean_gives_the_crawls_records(site, reference, archived):
    out, manifest = archived
    folder = site_dir(out) / manifest["run_id"]
    result = run_reclean(site_dir(out) / "latest")
    assert result.returncode == 0, result.stderr
    (new,) = [p for p in committed_runs(out) if p.name != manifest["run_id"]]
    assert result.stdout == (f"{new / 'pieces.jsonl'}: {DEMO_PIECES} pieces from 23 article pages "
                             f"(reclean of {manifest['run_id']} with essay-crawler {version()})\n")
    crawled = read_lines(folder / "pieces.jsonl")
    again = read_lines(new / "pieces.jsonl")
    assert without_crawled_at(again) == without_crawled_at(crawled) == without_crawled_at(reference.pieces)
    assert all(r["crawled_at"] for r in again)
    assert [(e["url"], e["reason"]) for e in read_lines(new / "errors.jsonl")] == [
        (e["url"], e["reason"]) for e in read_lines(folder / "errors.jsonl") if e["reason"] == "split_mismatch"]
    made = json.loads((new / "run.json").read_text("utf-8"))
    assert made["reclean_of"] == {"run_id": manifest["run_id"], "folder": str(folder),
                                  "warc": str(folder / "pages.warc.gz"), "versions": manifest["versions"]}
    assert made["versions"]["essay-crawler"] == version()
    assert (made["status"], made["profile"], made["counts"]["duplicates_skipped"]) == ("ok", "demo", 1)
    assert os.readlink(site_dir(out) / "latest") == manifest["run_id"]  # reclean does not move latest


def version() -> str:
    from essay_crawler import __version__

    return __version__


@pytest.mark.parametrize("damaged", [False, True], ids=["whole", "damaged"])
def test_reclean_writes_the_same_files_in_one_process_and_in_workers(archived, tmp_path, damaged):
    import shutil

    out, manifest = archived
    folder = tmp_path / "site" / manifest["run_id"]
    shutil.copytree(site_dir(out) / manifest["run_id"], folder)
    if damaged:
        archive = folder / "pages.warc.gz"
        archive.write_bytes(archive.read_bytes()[:2 * archive.stat().st_size // 3])
    made = {}
    for jobs in ("1", "2"):
        result = run_reclean(folder, "-j", jobs)
        assert result.returncode == (1 if damaged else 0), result.stderr
        (new,) = [p for p in (tmp_path / "site").iterdir() if p.name != manifest["run_id"] and p not in made.values()]
        made[jobs] = new
    one, two = made["1"], made["2"]
    assert (one / "pieces.jsonl").read_bytes() == (two / "pieces.jsonl").read_bytes() != b""
    errors = [[{k: v for k, v in e.items() if k != "time"} for e in read_lines(run / "errors.jsonl")] for run in (one, two)]
    assert errors[0] == errors[1]
    counts = [json.loads((run / "run.json").read_text("utf-8"))["counts"] for run in (one, two)]
    assert counts[0] == counts[1]


def test_reclean_refuses_what_is_not_an_archived_run(site, tmp_path):
    plain = tmp_path / "plain"
    assert run_crawl(site, plain, *TWO_AT_A_TIME).returncode == 0
    no_warc = site_dir(plain) / "latest"
    result = run_reclean(no_warc)
    assert (result.returncode, result.stderr) == (2, f"error: {no_warc}: no pages.warc.gz (the run was crawled "
                                                     "without --warc)\n")
    result = run_reclean(tmp_path)
    assert (result.returncode, result.stderr) == (2, f"error: {tmp_path}: not a run folder (no run.json)\n")
    assert len(committed_runs(plain)) == 1


def test_reclean_of_two_runs_of_a_site_writes_an_article_once_unless_it_changed(site, reference, tmp_path):
    first = run_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc")
    assert first.returncode == 0, first.stderr
    again = run_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc", "--refresh")  # every article fetched, none changed
    assert again.returncode == 0, again.stderr
    runs = committed_runs(tmp_path)
    assert [len(read_lines(run / "pieces.jsonl")) for run in runs] == [DEMO_PIECES, 0]

    together = run_reclean(*runs)
    assert together.returncode == 0, together.stderr
    made = [run for run in committed_runs(tmp_path) if run not in runs]
    assert [len(read_lines(run / "pieces.jsonl")) for run in made] == [DEMO_PIECES, 0]  # as the crawls wrote
    assert without_crawled_at(read_lines(made[0] / "pieces.jsonl")) == without_crawled_at(reference.pieces)
    alone = run_reclean(runs[1])  # by itself, the second run's archive holds every article
    assert alone.returncode == 0, alone.stderr
    (last,) = [run for run in committed_runs(tmp_path) if run not in runs + made]
    assert without_crawled_at(read_lines(last / "pieces.jsonl")) == without_crawled_at(reference.pieces)


def test_a_killed_crawl_resumed_archives_each_page_once(site, reference, archived, tmp_path):
    slow_articles(site, 0.25)
    proc = start_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc")
    try:
        pieces = wait_for_partial(tmp_path, proc)
        assert kill_after_lines(proc, pieces, 12, signal.SIGKILL) == -signal.SIGKILL
    finally:
        terminate(proc)
        slow_articles(site, 0)
    partial_warc = pieces.with_name("pages.warc.gz.partial")
    before = warc_responses(partial_warc)
    assert before and not committed_runs(tmp_path)
    with open(partial_warc, "ab") as fh:  # a record cut by the kill, had it come mid-write
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + os.urandom(40))

    result = run_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc")
    assert result.returncode == 0, result.stderr
    manifest, pieces_after, _ = latest_run(tmp_path)
    assert manifest["attempts"] == 2
    responses = warc_responses(site_dir(tmp_path) / "latest" / "pages.warc.gz")
    assert Counter(url for url, _ in responses).most_common(1)[0][1] == 1
    out, uninterrupted = archived
    expected = warc_responses(site_dir(out) / uninterrupted["run_id"] / "pages.warc.gz")
    # What an uninterrupted crawl fetches, less what the resumed attempt knew and did not fetch again
    # (an article written under its canonical URL from its mirror is not fetched under that URL).
    assert set(responses) <= set(expected)
    assert responses[:len(before)] == before  # the first attempt's records kept, in place
    assert without_crawled_at(pieces_after) == without_crawled_at(reference.pieces)

    result = run_reclean(site_dir(tmp_path) / "latest")
    assert result.returncode == 0, result.stderr
    (new,) = [p for p in committed_runs(tmp_path) if p.name != manifest["run_id"]]
    assert without_crawled_at(read_lines(new / "pieces.jsonl")) == without_crawled_at(reference.pieces)


def test_an_appender_reopened_cuts_a_partial_record_and_repeats_none(tmp_path):
    path = tmp_path / "pages.warc.gz.partial"
    out = WarcAppender(path, "test")
    headers = [("Content-Type", "text/html; charset=utf-8")]
    assert out.write_response("http://x.cn/1.html", 200, "OK", headers, "<p>一</p>".encode(), "2026-12-01T00:00:00Z")
    out.close()
    whole = path.stat().st_size
    out = WarcAppender(path, "test")
    assert out.write_response("http://x.cn/2.html", 200, "OK", headers, "<p>二</p>".encode(), "2026-12-01T00:00:01Z")
    out.close()
    second = path.read_bytes()[whole:]
    for cut in (len(second) // 2, len(second) - 4):  # inside the record, and only its gzip trailer missing
        path.write_bytes(path.read_bytes()[:whole] + second[:cut])
        assert complete_members(path)[0] == whole
        out = WarcAppender(path, "test")
        assert path.stat().st_size == whole
        assert not out.write_response("http://x.cn/1.html", 200, "OK", headers, "<p>一</p>".encode(), "later")
        assert out.write_response("http://x.cn/2.html", 200, "OK", headers, "<p>二</p>".encode(), "later")
        out.close()
        assert [url for url, _ in warc_responses(path)] == ["http://x.cn/1.html", "http://x.cn/2.html"]
        path.write_bytes(path.read_bytes()[:whole] + second)


def test_a_gzipped_response_is_archived_as_sent_and_recleaned(tmp_path):
    """The body stays compressed in the archive, under its Content-Encoding; reclean undoes it."""
    import dataclasses
    import gzip

    from crawl_runs import article_page

    from essay_crawler.demo.server import Route, SiteServer

    page = article_page("压缩的一页", [("第一篇：晨读", ["清晨的校园里，同学们捧着书本大声朗读，声音传得很远很远。"] * 3),
                                       ("第二篇：晚霞", ["傍晚的天空铺满了晚霞，红的像火，金的像麦浪，美极了。"] * 3)])
    srv = SiteServer()
    srv.routes["/robots.txt"] = Route.page(b"User-agent: *\nAllow: /\n", "text/plain")
    srv.routes["/"] = Route.page('<html><body><a href="/z/1.html">一页</a></body></html>'.encode())
    srv.routes["/z/1.html"] = dataclasses.replace(page, headers={**page.headers, "Content-Encoding": "gzip"},
                                                  body=gzip.compress(page.body))
    with srv:
        result = run_crawl(srv, tmp_path, "--warc", "--max-error-rate", "1", profile=None)  # its 栏目 link is a 404
    assert result.returncode == 0, result.stderr
    manifest, crawled, _ = latest_run(tmp_path)
    assert [r["piece_title"] for r in crawled] == ["第一篇：晨读", "第二篇：晚霞"]
    with open(site_dir(tmp_path) / "latest" / "pages.warc.gz", "rb") as fh:
        archived = [(r.http_headers.get_header("Content-Encoding"), r.raw_stream.read()) for r in ArchiveIterator(fh)
                    if r.rec_headers.get_header("WARC-Target-URI", "").endswith("/z/1.html")]
    ((encoding, raw),) = archived
    assert encoding == "gzip" and gzip.decompress(raw) == page.body
    result = run_reclean(site_dir(tmp_path) / "latest")
    assert result.returncode == 0, result.stderr
    (new,) = [p for p in committed_runs(tmp_path) if p.name != manifest["run_id"]]
    assert without_crawled_at(read_lines(new / "pieces.jsonl")) == without_crawled_at(crawled)


def test_with_o_the_archive_is_appended_run_after_run(site, tmp_path):
    """``-o OUT.jsonl``: OUT.warc.gz, each run's records after the earlier runs' (as OUT.jsonl)."""
    out = tmp_path / "out.jsonl"
    first = run_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc", "-o", str(out))
    assert first.returncode == 0, first.stderr
    archive = tmp_path / "out.warc.gz"
    once = warc_responses(archive)
    assert len(once) == 35
    second = run_crawl(site, tmp_path, *TWO_AT_A_TIME, "--warc", "-o", str(out))
    assert second.returncode == 0, second.stderr
    manifest = json.loads((tmp_path / "out.run.json").read_text("utf-8"))
    assert manifest["files"]["warc"] == str(archive)
    twice = warc_responses(archive)
    assert twice[:len(once)] == once
    assert len(twice) - len(once) == manifest["counts"]["pages_fetched"]  # the list pages read again
    assert manifest["appended_at"]["warc"] == archive_end(archive, len(once))


def archive_end(path: Path, responses: int) -> int:
    """Where the first run's part of an appended archive ends: after its warcinfo and responses."""
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for n, _ in enumerate(records):
            if n == responses + 1:  # after the first warcinfo and the responses: the second run's warcinfo
                return records.get_record_offset()
    raise AssertionError("the archive holds one run only")


def test_reclean_of_a_damaged_archive_writes_the_pages_before_the_damage(archived, tmp_path):
    import shutil

    out, manifest = archived
    folder = tmp_path / "site" / manifest["run_id"]
    shutil.copytree(site_dir(out) / manifest["run_id"], folder)
    archive = folder / "pages.warc.gz"
    data = archive.read_bytes()
    archive.write_bytes(data[:len(data) // 2])
    result = run_reclean(folder)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {archive}: truncated: the archive ends inside record ")
    (new,) = [p for p in (tmp_path / "site").iterdir() if p.name != manifest["run_id"]]
    made = json.loads((new / "run.json").read_text("utf-8"))
    assert (made["status"], [a["check"] for a in made["alerts"]]) == ("failed", ["archive_damaged"])
    pieces = read_lines(new / "pieces.jsonl")
    crawled = {r["id"]: r for r in without_crawled_at(read_lines(site_dir(out) / manifest["run_id"] / "pieces.jsonl"))}
    assert 0 < len(pieces) < DEMO_PIECES
    assert all(crawled[r["id"]] == r for r in without_crawled_at(pieces))
