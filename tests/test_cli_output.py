"""What the crawl-side commands print and where (``--quiet``, ``--log-level``, ``--json``), and that
``export`` never silently replaces a dataset (real processes, the demo site on 127.0.0.1)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from crawl_helpers import run_cli

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
    run_dir = root / "127.0.0.1" / printed["run_id"]
    assert printed == json.loads((run_dir / "run.json").read_text("utf-8"))
    assert printed["status"] == "ok" and printed["counts"]["pieces_written"] > 0


def test_quiet_prints_nothing_for_a_good_run(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", "--quiet", cwd=tmp_path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert (tmp_path / "output" / "127.0.0.1" / "latest" / "pieces.jsonl").stat().st_size > 0


def test_quiet_keeps_the_alert_line(tmp_path):
    proc = run_cli("demo", "--output-root", tmp_path / "output", "--quiet", "--max-mismatch-rate", "0",
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("alert: 127.0.0.1 run ") and proc.stderr.count("\n") == 1


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
    latest = root / "127.0.0.1" / "latest"
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
    proc = run_cli("export", root / "127.0.0.1" / "latest", "-o", tmp_path / "notes", "--overwrite", cwd=tmp_path)
    assert proc.returncode == EXIT_USAGE and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"error: {tmp_path / 'notes'}: ")
    assert os.listdir(tmp_path / "notes") == ["todo.txt"]


def test_exit_statuses_are_one_table():
    from essay_crawler.cli import EXIT_FAILED, EXIT_OK
    from essay_crawler.cli.crawl import EXIT_STATUS

    assert (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED) == (0, 1, 2, 3)
    assert EXIT_STATUS == {"ok": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_INTERRUPTED}
