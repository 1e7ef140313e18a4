"""Post-processing a run folder and exporting a dataset are atomic: killed (SIGKILL, in a child process)
before any of their file-system steps, the run folder (or the previous export) is whole — as it was, or
completely done — and running the same thing again completes it, with the dedup state updated once."""
from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from conftest import REPO
from run_fixtures import write_run, write_runs

#: A child that runs one step of the dataset tools, SIGKILLing itself before its k-th fsync, rename
#: or folder swap (k = 0: never).
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import pipelines.jsonl as fs
    from pipelines.postprocess import postprocess_run, processed_inputs
    from pipelines.dataset import export
    from pipelines.dedup import Deduplicator

    mode, target, state, kill_at = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    calls = [0]
    def counted(real):
        def call(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return call
    os.fsync, os.replace = counted(os.fsync), counted(os.replace)
    if hasattr(fs, "exchange_paths"):
        fs.exchange_paths = counted(fs.exchange_paths)
    if mode == "postprocess":
        postprocess_run(target, dedup=Deduplicator.open(state))
    else:
        inputs, records, stats = processed_inputs(sys.argv[5:], dedup_state=state)
        export(records, inputs.sources, stats, target, "jsonl", 5)
""")


def child(mode: str, target: Path, state: Path, kill_at: int = 0, *inputs: Path) -> int:
    return subprocess.run([sys.executable, "-c", CHILD, mode, str(target), str(state), str(kill_at), *map(str, inputs)],
                          cwd=REPO, env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=False,
                          timeout=120).returncode


def snapshot(folder: Path, root: Path | None = None) -> dict[str, bytes]:
    """Every file under ``folder``; ``root`` (where the inputs are) written as ROOT."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {k: v.replace(str(root).encode(), b"ROOT") if root else v for k, v in files.items()}


def state_arrays(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def same_state(a: Path, b: Path) -> bool:
    x, y = state_arrays(a), state_arrays(b)
    return x.keys() == y.keys() and all(np.array_equal(x[k], y[k]) for k in x)


def fresh_runs(root: Path) -> tuple[Path, Path]:
    """Two runs of one site (the second repeats the first's texts under new URLs) and a dedup state."""
    first, _ = write_runs(root / "output")
    records = [json.loads(line) for line in (first / "pieces.jsonl").read_text("utf-8").splitlines()]
    copies = [{**r, "id": r["id"] + "b", "url": r["url"] + "?b"} for r in records]
    second = write_run(root / "output", "a.example", "20240102T000000Z", copies, [])
    return first, second


def test_a_postprocess_killed_at_any_step_leaves_the_run_whole_and_a_rerun_completes_it(tmp_path):
    ref = tmp_path / "ref"
    first, second = fresh_runs(ref)
    state = ref / "dedup.npz"
    assert child("postprocess", first, state) == 0
    assert child("postprocess", second, state) == 0
    done_first, done_second = snapshot(first), snapshot(second)

    step = 1
    while True:
        root = tmp_path / f"kill-{step}"
        first, second = fresh_runs(root)
        state = root / "dedup.npz"
        assert child("postprocess", first, state) == 0
        before = snapshot(second)
        status = child("postprocess", second, state, step)
        assert snapshot(second) in (before, done_second), f"half-processed run after a kill at step {step}"
        assert not (status == 0 and snapshot(second) != done_second)
        assert child("postprocess", second, state) == 0  # the rerun completes it
        assert snapshot(first) == done_first and snapshot(second) == done_second
        assert same_state(state, ref / "dedup.npz")
        assert sorted(p.name for p in second.parent.iterdir()) == ["20240101T000000Z", "20240102T000000Z"]
        if status == 0:
            break
        assert status == -signal.SIGKILL
        step += 1
    assert step > 3


def test_an_export_killed_at_any_step_keeps_the_previous_export_and_a_rerun_completes_it(tmp_path):
    ref_runs = fresh_runs(tmp_path / "ref")
    ref_out = tmp_path / "ref" / "dataset"
    assert child("export", ref_out, tmp_path / "ref" / "dedup.npz", 0, *ref_runs) == 0
    expected = snapshot(ref_out, tmp_path / "ref")
    assert len([name for name in expected if name.startswith("data/")]) > 2  # several shards

    step = 1
    while True:
        root = tmp_path / f"kill-{step}"
        runs = fresh_runs(root)
        out = root / "dataset"
        out.mkdir()
        (out / "data").mkdir()
        (out / "data" / "train-00000-of-00001.jsonl").write_text("{}\n", "utf-8")
        (out / "README.md").write_text("previous export\n", "utf-8")
        previous = snapshot(out)
        status = child("export", out, root / "dedup.npz", step, *runs)
        assert snapshot(out, root) in (previous, expected), f"half-written export after a kill at step {step}"
        assert child("export", out, root / "dedup.npz", 0, *runs) == 0
        assert snapshot(out, root) == expected
        left = sorted(p.name for p in root.iterdir() if not p.name.endswith(".tmp"))  # a killed save's temporary
        assert left == ["dataset", "dedup.npz", "output"]
        if status == 0:
            break
        assert status == -signal.SIGKILL
        step += 1
    assert step > 3


def test_export_refuses_to_replace_a_folder_that_is_not_an_export(tmp_path):
    from pipelines.dataset import export

    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", "utf-8")
    try:
        export([], [], {}, out, "jsonl")
    except ValueError as exc:
        assert "not an earlier export" in str(exc)
    else:
        raise AssertionError("export replaced a folder holding other files")
    assert (out / "notes.txt").read_text("utf-8") == "keep me"
    shutil.rmtree(out)
