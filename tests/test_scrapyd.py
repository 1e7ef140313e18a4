"""Scheduling through scrapyd: deploy the project as an egg with ``scrapyd-deploy`` (the ``[deploy]``
section of scrapy.cfg), schedule the ``essays`` spider over scrapyd's HTTP API against the demo
site on 127.0.0.1, and check the run folder it writes.

The project is built from a temporary copy of the checkout, so the build never writes into it.
"""
from __future__ import annotations

import configparser
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, validate_records
from crawl_helpers import by_page, error_lines, page_summary, read_run

from essay_crawler.demo import demo_server, expected_articles, expected_errors

PROJECT = "essay_crawler"
BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 60
JOB_TIMEOUT = 180
#: What the egg must carry besides Python modules: profiles, cleaning data and schema, demo site data.
PACKAGE_DATA = ("essay_crawler/sites/demo.toml", "essay_crawler/demo/articles.toml",
                "pipelines/data/boilerplate.toml", "pipelines/schema/record.schema.json")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    """GET (or POST form ``data`` to) a scrapyd JSON endpoint; fails the test unless status is ok."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as resp:
        answer = json.loads(resp.read())
    assert answer["status"] == "ok", answer
    return answer


def scrapyd_config(folder: Path, port: int) -> str:
    return (f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\n"
            f"eggs_dir = {folder / 'eggs'}\nlogs_dir = {folder / 'logs'}\ndbs_dir = {folder / 'dbs'}\n"
            "items_dir =\npoll_interval = 0.2\nmax_proc = 1\n")


def wait_until_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, "scrapyd exited during startup"
        try:
            api(base, "daemonstatus.json")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"scrapyd did not answer within {STARTUP_TIMEOUT} s")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """The base URL of a scrapyd started from a temporary folder on an ephemeral port."""
    folder = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (folder / "scrapyd.conf").write_text(scrapyd_config(folder, port), encoding="utf-8")
    log = (folder / "scrapyd.out").open("wb")
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def project_copy(dest: Path, scrapyd_url: str) -> Path:
    """Copy what the egg is built from, pointing the copy's ``[deploy]`` target at ``scrapyd_url``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("essay_crawler", "pipelines"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for name in ("pyproject.toml", "scrapy.cfg", "README.md"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dest / name)
    cfg = configparser.ConfigParser()
    cfg.read(dest / "scrapy.cfg", encoding="utf-8")
    cfg["deploy"]["url"] = scrapyd_url + "/"
    with (dest / "scrapy.cfg").open("w", encoding="utf-8") as f:
        cfg.write(f)
    return dest


def scrapyd_deploy(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "scrapyd-deploy"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def deployed(scrapyd, tmp_path_factory):
    """``(egg path, scrapyd-deploy output)`` after building the egg and deploying it."""
    tmp = tmp_path_factory.mktemp("deploy")
    project = project_copy(tmp / "project", scrapyd)
    egg = tmp / "essay_crawler.egg"
    scrapyd_deploy(project, "--build-egg", str(egg))
    proc = scrapyd_deploy(project, "--egg", str(egg), "--version", "r1")
    return egg, proc.stdout + proc.stderr


def run_folder_manifest(output_root: Path, job_log: str) -> Path:
    """The ``run.json`` of the one run folder under ``output_root`` (links such as ``latest`` skipped)."""
    manifests = [p for p in output_root.glob("*/*/run.json") if not p.parent.is_symlink()]
    assert len(manifests) == 1, job_log[-3000:]
    return manifests[0]


def wait_for_job(base: str, job: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = api(base, f"listjobs.json?project={PROJECT}")
        finished = [j for j in jobs["finished"] if j["id"] == job]
        if finished:
            return finished[0]
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish within {JOB_TIMEOUT} s")


@pytest.fixture(scope="module")
def scheduled_run(scrapyd, deployed, tmp_path_factory):
    """``(site base URL, run, job log)`` of one crawl of the demo site scheduled through scrapyd."""
    output_root = tmp_path_factory.mktemp("scrapyd-output")
    with demo_server() as site:
        answer = api(scrapyd, "schedule.json", [
            ("project", PROJECT), ("spider", "essays"), ("start_url", site.url("/")), ("profile", "demo"),
            ("setting", f"ESSAY_OUTPUT_ROOT={output_root}"), ("setting", "DOWNLOAD_DELAY=0"),
            ("setting", "AUTOTHROTTLE_ENABLED=False"),
        ])
        job = wait_for_job(scrapyd, answer["jobid"])
    with urllib.request.urlopen(scrapyd + job["log_url"], timeout=30) as resp:
        log = resp.read().decode("utf-8", "replace")
    return site.base_url, read_run(run_folder_manifest(output_root, log), None), log


def test_scrapy_cfg_names_a_deploy_target_for_the_project():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "scrapy.cfg", encoding="utf-8")
    assert cfg["settings"]["default"] == "essay_crawler.settings"
    assert cfg["deploy"]["project"] == PROJECT
    assert urllib.parse.urlsplit(cfg["deploy"]["url"]).scheme == "http"


def test_egg_carries_the_package_data_and_the_settings_entry_point(deployed):
    egg, _ = deployed
    with zipfile.ZipFile(egg) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert set(PACKAGE_DATA) <= names
    assert "essay_crawler/spiders/essays.py" in names and "pipelines/clean.py" in names
    scrapy_section = configparser.ConfigParser()
    scrapy_section.read_string(entry_points)
    assert scrapy_section["scrapy"]["settings"] == "essay_crawler.settings"


def test_deploy_registers_the_project_and_its_spider(scrapyd, deployed):
    _, output = deployed
    assert '"status": "ok"' in output, output
    assert PROJECT in api(scrapyd, "listprojects.json")["projects"]
    assert api(scrapyd, f"listversions.json?project={PROJECT}")["versions"] == ["r1"]
    assert api(scrapyd, f"listspiders.json?project={PROJECT}")["spiders"] == ["essays"]


def test_scheduled_crawl_writes_exactly_the_demo_sites_records(scheduled_run):
    base, run, _ = scheduled_run
    assert run.manifest["exit_reason"] == "finished"
    assert run.manifest["profile"] == "demo"
    validate_records(run.pieces)
    expected = {a["url"]: {k: v for k, v in a.items() if k != "path"} for a in expected_articles(base)}
    assert {url: page_summary(records) for url, records in by_page(run.pieces).items()} == expected
    assert len(run.pieces) == sum(a["piece_total"] for a in expected.values())


def test_scheduled_crawl_writes_the_demo_sites_errors(scheduled_run):
    base, run, _ = scheduled_run
    mismatches = [(a["url"], "split_mismatch", None) for a in expected_articles(base)
                  if a["piece_total_claimed"] not in (None, a["piece_total"])]
    expected = sorted([(e["url"], e["reason"], e["status"]) for e in expected_errors(base)] + mismatches)
    assert error_lines(run.errors) == expected


def test_scheduled_job_log_shows_a_clean_finish(scheduled_run):
    _, _, log = scheduled_run
    assert "(bot: essay_crawler)" in log
    assert "Spider closed (finished)" in log
    assert " ERROR: " not in log
