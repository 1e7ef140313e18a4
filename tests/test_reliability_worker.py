"""A cleaning worker killed with SIGKILL (as the OOM killer does) mid-crawl: the pool is replaced, the
pages it held are cleaned again (or, killed again, recorded as ``internal_error``), the run goes on and
the death raises the ``worker_died`` alert. Real crawl processes, real signals."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from crawl_runs import (
    TWO_AT_A_TIME,
    latest_run,
    line_count,
    partial_pieces,
    run_crawl,
    slow_articles,
    start_crawl,
    terminate,
    wait_for_partial,
    without_crawled_at,
)

from pipelines.worker import clean_fetched_page, init_cleaner

ARGS = TWO_AT_A_TIME





def parent_pids() -> dict[int, int]:
    """pid → parent pid of every process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def cleaning_workers(crawl_pid: int) -> list[int]:
    """The crawl's cleaning workers: children of its forkserver (a child of the crawl process)."""
    parents = parent_pids()
    forkservers = set()
    for pid, ppid in parents.items():
        if ppid == crawl_pid:
            try:
                if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    forkservers.add(pid)
            except OSError:
                continue
    return [pid for pid, ppid in parents.items() if ppid in forkservers]


def kill_workers(crawl_pid: int) -> int:
    killed = 0
    for pid in cleaning_workers(crawl_pid):
        try:
            os.kill(pid, signal.SIGKILL)
            killed += 1
        except ProcessLookupError:
            pass
    return killed


def wait_for_lines(proc, path: Path, lines: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while line_count(path) < lines:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def by_piece(records: list[dict]) -> list[dict]:
    """Records in (url, piece_no) order, after checking each page's pieces are consecutive lines: a page
    cleaned again after its worker died is written later than the pages cleaned meanwhile."""
    urls = [r["url"] for r in records]
    starts = [u for i, u in enumerate(urls) if i == 0 or urls[i - 1] != u]
    assert len(starts) == len(set(starts)), "a page's pieces are not consecutive"
    return sorted(without_crawled_at(records), key=lambda r: (r["url"], r["piece_no"]))


def finish(proc, timeout: float = 180) -> tuple[int, str]:
    _, stderr = proc.communicate(timeout=timeout)
    return proc.returncode, stderr


def test_a_killed_worker_is_replaced_and_the_page_it_held_is_cleaned_again(site, reference, tmp_path):
    slow_articles(site, 0.2)
    proc = start_crawl(site, tmp_path, *ARGS)
    try:
        wait_for_lines(proc, wait_for_partial(tmp_path, proc), 10)
        deadline = time.monotonic() + 30
        while not kill_workers(proc.pid):
            assert time.monotonic() < deadline, "no cleaning worker found"
            time.sleep(0.01)
        slow_articles(site, 0)
        status, stderr = finish(proc)
    finally:
        terminate(proc)
        slow_articles(site, 0)
    manifest, pieces, errors = latest_run(tmp_path)
    assert by_piece(pieces) == by_piece(reference[0]), "pages lost after the worker died"
    assert sorted((e["url"], e["reason"]) for e in errors) == sorted((e["url"], e["reason"]) for e in reference[1])
    assert manifest["counts"]["worker_deaths"] == 1
    assert [a["check"] for a in manifest["alerts"]] == ["worker_died"]
    assert (manifest["status"], status) == ("failed", 1), stderr
    assert "worker_died" in stderr or "cleaning worker" in stderr


def test_a_page_whose_worker_dies_twice_is_an_internal_error_and_the_run_goes_on(site, reference, tmp_path):
    slow_articles(site, 0.2)
    proc = start_crawl(site, tmp_path, *ARGS)
    stop = threading.Event()

    def killer():  # kill every worker until a page has been given up
        while not stop.is_set():
            kill_workers(proc.pid)
            time.sleep(0.002)

    try:
        wait_for_lines(proc, wait_for_partial(tmp_path, proc), 5)
        errors_path = partial_pieces(tmp_path).with_name("errors.jsonl.partial")
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while b"internal_error" not in (errors_path.read_bytes() if errors_path.exists() else b""):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no page was given up"
            time.sleep(0.01)
        stop.set()
        thread.join()
        slow_articles(site, 0)
        status, stderr = finish(proc)
    finally:
        stop.set()
        terminate(proc)
        slow_articles(site, 0)
    manifest, pieces, errors = latest_run(tmp_path)
    given_up = {e["url"] for e in errors if e["reason"] == "internal_error"}
    assert given_up and all("died twice" in e["message"] for e in errors if e["reason"] == "internal_error")
    expected = [r for r in reference[0] if r["url"] not in given_up]
    assert by_piece(pieces) == by_piece(expected)
    assert manifest["counts"]["worker_deaths"] >= 2
    assert "worker_died" in [a["check"] for a in manifest["alerts"]]
    assert status == 1, stderr

    again = run_crawl(site, tmp_path, *ARGS)  # the pages given up are not known: the next run writes them
    manifest, pieces, _ = latest_run(tmp_path)
    assert {r["url"] for r in pieces} == given_up - {e["url"] for e in reference[1]}, again.stderr


PAGE = ("<html><head><meta charset='utf-8'><title>春天</title></head><body><h1>春天</h1><div class='content'><p>"
        + "清晨推开窗，湿润的风带着泥土的气味扑面而来，楼下的玉兰一夜之间全开了。" * 5 + "</p></div></body></html>").encode()


def test_a_bug_in_cleaning_is_an_internal_error_with_the_exception_text():
    """Any exception but PageError (here: the worker holds a profile object missing its fields) is the
    page's error, with the exception's type and text, not a crash of the worker."""
    assert clean_fetched_page(PAGE, "http://127.0.0.1/a.html", None).records
    init_cleaner(object(), "t2s")
    try:
        out = clean_fetched_page(PAGE, "http://127.0.0.1/a.html", None)
    finally:
        init_cleaner(None, "t2s")
    assert not out.records and out.error is not None
    reason, message = out.error.reason, out.error.message
    assert reason == "internal_error"
    assert message.startswith("AttributeError: ") and "selectors" in message


def test_pages_past_the_cleaning_budget_are_timeout_cleaning_and_the_run_goes_on(site, reference, tmp_path):
    # A budget no page can meet: each page's worker is killed, the page recorded, the next page cleaned
    # by a new worker.
    result = run_crawl(site, tmp_path, *ARGS, "-s", "CLEAN_TIMEOUT=0.0001")
    assert result.returncode == 1, result.stderr
    manifest, pieces, errors = latest_run(tmp_path)
    timed_out = {e["url"] for e in errors if e["reason"] == "timeout_cleaning"}
    assert pieces == [] and len(timed_out) >= len({p["url"] for p in reference[0]})
    assert "Traceback" not in result.stderr
