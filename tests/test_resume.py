"""A crawl killed mid-run (SIGKILL or SIGTERM) and started again with the same arguments finishes the
job: the final output equals an uninterrupted run's, every record once, every line whole JSON."""
from __future__ import annotations

import json
import signal
import sqlite3

import pytest
from crawl_runs import (
    DEMO_PIECES,
    TWO_AT_A_TIME,
    committed_runs,
    kill_after_lines,
    latest_run,
    partial_pieces,
    read_lines,
    run_crawl,
    site_dir,
    slow_articles,
    start_crawl,
    terminate,
    wait_for_partial,
    without_crawled_at,
)

KILL_AFTER = 12  # pieces on disk when the signal is sent (the whole crawl writes 65)
ARGS = TWO_AT_A_TIME





def killed_crawl(site, out, sig, *extra):
    """Start a crawl with slow article pages, send ``sig`` after KILL_AFTER pieces; the exit status."""
    slow_articles(site, 0.25)
    proc = start_crawl(site, out, *ARGS, *extra)
    try:
        pieces = out / "out.jsonl.partial" if extra else wait_for_partial(out, proc)
        return kill_after_lines(proc, pieces, KILL_AFTER, sig)
    finally:
        terminate(proc)
        slow_articles(site, 0)


def whole_articles(records):
    """The records of articles whose pieces are all present."""
    by_url = {}
    for r in records:
        by_url.setdefault(r["url"], []).append(r)
    return [r for page in by_url.values() if len(page) == page[0]["piece_total"] for r in page]


def assert_same_run(pieces, errors, reference):
    ref_pieces, ref_errors = reference.pieces, reference.errors
    ids = [r["id"] for r in pieces]
    assert len(ids) == len(set(ids)) == DEMO_PIECES
    assert without_crawled_at(pieces) == without_crawled_at(ref_pieces)
    key = lambda e: (e["url"], e["reason"])  # noqa: E731
    assert sorted(map(key, errors)) == sorted(map(key, ref_errors))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_killed_run_resumes_to_the_uninterrupted_result(site, reference, tmp_path, sig):
    status = killed_crawl(site, tmp_path, sig)
    if sig == signal.SIGKILL:
        assert status == -signal.SIGKILL
    else:  # graceful: the run is left resumable, not committed
        assert status == 3
        partial_manifest = json.loads((partial_pieces(tmp_path).parent / "run.json").read_text("utf-8"))
        assert (partial_manifest["status"], partial_manifest["exit_reason"]) == ("incomplete", "shutdown")
    assert committed_runs(tmp_path) == []
    assert not (site_dir(tmp_path) / "latest").exists()
    written = read_lines(partial_pieces(tmp_path))
    assert KILL_AFTER <= len(written) < DEMO_PIECES

    result = run_crawl(site, tmp_path, *ARGS)
    assert result.returncode == 0, result.stderr

    manifest, pieces, errors = latest_run(tmp_path)
    assert_same_run(pieces, errors, reference)
    kept = whole_articles(written)  # a last article cut by the kill is fetched again
    assert {r["id"]: r["crawled_at"] for r in kept}.items() <= {r["id"]: r["crawled_at"] for r in pieces}.items()
    assert len(kept) >= len(written) - 3
    assert manifest["status"] == "ok" and manifest["exit_reason"] == "finished"
    assert manifest["attempts"] == 2
    assert manifest["counts"]["pieces_written"] == DEMO_PIECES
    assert manifest["counts"]["articles_new"] == 23
    assert [p.name for p in committed_runs(tmp_path)] == [manifest["run_id"]]
    assert not list(site_dir(tmp_path).glob("*.partial"))


def test_partial_article_and_unrecorded_article_are_not_written_twice(site, reference, tmp_path):
    """A kill between an article's lines, or between its lines and the state update."""
    killed_crawl(site, tmp_path, signal.SIGKILL)
    path = partial_pieces(tmp_path)
    written = read_lines(path)
    last_url = written[-1]["url"]
    with sqlite3.connect(site_dir(tmp_path) / "state.sqlite") as db:  # the state never heard of it
        db.execute("DELETE FROM articles WHERE url = ?", (last_url,))
    done = {r["url"] for r in written}
    unwritten = next(r for r in reference[0] if r["url"] not in done and r["piece_total"] > 2)
    second = next(r for r in reference[0] if r["url"] == unwritten["url"] and r["piece_no"] == 2)
    with open(path, "ab") as fh:  # first piece whole, second cut mid-line
        fh.write((json.dumps(unwritten, ensure_ascii=False) + "\n").encode())
        fh.write(json.dumps(second, ensure_ascii=False).encode()[:40])

    result = run_crawl(site, tmp_path, *ARGS)
    assert result.returncode == 0, result.stderr
    manifest, pieces, errors = latest_run(tmp_path)
    assert_same_run(pieces, errors, reference)
    assert manifest["counts"]["pieces_written"] == DEMO_PIECES


def test_killed_single_file_run_resumes(site, reference, tmp_path):
    out = tmp_path / "out.jsonl"
    assert killed_crawl(site, tmp_path, signal.SIGKILL, "-o", str(out)) == -signal.SIGKILL
    assert not out.exists()

    result = run_crawl(site, tmp_path, *ARGS, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert_same_run(read_lines(out), read_lines(tmp_path / "out.errors.jsonl"), reference)
    manifest = json.loads((tmp_path / "out.run.json").read_text("utf-8"))
    assert (manifest["status"], manifest["attempts"]) == ("ok", 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "out.errors.jsonl", "out.jsonl", "out.run.json", "out.state.sqlite", "out.state.sqlite.lock"]


def test_a_commit_cut_short_is_finished_by_the_next_start(tmp_path):
    """A kill after the commit was recorded but before the files were renamed."""
    from essay_crawler.runs import CrawlRun

    def open_run():
        return CrawlRun(site="example.org", start_urls=["http://example.org/"], profile=None,
                        output_root=tmp_path, pieces_path=None, state_path=tmp_path / "state.sqlite").open()

    run = open_run()
    record = {"id": "a", "url": "http://example.org/1.html", "piece_no": 1, "piece_total": 1, "text": "文"}
    run.write_article([record], record["url"], "hash", {})
    run.state.set_committing(run.row.id, {"run_id": run.run_id})
    run.close()  # killed here: nothing renamed yet

    again = open_run()
    assert again.run_id != run.run_id and again.row.attempts == 1
    assert again.known_urls() == {record["url"]}
    folder = tmp_path / "example.org" / run.run_id
    assert read_lines(folder / "pieces.jsonl") == [record]
    assert json.loads((folder / "run.json").read_text("utf-8")) == {"run_id": run.run_id}
    assert (tmp_path / "example.org" / "latest").resolve() == folder.resolve()
    again.close()
