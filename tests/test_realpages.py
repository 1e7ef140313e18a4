"""Regression guard over the real-page development set (``../shared/realpages``): the scorer's
figures must not fall below what the cleaner reaches today. Not a timed test."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import SHARED, needs_shared

REALPAGES = SHARED / "realpages"

# (figure, split) → the least accepted count; raise these when the cleaner improves.
FLOORS = {
    ("pages found", "train"): 53, ("pages found", "check"): 27,
    ("piece count exact (pages)", "train"): 51, ("piece count exact (pages)", "check"): 24,
    ("headings exact (pieces)", "train"): 72, ("headings exact (pieces)", "check"): 27,
    ("starts exact (pieces)", "train"): 72, ("starts exact (pieces)", "check"): 27,
    ("ends exact (checkable pieces)", "train"): 55, ("ends exact (checkable pieces)", "check"): 12,
    ("pages fully exact (count+headings+starts+ends)", "train"): 51,
    ("pages fully exact (count+headings+starts+ends)", "check"): 17,
    ("pages with 0 leaks", "train"): 53, ("pages with 0 leaks", "check"): 17,
    ("title exact (pages with a title)", "train"): 38, ("title exact (pages with a title)", "check"): 10,
}
# (figure, split) → the most accepted count.
CEILINGS = {("Traditional chars left (pages with any / Traditional pages)", "all"): 0,
            ("leak strings found (total)", "train"): 0, ("leak strings found (total)", "check"): 19}


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("realpages")
    records, scores = out / "out.jsonl", out / "scores.json"
    cleaned = subprocess.run([sys.executable, "-m", "essay_crawler", "clean", str(REALPAGES / "pages"),
                              "-o", str(records)], capture_output=True, text=True)
    assert cleaned.returncode in (0, 1), cleaned.stderr
    subprocess.run([sys.executable, str(REALPAGES / "score.py"), str(records), "--json", str(scores)],
                   check=True, capture_output=True)
    return json.loads(scores.read_text("utf-8"))["summary"]


def _count(figure: str) -> int:
    return int(figure.split("/")[0].split()[0])


@needs_shared
@pytest.mark.parametrize("key", sorted(FLOORS), ids=lambda k: f"{k[1]}: {k[0]}")
def test_figure_does_not_fall(summary, key):
    figure, split = key
    assert _count(summary[split][figure]) >= FLOORS[key], summary[split][figure]


@needs_shared
@pytest.mark.parametrize("key", sorted(CEILINGS), ids=lambda k: f"{k[1]}: {k[0]}")
def test_figure_does_not_rise(summary, key):
    figure, split = key
    assert _count(summary[split][figure]) <= CEILINGS[key], summary[split][figure]
