"""Shared helpers for the cleaning tests: record validation, expected records, running the CLI."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator

# Fixtures shared by the crawl tests (the demo site, an uninterrupted reference crawl).
pytest_plugins = ["crawl_runs", "redis_runs", "slurm_cluster"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"  # the seed and the real-page set, beside the checkout
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# What some tests need from the machine, declared where they are collected (`.ci/run` installs it all
# and fails on any skip): Debian's chromium, redis-server and Slurm, the shared data, root with mount(8) for a tmpfs.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium and fonts-noto-cjk (apt-get install -y chromium fonts-noto-cjk)")
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"needs {SHARED} (the shared data beside the checkout)")
needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="needs Debian's redis-server (apt-get install -y redis-server)")
needs_slurm = pytest.mark.skipif(
    not (shutil.which("slurmctld") and shutil.which("slurmd") and shutil.which("sbatch")) or os.geteuid() != 0,
    reason="a one-node Slurm cluster needs Debian's slurmctld, slurmd and slurm-client, run as root")
needs_tmpfs = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"),
                                 reason="mounting a tmpfs needs root and mount(8)")
PAGES = REPO / "tests" / "fixtures" / "pages"
SCHEMA = REPO / "pipelines" / "schema" / "record.schema.json"


@lru_cache(maxsize=1)
def record_validator() -> Draft202012Validator:
    """A validator for the piece record schema."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_record(record: dict) -> None:
    """Fail unless ``record`` conforms to pipelines/schema/record.schema.json and its derived fields hold."""
    record_validator().validate(record)
    assert record["id"] == hashlib.sha1(f"{record['url']}#{record['piece_no']}".encode()).hexdigest()[:16]
    assert record["sha1"] == hashlib.sha1(record["text"].encode("utf-8")).hexdigest()
    assert record["chars"] == len(record["text"])


def validate_records(records: list[dict]) -> None:
    """Validate every record, and that piece numbers run 1..piece_total on one page."""
    for record in records:
        validate_record(record)
    by_url: dict[str, list[dict]] = {}
    for record in records:
        by_url.setdefault(record["url"], []).append(record)
    for page in by_url.values():
        assert [r["piece_no"] for r in page] == list(range(1, len(page) + 1))
        assert {r["piece_total"] for r in page} == {len(page)}


def site_of(url: str) -> str:
    """Host name of ``url``; "local" for file:// URLs."""
    parts = urlsplit(url)
    return "local" if parts.scheme == "file" else parts.hostname


def expected_records(*, url: str, title: str | None, category: str | None, published: str | None,
                     claimed: int | None, pieces: list[tuple[str | None, list[str]]]) -> list[dict]:
    """The records a page must yield: ``pieces`` is a list of (piece_title, paragraphs)."""
    records = []
    for no, (piece_title, paragraphs) in enumerate(pieces, start=1):
        text = "\n".join(paragraphs)
        records.append({
            "id": hashlib.sha1(f"{url}#{no}".encode()).hexdigest()[:16],
            "url": url,
            "site": site_of(url),
            "title": title,
            "category": category,
            "published": published,
            "piece_no": no,
            "piece_total": len(pieces),
            "piece_total_claimed": claimed,
            "piece_title": piece_title,
            "text": text,
            "chars": len(text),
            "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(),
        })
    return records


def cli_command() -> list[str]:
    """The command that runs essay-crawler from this venv."""
    script = Path(sys.executable).with_name("essay-crawler")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "essay_crawler"]


def run_clean(*args: str | os.PathLike, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``essay-crawler clean ARGS`` and capture stdout/stderr as bytes."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for terminal_size in ("COLUMNS", "LINES"):  # output must not depend on the terminal running the tests
        env.pop(terminal_size, None)
    return subprocess.run([*cli_command(), "clean", *map(str, args)], cwd=cwd or REPO, env=env,
                          capture_output=True, timeout=300)


def parse_jsonl(data: bytes) -> list[dict]:
    """Records of a JSONL byte string (UTF-8)."""
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


# Tests that start servers or processes (crawls, scrapyd, the CLI, Chromium, workers): `pytest -m "not e2e"`
# leaves them out for a quick run of the unit and component tests.
E2E_MODULES = frozenset({
    "test_clean_cli", "test_clean_parallel", "test_cli_errors", "test_cli_output", "test_crawl_auto",
    "test_corpus", "test_crawl_e2e", "test_crawl_postprocess", "test_demo_site", "test_export", "test_faults",
    "test_fleet", "test_incremental", "test_readme", "test_redis_crawl", "test_redis_state", "test_report",
    "test_resume", "test_scrapyd",
    "test_reliability_disk", "test_reliability_output", "test_reliability_postprocess",
    "test_reliability_report", "test_reliability_robots", "test_reliability_worker", "test_warc_clean",
    "test_warc_runs",
})


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.stem in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With ESSAY_CRAWLER_NO_SKIP set (as `.ci/run` sets it), a skipped test fails: where everything
    is installed, a skip would hide a test that did not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("ESSAY_CRAWLER_NO_SKIP") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but ESSAY_CRAWLER_NO_SKIP is set: {report.longrepr}"
