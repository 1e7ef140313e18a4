"""A full disk: output on a real 2 MiB tmpfs. The first write the disk refuses stops the run cleanly
(exit 3, one ``disk full`` line), no line is torn, and once space is back the same command resumes
the run to the uninterrupted result. Recovery of a damaged partial file skips the damaged lines."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from conftest import needs_tmpfs
from crawl_runs import (
    DEMO_PIECES,
    TWO_AT_A_TIME,
    kill_after_lines,
    latest_run,
    partial_pieces,
    read_lines,
    run_crawl,
    slow_articles,
    start_crawl,
    terminate,
    wait_for_partial,
    without_crawled_at,
)

from essay_crawler.runs import CrawlRun
from pipelines.jsonl import JsonlAppender

ARGS = TWO_AT_A_TIME





@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs mounted on a fresh folder (tests using it are marked ``needs_tmpfs``)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """A file taking all of ``disk``'s free space but ``leave`` bytes."""
    filler = disk / "filler"
    stat = os.statvfs(disk)
    with open(filler, "wb") as fh:
        fh.write(bytes(max(0, stat.f_bavail * stat.f_frsize - leave)))
    return filler


def assert_whole_lines(folder: Path) -> None:
    """Every line of every JSONL file under ``folder`` is whole JSON, every article complete."""
    for path in folder.rglob("*.jsonl*"):
        records = read_lines(path)
        if path.name.startswith("pieces"):
            by_url: dict[str, list[int]] = {}
            for r in records:
                by_url.setdefault(r["url"], []).append(r["piece_no"])
            for url, numbers in by_url.items():
                assert numbers == list(range(1, len(numbers) + 1)), (path, url)


@needs_tmpfs
@pytest.mark.parametrize("state_on", ["full disk", "other disk"])
def test_a_full_disk_stops_the_run_cleanly_and_it_resumes_once_space_is_back(site, reference, small_disk, state_on):
    """With the state on the full disk too, SQLite is refused first; on another disk, a pieces line."""
    out = small_disk / "output"
    state = () if state_on == "full disk" else ("--state", str(small_disk.parent / "state.sqlite"))
    # the run's reserve (256 KiB), its folders, and room for about half the pieces
    filler = fill(small_disk, 256 * 1024 + 8 * 1024 + (160 * 1024 if state_on == "full disk" else 0) + reference.pieces_bytes // 2)
    result = run_crawl(site, out, *ARGS, *state)
    assert result.returncode == 3, result.stderr
    disk_lines = [line for line in result.stderr.splitlines() if "disk full" in line]
    assert len(disk_lines) == 1, result.stderr
    assert ("No space left on device" in disk_lines[0]) is (state_on == "other disk"), disk_lines
    assert "Traceback" not in result.stderr, result.stderr
    written = read_lines(partial_pieces(out))
    assert 0 < len(written) < DEMO_PIECES
    assert_whole_lines(out)
    manifest = json.loads((partial_pieces(out).parent / "run.json").read_text("utf-8"))
    assert (manifest["status"], manifest["exit_reason"]) == ("incomplete", "disk_full")

    # Still full: the run stops again (exit 3), or cannot even open (exit 2); either way one disk-full
    # line, and still resumable.
    again = run_crawl(site, out, *ARGS, *state)
    assert again.returncode in (2, 3), again.stderr
    assert len([line for line in again.stderr.splitlines() if "disk full" in line]) == 1, again.stderr
    assert "Traceback" not in again.stderr, again.stderr
    assert_whole_lines(out)

    filler.unlink()
    result = run_crawl(site, out, *ARGS, *state)
    assert result.returncode == 0, result.stderr
    manifest, pieces, errors = latest_run(out)
    assert without_crawled_at(pieces) == without_crawled_at(reference[0])
    assert sorted((e["url"], e["reason"]) for e in errors) == sorted((e["url"], e["reason"]) for e in reference[1])
    assert manifest["attempts"] == 3


@needs_tmpfs
def test_a_short_write_on_a_full_disk_is_rolled_back(small_disk):
    """The write that does not fit leaves the file as it was: whole lines only."""
    fill(small_disk, 6000)
    appender = JsonlAppender(small_disk / "pieces.jsonl.partial")
    record = {"url": "http://example.org/a.html", "text": "文" * 700}
    written = 0
    with pytest.raises(OSError) as exc:
        for _ in range(100):
            appender.write_all([record, record])
            written += 2
    assert exc.value.errno == errno.ENOSPC
    appender.close()
    data = (small_disk / "pieces.jsonl.partial").read_bytes()
    assert data == line(record) * written


def open_run(root: Path) -> CrawlRun:
    return CrawlRun(site="example.org", start_urls=["http://example.org/"], profile=None,
                    output_root=root, pieces_path=None, state_path=root / "state.sqlite").open()


def piece(url: str, n: int, total: int) -> dict:
    return {"id": uuid.uuid4().hex[:16], "url": url, "piece_no": n, "piece_total": total, "text": "文"}


def line(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


@pytest.mark.parametrize("damage", [b"\x00\x01garbage}\n", b"{\"url\": \"\xff\xfe\"}\n", b"\n",
                                    b"{\"piece_no\": 1, \"piece_total\": 1, \"text\": \"x\"}\n", b"[1, 2]\n"],
                         ids=["garbage", "bad-utf8", "blank", "no-url", "not-an-object"])
def test_a_damaged_line_in_a_partial_file_is_skipped_and_reported(tmp_path, damage):
    run = open_run(tmp_path)
    run.files.partial_dir.mkdir(parents=True, exist_ok=True)
    a, b = piece("http://example.org/a.html", 1, 1), piece("http://example.org/b.html", 1, 1)
    run.files.partial_pieces.write_bytes(line(a) + damage + line(b))
    run.files.partial_errors.write_bytes(damage + line({"url": "http://example.org/x", "reason": "timeout"}))
    run.close()

    again = open_run(tmp_path)
    assert read_lines(again.files.partial_pieces) == [a, b]
    assert again.known_urls() == {a["url"], b["url"]}
    assert again.error_keys == {("http://example.org/x", "timeout")}
    assert [msg.rsplit(":", 2)[1] for msg in again.damaged_lines] == ["2", "1"]
    again.close()


def test_a_killed_run_whose_file_lost_its_tail_resumes_to_every_piece(site, reference, tmp_path):
    """A real crawl killed with SIGKILL, its partial file then cut by 1,000 bytes (articles the state
    already recorded): the resumed run fetches them again, the file being the truth."""
    slow_articles(site, 0.2)
    proc = start_crawl(site, tmp_path, *ARGS)
    try:
        assert kill_after_lines(proc, wait_for_partial(tmp_path, proc), 30, signal.SIGKILL) == -signal.SIGKILL
    finally:
        terminate(proc)
        slow_articles(site, 0)
    path = partial_pieces(tmp_path)
    with open(path, "rb+") as fh:
        fh.truncate(path.stat().st_size - 1000)
    result = run_crawl(site, tmp_path, *ARGS)
    assert result.returncode == 0, result.stderr
    _, pieces, _ = latest_run(tmp_path)
    assert without_crawled_at(pieces) == without_crawled_at(reference[0])


def test_state_is_corrected_from_a_file_that_lost_its_tail(tmp_path):
    """An article recorded in the state whose lines the file lost is fetched again (item 5)."""
    run = open_run(tmp_path)
    run.files.partial_dir.mkdir(parents=True, exist_ok=True)
    a = piece("http://example.org/a.html", 1, 1)
    b1, b2 = piece("http://example.org/b.html", 1, 2), piece("http://example.org/b.html", 2, 2)
    run.files.partial_pieces.write_bytes(line(a) + line(b1) + line(b2))
    run.mark_written([a], a["url"], "h1", {})
    run.mark_written([b1, b2], b1["url"], "h2", {})
    run.close()
    with open(run.files.partial_pieces, "rb+") as fh:  # the tail cut after the state recorded it
        fh.truncate(len(line(a) + line(b1)) + 10)

    again = open_run(tmp_path)
    assert read_lines(again.files.partial_pieces) == [a]
    assert again.known_urls() == {a["url"]}
    assert again.forgotten_articles == 1
    again.close()


@needs_tmpfs
def test_a_disk_too_full_to_open_the_run_is_one_line_and_exit_2(site, small_disk):
    fill(small_disk, leave=64 * 1024)  # less than the run's reserve
    result = run_crawl(site, small_disk / "out", *ARGS)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "disk full" in lines[0] and "Traceback" not in result.stderr, result.stderr


@needs_tmpfs
def test_a_warc_record_that_does_not_fit_is_rolled_back(small_disk):
    """The archive keeps whole records only: the one the disk refused is cut back."""
    from pipelines.warc import WarcAppender, WarcCounts, complete_members, read_pages

    fill(small_disk, 12000)
    path = small_disk / "pages.warc.gz.partial"
    archive = WarcAppender(path, "test")
    body = os.urandom(1500)  # incompressible: each record takes its size on the disk
    written = 0
    with pytest.raises(OSError) as exc:
        for n in range(100):
            archive.write_response(f"http://example.org/{n}.html", 200, "OK", [("Content-Type", "text/html")],
                                   body, "2026-12-01T00:00:00Z")
            written += 1
    assert exc.value.errno == errno.ENOSPC
    archive.close()
    assert complete_members(path)[0] == path.stat().st_size
    counts = WarcCounts()
    assert [page.url for page in read_pages(path, counts)] == [f"http://example.org/{n}.html" for n in range(written)]
    assert written > 0


@needs_tmpfs
def test_a_full_disk_during_a_crawl_with_warc_stops_once_and_resumes_with_each_page_once(site, reference, small_disk):
    from collections import Counter

    from warcio.archiveiterator import ArchiveIterator

    from pipelines.warc import WarcCounts, read_pages

    out = small_disk / "output"
    state = ("--state", str(small_disk.parent / "state.sqlite"))
    # the run's reserve, its folders, and room for part of the pieces and the archive (57 KB whole)
    filler = fill(small_disk, 256 * 1024 + 8 * 1024 + reference.pieces_bytes // 2)
    result = run_crawl(site, out, *ARGS, *state, "--warc")
    assert result.returncode == 3, result.stderr
    assert len([line for line in result.stderr.splitlines() if "disk full" in line]) == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert_whole_lines(out)
    partial_warc = partial_pieces(out).with_name("pages.warc.gz.partial")
    assert list(read_pages(partial_warc, WarcCounts()))  # whole records only: it reads to its end

    filler.unlink()
    result = run_crawl(site, out, *ARGS, *state, "--warc")
    assert result.returncode == 0, result.stderr
    manifest, pieces, _ = latest_run(out)
    assert without_crawled_at(pieces) == without_crawled_at(reference.pieces)
    with open(manifest["files"]["warc"], "rb") as fh:
        uris = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert Counter(uris).most_common(1)[0][1] == 1
