"""One site shared through Redis: pages/s of one worker against two, and Redis round trips per page.

A site of ``--pages`` generated article pages (benchmarks/pagegen.py) is served by nginx on 127.0.0.1 and
a redis-server is started on its own 127.0.0.1 port (both stopped by their PIDs at the end). The site is
crawled, politeness delays off, robots.txt off, each time into fresh output folders and a flushed Redis:

* plain: ``essay-crawler crawl`` without Redis, concurrency C (the baseline);
* 1 worker: ``--redis URL``, concurrency C;
* 2 workers, shared budget: two processes with ``--redis URL --workers 2`` (C/2 each: the site sees C);
* 2 workers, full budget each: two processes with ``--redis URL`` (C each: the site sees 2C).

A shared crawl's time runs from the start to the moment the shared queue is empty and every worker's
heartbeat says idle (the idle wait before the workers exit is left out). Pages are the runs' own
``pages_fetched``. Round trips come from the server's command counts (``INFO commandstats``): every
command is one round trip except inside a MULTI/EXEC pipeline, which is one for all of it (scrapy-redis's
pop: MULTI ZRANGE ZREMRANGEBYRANK EXEC; the state's write of an article: MULTI HSET HSET SADD EXEC).

    .venv/bin/python benchmarks/fleet_bench.py --pages 1000 --concurrency 8
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from crawl_bench import free_port, start_nginx  # noqa: E402
from pagegen import write_site  # noqa: E402

from essay_crawler.links import host_and_port  # noqa: E402
from essay_crawler.shared import SiteKeys  # noqa: E402


def start_redis(folder: Path) -> tuple[subprocess.Popen, redis.Redis, str]:
    server = shutil.which("redis-server") or sys.exit("redis-server not found: apt-get install -y redis-server")
    port = free_port()
    proc = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder),
                             "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    for _ in range(200):
        try:
            client.ping()
            return proc, client, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def command_counts(client: redis.Redis) -> dict[str, int]:
    return {name.removeprefix("cmdstat_"): stats["calls"] for name, stats in client.info("commandstats").items()}


def round_trips(before: dict[str, int], after: dict[str, int]) -> tuple[int, int]:
    """``(commands, round trips)`` between two :func:`command_counts` (see the module docstring)."""
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    commands = sum(delta.values()) - delta.get("info", 0)
    pops = delta.get("zremrangebyrank", 0)
    writes = delta.get("exec", 0) - pops
    in_pipelines = pops * 4 + writes * 5  # all the commands of those pipelines …
    return commands, commands - in_pipelines + pops + writes  # … count one round trip each


def key_memory(client: redis.Redis, keys: SiteKeys) -> dict[str, float]:
    """Bytes per element held by the site's keys (``MEMORY USAGE``, every element counted): per request
    seen, per article, per URL of an article, per claim, per entry of a run's set."""
    runs = list(client.scan_iter(match=keys.run("*")))
    held = {"seen": ([keys.seen], client.scard(keys.seen)), "articles": ([keys.articles], client.hlen(keys.articles)),
            "urls": ([keys.urls], client.hlen(keys.urls)), "claims": ([keys.claims], client.hlen(keys.claims)),
            "runs": (runs, sum(client.scard(k) for k in runs))}
    return {kind: sum(client.memory_usage(k, samples=0) or 0 for k in names) / max(count, 1)
            for kind, (names, count) in held.items()}


def crawl_command(base: str, out: Path, concurrency: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "essay_crawler", "crawl", base + "/", "--output-root", str(out), "--no-robots",
            "--concurrency", str(concurrency), "-q",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ESSAY_REDIS_IDLE=1", *extra]


def pages_fetched(out: Path) -> int:
    return sum(json.loads(p.read_text("utf-8"))["counts"]["pages_fetched"] for p in out.glob("*/latest/run.json"))


def run_shared(label: str, commands: list[list[str]], outs: list[Path], client: redis.Redis, keys: SiteKeys) -> None:
    client.flushdb()
    before = command_counts(client)
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for cmd in commands]
    done = None
    while any(p.poll() is None for p in procs):
        names = list(client.scan_iter(match=keys.workers))
        if (done is None and names and client.scard(keys.seen) and not client.zcard(keys.requests)
                and set(client.mget(names)) == {"idle"}):
            done = time.perf_counter() - t0
        time.sleep(0.1)
    done = done or time.perf_counter() - t0
    after = command_counts(client)
    for p in procs:
        if p.returncode:
            sys.exit(f"{label}: a crawl exited {p.returncode}: {p.stderr.read()[-2000:]}")
    pages = sum(pages_fetched(out) for out in outs)
    commands, trips = round_trips(before, after)
    print(f"{label:34} {pages:6} pages in {done:6.1f} s → {pages / done:6.1f} pages/s; "
          f"Redis: {commands / pages:.1f} commands, {trips / pages:.1f} round trips per page")
    print(f"{'':34} Redis memory kept, bytes per element: " + ", ".join(
        f"{name} {size:.0f}" for name, size in key_memory(client, keys).items()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000, help="article pages to generate (default 1000)")
    ap.add_argument("--concurrency", type=int, default=8, help="the site's concurrency C (default 8)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    specs = write_site(tmp / "site", args.pages, 0, base)
    print(f"site: {len(specs)} pages; cores {os.cpu_count()} (load average {os.getloadavg()[0]:.1f} at the start)")
    nginx = start_nginx(tmp / "site", port, tmp)
    (tmp / "redis").mkdir()
    redis_proc, client, url = start_redis(tmp / "redis")
    keys = SiteKeys.of(host_and_port(base + "/"))
    c = args.concurrency
    try:
        t0 = time.perf_counter()
        plain = subprocess.run(crawl_command(base, tmp / "plain", c), capture_output=True, text=True)
        if plain.returncode:
            sys.exit(f"plain crawl exited {plain.returncode}: {plain.stderr[-2000:]}")
        wall = time.perf_counter() - t0
        pages = pages_fetched(tmp / "plain")
        print(f"{'plain crawl, no Redis (C=' + str(c) + ')':34} {pages:6} pages in {wall:6.1f} s → "
              f"{pages / wall:6.1f} pages/s (process wall time)")
        runs = [(f"1 worker (C={c})", [("one", ())]),
                ("2 workers, --workers 2 (C/2 each)", [("a", ("--workers", "2")), ("b", ("--workers", "2"))]),
                ("2 workers, C each", [("a", ()), ("b", ())])]
        for n, (label, workers) in enumerate(runs):
            outs = [tmp / f"run{n}-{name}" for name, _ in workers]
            commands = [crawl_command(base, out, c, "--redis", url, *extra) for out, (_, extra) in zip(outs, workers, strict=True)]
            run_shared(label, commands, outs, client, keys)
    finally:
        for proc in (nginx, redis_proc):
            proc.terminate()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("figures from a shared machine are noisy: compare them within one run of this script")
    return 0


if __name__ == "__main__":
    sys.exit(main())
