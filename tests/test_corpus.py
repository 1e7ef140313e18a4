"""``essay-crawler corpus`` end to end on the local executor (and Ray): generated WARC files with
planted exact and near copies give exactly those marks, the records ``clean`` gives, the marks the
online Deduplicator gives in corpus order; a run killed with SIGKILL and started again gives the same
files. The Ray and Slurm executors give the same files as the local one."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import REPO, cli_command, needs_slurm, validate_records
from datatrove.data import Document
from datatrove.io import get_datafolder
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.utils.hashing import HashConfig
from slurm_cluster import PARTITION
from warc_corpus import Page, copy_of, near_copy_of, page_of, pagegen, write_warc

from pipelines import clean_page
from pipelines.corpus.minhash import (
    EXACT,
    NODE,
    PAIR,
    BandRun,
    PieceSignatures,
    SideFiles,
    VerifyCandidates,
    band_dtype,
    band_groups,
    earliest_marks,
    marked_line,
    merged_band_groups,
    side_dtype,
)
from pipelines.dedup import Deduplicator
from pipelines.errors import PageError
from pipelines.jsonl import dumps_record
from pipelines.records import record_id

LIST_PAGE = Page("https://www.corpus.example/list_1.html",
                 ("<html><head><meta charset='utf-8'><title>作文列表</title></head><body><ul>"
                  + "".join(f"<li><a href='/zw/{n}.html'>第{n}篇作文</a></li>" for n in range(30))
                  + "</ul></body></html>").encode(), "utf-8")


def corpus_pages() -> tuple[list[list[Page]], dict[str, tuple[str, str]]]:
    """Three WARC files of pages, and the planted copies: copy URL → (kind, URL it copies). The
    originals are in the first file, their copies in the later ones."""
    specs = pagegen.generate_page_specs(16, seed=11)
    gbk = next(s for s in specs if s.encoding == "gbk" and not s.charset_declared)
    # copied: pages without a canonical link (a copy of one names its own URL), UTF-8 (for the near copy)
    free = [s for s in specs if s.url is None and s.encoding == "utf-8"][:2]
    first = [gbk, *free]
    specs = first + [s for s in specs if s not in first]
    pages = [page_of(spec) for spec in specs]
    exact = copy_of(pages[1], "https://mirror.example/a/1.html")
    near = near_copy_of(pages[2], "https://mirror.example/a/2.html")
    near_copied = copy_of(near, "https://other.example/b/9.html")
    header_gbk = Page("https://header.example/gbk.html", pages[0].body, "gbk")  # its charset in the HTTP header only
    files = [pages[:7] + [LIST_PAGE], pages[7:12] + [exact, near, header_gbk], [near_copied] + pages[12:]]
    planted = {exact.url: ("dup_of", pages[1].url), near.url: ("near_dup_of", pages[2].url),
               near_copied.url: ("dup_of", near.url), header_gbk.url: ("dup_of", pages[0].url)}
    return files, planted


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warcs")
    files, planted = corpus_pages()
    paths = [write_warc(folder / name, pages) for name, pages in zip(("a.warc.gz", "b.warc.gz", "c.warc"), files, strict=True)]
    return folder, paths, files, planted


def corpus(*args, wait: bool = True, env: dict[str, str] | None = None, **kwargs
           ) -> subprocess.CompletedProcess | subprocess.Popen:
    env = dict(env or os.environ, PYTHONPATH=str(REPO))
    command = [*cli_command(), "corpus", *map(str, args)]
    if not wait:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True, **kwargs)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, **kwargs)


def data_files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((out / "data").iterdir())}


def records_of(out: Path) -> list[dict]:
    """The records of every data file, in corpus order (the test's files are one per task)."""
    return [json.loads(line) for data in data_files(out).values() for line in data.decode().splitlines()]


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    folder, *_ = inputs
    out = tmp_path_factory.mktemp("corpus") / "out"
    done = corpus(folder, "-o", out, "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stderr


def cleaned(files: list[list[Page]]) -> list[dict]:
    """What ``essay-crawler clean`` makes of every page, in corpus order."""
    records = []
    for pages in files:
        for page in pages:
            try:
                records.extend(clean_page(page.body, page.url, declared_encoding=page.charset).records)
            except PageError as exc:
                assert page is LIST_PAGE and exc.reason == "no_content"
    return records


def test_planted_copies_and_only_they_are_marked(inputs, reference):
    _, _, files, planted = inputs
    out, stderr = reference
    records = records_of(out)
    validate_records([{k: v for k, v in r.items() if k not in ("dup_of", "near_dup_of")} for r in records])
    by_url: dict[str, list[dict]] = {}
    for record in records:
        by_url.setdefault(record["url"], []).append(record)
    expected_marks = {}
    for url, (kind, original) in planted.items():
        assert len(by_url[url]) == len(by_url[original]) > 1
        for record in by_url[url]:
            expected_marks[record["id"]] = (kind, record_id(original, record["piece_no"]))
    marks = {r["id"]: ("dup_of", r["dup_of"]) if r["dup_of"] else ("near_dup_of", r["near_dup_of"])
             for r in records if r["dup_of"] or r["near_dup_of"]}
    assert marks == expected_marks
    pages = sum(len(pages) for pages in files)
    assert f"{pages} pages: {pages - 1} articles, 1 not articles, 0 errors; {len(records)} records, " \
           f"{sum(k == 'dup_of' for k, _ in marks.values())} exact copies (dup_of), " \
           f"{sum(k == 'near_dup_of' for k, _ in marks.values())} near copies" in stderr


def test_records_are_cleans_and_marks_the_online_deduplicators(inputs, reference):
    _, _, files, _ = inputs
    out, _ = reference
    records = records_of(out)
    expected = cleaned(files)
    assert [{k: v for k, v in r.items() if k not in ("dup_of", "near_dup_of")} for r in records] == expected
    online = Deduplicator()
    assert [(r["dup_of"], r["near_dup_of"]) for r in records] == [
        (m["dup_of"], m["near_dup_of"]) for m in map(online.mark, expected)]


def test_marks_do_not_depend_on_the_number_of_tasks(inputs, reference, tmp_path):
    folder, *_ = inputs
    done = corpus(folder, "-o", tmp_path / "one", "--tasks", "1", "--workers", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert records_of(tmp_path / "one") == records_of(reference[0])


def wait_for(path: Path, count: int, proc: subprocess.Popen) -> None:
    """Until ``path`` holds ``count`` files; fail if the run ends first (the kill would test nothing)."""
    deadline = time.monotonic() + 300
    while not (path.is_dir() and len(list(path.iterdir())) >= count):
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_run_killed_twice_resumes_to_the_same_files(inputs, reference, tmp_path):
    folder, *_ = inputs
    out = tmp_path / "out"
    # 30 tasks (27 without a file), killed after the first task of the clean stage, then after the
    # first of the verify stage's 30 (one a band): a stage of 3 tasks can finish between two looks.
    for stage in ("clean", "verify"):
        proc = corpus(folder, "-o", out, "--workers", "1", "--tasks", "30", wait=False)
        wait_for(out / "logs" / stage / "completions", 1, proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not list(out.glob("logs/write/completions/*"))  # killed before the end
    assert len(list(out.glob("logs/verify/completions/*"))) < 30  # and in the middle of a stage
    done = corpus(folder, "-o", out, "--workers", "1", "--tasks", "30")
    assert done.returncode == 0, done.stderr[-3000:]
    assert data_files(out) == data_files(reference[0])
    assert "Skipping" in done.stderr or "Not doing anything" in done.stderr


def test_parquet_holds_the_same_records(inputs, reference, tmp_path):
    folder, *_ = inputs
    done = corpus(folder, "-o", tmp_path / "pq", "--format", "parquet", "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [row for path in sorted((tmp_path / "pq" / "data").glob("*.parquet")) for row in pq.read_table(path).to_pylist()]
    expected = records_of(reference[0])
    assert [{k: v for k, v in row.items() if v is not None or k in record} for row, record in
            zip(rows, expected, strict=True)] == expected


def test_the_ray_executor_gives_the_same_files(inputs, reference, tmp_path):
    folder, *_ = inputs
    done = corpus(folder, "-o", tmp_path / "ray", "--executor", "ray", "--workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert data_files(tmp_path / "ray") == data_files(reference[0])


@needs_slurm
def test_the_slurm_executor_gives_the_same_files(inputs, reference, slurm_cluster, tmp_path):
    folder, *_ = inputs
    done = corpus(folder, "-o", tmp_path / "slurm", "--executor", "slurm", "--partition", PARTITION, "--workers", "2",
                  env=slurm_cluster.env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.splitlines()[-1] == f"submitted the stages to Slurm; logs in {tmp_path / 'slurm' / 'logs'}"
    slurm_cluster.wait_until_idle(600)
    assert data_files(tmp_path / "slurm") == data_files(reference[0])


def test_bad_inputs_and_another_runs_folder_are_one_line(inputs, reference, tmp_path):
    folder, *_ = inputs
    done = corpus(tmp_path / "nothing.warc.gz", "-o", tmp_path / "x")
    assert done.returncode == 2 and done.stderr.strip() == f"error: {tmp_path / 'nothing.warc.gz'}: no such file, or no .warc / .warc.gz files there"
    done = corpus(folder, "-o", reference[0], "--threshold", "0.7")
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {reference[0]}: holds a corpus run of other inputs or options; give a new -o to start one"


def phrase_pieces(count: int, seed: int) -> list[Document]:
    """Pieces made of a few phrases, so that many share a band's values."""
    rng = random.Random(seed)
    phrases = ["春天来了，", "小草从地里钻出来，", "我和同学们去公园放风筝，", "天空中飘着白云，", "妈妈说要好好学习。"]
    documents = []
    for number in range(count):
        text = "".join(rng.choice(phrases) for _ in range(rng.randrange(2, 6)))
        record = {"id": f"{seed:02d}{number:014d}", "text": text}
        documents.append(Document(text=text, id=record["id"], metadata={"record": record, "place": [seed, number, 1]}))
    return documents


def test_band_groups_are_datatroves_minhash_stage_2(tmp_path):
    """The clean stage's band files, read by datatrove's own MinHash stage 2 (which checks their
    order), give the groups that :func:`band_groups` gives."""
    work = tmp_path / "work"
    for rank in range(3):
        PieceSignatures(str(work / "pieces"), str(work / "side"), str(work / "signatures"))(
            iter(phrase_pieces(150, rank)), rank, 3)
    config = MinhashConfig(n_grams=5, num_buckets=30, hashes_per_bucket=4, hash_config=HashConfig(precision=32))
    datatrove = MinhashDedupBuckets(str(work / "signatures"), str(work / "buckets"), config=config)
    groups_seen = 0
    for band in range(30):
        datatrove.run(None, band, 30)
        theirs: list[set] = []
        pairs = np.fromfile(work / "buckets" / f"{band:05d}_00.dups", dtype="<u4").reshape(-1, 4).tolist()
        for file_a, doc_a, file_b, doc_b in pairs:  # a group of k pieces is k-1 consecutive pairs
            if not theirs or (file_a, doc_a) not in theirs[-1]:
                theirs.append({(file_a, doc_a)})
            theirs[-1].add((file_b, doc_b))
        lines = [np.fromfile(work / "signatures" / f"bucket_{band:03d}" / f"{rank:05d}.minhash.sig",
                             dtype=band_dtype(4)) for rank in range(3)]
        members, group = band_groups(lines)
        ours = [set(map(tuple, members[group == g].tolist())) for g in range(int(group.max()) + 1)]
        assert sorted(map(sorted, ours)) == sorted(map(sorted, theirs))
        groups_seen += len(ours)
    assert groups_seen > 100


def merged(folder: Path, band: int, lines: int) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`merged_band_groups` of a band's files, its windows joined (groups numbered on): the
    members, their group numbers, the number of windows."""
    runs = [BandRun(get_datafolder(str(folder)), f"bucket_{band:03d}/{rank:05d}.minhash.sig", band_dtype(4))
            for rank in range(3)]
    members, groups, windows, numbered = [np.zeros((0, 2), dtype=np.uint32)], [np.zeros(0, dtype=np.int64)], 0, 0
    for window_members, group in merged_band_groups(runs, lines):
        members.append(window_members)
        groups.append(group + numbered)
        numbered += int(group[-1]) + 1 if len(group) else 0
        windows += 1
    for run in runs:
        run.close()
    return np.concatenate(members), np.concatenate(groups), windows


def test_the_merge_of_band_files_a_few_lines_at_a_time_gives_the_whole_sorts_groups(tmp_path):
    """The verify stage reads the band files a slice at a time: with 7 lines in all (2 a file), many
    groups cross the slices' ends and many are longer than a slice; it gives the groups, members and
    order that sorting the whole files gives."""
    work = tmp_path / "work"
    for rank in range(3):
        PieceSignatures(str(work / "pieces"), str(work / "side"), str(work / "signatures"))(
            iter(phrase_pieces(150, rank)), rank, 3)
    longest = 0
    for band in range(30):
        lines = [np.fromfile(work / "signatures" / f"bucket_{band:03d}" / f"{rank:05d}.minhash.sig",
                             dtype=band_dtype(4)) for rank in range(3)]
        members, group = band_groups(lines)
        longest = max(longest, int(np.bincount(group).max()))
        for share in (7, 1 << 17):
            their_members, their_group, windows = merged(work / "signatures", band, share)
            assert np.array_equal(their_members, members) and np.array_equal(their_group, group), (band, share)
            assert windows > 20 if share == 7 else windows == 1
    assert longest > 20


def test_a_marked_line_is_the_marked_records_line():
    record = {"id": "ab12", "text": "一句话，\"引号\"\n", "chars": 6, "piece_title": None}
    for dup_of, near_dup_of in ((None, None), ("0123456789abcdef", None), (None, "fedcba9876543210")):
        assert marked_line(dumps_record(record).encode(), dup_of, near_dup_of) == dumps_record(
            {**record, "dup_of": dup_of, "near_dup_of": near_dup_of}).encode()


def test_side_lines_are_read_in_the_order_asked(tmp_path):
    """Members of three side files in random order (more than a batch, runs of one file and lone
    lines) get their own lines."""
    for rank in range(3):
        PieceSignatures(str(tmp_path / "pieces"), str(tmp_path / "side"), str(tmp_path / "signatures"))(
            iter(phrase_pieces(700, rank)), rank, 3)
    paths = [str(tmp_path / "side" / f"{rank:05d}.side") for rank in range(3)]
    whole = [np.fromfile(path, dtype=side_dtype(128)) for path in paths]
    rng = np.random.default_rng(5)
    members = np.array([(rank, index) for rank in range(3) for index in range(700)], dtype=np.uint32)
    members = members[rng.permutation(len(members))[:1500]]
    sides = SideFiles(paths, side_dtype(128))
    try:
        for asked in (members, members[:1], members[members[:, 0] == 2]):
            fields = sides.read(asked, ("signature", "id", "piece"))
            for name, field in fields.items():
                assert np.array_equal(field, np.array([whole[rank][index][name] for rank, index in asked.tolist()]))
    finally:
        sides.close()


def test_a_large_group_checked_block_by_block_gives_the_pairs_of_one_block(tmp_path):
    """With candidates checked 8 at a time, a group of more than 8 is checked a block of 4 kept
    members against each later block and itself: every band gives the same pairs, each once, and
    the same exact copies as with all of them checked at once."""
    work = tmp_path / "work"
    for rank in range(3):
        PieceSignatures(str(work / "pieces"), str(work / "side"), str(work / "signatures"))(
            iter(phrase_pieces(150, rank)), rank, 3)
    for name, chunk in (("whole", 1 << 20), ("blocks", 8)):
        VerifyCandidates(str(work / "signatures"), str(work / "side"), str(work / name), chunk=chunk)(None, 0, 1)
    large = pairs_seen = 0
    for band in range(30):
        lines = [np.fromfile(work / "signatures" / f"bucket_{band:03d}" / f"{rank:05d}.minhash.sig",
                             dtype=band_dtype(4)) for rank in range(3)]
        large += int((np.bincount(band_groups(lines)[1]) > 8).sum())
        whole, blocks = (sorted(pair.tobytes() for pair in np.fromfile(work / name / f"{band:05d}.near", dtype=PAIR))
                         for name in ("whole", "blocks"))
        assert blocks == whole, band
        pairs_seen += len(whole)
    assert large > 30 and pairs_seen > 1000
    assert len(np.fromfile(work / "whole" / "exact", dtype=EXACT)) > 50
    assert (work / "blocks" / "exact").read_bytes() == (work / "whole" / "exact").read_bytes()


def marks_by_dicts(near: np.ndarray, exact: np.ndarray) -> dict[tuple[int, int], tuple[int, bytes]]:
    """The marks stage's rule written plainly: pieces in corpus order, each kept unless one of the
    earlier pieces it pairs with is kept (then it names the earliest of those); exact copies name
    their first."""
    marks = {(int(line["piece"]["rank"]), int(line["piece"]["index"])): (1, bytes(line["first"])) for line in exact}
    earlier_of: dict[tuple, set[tuple]] = {}
    for pair in near:
        earlier, later = (tuple(pair[side].tolist()) for side in ("earlier", "later"))
        earlier_of.setdefault(later, set()).add(earlier)
        earlier_of.setdefault(earlier, set())
    kept: set[tuple] = set()
    for node in sorted(earlier_of, key=lambda node: node[2:5]):
        candidates = sorted((n for n in earlier_of[node] if n in kept), key=lambda node: node[2:5])
        if candidates:
            marks[(node[0], node[1])] = (2, candidates[0][5])
        else:
            kept.add(node)
    return marks


def test_the_marks_are_the_earliest_kept_pieces_of_the_plain_rule():
    """Random pairs among 400 pieces of 3 tasks (chains, pieces paired with many, pieces with no
    earlier one) and exact copies among 200 others give the marks of the plain rule."""
    rng = np.random.default_rng(3)
    pieces = np.zeros(600, dtype=NODE)
    pieces["rank"], pieces["index"] = rng.integers(0, 3, 600), rng.permutation(600)
    places = rng.permutation(600)  # the corpus order: file, record, piece
    pieces["file"], pieces["record"], pieces["piece"] = places // 100, places // 10 % 10, places % 10
    pieces["id"] = [f"{n:016x}".encode() for n in rng.permutation(600)]
    paired, copied = pieces[:400], pieces[400:]
    ends = rng.integers(0, 400, (1500, 2))
    ends = ends[ends[:, 0] != ends[:, 1]]
    order = (paired["file"] * 100 + paired["record"] * 10 + paired["piece"]).astype(np.int64)
    swap = order[ends[:, 0]] > order[ends[:, 1]]
    ends[swap] = ends[swap][:, ::-1]
    near = np.zeros(len(ends), dtype=PAIR)
    near["earlier"], near["later"] = paired[ends[:, 0]], paired[ends[:, 1]]
    exact = np.zeros(200, dtype=EXACT)
    exact["piece"], exact["first"] = copied, paired["id"][rng.integers(0, 400, 200)]
    marks = earliest_marks(np.array_split(near, 7), exact)
    expected = marks_by_dicts(near, exact)
    assert {(int(m["rank"]), int(m["index"])): (int(m["kind"]), bytes(m["target"])) for m in marks} == expected
    assert list(zip(marks["rank"].tolist(), marks["index"].tolist(), strict=True)) == sorted(expected)
    assert 50 < sum(kind == 2 for kind, _ in expected.values()) < 350
    assert len(earliest_marks([], np.zeros(0, dtype=EXACT))) == 0
    assert len(earliest_marks([near[:0]], exact[:0])) == 0


def test_a_band_file_sorted_in_runs_is_the_file_sorted_whole(tmp_path):
    """With 100 band lines sorted at a time, 700 pieces' band files are sorted in 7 runs, merged a
    slice of 14 lines of each at a time (groups of equal values cross the slices): the same files as
    sorted whole, and no run left."""
    folders = {}
    for name, lines in (("whole", 1 << 17), ("runs", 100)):
        folders[name] = tmp_path / name
        PieceSignatures(str(folders[name] / "pieces"), str(folders[name] / "side"), str(folders[name] / "signatures"),
                        sort_lines=lines)(iter(phrase_pieces(700, 0)), 0, 1)
    longest = 0
    for band in range(30):
        whole, runs = ((folders[name] / "signatures" / f"bucket_{band:03d}" / "00000.minhash.sig").read_bytes()
                       for name in ("whole", "runs"))
        assert runs == whole, band
        values = np.frombuffer(whole, dtype=band_dtype(4))
        longest = max(longest, int(np.unique(values[["field1", "field2", "field3", "field4"]],
                                             return_counts=True)[1].max()))
    assert longest > 14
    assert sorted(path.name for path in (folders["runs"] / "signatures").rglob("*")
                  if path.is_file()) == ["00000.minhash.sig"] * 30
