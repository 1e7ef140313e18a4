"""Soak test of resuming: kill -9 a crawl at random moments, resume it, check nothing was lost or doubled.

A generated site (benchmarks/pagegen.py) is served on 127.0.0.1 with slow pages. An uninterrupted crawl
gives the reference. Then, ``--kills`` times: a fresh crawl is started, killed with SIGKILL at a random
moment (in about a third of the trials its cleaning worker is SIGKILLed first, as the OOM killer would),
and the same command is run again until it commits. Each final run is compared with the reference:

* lost: reference pieces missing from the final run;
* duplicated: pieces present more than once;
* broken: lines of any JSONL file under the output root that are not whole JSON;
* unresumable: trials whose resume did not commit (exit status other than 0 or 1, or no run folder).

Printed: those four counts (all must be 0; the exit status is 1 otherwise) and the peak RSS of the crawl
process tree (crawl, forkserver, workers). Bounded: stops starting trials after ``--budget`` seconds.

    .venv/bin/python benchmarks/soak.py            # 20 kills, ≤ 10 minutes
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pagegen import generate_site

from essay_crawler.demo.server import Route, SiteServer

ROOT = Path(__file__).resolve().parents[1]

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--no-robots"]


def serve_site(articles: int, delay: float) -> SiteServer:
    srv = SiteServer()
    for path, body in generate_site(articles, seed=7, base_url=srv.base_url).items():
        route = Route.page(body, "text/html", delay=delay)
        srv.routes["/" + path] = route
        if path.endswith("index.html"):
            srv.routes["/" + path[: -len("index.html")]] = route
    return srv.start()


def crawl_command(srv: SiteServer, out: Path) -> list[str]:
    return [sys.executable, "-m", "essay_crawler", "crawl", srv.url("/"), "--output-root", str(out), *FAST]


class Peak:
    """Peak RSS of a process and its descendants, sampled while waiting on it."""

    def __init__(self):
        self.rss = 0

    def sample(self, pid: int) -> None:
        try:
            proc = psutil.Process(pid)
            tree = [proc, *proc.children(recursive=True)]
            self.rss = max(self.rss, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass


def cleaning_workers(pid: int) -> list[psutil.Process]:
    """Children of the crawl's forkserver."""
    try:
        children = psutil.Process(pid).children()
    except psutil.Error:
        return []
    servers = [c for c in children if "forkserver" in " ".join(c.cmdline())]
    return [w for s in servers for w in s.children()]


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def run_to_end(cmd: list[str], peak: Peak, timeout: float = 300) -> int:
    proc = subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        peak.sample(proc.pid)
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)
    return proc.returncode


def killed_run(cmd: list[str], after: float, kill_worker: bool, peak: Peak) -> bool:
    """Start ``cmd``, SIGKILL it ``after`` seconds later (with ``kill_worker``, its cleaning worker
    halfway there); whether a worker was killed."""
    proc = subprocess.Popen(cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    worker_killed = False
    while proc.poll() is None and time.monotonic() - start < after:
        peak.sample(proc.pid)
        if kill_worker and not worker_killed and time.monotonic() - start > after / 2:
            for worker in cleaning_workers(proc.pid):
                worker.send_signal(signal.SIGKILL)
                worker_killed = True
        time.sleep(0.02)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return worker_killed


def broken_lines(out: Path) -> int:
    broken = 0
    for path in out.rglob("*.jsonl*"):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            broken += 1
        for line in data.splitlines():
            try:
                json.loads(line)
            except ValueError:
                broken += 1
    return broken


def final_pieces(out: Path) -> list[dict] | None:
    """The pieces of every committed run under ``out`` (a kill after the commit leaves the resume an
    empty run of its own); None when no run was committed."""
    runs = sorted(p.parent for p in out.glob("*/*/run.json")
                  if not p.parent.is_symlink() and ".partial" not in p.parent.name)
    if not runs:
        return None
    return [json.loads(line) for run in runs for line in (run / "pieces.jsonl").read_bytes().splitlines()]


def piece_key(record: dict) -> tuple:
    return record["id"], record["sha1"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--articles", type=int, default=120)
    parser.add_argument("--delay", type=float, default=0.25, help="seconds each page takes to answer")
    parser.add_argument("--budget", type=float, default=540, help="stop starting trials after this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    peak = Peak()
    began = time.monotonic()
    totals = Counter()
    srv = serve_site(args.articles, args.delay)
    try:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            ref_out = Path(tmp) / "reference"
            t0 = time.monotonic()
            assert run_to_end(crawl_command(srv, ref_out), peak) in (0, 1), "the reference crawl failed"
            ref_seconds = time.monotonic() - t0
            reference = Counter(map(piece_key, final_pieces(ref_out) or []))
            print(f"reference: {sum(reference.values())} pieces in {ref_seconds:.1f} s")
            for trial in range(args.kills):
                if time.monotonic() - began > args.budget:
                    print(f"time budget spent after {trial} trials")
                    break
                out = Path(tmp) / f"trial-{trial}"
                after, kill_worker = rng.uniform(1.0, ref_seconds), rng.random() < 1 / 3
                kill_worker = killed_run(crawl_command(srv, out), after, kill_worker, peak)
                status = run_to_end(crawl_command(srv, out), peak)
                pieces = final_pieces(out)
                got = Counter(map(piece_key, pieces or []))
                lost = sum((reference - got).values())
                duplicated = sum(n - 1 for n in got.values() if n > 1)
                broken = broken_lines(out)
                unresumable = int(status not in (0, 1) or pieces is None)
                totals.update(lost=lost, duplicated=duplicated, broken=broken, unresumable=unresumable,
                              trials=1, worker_kills=int(kill_worker))
                print(f"trial {trial + 1:2d}: kill at {after:4.1f} s{' (worker killed)' if kill_worker else '':15s} "
                      f"resume exit {status}: lost {lost}, duplicated {duplicated}, broken {broken}, "
                      f"unresumable {unresumable}")
    finally:
        srv.stop()
    print(f"trials {totals['trials']} (worker killed in {totals['worker_kills']}): lost {totals['lost']}, "
          f"duplicated {totals['duplicated']}, broken {totals['broken']}, unresumable {totals['unresumable']}; "
          f"peak RSS {peak.rss / 2**20:.0f} MiB; {time.monotonic() - began:.0f} s")
    return int(any(totals[k] for k in ("lost", "duplicated", "broken", "unresumable")))


if __name__ == "__main__":
    sys.exit(main())
