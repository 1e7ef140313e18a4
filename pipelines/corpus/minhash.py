"""Global near-dedup of a corpus's pieces on datatrove, with the online deduplicator's semantics: its
signatures and bands, candidates verified against the threshold, each piece marked against the
earliest record (see :mod:`pipelines.corpus`)."""
from __future__ import annotations

import hashlib
import json
import mmap
import os
from collections.abc import Iterable, Iterator
from contextlib import nullcontext

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from numba import njit

from pipelines.dedup import DEFAULT_NUM_PERM, DEFAULT_SHINGLE, DEFAULT_THRESHOLD, Deduplicator, dedup_form, lsh_shape
from pipelines.jsonl import dumps_record

#: Where a piece is: its place in the corpus (input file, record in the file, piece on the page),
#: and what dedup needs of it.
NODE = np.dtype([("rank", "<u4"), ("index", "<u4"), ("file", "<u4"), ("record", "<u4"), ("piece", "<u4"),
                 ("id", "S16")])
#: A verified candidate pair (an earlier piece, a later one), and an exact copy (a piece, the id it copies).
PAIR = np.dtype([("earlier", NODE), ("later", NODE)])
EXACT = np.dtype([("piece", NODE), ("first", "S16")])
#: A mark of the write stage: the piece's index in its task, the kind (1 exact, 2 near), the id it names.
MARK = np.dtype([("index", "<u4"), ("kind", "u1"), ("target", "S16")])
#: A mark of the marks stage: the piece's clean task and index there, the kind, the id it names.
MARKED = np.dtype([("rank", "<u4"), ("index", "<u4"), ("kind", "u1"), ("target", "S16")])
EXACT_MARK, NEAR_MARK = 1, 2
#: Pieces signed between two writes of the side and band files.
BLOCK = 1024
#: Band lines a clean task sorts at a time: a longer band file is sorted in runs of as many, merged.
SORT_LINES = 1 << 17
#: Candidates a verify task checks at a time (whole groups), so it holds their signatures a chunk at a
#: time; a larger group is checked a block of half as many against another (:meth:`VerifyCandidates._verify_large_group`).
CHUNK = 4096
#: Band lines a verify task reads at a time of one band's files, shared among them (whole groups of
#: equal values), so that what it holds does not grow with the corpus.
MERGE_LINES = 1 << 17
#: Side lines a verify task reads between two givings back of their pages (see :class:`SideFiles`).
BATCH = 256
#: What the verify stage reads of a candidate's side line besides its signature.
PLACE = ("file", "record", "piece", "digest", "id")


def side_dtype(num_perm: int) -> np.dtype:
    """A piece's line in the side files: id, dedup digest, place, full signature."""
    return np.dtype([("id", "S16"), ("digest", "S20"), ("file", "<u4"), ("record", "<u4"), ("piece", "<u4"),
                     ("signature", "<u4", (num_perm,))])


def band_dtype(rows: int) -> np.dtype:
    """A line of datatrove's ``.minhash.sig`` files (32-bit hashes): a band's values, the piece's index."""
    return np.dtype([(f"field{i + 1}", "<u4") for i in range(rows + 1)])


class PieceSignatures(PipelineStep):
    """The clean stage's last step. Each piece's record goes to ``pieces/<rank>.jsonl`` as ``clean``
    writes it; its signature (the online deduplicator's: datasketch's MinHash of the character
    shingles of its dedup form), digest, id and place to ``side/<rank>.side`` (:func:`side_dtype`);
    each band of its signature to datatrove's MinHash stage 1 files,
    ``signatures/bucket_<band>/<rank>.minhash.sig``, sorted as datatrove sorts them."""

    name = "🎯 piece signatures"
    type = "essay-crawler"

    def __init__(self, pieces: DataFolderLike, side: DataFolderLike, signatures: DataFolderLike, *,
                 threshold: float = DEFAULT_THRESHOLD, shingle: int = DEFAULT_SHINGLE, num_perm: int = DEFAULT_NUM_PERM,
                 sort_lines: int = SORT_LINES):
        super().__init__()
        self.pieces, self.side, self.signatures = (get_datafolder(f) for f in (pieces, side, signatures))
        self.sort_lines = sort_lines
        self.dedup = Deduplicator(threshold=threshold, shingle=shingle, num_perm=num_perm)
        self.side_type = side_dtype(num_perm)

    def _band_name(self, band: int, rank: int) -> str:
        return f"bucket_{band:03d}/{rank:05d}.minhash.sig"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        bands, rows = self.dedup.bands, self.dedup.rows
        block = np.zeros(BLOCK, dtype=self.side_type)
        count = 0
        with self.pieces.open(f"{rank:05d}.jsonl", "wt", encoding="utf-8") as pieces, \
                self.side.open(f"{rank:05d}.side", "wb") as side:
            band_files = [self.signatures.open(self._band_name(band, rank), "wb") for band in range(bands)]
            try:
                for document in data or ():
                    with self.track_time():
                        record = document.metadata["record"]
                        pieces.write(dumps_record(record))
                        form = dedup_form(record["text"])
                        line = block[count % BLOCK]
                        line["id"] = record["id"].encode("ascii")
                        line["digest"] = hashlib.sha1(form.encode("utf-8")).digest()
                        line["file"], line["record"], line["piece"] = document.metadata["place"]
                        line["signature"] = self.dedup.signature(form)
                        count += 1
                        if count % BLOCK == 0:
                            self._write(block, count - BLOCK, side, band_files)
                self._write(block[:count % BLOCK], count - count % BLOCK, side, band_files)
            finally:
                for fh in band_files:
                    fh.close()
        for band in range(bands):  # each file sorted, as datatrove's stage 1 leaves it
            sort_band_file(self.signatures, self._band_name(band, rank), band_dtype(rows), self.sort_lines)
        return iter(())

    def _write(self, block: np.ndarray, start: int, side, band_files: list) -> None:
        side.write(block.tobytes())
        rows = self.dedup.rows
        lines = np.zeros(len(block), dtype=band_dtype(rows))
        names = lines.dtype.names
        assert names is not None
        lines[names[-1]] = np.arange(start, start + len(block))
        for band, fh in enumerate(band_files):
            for row in range(rows):
                lines[names[row]] = block["signature"][:, band * rows + row]
            fh.write(lines.tobytes())


def line_keys(lines: np.ndarray) -> np.ndarray:
    """Each band line (values and index) as one byte string (big-endian), ordered as datatrove sorts
    the lines: by the values, then the index."""
    names = lines.dtype.names
    assert names is not None
    values = np.stack([lines[name] for name in names], axis=1).astype(">u4")
    return values.view(f"S{values.shape[1] * 4}")[:, 0]


def sorted_lines(lines: np.ndarray) -> np.ndarray:
    """Band lines in datatrove's order (:func:`line_keys`)."""
    return lines[np.argsort(line_keys(lines), kind="stable")]


def sort_band_file(folder, name: str, dtype: np.dtype, lines: int) -> None:
    """Sort a band file in place, holding ``lines`` lines or so at a time: a longer one is cut into
    sorted runs (``<name>.run<n>``), merged a slice of each at a time (each line's key is unique in
    its file: it holds the piece's index)."""
    size = folder.size(name) // dtype.itemsize
    if size <= lines:
        with folder.open(name, "rb") as fh:
            whole = np.frombuffer(fh.read(), dtype=dtype)
        with folder.open(name, "wb") as fh:
            fh.write(sorted_lines(whole).tobytes())
        return
    names: list[str] = []
    with folder.open(name, "rb") as fh:
        while part := fh.read(lines * dtype.itemsize):
            names.append(f"{name}.run{len(names)}")
            with folder.open(names[-1], "wb") as out:
                out.write(sorted_lines(np.frombuffer(part, dtype=dtype)).tobytes())
    runs = [BandRun(folder, run, dtype) for run in names]
    share = max(1, lines // len(runs))
    try:
        with folder.open(name, "wb") as out:
            while any(run.start < run.size for run in runs):
                parts = [run.read(share) for run in runs]
                keys = [line_keys(part) for part in parts]
                # a run's rest sorts after its slice: what sorts up to the least last key of a slice
                # that does not end its run is all here (that slice's last line among it)
                bound = min((key[-1] for run, key in zip(runs, keys, strict=True) if run.start + len(key) < run.size),
                            default=None)
                taken = [len(key) if bound is None else int(np.searchsorted(key, bound, side="right")) for key in keys]
                out.write(sorted_lines(np.concatenate([part[:count] for part, count in zip(parts, taken, strict=True)]))
                          .tobytes())
                for run, count in zip(runs, taken, strict=True):
                    run.start += count
    finally:
        for run in runs:
            run.close()
    for run_name in names:
        folder.rm(run_name)


def warm_up(threshold: float = DEFAULT_THRESHOLD) -> None:
    """Load the compiled loops and the dedup form's tables, so that workers forked after it have them."""
    Deduplicator(threshold=threshold).signature(dedup_form("预热，ｗarm-up"))
    empty = np.zeros(0, dtype=np.int64)
    signatures = np.zeros((0, DEFAULT_NUM_PERM), dtype=np.uint32)
    _similar_pairs(signatures, np.zeros(0, dtype=bool), empty, empty, 0, 1, threshold)
    _block_pairs(signatures, signatures, True, 0, 1, threshold)
    _earliest_kept(empty, empty, 0)


def band_groups(lines: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The pieces that share one band's values (datatrove's MinHash stage 2, without its consecutive
    pairs), from the ``.minhash.sig`` lines of each clean task: the ``(rank, index)`` of every piece
    in a group of two or more, in the order of the band values, and the number of its group."""
    if not lines:
        return np.zeros((0, 2), dtype=np.uint32), np.zeros(0, dtype=np.int64)
    every = np.concatenate(lines)
    ranks = np.concatenate([np.full(len(part), rank, dtype=np.uint32) for rank, part in enumerate(lines)])
    names = every.dtype.names
    assert names is not None
    order = np.lexsort([every[names[-1]], ranks, *(every[name] for name in reversed(names[:-1]))])
    values = np.stack([every[name][order] for name in names[:-1]], axis=1)
    new = np.ones(len(order), dtype=bool)
    new[1:] = (values[1:] != values[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    sizes = np.bincount(group)
    shared = sizes[group] > 1
    _, group = np.unique(group[shared], return_inverse=True)
    return np.stack([ranks[order], every[names[-1]][order]], axis=1)[shared], group


class BandRun:
    """One clean task's band file (sorted), read a slice at a time from :attr:`start`."""

    def __init__(self, folder, name: str, dtype: np.dtype):
        self.dtype, self.size, self.start = dtype, folder.size(name) // dtype.itemsize, 0
        self.file = folder.open(name, "rb")

    def read(self, count: int) -> np.ndarray:
        """Up to ``count`` lines from :attr:`start` (which stays where it is)."""
        self.file.seek(self.start * self.dtype.itemsize)
        return np.frombuffer(self.file.read(min(count, self.size - self.start) * self.dtype.itemsize), dtype=self.dtype)

    def close(self) -> None:
        self.file.close()


def sort_keys(lines: np.ndarray) -> np.ndarray:
    """Each band line's values as one byte string (big-endian), ordered as the values are."""
    names = lines.dtype.names
    assert names is not None
    values = np.stack([lines[name] for name in names[:-1]], axis=1).astype(">u4")
    return values.view(f"S{values.shape[1] * 4}")[:, 0]


def merged_band_groups(runs: list[BandRun], lines: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """:func:`band_groups` of the clean tasks' sorted band files, merged a slice of each at a time
    (``lines`` lines in all, a group of equal values longer than a file's share read whole): each
    group once and whole, in the order of the band values."""
    share = max(1, lines // max(1, len(runs)))
    widths = [share] * len(runs)
    while any(run.start < run.size for run in runs):
        parts = [run.read(width) for run, width in zip(runs, widths, strict=True)]
        keys = [sort_keys(part) for part in parts]
        going_on = [run.start + len(part) < run.size for run, part in zip(runs, parts, strict=True)]
        # the rest of a file sorts after its slice: each value below the least last value of a
        # slice that does not end its file is here in full
        bound = min((key[-1] for key, more in zip(keys, going_on, strict=True) if more), default=None)
        taken = [len(key) if bound is None else int(np.searchsorted(key, bound)) for key in keys]
        if not any(taken):  # a slice all of one value: read on in it
            widths = [width * 2 if more and key[-1] == bound else width
                      for width, key, more in zip(widths, keys, going_on, strict=True)]
            continue
        yield band_groups([part[:count] for part, count in zip(parts, taken, strict=True)])
        for run, count in zip(runs, taken, strict=True):
            run.start += count
        widths = [share] * len(runs)


def whole_groups(group: np.ndarray, size: int) -> Iterator[tuple[int, int]]:
    """``(start, end)`` slices of ``group`` (group numbers, ascending) of whole groups, ``size`` or so
    members each (a larger group alone)."""
    ends = np.cumsum(np.bincount(group)) if len(group) else np.zeros(0, dtype=np.int64)
    start = 0
    while start < len(group):
        last = np.searchsorted(ends, start + size, side="right") - 1
        end = int(ends[last] if last >= 0 and ends[last] > start else ends[np.searchsorted(ends, start, side="right")])
        yield start, end
        start = end


@njit(cache=True, nogil=True)
def _new_pair(a, b, band, rows, threshold):  # pragma: no cover - compiled
    """Whether signatures ``a`` and ``b`` share ≥ ``threshold`` of their MinHash values and no band
    before ``band`` (an earlier band's task finds those)."""
    width = a.size
    equal = 0
    for k in range(width):
        if a[k] == b[k]:
            equal += 1
    if equal / width < threshold:
        return False
    for other in range(band):
        same = True
        for k in range(other * rows, (other + 1) * rows):
            if a[k] != b[k]:
                same = False
                break
        if same:
            return False
    return True


@njit(cache=True, nogil=True)
def _similar_pairs(signatures, kept, starts, ends, band, rows, threshold):  # pragma: no cover - compiled
    """``(i, j)`` of every two kept members ``i < j`` of a group (``starts``/``ends``) that make a new
    pair of ``band`` (:func:`_new_pair`)."""
    found_i, found_j = [], []
    for group in range(starts.size):
        for i in range(starts[group], ends[group]):
            if not kept[i]:
                continue
            for j in range(i + 1, ends[group]):
                if kept[j] and _new_pair(signatures[i], signatures[j], band, rows, threshold):
                    found_i.append(i)
                    found_j.append(j)
    return np.array(found_i, dtype=np.int64), np.array(found_j, dtype=np.int64)


@njit(cache=True, nogil=True)
def _block_pairs(left, right, same, band, rows, threshold):  # pragma: no cover - compiled
    """``(i, j)`` of every member ``i`` of the block ``left`` and ``j`` of the block ``right`` (``i <
    j`` if they are the same block) that make a new pair of ``band`` (:func:`_new_pair`)."""
    found_i, found_j = [], []
    for i in range(left.shape[0]):
        for j in range(i + 1 if same else 0, right.shape[0]):
            if _new_pair(left[i], right[j], band, rows, threshold):
                found_i.append(i)
                found_j.append(j)
    return np.array(found_i, dtype=np.int64), np.array(found_j, dtype=np.int64)


def first_of_texts(group: np.ndarray, digest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of members in corpus order within each group (``group`` ascending) and their dedup digests
    (``S20``): whether each is the first of its text in its group, and the position of that first."""
    words = digest.view(np.uint32).reshape(-1, 5)
    by_text = np.lexsort([np.arange(len(group)), *words.T[::-1], group])
    first = np.ones(len(group), dtype=bool)
    first[1:] = (group[by_text][1:] != group[by_text][:-1]) | (words[by_text][1:] != words[by_text][:-1]).any(axis=1)
    kept = np.zeros(len(group), dtype=bool)
    kept[by_text[first]] = True
    first_of = np.zeros(len(group), dtype=np.int64)  # where each one's run of one text starts
    first_of[by_text] = by_text[np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))]
    return kept, first_of


class VerifyCandidates(PipelineStep):
    """MinHash stage 2 and the candidates' check against the threshold, bands ``rank, rank +
    world_size, …``. For band ``b``: the pieces sharing its values (:func:`merged_band_groups`, a merge
    of the clean stage's sorted band files, :data:`MERGE_LINES` lines at a time); of each set of identical texts in a group, the earliest; ``<b>.near``,
    the pairs of those whose estimated Jaccard similarity (the share of equal MinHash values) is ≥
    the threshold and that share no earlier band (:data:`PAIR`); for band 0 also ``exact``, every
    later copy of a text and the id of its first (:data:`EXACT`): identical texts share every band,
    so band 0 has them all."""

    name = "✅ verify candidates"
    type = "essay-crawler"

    def __init__(self, signatures: DataFolderLike, side: DataFolderLike, output: DataFolderLike, *,
                 threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM, chunk: int = CHUNK):
        super().__init__()
        self.signatures, self.side, self.output = (get_datafolder(f) for f in (signatures, side, output))
        self.threshold, self.num_perm, self.chunk = threshold, num_perm, chunk
        self.bands, self.rows = lsh_shape(threshold, num_perm)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        names = sorted(self.side.list_files(glob_pattern="*.side"))
        sides = SideFiles([self.side.resolve_paths(name) for name in names], side_dtype(self.num_perm))
        try:
            for band in range(rank, self.bands, world_size):
                with self.track_time(unit="band"):
                    self._verify_band(band, sides)
        finally:
            sides.close()
        return iter(())

    def _verify_band(self, band: int, sides: SideFiles) -> None:
        dtype = band_dtype(self.rows)
        runs = [BandRun(self.signatures, f"bucket_{band:03d}/{rank:05d}.minhash.sig", dtype)
                for rank in range(len(sides.lines))]
        groups = pairs = 0
        with self.output.open(f"{band:05d}.near", "wb") as near, \
                (self.output.open("exact", "wb") if band == 0 else nullcontext()) as exact:
            try:
                for members, group in merged_band_groups(runs, MERGE_LINES):
                    groups += int(group[-1]) + 1 if len(group) else 0
                    for start, end in whole_groups(group, self.chunk):
                        checked = (self._verify_large_group(band, members[start:end], sides)
                                   if end - start > self.chunk else
                                   [self._verify_groups(band, members[start:end], group[start:end], sides)])
                        for found, copies in checked:
                            near.write(found.tobytes())
                            if exact is not None:
                                exact.write(copies.tobytes())
                            pairs += len(found)
            finally:
                for run in runs:
                    run.close()
        self.stat_update("candidate_groups", value=groups)
        self.stat_update("near_pairs", value=pairs)

    def _verify_groups(self, band: int, members: np.ndarray, group: np.ndarray,
                       sides: SideFiles) -> tuple[np.ndarray, np.ndarray]:
        """The verified pairs of whole groups of a band, and (band 0) their exact copies."""
        place = sides.read(members, (*PLACE, "signature"))
        # each group in corpus order; of each text in a group, the first is kept
        order = np.lexsort([place["piece"], place["record"], place["file"], group])
        members, group, place = members[order], group[order], {name: field[order] for name, field in place.items()}
        signatures = place.pop("signature")
        kept, first_of = first_of_texts(group, place["digest"])
        starts = np.flatnonzero(np.append(True, group[1:] != group[:-1]))
        ends = np.append(starts[1:], len(group))
        earlier, later = _similar_pairs(signatures, kept, starts, ends, band, self.rows, self.threshold)
        del signatures
        near = np.zeros(len(earlier), dtype=PAIR)
        near["earlier"], near["later"] = nodes(members, place, earlier), nodes(members, place, later)
        return near, exact_copies(band, members, place, kept, first_of)

    def _verify_large_group(self, band: int, members: np.ndarray, sides: SideFiles
                            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """:meth:`_verify_groups` of one group larger than :attr:`chunk`, its pairs a block of half
        as many kept members against each later block (and itself), so that it holds two blocks'
        signatures at a time, and the members' places."""
        place = sides.read(members, PLACE)
        order = np.lexsort([place["piece"], place["record"], place["file"]])
        members, place = members[order], {name: field[order] for name, field in place.items()}
        kept, first_of = first_of_texts(np.zeros(len(members), dtype=np.int64), place["digest"])
        yield np.zeros(0, dtype=PAIR), exact_copies(band, members, place, kept, first_of)
        held, size = np.flatnonzero(kept), max(1, self.chunk // 2)
        for left in range(0, len(held), size):
            first = held[left:left + size]
            signatures = sides.read(members[first], ("signature",))["signature"]
            for right in range(left, len(held), size):
                second = held[right:right + size]
                others = signatures if right == left else sides.read(members[second], ("signature",))["signature"]
                earlier, later = _block_pairs(signatures, others, right == left, band, self.rows, self.threshold)
                near = np.zeros(len(earlier), dtype=PAIR)
                near["earlier"], near["later"] = nodes(members, place, first[earlier]), nodes(members, place, second[later])
                yield near, np.zeros(0, dtype=EXACT)


def exact_copies(band: int, members: np.ndarray, place: dict[str, np.ndarray], kept: np.ndarray,
                 first_of: np.ndarray) -> np.ndarray:
    """For band 0 (which has every set of identical texts), each member not kept and the id of the
    first of its text (:data:`EXACT`); none for the other bands."""
    copies = np.flatnonzero(~kept) if band == 0 else np.zeros(0, dtype=np.int64)
    exact = np.zeros(len(copies), dtype=EXACT)
    exact["piece"], exact["first"] = nodes(members, place, copies), place["id"][first_of[copies]]
    return exact


class SideFiles:
    """The clean stage's side files, mapped, read :data:`BATCH` lines at a time in file order, the
    pages given back after each batch: the kernel maps the pages around each one read (fault-around,
    64 KiB), so without that a few thousand lines read here and there would map whole files into the
    task's memory."""

    def __init__(self, paths: list[str], dtype: np.dtype):
        self.dtype = dtype
        self.maps: list[mmap.mmap | None] = []
        self.lines: list[np.ndarray] = []
        for path in paths:
            with open(path, "rb") as fh:
                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(fh.fileno()).st_size else None
            self.maps.append(mapped)
            self.lines.append(np.frombuffer(mapped, dtype=dtype) if mapped else np.zeros(0, dtype=dtype))

    def read(self, members: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Fields ``names`` of the side lines of ``members`` (``(rank, index)`` rows), in their order."""
        order = np.lexsort([members[:, 1], members[:, 0]])
        ranks, indices = members[order, 0], members[order, 1]
        fields = {name: np.zeros(len(members), dtype=self.dtype[name]) for name in names}
        for start in range(0, len(order), BATCH):
            end = min(start + BATCH, len(order))
            cuts = np.flatnonzero(ranks[start + 1:end] != ranks[start:end - 1]) + start + 1
            for first, last in zip([start, *cuts.tolist()], [*cuts.tolist(), end], strict=True):
                rank = int(ranks[first])
                lines = self.lines[rank][indices[first:last]]
                for name, field in fields.items():
                    field[order[first:last]] = lines[name]
                mapped = self.maps[rank]
                assert mapped is not None  # a line was read from it
                mapped.madvise(mmap.MADV_DONTNEED)
        return fields

    def close(self) -> None:
        self.lines = []  # the arrays on the maps go first
        for mapped in self.maps:
            if mapped:
                mapped.close()


def nodes(members: np.ndarray, place: dict[str, np.ndarray], at: np.ndarray) -> np.ndarray:
    """The :data:`NODE` of ``members[at]``, from the fields of their side lines (``place``)."""
    out = np.zeros(len(at), dtype=NODE)
    out["rank"], out["index"] = members[at, 0], members[at, 1]
    for name in ("file", "record", "piece", "id"):
        out[name] = place[name][at]
    return out


def node_keys(pieces: np.ndarray) -> np.ndarray:
    """Each :data:`NODE`'s clean task and index there as one number, ordered as ``(rank, index)``."""
    return (pieces["rank"].astype(np.uint64) << np.uint64(32)) | pieces["index"].astype(np.uint64)


@njit(cache=True, nogil=True)
def _earliest_kept(later, earlier, count):  # pragma: no cover - compiled
    """Of ``count`` pieces in corpus order and pairs ``(earlier, later)`` of them sorted by later
    then earlier piece: for each piece, the earliest earlier piece of its pairs that is kept (-1 if
    none, and then it is kept itself), deciding the pieces in corpus order."""
    kept = np.zeros(count, dtype=np.bool_)
    target = np.full(count, -1, dtype=np.int64)
    at = 0
    for piece in range(count):
        while at < later.size and later[at] == piece:
            if target[piece] < 0 and kept[earlier[at]]:
                target[piece] = earlier[at]
            at += 1
        if target[piece] < 0:
            kept[piece] = True
    return target


def earliest_marks(near: Iterable[np.ndarray], exact: np.ndarray) -> np.ndarray:
    """Every marked piece (:data:`MARKED`, by ``(rank, index)``), as the online deduplicator marks a
    stream in corpus order: a later copy of a text names the first (exact); any other piece names the
    earliest earlier piece that was not marked itself and shares a band with it above the threshold
    (near). ``near``: the pairs (:data:`PAIR`), an array at a time, of which it keeps two numbers a
    pair and each piece once."""
    earlier_keys, later_keys = [], []
    pieces = np.zeros(0, dtype=NODE)  # each piece of a pair once, by (rank, index)
    for pairs in near:
        earlier_keys.append(node_keys(pairs["earlier"]))
        later_keys.append(node_keys(pairs["later"]))
        ends = np.concatenate([pieces, pairs["earlier"], pairs["later"]])
        pieces = ends[np.unique(node_keys(ends), return_index=True)[1]]
        del ends
    keys = node_keys(pieces)
    earlier_at, later_at = (np.searchsorted(keys, np.concatenate(found) if found else np.zeros(0, dtype=np.uint64))
                            for found in (earlier_keys, later_keys))
    del earlier_keys, later_keys
    by_place = np.lexsort([pieces["piece"], pieces["record"], pieces["file"]])
    position = np.empty(len(keys), dtype=np.int64)
    position[by_place] = np.arange(len(keys))
    earlier, later = position[earlier_at], position[later_at]
    order = np.lexsort([earlier, later])
    target = _earliest_kept(later[order], earlier[order], len(keys))
    marked = np.flatnonzero(target >= 0)
    # the exact marks, then the near ones (of pieces that are no copies: a near mark would go last)
    every = np.concatenate([node_keys(exact["piece"]), keys[by_place[marked]]])
    kinds = np.concatenate([np.full(len(exact), EXACT_MARK, dtype=np.uint8), np.full(len(marked), NEAR_MARK, dtype=np.uint8)])
    targets = np.concatenate([exact["first"], pieces["id"][by_place[target[marked]]]])
    order = np.argsort(every, kind="stable")
    last = np.ones(len(order), dtype=bool)  # of one piece marked twice, the last
    last[:-1] = every[order][1:] != every[order][:-1]
    order = order[last]
    marks = np.zeros(len(order), dtype=MARKED)
    marks["rank"], marks["index"] = every[order] >> np.uint64(32), every[order] & np.uint64(0xFFFFFFFF)
    marks["kind"], marks["target"] = kinds[order], targets[order]
    return marks


class EarliestMarks(PipelineStep):
    """MinHash stage 3 for our semantics (one task): the verified pairs and exact copies →
    ``<rank>.marks`` for each task of the write stage (:data:`MARK`, in piece order)."""

    name = "🔗 earliest marks"
    type = "essay-crawler"

    def __init__(self, pairs: DataFolderLike, output: DataFolderLike, tasks: int):
        super().__init__()
        self.pairs, self.output, self.tasks = get_datafolder(pairs), get_datafolder(output), tasks

    def _read(self, name: str, dtype: np.dtype) -> np.ndarray:
        with self.pairs.open(name, "rb") as fh:
            return np.frombuffer(fh.read(), dtype=dtype)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        near = (self._read(name, PAIR) for name in self.pairs.list_files(glob_pattern="*.near"))  # a file at a time
        marks = earliest_marks(near, self._read("exact", EXACT))
        for kind, name in ((EXACT_MARK, "dup_of"), (NEAR_MARK, "near_dup_of")):
            if count := int((marks["kind"] == kind).sum()):
                self.stat_update(name, value=count)
        bounds = np.searchsorted(marks["rank"], np.arange(self.tasks + 1))
        for task in range(self.tasks):
            part = marks[bounds[task]:bounds[task + 1]]
            lines = np.zeros(len(part), dtype=MARK)
            for name in ("index", "kind", "target"):
                lines[name] = part[name]
            with self.output.open(f"{task:05d}.marks", "wb") as fh:
                fh.write(lines.tobytes())
        return iter(())


def marked_line(line: bytes, dup_of: str | None, near_dup_of: str | None) -> bytes:
    """A record's UTF-8 JSON line (as ``dumps_record`` writes it) with ``dup_of`` and ``near_dup_of``
    added last: the line ``dumps_record`` gives of the marked record."""
    return b"%s, \"dup_of\": %s, \"near_dup_of\": %s}\n" % (line[:-2], _json_id(dup_of), _json_id(near_dup_of))


def _json_id(value: str | None) -> bytes:
    return b"null" if value is None else json.dumps(value).encode("ascii")


class _Marking(PipelineStep):
    """The pieces the clean stage's task ``rank`` kept (``pieces/<rank>.jsonl``), in order, with the
    marks its ``<rank>.marks`` holds."""

    type = "essay-crawler"

    def __init__(self, pieces: DataFolderLike, marks: DataFolderLike):
        super().__init__()
        self.pieces, self.marks = get_datafolder(pieces), get_datafolder(marks)

    def marked(self, rank: int) -> Iterator[tuple[bytes, str | None, str | None]]:
        """Each piece's record line, ``dup_of`` and ``near_dup_of``."""
        with self.marks.open(f"{rank:05d}.marks", "rb") as fh:
            marks = np.frombuffer(fh.read(), dtype=MARK)  # in piece order
        counts = {EXACT_MARK: 0, NEAR_MARK: 0}
        index, at = -1, 0
        name = f"{rank:05d}.jsonl"
        if self.pieces.isfile(name):
            with self.pieces.open(name, "rb") as fh:
                for index, line in enumerate(fh):
                    kind, target = 0, None
                    if at < len(marks) and marks["index"][at] == index:
                        kind, target = int(marks["kind"][at]), marks["target"][at].decode("ascii")
                        counts[kind] += 1
                        at += 1
                    yield line, target if kind == EXACT_MARK else None, target if kind == NEAR_MARK else None
        self.stat_update("records", value=index + 1)
        self.stat_update("dup_of", value=counts[EXACT_MARK])
        self.stat_update("near_dup_of", value=counts[NEAR_MARK])


class MarkedJsonl(_Marking):
    """MinHash stage 4, marking instead of dropping, written as ``essay-crawler clean`` writes records:
    ``data/<rank>.jsonl`` (none if the task kept no piece), each piece's line with its ``dup_of`` and
    ``near_dup_of`` (null unless marked)."""

    name = "🐿 marked records (JSONL)"

    def __init__(self, pieces: DataFolderLike, marks: DataFolderLike, output: DataFolderLike):
        super().__init__(pieces, marks)
        self.output = get_datafolder(output)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        out = None  # a task without records writes no file
        try:
            for line, dup_of, near_dup_of in self.marked(rank):
                out = out or self.output.open(f"{rank:05d}.jsonl", "wb")
                out.write(marked_line(line, dup_of, near_dup_of))
        finally:
            if out:
                out.close()
        return iter(())


class MarkedPieces(_Marking):
    """MinHash stage 4, marking instead of dropping, as documents (for a datatrove writer): each
    piece's record (metadata ``record``) with its ``dup_of`` and ``near_dup_of``."""

    name = "🏷 marked pieces"

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for index, (line, dup_of, near_dup_of) in enumerate(self.marked(rank)):
            record = {**json.loads(line), "dup_of": dup_of, "near_dup_of": near_dup_of}
            yield Document(text=record["text"], id=str(index), metadata={"record": record})
