"""Crawl throughput and memory: the full ``essay-crawler crawl`` pipeline against a bare Scrapy spider.

A site of ``--pages`` generated article pages (plus list, index and footer pages; benchmarks/pagegen.py)
is served by nginx on 127.0.0.1, then crawled twice with politeness off and the same concurrency:

* full: ``essay-crawler crawl START -o OUT --no-robots --concurrency N`` (fetch, extract links, clean in
  the worker process, deduplicate, write JSONL);
* bare: a Scrapy spider that only follows ``<a href>`` links (found as the crawler finds them, or with
  ``--bare-links css`` by Scrapy's selectors) and yields each page's URL.

Printed: pages/s of both (engine time from Scrapy's stats and wall time of the process), the ratio
full/bare, and peak memory of each process tree (the crawl plus its cleaning workers: sum of PSS, so pages
shared after fork count once) and of each process (RSS), sampled with psutil.
With ``--cprofile FILE`` the full crawl runs under ``python -m cProfile -o FILE`` and the top functions
are printed.

    .venv/bin/python benchmarks/crawl_bench.py --pages 1000
    .venv/bin/python benchmarks/crawl_bench.py --pages 20000
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from pagegen import write_site  # noqa: E402

RSS_TARGET_MIB = 150
RATIO_TARGET = 0.8
NGINX_CONF = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type text/html;
    types {{ text/html html; text/plain txt; }}
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


# --------------------------------------------------------------------------- the bare spider (subprocess)


def run_bare_spider(start_url: str, concurrency: int, stats_path: str, links: str) -> None:
    """Follow every in-site link from ``start_url`` and yield URLs; save Scrapy's stats as JSON.

    ``links``: ``regex`` finds links as the crawler does (essay_crawler.links), ``css`` with Scrapy's
    ``response.follow_all(css="a")`` (parses every page).
    """
    from urllib.parse import urlsplit

    import scrapy
    from scrapy.crawler import CrawlerProcess

    from essay_crawler.links import extract_links, host_allowed

    class BareSpider(scrapy.Spider):
        name = "bare"
        allowed_domains = [urlsplit(start_url).hostname]
        start_urls = [start_url]

        def parse(self, response):
            yield {"url": response.url}
            if links == "css":
                yield from response.follow_all(css="a")
                return
            for url in extract_links(response.body, response.url, response.encoding):
                if host_allowed(url, tuple(self.allowed_domains)):
                    yield scrapy.Request(url, callback=self.parse)

    process = CrawlerProcess({
        "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": max(16, concurrency), "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "COOKIES_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "ERROR",
    })
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    Path(stats_path).write_text(json.dumps(crawler.stats.get_stats(), default=str), "utf-8")


# --------------------------------------------------------------------------- serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(root: Path, port: int, tmp: Path) -> subprocess.Popen:
    """nginx serving ``root`` on 127.0.0.1:``port`` with a throwaway config (no daemon, no logs)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        sys.exit("nginx not found: install it (e.g. `apt-get install -y nginx`); the benchmark needs a "
                 "server much faster than the crawler so that the crawler is what gets measured")
    os.chmod(tmp, 0o755)  # nginx drops root privileges; the served files must be readable
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root), "utf-8")
    proc = subprocess.Popen([nginx, "-p", str(tmp), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as resp:
                resp.read()
            return proc
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"nginx failed to start: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.05)
    proc.terminate()
    sys.exit(f"nginx did not answer on 127.0.0.1:{port}")


# --------------------------------------------------------------------------- measuring


def sample_rss(proc: psutil.Process, peaks: dict[str, int]) -> int:
    """Memory of a process and all its descendants (bytes): the sum of their PSS (shared pages counted
    once), each process's peak RSS kept in ``peaks``."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            info = p.memory_full_info()
            rss = info.rss
            name = f"{p.pid} {' '.join(p.cmdline()[1:4])[:60]}"
        except psutil.Error:
            continue
        total += getattr(info, "pss", rss)
        peaks[name] = max(peaks.get(name, 0), rss)
    return total


def run_measured(cmd: list[str], log: Path) -> tuple[float, int, dict[str, int], int]:
    """Run ``cmd``; return (wall seconds, peak RSS of its process tree, peak RSS per process, exit code)."""
    peak = 0
    per_process: dict[str, int] = {}
    start = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        ps = psutil.Process(proc.pid)
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                try:
                    peak = max(peak, sample_rss(ps, per_process))
                except psutil.Error:
                    pass
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        done.set()
        sampler.join()
    return time.perf_counter() - start, peak, per_process, code


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def print_profile(path: Path, top: int = 25) -> None:
    import pstats

    print(f"\ncProfile of the full crawl process ({path}), top {top} by cumulative time:")
    pstats.Stats(str(path)).sort_stats("cumulative").print_stats(top)
    print(f"top {top} by own time:")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(top)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000, help="article pages to generate (default 1000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--bare-links", choices=("regex", "css"), default="regex",
                    help="how the bare spider finds links: the crawler's regex (default) or Scrapy's CSS")
    ap.add_argument("--cprofile", metavar="FILE", help="run the full crawl under cProfile, save stats here")
    ap.add_argument("--keep", action="store_true", help="keep the generated site and outputs")
    ap.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                    help="extra Scrapy setting for the full crawl (repeatable)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    specs = write_site(tmp / "site", args.pages, args.seed, base)
    n_articles = sum(1 for s in specs.values() if s["kind"] == "article")
    size = sum(s["bytes"] for s in specs.values())
    print(f"site: {len(specs)} pages ({n_articles} articles, {size / 2**20:.0f} MiB) generated in "
          f"{time.perf_counter() - t0:.1f} s under {tmp / 'site'}")
    nginx = start_nginx(tmp / "site", port, tmp)
    try:
        full_cmd = [sys.executable, *(["-m", "cProfile", "-o", args.cprofile] if args.cprofile else []),
                    "-m", "essay_crawler", "crawl", base + "/", "-o", str(tmp / "out" / "pieces.jsonl"),
                    "--no-robots", "--concurrency", str(args.concurrency), "--log-level", "ERROR",
                    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR",
                    *(x for item in args.set for x in ("-s", item))]
        full_wall, full_peak, full_procs, code = run_measured(full_cmd, tmp / "full.log")
        if code:
            sys.exit(f"full crawl failed ({code}); see {tmp / 'full.log'}")
        manifest = json.loads((tmp / "out" / "pieces.run.json").read_text("utf-8"))
        counts = manifest["counts"]

        bare_cmd = [sys.executable, __file__, "--bare", base + "/", str(args.concurrency), str(tmp / "bare.json"),
                    args.bare_links]
        bare_wall, bare_peak, bare_procs, code = run_measured(bare_cmd, tmp / "bare.log")
        if code:
            sys.exit(f"bare crawl failed ({code}); see {tmp / 'bare.log'}")
        bare = json.loads((tmp / "bare.json").read_text("utf-8"))
    finally:
        nginx.terminate()
        nginx.wait()

    full_pages, full_secs = counts["pages_fetched"], counts["elapsed_seconds"]
    bare_pages, bare_secs = bare.get("response_received_count", 0), bare.get("elapsed_time_seconds", 0.0)
    full_rate, bare_rate = full_pages / full_secs, bare_pages / bare_secs
    print(f"concurrency {args.concurrency}, politeness off, robots.txt off, cpus {os.cpu_count()}")
    print(f"full crawl : {full_pages} pages in {full_secs:.1f} s engine / {full_wall:.1f} s wall → "
          f"{full_rate:.0f} pages/s ({full_pages / full_wall:.0f} wall); {counts['article_pages']} articles, "
          f"{counts['pieces_written']} pieces, errors {counts['errors']}; peak PSS {mib(full_peak)} (tree)")
    print(f"bare spider ({args.bare_links} links): {bare_pages} pages in {bare_secs:.1f} s engine / {bare_wall:.1f} s wall → "
          f"{bare_rate:.0f} pages/s ({bare_pages / bare_wall:.0f} wall); peak PSS {mib(bare_peak)} (tree)")
    ratio = full_rate / bare_rate
    print(f"ratio full/bare: {ratio:.2f} (target ≥ {RATIO_TARGET}) {'OK' if ratio >= RATIO_TARGET else 'MISSED'}")
    print(f"full crawl peak memory (tree PSS): {mib(full_peak)} (target < {RSS_TARGET_MIB} MiB for 20,000 pages) "
          f"{'OK' if full_peak < RSS_TARGET_MIB * 2**20 else 'MISSED'}")
    for label, procs in (("full", full_procs), ("bare", bare_procs)):
        print(f"  {label} per-process peak RSS: " + "; ".join(f"{mib(v)} [{k}]" for k, v in procs.items()))
    if full_pages != bare_pages:
        print(f"note: the two crawls fetched different page counts ({full_pages} vs {bare_pages})")
    if args.cprofile:
        print_profile(Path(args.cprofile))
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--bare":
        run_bare_spider(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(main())
