"""One site, two workers sharing a frontier and state in a real redis-server: a worker killed mid-crawl,
the other finishing, the sweep, and the union of their outputs equal to one uninterrupted crawl's."""
from __future__ import annotations

import dataclasses
import signal
import subprocess
import time
from pathlib import Path

from conftest import needs_redis
from crawl_runs import (
    REPO,
    committed_runs,
    crawl_args,
    env,
    latest_run,
    line_count,
    partial_pieces,
    read_lines,
    run_crawl,
    run_reclean,
    terminate,
    warc_responses,
    without_crawled_at,
)
from redis_runs import free_port

from essay_crawler.links import host_and_port
from essay_crawler.shared import SiteKeys

pytestmark = needs_redis
# Each worker waits 0.4 s between requests (the site's 0.2 s times two workers): the crawl lasts long
# enough for both to take part and for one to be killed in the middle.
SHARED = ("-s", "DOWNLOAD_DELAY=0.2", "--workers", "2", "-s", "ESSAY_REDIS_IDLE=3")


def start_worker(site, out, url, *extra):
    return subprocess.Popen(crawl_args(site, out, "--redis", url, *SHARED, *extra), cwd=REPO, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_until(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_killed_worker_loses_nothing_once_the_sweep_has_run(site, reference, redis_server, tmp_path):
    keys = SiteKeys.of(host_and_port(site.base_url))
    client = redis_server.client()
    out1, out2, out_sweep = tmp_path / "w1", tmp_path / "w2", tmp_path / "sweep"
    w1 = start_worker(site, out1, redis_server.url)
    w2 = start_worker(site, out2, redis_server.url)
    try:
        wait_until(lambda: line_count(partial_pieces(out1)) >= 2 or w1.poll() is not None, "worker 1 wrote nothing")
        assert w1.poll() is None, w1.stderr.read()
        written = line_count(partial_pieces(out1)) + line_count(partial_pieces(out2))
        w1.send_signal(signal.SIGKILL)
        assert w1.wait(timeout=60) == -signal.SIGKILL
        assert written < len(reference.pieces), "the crawl was over before worker 1 was killed"
        killed_pieces = read_lines(partial_pieces(out1))  # whole lines only
        assert killed_pieces

        early = run_crawl(site, out_sweep, "--redis", redis_server.url, "--sweep")
        assert early.returncode == 2
        assert "still running" in early.stderr and "sweep once they have ended" in early.stderr

        assert w2.wait(timeout=300) == 0, w2.stderr.read()
    finally:
        terminate(w1)
        terminate(w2)
    worker_manifest, worker_pieces, _ = latest_run(out2)
    assert worker_pieces
    # Each of the two workers: half the site's rate, and no more requests in hand than it may send.
    assert {k: worker_manifest["settings"][k] for k in ("DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                                                       "CONCURRENT_REQUESTS", "ESSAY_REDIS_WORKERS")} == {
        "DOWNLOAD_DELAY": 0.4, "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "CONCURRENT_REQUESTS": 1, "ESSAY_REDIS_WORKERS": 2}
    wait_until(lambda: not list(client.scan_iter(match=keys.workers)), "a worker's heartbeat did not expire", 30)

    sweep = run_crawl(site, out_sweep, "--redis", redis_server.url, "--sweep")
    assert sweep.returncode == 0, sweep.stderr
    manifest, sweep_pieces, _ = latest_run(out_sweep)
    assert manifest["counts"]["articles_known"] > 0  # what the workers wrote was not fetched again
    assert manifest["settings"]["ESSAY_REDIS_SWEEP"] is True
    assert manifest["settings"]["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2  # the sweep runs alone, at the whole rate
    union = killed_pieces + worker_pieces + sweep_pieces
    assert len({r["id"] for r in union}) == len(union)
    assert without_crawled_at(union) == without_crawled_at(reference.pieces)
    assert client.exists(keys.requests, keys.seen, keys.claims) == 0  # the next shared crawl starts afresh

    # The killed worker's command, run again, commits its partial run: the committed runs alone are
    # then the whole site.
    again = run_crawl(site, out1, "--redis", redis_server.url, *SHARED)
    assert again.returncode == 0, again.stderr
    resumed, resumed_pieces, _ = latest_run(out1)
    assert resumed["attempts"] == 2 and without_crawled_at(resumed_pieces) == without_crawled_at(killed_pieces)
    committed = resumed_pieces + worker_pieces + sweep_pieces
    assert without_crawled_at(committed) == without_crawled_at(reference.pieces)


def test_an_unreachable_redis_or_options_without_it_are_one_line_and_exit_2(site, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    result = run_crawl(site, tmp_path, "--redis", url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: redis {url}: unreachable (Error 111 connecting to 127.0.0.1:{port}. "
        "Connection refused.)"]
    assert list(tmp_path.iterdir()) == []  # nothing started
    for options, line in ((("--sweep",), "error: --sweep and --workers go with --redis"),
                          (("--redis", url, "--no-state"),
                           "error: --redis needs the state (it is shared there): drop --no-state")):
        result = run_crawl(site, tmp_path, *options)
        assert (result.returncode, result.stderr.splitlines()) == (2, [line])


def test_a_redis_killed_mid_crawl_stops_the_worker_resumably_and_its_restart_loses_nothing(
        site, reference, redis_server, tmp_path):
    out, out_sweep = tmp_path / "w", tmp_path / "sweep"
    worker = start_worker(site, out, redis_server.url)
    try:
        wait_until(lambda: line_count(partial_pieces(out)) >= 2 or worker.poll() is not None, "the worker wrote nothing")
        assert worker.poll() is None, worker.stderr.read()
        redis_server.stop(signal.SIGKILL)
        assert worker.wait(timeout=120) == 3
        stderr = worker.stderr.read()
    finally:
        terminate(worker)
    assert "Traceback" not in stderr
    assert f"ERROR: redis {redis_server.url}: unreachable (" in stderr
    assert stderr.rstrip().splitlines()[-1].endswith(
        "stopped (redis_unreachable); run the same command again to resume it")
    before = read_lines(partial_pieces(out))

    redis_server.start()  # the same folder: its AOF holds every acknowledged write
    again = run_crawl(site, out, "--redis", redis_server.url, *SHARED)
    assert again.returncode == 0, again.stderr
    manifest, pieces, _ = latest_run(out)
    assert manifest["attempts"] == 2
    assert without_crawled_at(before) == [r for r in without_crawled_at(pieces) if r["url"] in {b["url"] for b in before}]
    sweep = run_crawl(site, out_sweep, "--redis", redis_server.url, "--sweep")
    assert sweep.returncode == 0, sweep.stderr
    union = pieces + latest_run(out_sweep)[1]
    assert len({r["id"] for r in union}) == len(union)
    assert without_crawled_at(union) == without_crawled_at(reference.pieces)


def test_a_worker_with_nothing_to_do_yet_waits_for_the_others_and_then_takes_part(site, reference, redis_server,
                                                                                 tmp_path):
    """The home page takes 12 s, far longer than ESSAY_REDIS_IDLE (2 s) and the engine's 5 s idle checks:
    the second worker finds the queue empty for all that time, and stays because the first is busy."""
    keys = SiteKeys.of(host_and_port(site.base_url))
    client = redis_server.client()
    home = site.routes["/"]
    site.routes["/"] = dataclasses.replace(home, delay=12.0)
    first = start_worker(site, tmp_path / "a", redis_server.url, "--warc")
    second = None
    try:
        wait_until(lambda: client.scard(keys.seen) > 0, "the first worker did not seed the site")
        second = start_worker(site, tmp_path / "b", redis_server.url, "-s", "ESSAY_REDIS_IDLE=2", "--warc")
        assert first.wait(timeout=300) == 0, first.stderr.read()
        assert second.wait(timeout=300) == 0, second.stderr.read()
    finally:
        site.routes["/"] = home
        terminate(first)
        if second:
            terminate(second)
    (run_a, a, _), (run_b, b, _) = latest_run(tmp_path / "a"), latest_run(tmp_path / "b")
    assert a and b  # both took part
    assert without_crawled_at(a + b) == without_crawled_at(reference.pieces)  # the crawl needs no sweep

    # Each worker archived what it fetched: no page in both archives (robots.txt aside, each worker
    # reads it), and the two archives cleaned again give the crawl's records.
    archives = [Path(run["files"]["warc"]) for run in (run_a, run_b)]
    fetched = [{url for url, _ in warc_responses(path) if not url.endswith("/robots.txt")} for path in archives]
    assert fetched[0] and fetched[1] and not fetched[0] & fetched[1]
    result = run_reclean(*(path.parent for path in archives))
    assert result.returncode == 0, result.stderr
    again = [record for out, run in ((tmp_path / "a", run_a), (tmp_path / "b", run_b))
             for folder in committed_runs(out) if folder.name != run["run_id"]
             for record in read_lines(folder / "pieces.jsonl")]
    assert without_crawled_at(again) == without_crawled_at(reference.pieces)
