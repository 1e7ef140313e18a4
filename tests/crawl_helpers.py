"""Shared helpers for the crawl tests: serve sites on 127.0.0.1, run crawls in subprocesses, read runs.

Scrapy's Twisted reactor runs once per process, so every crawl is an ``essay-crawler`` (or ``scrapy``)
subprocess; the site servers run in the test process, which lets tests see every request they got.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from conftest import REPO, cli_command

from essay_crawler.demo import Route

BENCHMARKS = REPO / "benchmarks"
#: No politeness delays against our own loopback servers.
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
CRAWL_TIMEOUT = 120


def subprocess_env() -> dict[str, str]:
    """The environment for CLI subprocesses: this checkout first on the path, no terminal size."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in ("COLUMNS", "LINES"):
        env.pop(name, None)
    return env


def run_cli(*args: str | os.PathLike, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``essay-crawler ARGS``; stdout/stderr captured as text."""
    return subprocess.run([*cli_command(), *map(str, args)], cwd=cwd or REPO, env=subprocess_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=CRAWL_TIMEOUT)


def run_scrapy(*args: str | os.PathLike, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run the ``scrapy`` command of this venv (``scrapy crawl essays …``) from ``cwd``."""
    scrapy = Path(sys.executable).with_name("scrapy")
    return subprocess.run([str(scrapy), *map(str, args)], cwd=cwd, env=subprocess_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=CRAWL_TIMEOUT)


def read_jsonl(path: Path) -> list[dict]:
    """The records of a JSONL file (missing file → no records)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@dataclass
class CrawlRun:
    """What one ``essay-crawler crawl`` left behind."""

    proc: subprocess.CompletedProcess
    pieces: list[dict]
    errors: list[dict]
    manifest: dict


def read_run(manifest_path: Path, proc: subprocess.CompletedProcess) -> CrawlRun:
    """Load a run from its ``run.json`` and the files it names."""
    manifest = json.loads(manifest_path.read_text("utf-8"))
    files = manifest["files"]
    return CrawlRun(proc, read_jsonl(Path(files["pieces"])), read_jsonl(Path(files["errors"])), manifest)


def crawl(start_urls: list[str] | str, output: Path, *args: str) -> CrawlRun:
    """``essay-crawler crawl START_URLS -o OUTPUT ARGS`` without delays; fails the test if it fails."""
    urls = [start_urls] if isinstance(start_urls, str) else start_urls
    proc = run_cli("crawl", *urls, "-o", output, *FAST, *args)
    assert proc.returncode == 0, proc.stderr
    return read_run(output.with_suffix(".run.json"), proc)


def crawl_to_run_folder(start_url: str, output_root: Path, *args: str) -> CrawlRun:
    """``essay-crawler crawl START_URL --output-root ROOT ARGS``; the run folder is the only one made
    (links to it, such as ``latest``, aside)."""
    proc = run_cli("crawl", start_url, "--output-root", output_root, *FAST, *args)
    assert proc.returncode == 0, proc.stderr
    manifests = sorted(m for m in output_root.glob("*/*/run.json") if not m.parent.is_symlink())
    assert len(manifests) == 1, manifests
    return read_run(manifests[0], proc)


def without_crawl_time(records: list[dict]) -> list[dict]:
    """Records with ``crawled_at`` removed (the only field cleaning does not produce)."""
    return [{k: v for k, v in r.items() if k != "crawled_at"} for r in records]


def by_page(records: list[dict]) -> dict[str, list[dict]]:
    """Records grouped by page URL, each page's records in piece order."""
    pages: dict[str, list[dict]] = {}
    for record in sorted(records, key=lambda r: (r["url"], r["piece_no"])):
        pages.setdefault(record["url"], []).append(record)
    return pages


def page_summary(records: list[dict]) -> dict:
    """One page's records in the shape of ``essay_crawler.demo.expected_articles`` entries."""
    first = records[0]
    titles = [r["piece_title"] for r in records]
    return {
        "url": first["url"],
        "title": first["title"],
        "category": first["category"],
        "published": first["published"],
        "piece_total": first["piece_total"],
        "piece_total_claimed": first["piece_total_claimed"],
        "piece_titles": titles,
        "piece_texts": [r["text"] for r in records],
    }


def error_lines(errors: list[dict]) -> list[tuple[str, str, int | None]]:
    """``(url, reason, status)`` of error records, sorted (the order pages finish in varies)."""
    return sorted((e["url"], e["reason"], e["status"]) for e in errors)


def path_of(url: str) -> str:
    """The request target of ``url`` as a server logs it (path and query)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def generated_site(n_articles: int, seed: int, base_url: str):
    """``benchmarks/pagegen.py``'s linked site for ``base_url``: path (no leading slash) → PageSpec."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    from pagegen import generate_site_specs

    return generate_site_specs(n_articles, seed, base_url)


def static_routes(pages: dict[str, bytes], content_type: str = "text/html") -> dict[str, Route]:
    """Routes serving ``pages`` (relative path → body) the way a static web server does: ``/`` and
    ``/dir/`` answer their ``index.html``."""
    routes = {}
    for path, body in pages.items():
        route = Route.page(body, content_type)
        routes["/" + path] = route
        if path == "index.html" or path.endswith("/index.html"):
            routes["/" + path[: -len("index.html")]] = route
    return routes
