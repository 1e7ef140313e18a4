"""The compact LSH index of the Deduplicator gives the marks datasketch's MinHashLSH gives, over a
stream long enough to flush and merge its sorted runs, across a save and a reload in blocks."""
from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

from pipelines import dedup_store as dedup_module
from pipelines.dedup import LSH_WEIGHTS, SEED, Deduplicator, dedup_form, lsh_shape, shingle_hashes

HAN = "春夏秋冬山水花草树木风雨雷电日月星辰江河湖海鸟兽虫鱼父母兄弟朋友老师同学学校家乡田野城市道路灯火书本文章"


def sentence(rng: random.Random) -> str:
    return "".join(rng.choices(HAN, k=rng.randint(10, 24))) + "。"


def stream(n: int, seed: int = 3) -> list[dict]:
    """Records with exact copies, near copies (one or two sentences changed), distant copies (half
    the sentences changed) and ids seen again."""
    rng = random.Random(seed)
    texts: list[list[str]] = []
    records = []
    for i in range(n):
        kind = rng.random()
        if texts and kind < 0.08:
            sentences = list(rng.choice(texts))
        elif texts and kind < 0.2:
            sentences = list(rng.choice(texts))
            for _ in range(rng.randint(1, 2)):
                sentences[rng.randrange(len(sentences))] = sentence(rng)
        elif texts and kind < 0.25:
            sentences = list(rng.choice(texts))
            for at in range(0, len(sentences), 2):
                sentences[at] = sentence(rng)
        else:
            sentences = [sentence(rng) for _ in range(12)]
        texts.append(sentences)
        url = f"https://s{i % 7}.example/{rng.randrange(n) if rng.random() < 0.03 else i}.html"
        records.append({"id": hashlib.sha1(f"{url}#1".encode()).hexdigest()[:16], "text": "".join(sentences)})
    return records


def reference_marks(records: list[dict]) -> list[tuple[str | None, str | None]]:
    """The marks of the index as datasketch keeps it (a Python set per band key)."""
    lsh = MinHashLSH(threshold=0.5, num_perm=128, weights=LSH_WEIGHTS)
    template = MinHash(num_perm=128, seed=SEED, hashfunc=lambda v: v)
    exact: dict[bytes, str] = {}
    indexed: dict[str, tuple[int, np.ndarray]] = {}
    marks = []
    for record in records:
        form = dedup_form(record["text"])
        first = exact.setdefault(hashlib.sha1(form.encode()).digest(), record["id"])
        if first != record["id"]:
            marks.append((first, None))
            continue
        minhash = template.copy()
        minhash.update_batch(shingle_hashes(form).tolist())
        query = LeanMinHash(minhash)
        near = next((key for key in sorted(lsh.query(query), key=lambda k: indexed[k][0])
                     if key != record["id"] and np.mean(indexed[key][1] == minhash.hashvalues) >= 0.5), None)
        if near is None and record["id"] not in indexed:
            indexed[record["id"]] = (len(indexed), minhash.hashvalues)
            lsh.insert(record["id"], query)
        marks.append((None, near))
    return marks


def marks_of(dedup: Deduplicator, records: list[dict]) -> list[tuple[str | None, str | None]]:
    return [(m["dup_of"], m["near_dup_of"]) for m in map(dedup.mark, records)]


@pytest.fixture
def small_blocks(monkeypatch):
    """Chunks, dict flushes and run merges every few records, so the stream crosses many of each."""
    monkeypatch.setattr(dedup_module, "CHUNK_ROWS", 64)
    monkeypatch.setattr(dedup_module, "RECENT_MAX", 600)
    monkeypatch.setattr(dedup_module, "RUN_MAX", 6000)


def test_marks_equal_datasketch_lsh_over_a_long_stream(small_blocks):
    records = stream(1500)
    expected = reference_marks(records)
    assert sum(d is not None for d, _ in expected) > 100 and sum(n is not None for _, n in expected) > 100
    assert marks_of(Deduplicator(), records) == expected


def test_a_saved_and_reloaded_state_marks_the_same(tmp_path, small_blocks):
    records = stream(1200, seed=5)
    expected = reference_marks(records)
    state = tmp_path / "dedup.npz"
    first = Deduplicator.open(state)
    head = marks_of(first, records[:700])
    first.save()
    again = Deduplicator.open(state)
    assert len(again) == len(first)
    assert head + marks_of(again, records[700:]) == expected
    again.save(tmp_path / "copy.npz")
    with np.load(state, allow_pickle=False) as a, np.load(tmp_path / "copy.npz", allow_pickle=False) as b:
        assert a["signatures"].shape[0] < b["signatures"].shape[0]
        assert (b["signatures"][:a["signatures"].shape[0]] == a["signatures"]).all()
        assert list(b["exact_ids"][:len(a["exact_ids"])]) == list(a["exact_ids"])


def test_ids_longer_than_sixteen_bytes_are_kept_whole(tmp_path):
    dedup = Deduplicator.open(tmp_path / "dedup.npz")
    text = "".join(sentence(random.Random(1)) for _ in range(8))
    long_id = "第一篇-" + "x" * 40
    assert dedup.mark({"id": "short", "text": text})["dup_of"] is None
    assert dedup.mark({"id": long_id, "text": "另" + text[1:] + "再见。"})["near_dup_of"] == "short"
    assert dedup.mark({"id": "third", "text": "另" + text[1:] + "再见。"})["dup_of"] == long_id
    dedup.save()
    again = Deduplicator.open(tmp_path / "dedup.npz")
    assert again.mark({"id": "fourth", "text": "另" + text[1:] + "再见！"})["dup_of"] == long_id


@pytest.mark.parametrize("num_perm", [128, 16, 100, 256])
def test_the_bands_and_rows_are_datasketchs_choice(num_perm):
    """:func:`lsh_shape` (quadrature without SciPy) picks what ``MinHashLSH`` picks (its
    ``_optimal_param``, SciPy's ``quad``) at every threshold from 0.02 to 1 in steps of 0.02, and
    refuses one band as it does."""
    refused = 0
    for step in range(1, 51):
        threshold = step / 50
        bands, rows = _optimal_param(threshold, num_perm, *LSH_WEIGHTS)
        if bands < 2:
            refused += 1
            with pytest.raises(ValueError, match=r"b < 2"):
                MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
            with pytest.raises(ValueError, match=r"b < 2"):
                lsh_shape(threshold, num_perm)
        else:
            assert lsh_shape(threshold, num_perm) == (bands, rows), threshold
    assert refused < 5
