"""The dedup state is data that cannot run code: a NumPy .npz loaded with ``allow_pickle=False``,
versioned and checked on load. A planted pickle (which would run code if unpickled) is refused with one
error line, by the library and by ``essay-crawler export --dedup-state``."""
from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO
from run_fixtures import write_runs

from pipelines.dedup import Deduplicator, DedupStateError


class Payload:
    """Unpickling this runs ``open(MARKER, 'w')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def planted(path, marker):
    path.write_bytes(pickle.dumps({"version": 1, "params": {}, "exact": Payload(marker)}))
    return path


def record(n: int, text: str) -> dict:
    return {"id": f"id{n}", "url": f"http://example.org/{n}.html", "text": text}


TEXT = "外婆家的后院有一块小小的菜园，四周用竹篱笆围着，篱笆上爬满了豆角藤。每年暑假，我都跟着外婆浇水、拔草。"


def test_a_planted_pickle_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    state = planted(tmp_path / "dedup.pickle", marker)
    with pytest.raises(DedupStateError) as exc:
        Deduplicator.open(state)
    assert not marker.exists()
    assert str(state) in str(exc.value) and "\n" not in str(exc.value)


def test_export_with_a_planted_state_is_one_error_line(tmp_path):
    marker = tmp_path / "ran"
    run_a, _ = write_runs(tmp_path / "output")
    state = planted(tmp_path / "state.bin", marker)
    done = subprocess.run([sys.executable, "-m", "essay_crawler", "export", str(run_a), "-o", str(tmp_path / "ds"),
                           "--format", "jsonl", "--dedup-state", str(state)], cwd=REPO, capture_output=True,
                          text=True, check=False, timeout=120, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a dedup state" in lines[0], done.stderr
    assert not marker.exists()


def test_the_saved_state_is_plain_versioned_arrays_and_round_trips(tmp_path):
    path = tmp_path / "dedup.npz"
    first = Deduplicator.open(path)
    first.mark(record(1, TEXT))
    first.mark(record(2, "完全不同的一篇文章，写的是春天的早晨和小河边的柳树，还有几只小鸭。"))
    first.save()
    with np.load(path, allow_pickle=False) as npz:
        meta = json.loads(npz["meta"].tobytes())
        assert meta["version"] == 2 and npz["signatures"].shape == (2, 128)
        assert all(npz[name].dtype != object for name in npz.files)

    again = Deduplicator.open(path)
    assert len(again) == 2
    assert again.mark(record(3, TEXT + "！"))["dup_of"] == "id1"
    assert again.mark(record(4, TEXT[:-3] + "和施肥。"))["near_dup_of"] == "id1"


def arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def save_arrays(path, data):
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("damage", ["version", "format", "shape", "missing", "npy", "garbage"])
def test_a_foreign_or_damaged_state_is_one_clear_error(tmp_path, damage):
    path = tmp_path / "dedup.npz"
    dedup = Deduplicator.open(path)
    dedup.mark(record(1, TEXT))
    dedup.save()
    data = arrays(path)
    meta = json.loads(data["meta"].tobytes())
    if damage in ("version", "format"):
        meta[damage] = 1 if damage == "version" else "something else"
        data["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        save_arrays(path, data)
    elif damage == "shape":
        data["signatures"] = data["signatures"][:, :5]
        save_arrays(path, data)
    elif damage == "missing":
        del data["exact_ids"]
        save_arrays(path, data)
    elif damage == "npy":
        with path.open("wb") as fh:
            np.save(fh, np.zeros(3))
    else:
        path.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(DedupStateError) as exc:
        Deduplicator.open(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)
