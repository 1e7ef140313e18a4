"""Helpers and fixtures (`site`, `reference`) for tests that run ``essay-crawler crawl`` in a subprocess
against a local site; loaded as a pytest plugin by conftest."""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import REPO, cli_command
from warcio.archiveiterator import ArchiveIterator

from essay_crawler.demo.server import Route, SiteServer
from essay_crawler.demo.site import build_site

FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
ARTICLE_PREFIXES = ("/zuowen/", "/shuzhi/", "/duhougan/", "/yanjiang/", "/mirror/", "/private/")


def demo_site() -> SiteServer:
    """The demo site on an ephemeral port (not started)."""
    srv = SiteServer()
    srv.routes.update(build_site(srv.base_url))
    return srv


def is_article_path(path: str) -> bool:
    return path.startswith(ARTICLE_PREFIXES) and "/list_" not in path


def slow_articles(srv: SiteServer, delay: float) -> None:
    """Make every article page answer after ``delay`` seconds (0 to undo)."""
    for path, route in list(srv.routes.items()):
        if is_article_path(path):
            srv.routes[path] = dataclasses.replace(route, delay=delay)


def crawl_args(srv: SiteServer, out_root: Path, *extra: str, profile: str | None = "demo") -> list[str]:
    args = [*cli_command(), "crawl", srv.base_url + "/", "--output-root", str(out_root), *FAST, *extra]
    return args + (["--profile", profile] if profile else [])


def env() -> dict:
    return dict(os.environ, PYTHONPATH=str(REPO))


def run_crawl(srv: SiteServer, out_root: Path, *extra: str, profile: str | None = "demo"
              ) -> subprocess.CompletedProcess:
    """Run a crawl to its end; stdout/stderr captured as text."""
    return subprocess.run(crawl_args(srv, out_root, *extra, profile=profile), cwd=REPO, env=env(),
                          capture_output=True, text=True, timeout=300)


def start_crawl(srv: SiteServer, out_root: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(crawl_args(srv, out_root, *extra), cwd=REPO, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_after_lines(proc: subprocess.Popen, pieces: Path, lines: int, sig: int, timeout: float = 120) -> int:
    """Send ``sig`` once ``pieces`` holds ``lines`` complete lines; returns the exit status."""
    deadline = time.monotonic() + timeout
    while line_count(pieces) < lines:
        assert proc.poll() is None, f"crawl ended before {lines} lines were written: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "crawl wrote too slowly"
        time.sleep(0.02)
    proc.send_signal(sig)
    return proc.wait(timeout=120)


def site_dir(out_root: Path) -> Path:
    """The folder of the one loopback site crawled into ``out_root``: ``127.0.0.1_<port>``."""
    found = sorted(out_root.glob("127.0.0.1_*"))
    assert len(found) <= 1, found
    return found[0] if found else out_root / "127.0.0.1_"


def partial_pieces(out_root: Path) -> Path:
    """The pieces file of the one partial run under ``out_root`` (it need not exist yet)."""
    found = sorted(site_dir(out_root).glob("*.partial/pieces.jsonl.partial"))
    return found[0] if found else site_dir(out_root) / "missing.partial" / "pieces.jsonl.partial"


def wait_for_partial(out_root: Path, proc: subprocess.Popen, timeout: float = 120) -> Path:
    deadline = time.monotonic() + timeout
    while not list(site_dir(out_root).glob("*.partial/pieces.jsonl.partial")):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return partial_pieces(out_root)


def read_lines(path: Path) -> list[dict]:
    """Every line of a JSONL file parsed (fails on a partial or invalid line)."""
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), f"{path} ends in a partial line"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def latest_run(out_root: Path) -> tuple[dict, list[dict], list[dict]]:
    """``(run.json, pieces, errors)`` of the run ``latest`` points at."""
    folder = site_dir(out_root) / "latest"
    manifest = json.loads((folder / "run.json").read_text("utf-8"))
    return manifest, read_lines(folder / "pieces.jsonl"), read_lines(folder / "errors.jsonl")


def committed_runs(out_root: Path) -> list[Path]:
    """Committed run folders (those with a run.json, not partial), oldest first."""
    return sorted(p.parent for p in site_dir(out_root).glob("*/run.json")
                  if not p.parent.is_symlink() and not p.parent.name.endswith(".partial"))


def warc_responses(path: Path) -> list[tuple[str, int]]:
    """(target URI, HTTP status) of every response record, in file order."""
    with open(path, "rb") as fh:
        return [(r.rec_headers.get_header("WARC-Target-URI"), int(r.http_headers.get_statuscode()))
                for r in ArchiveIterator(fh) if r.rec_type == "response"]


def run_reclean(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([*cli_command(), "reclean", *map(str, args)], cwd=REPO, env=env(), capture_output=True,
                          text=True, timeout=300)


def without_crawled_at(records: list[dict]) -> list[dict]:
    """Records minus ``crawled_at``, sorted by id (order of writing depends on timing)."""
    return sorted(({k: v for k, v in r.items() if k != "crawled_at"} for r in records), key=lambda r: r["id"])


def article_page(title: str, pieces: list[tuple[str, list[str]]]) -> Route:
    """A page in the demo site's layout (h1, div.content) with numbered pieces."""
    body = "".join(f"<p>{heading}</p>" + "".join(f"<p>{p}</p>" for p in paragraphs)
                   for heading, paragraphs in pieces)
    html = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}_青藤范文网</title></head>"
            f"<body><h1>{title}</h1><div class=\"info\">2024-03-02 10:00　栏目：<a href=\"/zuowen/list_1.html\">作文</a>"
            "　来源：青藤范文网</div>"
            f"<div class=\"content\">{body}</div></body></html>")
    return Route.page(html.encode("utf-8"))


def link_from_home(srv: SiteServer, path: str, text: str) -> None:
    """Add a link to ``path`` on the home page."""
    home = srv.routes["/"]
    body = home.body.replace(b"</body>", f"<a href=\"{path}\">{text}</a></body>".encode())
    srv.routes["/"] = dataclasses.replace(home, body=body)


def terminate(proc: subprocess.Popen) -> None:
    """Make sure a crawl started by a test is gone."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


DEMO_PIECES = 65  # what an uninterrupted crawl of the demo site writes
# At most two requests in the downloader: a graceful shutdown finishes those before it stops.
TWO_AT_A_TIME = ("-s", "CONCURRENT_REQUESTS=2")


class Reference(NamedTuple):
    """An uninterrupted crawl of the demo site: its pieces, its errors, the size of its pieces file."""

    pieces: list[dict]
    errors: list[dict]
    pieces_bytes: int


@pytest.fixture(scope="module")
def site():
    """The demo site, served for a test module."""
    with demo_site() as srv:
        yield srv


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory) -> Reference:
    """An uninterrupted crawl of the same site, to compare interrupted ones with."""
    out = tmp_path_factory.mktemp("reference")
    result = run_crawl(site, out, *TWO_AT_A_TIME)
    assert result.returncode == 0, result.stderr
    manifest, pieces, errors = latest_run(out)
    assert manifest["counts"]["pieces_written"] == len(pieces) == DEMO_PIECES
    return Reference(pieces, errors, (site_dir(out) / "latest" / "pieces.jsonl").stat().st_size)
