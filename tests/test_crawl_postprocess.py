"""`crawl --postprocess`: quality signals and duplicate marks against earlier runs, in the run folder."""
import json
import subprocess
import sys
from pathlib import Path

from conftest import validate_records

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


def demo_run(root: Path) -> tuple[list[dict], dict]:
    """A demo run on a new port (a new site, so a new folder under ``root``), sharing one state."""
    proc = subprocess.run([sys.executable, "-m", "essay_crawler", "demo", "--port", "0", "--output-root", str(root),
                           "--state", str(root / "state.sqlite"), "--postprocess", "--json", *FAST],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(json.loads(proc.stdout)["files"]["pieces"]).parent
    records = [json.loads(line) for line in (run_dir / "pieces.jsonl").read_text("utf-8").splitlines()]
    return records, json.loads((run_dir / "run.json").read_text("utf-8"))


def test_second_demo_run_marks_every_piece_as_a_copy_of_the_first(tmp_path):
    first, run1 = demo_run(tmp_path)
    second, run2 = demo_run(tmp_path)
    validate_records(first + second)
    assert len(first) == len(second) == 65
    assert all(r["dup_of"] is None and r["near_dup_of"] is None for r in first)
    assert all(r["lang"] == "zh" and 0 < r["han_share"] <= 1 for r in first)
    # Each demo run serves the site on a new port (--port 0): the same texts under new URLs are exact copies.
    by_text = {r["text"]: r["id"] for r in first}
    assert [r["dup_of"] for r in second] == [by_text[r["text"]] for r in second]
    assert run1["postprocess"]["duplicates"] == 0 and run2["postprocess"]["duplicates"] == 65
    assert (tmp_path / "dedup.npz").is_file()
