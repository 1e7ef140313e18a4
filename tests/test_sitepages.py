"""Regression guard over sets of essay-site pages of our own writing (``tests/fixtures/sitepages``:
A–C, E, G, I and J text dumps, D, F, H and K raw HTML, three pages of D and two of K GBK; each
set's pages were written, with their gold, before the cleaner's rules for them): the real-page scorer's figures on each set must not fall
below what the cleaner reaches today. Not a timed test."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED, needs_shared

SETS = Path(__file__).parent / "fixtures" / "sitepages"
SCORER = SHARED / "realpages" / "score.py"

# The scorer's figures guarded, and for each set the least accepted count of each, in this order;
# raise these when the cleaner improves.
FIGURES = ("pages fully exact (count+headings+starts+ends)", "pages with 0 leaks",
           "title exact (pages with a title)", "piece count exact (pages)")
FLOORS: dict[str, dict[str, int]] = {name: dict(zip(FIGURES, counts, strict=True)) for name, counts in {
    "A": (16, 16, 16, 16), "B": (15, 16, 16, 16), "C": (14, 14, 16, 16), "D": (12, 12, 12, 12),
    "E": (16, 16, 16, 16), "F": (11, 11, 12, 12), "G": (14, 14, 13, 16), "H": (10, 11, 11, 11),
    "I": (3, 4, 7, 6), "J": (6, 7, 15, 12), "K": (10, 10, 12, 12),
}.items()}


def _count(figure: str) -> int:
    return int(figure.split("/")[0].split()[0])


@pytest.fixture(scope="module", params=sorted(FLOORS))
def scored(request, tmp_path_factory) -> tuple[str, dict]:
    name, folder = request.param, SETS / request.param
    out = tmp_path_factory.mktemp(f"sitepages-{name}")
    records, scores = out / "out.jsonl", out / "scores.json"
    cleaned = subprocess.run([sys.executable, "-m", "essay_crawler", "clean", str(folder / "pages"), "-o", str(records)],
                             capture_output=True, text=True)
    assert cleaned.returncode in (0, 1), cleaned.stderr
    subprocess.run([sys.executable, str(SCORER), str(records), "--gold", str(folder / "gold.jsonl"),
                    "--pages", str(folder / "pages"), "--json", str(scores)], check=True, capture_output=True)
    return name, json.loads(scores.read_text("utf-8"))["summary"]["all"]


@needs_shared
def test_the_gold_of_each_text_set_is_consistent():
    # (the scorer reads pages as UTF-8: sets holding GBK markup are checked when they are written)
    for folder in sorted(p for p in SETS.iterdir() if p.is_dir() and not any((p / "pages").glob("*.html"))):
        checked = subprocess.run([sys.executable, str(SCORER), "--check-gold", "--gold", str(folder / "gold.jsonl"),
                                  "--pages", str(folder / "pages")], capture_output=True, text=True, check=True)
        assert " 0 problems" in checked.stdout, (folder.name, checked.stdout[-500:])


@needs_shared
def test_no_figure_falls(scored):
    name, summary = scored
    fallen = {figure: summary[figure] for figure, floor in FLOORS[name].items() if _count(summary[figure]) < floor}
    assert not fallen, (name, fallen)
    assert _count(summary["Traditional chars left (pages with any / Traditional pages)"]) == 0, summary
