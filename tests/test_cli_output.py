"""What the crawl-side commands print and where (``--quiet``, ``--log-level``, ``--json``), and that
``export`` never silently replaces a dataset (real processes, the demo site on 127.0.0.1)."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import cli_command
from crawl_helpers import run_cli, subprocess_env
from crawl_runs import site_dir

from essay_crawler.cli import EXIT_INTERRUPTED, EXIT_USAGE


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> tuple[Path, dict]:
    """One ``demo --json`` run: its output root and the JSON it printed."""
    root = tmp_path_factory.mktemp("demo")
    proc = run_cli("demo", "--output-root", root / "output", "--json", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    return root / "output", json.loads(proc.stdout)


def test_json_prints_the_run_manifest_on_stdout(demo_run):
    root, printed = demo_run
    run_dir = site_dir(root) / printed["run_id"]
    assert printed == json.loads((run_dir / "run.json").read_text("utf-8"))
    assert printed["status"] == "ok" and printed["counts"]["pieces_written"] > 0


def test_quiet_prints_nothing_for_a_good_run(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", "--quiet", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert (site_dir(tmp_path / "output") / "latest" / "pieces.jsonl").stat().st_size > 0


def test_quiet_keeps_the_alert_line(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", "--quiet", "--max-mismatch-rate", "0",
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert re.match(r"alert: 127\.0\.0\.1:\d+ run ", proc.stderr) and proc.stderr.count("\n") == 1


def test_log_level_info_shows_scrapys_log(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", "--log-level", "info", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    assert "[scrapy.core.engine] INFO: Spider opened" in proc.stderr
    assert json.loads(proc.stdout)["status"] == "ok"


def test_the_default_summary_is_a_table_on_stderr(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.startswith("serving the demo site at http://127.0.0.1:")
    rows = [line.split("│")[1:3] for line in proc.stderr.splitlines() if line.startswith("│")]
    assert ["status", "ok"] in [[cell.strip() for cell in row] for row in rows]


def test_export_refuses_a_folder_that_is_not_empty_unless_overwrite(demo_run, tmp_path):
    root, printed = demo_run
    latest = site_dir(root) / "latest"
    out = tmp_path / "dataset"
    first = run_cli("export", latest, "-o", out, "--format", "jsonl", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    card = (out / "README.md").read_text("utf-8")
    assert printed["run_id"] in card and "latest" not in card

    again = run_cli("export", latest, "-o", out, "--format", "jsonl", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (
        EXIT_USAGE, f"error: {out}: not empty (an earlier export?); give --overwrite to replace it\n")
    assert (out / "README.md").read_text("utf-8") == card

    replaced = run_cli("export", latest, "-o", out, "--format", "parquet", "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert [p.suffix for p in (out / "data").iterdir()] == [".parquet"]


def test_export_with_overwrite_still_leaves_other_folders_alone(demo_run, tmp_path):
    root, _ = demo_run
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine", "utf-8")
    proc = run_cli("export", site_dir(root) / "latest", "-o", tmp_path / "notes", "--overwrite", cwd=tmp_path)
    assert proc.returncode == EXIT_USAGE and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"error: {tmp_path / 'notes'}: ")
    assert os.listdir(tmp_path / "notes") == ["todo.txt"]


def test_exit_statuses_are_one_table():
    from essay_crawler.cli import EXIT_FAILED, EXIT_OK
    from essay_crawler.cli.crawl import EXIT_STATUS

    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED) == (0, 1, 2, 3)
    assert EXIT_STATUS == {"ok": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_INTERRUPTED}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_on_a_fixed_port_gives_the_same_records_and_a_second_run_writes_nothing(tmp_path):
    port = str(free_port())
    first = run_cli("demo", "--port", port, "--output-root", tmp_path / "output", "--json", cwd=tmp_path)
    second = run_cli("demo", "--port", port, "--output-root", tmp_path / "output", "--json", cwd=tmp_path)
    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    counts = json.loads(first.stdout)["counts"], json.loads(second.stdout)["counts"]
    assert counts[0]["pieces_written"] > 0
    assert counts[1]["pieces_written"] == 0
    assert counts[1]["articles_known"] == counts[0]["articles_new"] + counts[0]["duplicates_skipped"]


def test_demo_serve_serves_the_site_until_ctrl_c(tmp_path):
    port = free_port()
    server = subprocess.Popen([*cli_command(), "demo", "--serve", "--port", str(port)], cwd=tmp_path,
                              env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        assert line == f"serving the demo site at http://127.0.0.1:{port}/ (Ctrl-C to stop)\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=10) as resp:
            assert resp.status == 200 and b"Disallow" in resp.read()
    finally:
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    assert (server.returncode, stderr) == (0, "")


def test_demo_on_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("demo", "--serve", "--port", port, cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (EXIT_USAGE, f"error: port {port}: Address already in use\n")


def test_python_m_demo_is_demo_serve():
    proc = subprocess.run([sys.executable, "-m", "essay_crawler.demo", "--help"], env=subprocess_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and "--serve" in proc.stdout


def test_two_plain_demo_runs_give_the_same_urls_and_the_second_writes_nothing(tmp_path):
    runs = [run_cli("demo", "--output-root", tmp_path / "output", "--json", cwd=tmp_path) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    served = [r.stderr.splitlines()[0] for r in runs]
    assert served[0] == served[1] == "serving the demo site at http://127.0.0.1:8737/"
    assert [json.loads(r.stdout)["counts"]["pieces_written"] for r in runs][1] == 0
