"""Global near-dedup of a corpus's pieces with datatrove's MinHash stages, with the online deduplicator's
semantics: its signatures and bands, candidates verified against the threshold, each piece marked against
the earliest record (see :mod:`pipelines.corpus`)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import IO

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets, MinhashDedupSignature
from datatrove.utils.binaryio import read_tuples_from_file
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer

from pipelines.dedup import DEFAULT_NUM_PERM, DEFAULT_SHINGLE, DEFAULT_THRESHOLD, Deduplicator, dedup_form, lsh_shape

#: Where a piece is: its place in the corpus (input file, record in the file, piece on the page),
#: and what dedup needs of it.
NODE = np.dtype([("rank", "<u4"), ("index", "<u4"), ("file", "<u4"), ("record", "<u4"), ("piece", "<u4"),
                 ("id", "S16")])
#: A verified candidate pair (an earlier piece, a later one), and an exact copy (a piece, the id it copies).
PAIR = np.dtype([("earlier", NODE), ("later", NODE)])
EXACT = np.dtype([("piece", NODE), ("first", "S16")])
#: A mark of the write stage: the piece's index in its task, the kind (1 exact, 2 near), the id it names.
MARK = np.dtype([("index", "<u4"), ("kind", "u1"), ("target", "S16")])
EXACT_MARK, NEAR_MARK = 1, 2


def side_dtype(num_perm: int) -> np.dtype:
    """A piece's line in the signature side files: id, dedup digest, place, full signature."""
    return np.dtype([("id", "S16"), ("digest", "S20"), ("file", "<u4"), ("record", "<u4"), ("piece", "<u4"),
                     ("signature", "<u4", (num_perm,))])


class CharTokenizer(WordTokenizer):
    """Characters as datatrove's words: the shingles of Chinese text are character n-grams."""

    def word_tokenize(self, text: str) -> list[str]:
        return list(dedup_form(text))

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def minhash_config(threshold: float = DEFAULT_THRESHOLD, shingle: int = DEFAULT_SHINGLE,
                   num_perm: int = DEFAULT_NUM_PERM) -> MinhashConfig:
    """datatrove's MinHash configuration for our bands and rows (32-bit values)."""
    bands, rows = lsh_shape(threshold, num_perm)
    return MinhashConfig(n_grams=shingle, num_buckets=bands, hashes_per_bucket=rows,
                         hash_config=HashConfig(precision=32))


_ONE_SHINGLE = np.zeros((1, 1), dtype=np.uint64)


class PieceSignatures(MinhashDedupSignature):
    """datatrove's MinHash stage 1 with the online deduplicator's signature of each piece (datasketch
    over the character shingles of its dedup form), cut into our bands. Beside the bucket files,
    ``side/<rank>.side`` gets each piece's full signature, digest, id and place (:func:`side_dtype`)."""

    def __init__(self, output_folder: DataFolderLike, side_folder: DataFolderLike, *,
                 threshold: float = DEFAULT_THRESHOLD, shingle: int = DEFAULT_SHINGLE, num_perm: int = DEFAULT_NUM_PERM):
        super().__init__(output_folder, config=minhash_config(threshold, shingle, num_perm), language=CharTokenizer())
        self.side_folder = get_datafolder(side_folder)
        self.dedup = Deduplicator(threshold=threshold, shingle=shingle, num_perm=num_perm)
        self.side = side_dtype(num_perm)
        self._signature: np.ndarray | None = None

    def get_shingles(self, text: str) -> np.ndarray:
        """Not used for the signature (:meth:`get_signature` has it): one shingle, so every piece,
        even one with no letters, gets one."""
        return _ONE_SHINGLE

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        """The current piece's signature, band by band."""
        assert self._signature is not None
        rows = self.config.hashes_per_bucket
        return [self._signature[band * rows:(band + 1) * rows].tolist() for band in range(self.config.num_buckets)]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.side_folder.open(f"{rank:05d}.side", "wb") as side:
            def signed(documents):
                for document in documents or ():
                    form = dedup_form(document.text)
                    self._signature = self.dedup.signature(form)
                    line = np.zeros(1, dtype=self.side)
                    line["id"] = document.id.encode("ascii")
                    line["digest"] = hashlib.sha1(form.encode("utf-8")).digest()
                    line["file"], line["record"], line["piece"] = document.metadata["place"]
                    line["signature"] = self._signature
                    side.write(line.tobytes())
                    yield document
            super().run(signed(data), rank, world_size)
        return iter(())


def bucket_stage(signatures: DataFolderLike, buckets: DataFolderLike, config: MinhashConfig) -> MinhashDedupBuckets:
    """datatrove's MinHash stage 2: pieces whose signatures share a band, as consecutive pairs."""
    return MinhashDedupBuckets(input_folder=signatures, output_folder=buckets, config=config)


class _SideFiles:
    """Random access to the side lines of every task of the clean stage."""

    def __init__(self, folder, dtype: np.dtype):
        self.folder, self.dtype = folder, dtype
        self.files: dict[int, IO[bytes]] = {}

    def line(self, rank: int, index: int) -> np.ndarray:
        if rank not in self.files:
            self.files[rank] = self.folder.open(f"{rank:05d}.side", "rb")
        fh = self.files[rank]
        fh.seek(index * self.dtype.itemsize)
        return np.frombuffer(fh.read(self.dtype.itemsize), dtype=self.dtype)[0]

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def _node(rank: int, index: int, line) -> tuple:
    return (rank, index, line["file"], line["record"], line["piece"], line["id"])


def _place(node: tuple) -> tuple:
    return node[2], node[3], node[4]


def band_groups(pairs) -> Iterator[list[tuple[int, int]]]:
    """The groups of pieces that share one band signature, from stage 2's consecutive pairs
    ``(file, doc, file, doc)``: a group of k pieces is k-1 pairs, each starting where the last ended."""
    group: list[tuple[int, int]] = []
    for file_a, doc_a, file_b, doc_b in pairs:
        if group and group[-1] == (file_a, doc_a):
            group.append((file_b, doc_b))
        else:
            if group:
                yield group
            group = [(file_a, doc_a), (file_b, doc_b)]
    if group:
        yield group


class VerifyCandidates(PipelineStep):
    """Candidates (pieces sharing a band, from stage 2) checked against the threshold, bands
    ``rank, rank + world_size, …``: for band ``b``, it reads its pairs, keeps of each set of identical texts its earliest piece, and writes
    ``<b>.near``, the pairs of those whose estimated Jaccard similarity (the share of equal MinHash
    values) is ≥ the threshold (:data:`PAIR`); for band 0 it also writes ``exact``, every later copy of
    a text and the id of its first (:data:`EXACT`): identical texts share every band, so band 0 has them all."""

    name = "✅ verify candidates"
    type = "essay-crawler"

    def __init__(self, buckets: DataFolderLike, side: DataFolderLike, output: DataFolderLike, bands: int, *,
                 threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM):
        super().__init__()
        self.buckets, self.side, self.output = get_datafolder(buckets), get_datafolder(side), get_datafolder(output)
        self.bands, self.threshold, self.num_perm = bands, threshold, num_perm

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        sides = _SideFiles(self.side, side_dtype(self.num_perm))
        try:
            for band in range(rank, self.bands, world_size):
                self._verify_band(band, sides)
        finally:
            sides.close()
        return iter(())

    def _verify_band(self, band: int, sides: _SideFiles) -> None:
        near: list[tuple] = []
        exact: list[tuple] = []
        for name in self.buckets.list_files(glob_pattern=f"{band:05d}_*.dups"):
            with self.buckets.open(name, "rb") as fh:
                for group in band_groups(read_tuples_from_file(fh, "4I")):
                    self.stat_update("candidate_groups")
                    self._verify(group, sides, near, exact if band == 0 else None)
        with self.output.open(f"{band:05d}.near", "wb") as fh:
            fh.write(np.array(near, dtype=PAIR).tobytes())
        if band == 0:
            with self.output.open("exact", "wb") as fh:
                fh.write(np.array(exact, dtype=EXACT).tobytes())
        self.stat_update("near_pairs", value=len(near))

    def _verify(self, group, sides: _SideFiles, near: list, exact: list | None) -> None:
        lines = {member: sides.line(*member) for member in group}
        firsts: dict[bytes, tuple] = {}
        for member in sorted(group, key=lambda m: _place(_node(m[0], m[1], lines[m]))):
            node = _node(member[0], member[1], lines[member])
            digest = bytes(lines[member]["digest"])
            if digest in firsts:
                if exact is not None:
                    exact.append((node, firsts[digest][5]))
            else:
                firsts[digest] = node
        kept = list(firsts.values())  # in corpus order
        for at, earlier in enumerate(kept):
            signature = lines[earlier[:2]]["signature"]
            for later in kept[at + 1:]:
                if np.mean(lines[later[:2]]["signature"] == signature) >= self.threshold:
                    near.append((earlier, later))


def earliest_marks(near: np.ndarray, exact: np.ndarray) -> dict[tuple[int, int], tuple[int, bytes]]:
    """``(rank, index) → (kind, id)`` for every marked piece, as the online deduplicator marks a stream
    in corpus order: a later copy of a text names the first (exact); any other piece names the earliest
    earlier piece that was not marked itself and shares a band with it above the threshold (near)."""
    marks: dict[tuple[int, int], tuple[int, bytes]] = {}
    for line in exact:
        piece = line["piece"]
        marks[(int(piece["rank"]), int(piece["index"]))] = (EXACT_MARK, bytes(line["first"]))
    earlier_of: dict[tuple, set[tuple]] = {}
    for pair in near:
        earlier, later = (tuple(pair[side].tolist()) for side in ("earlier", "later"))
        earlier_of.setdefault(later, set()).add(earlier)
        earlier_of.setdefault(earlier, set())
    kept: set[tuple] = set()
    for node in sorted(earlier_of, key=_place):
        candidates = sorted((n for n in earlier_of[node] if n in kept), key=_place)
        if candidates:
            marks[(node[0], node[1])] = (NEAR_MARK, candidates[0][5])
        else:
            kept.add(node)
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
        near = np.concatenate([self._read(name, PAIR) for name in self.pairs.list_files(glob_pattern="*.near")]
                              or [np.zeros(0, dtype=PAIR)])
        marks = earliest_marks(near, self._read("exact", EXACT))
        by_rank: dict[int, list[tuple]] = {}
        for (piece_rank, index), (kind, target) in sorted(marks.items()):
            by_rank.setdefault(piece_rank, []).append((index, kind, target))
            self.stat_update("dup_of" if kind == EXACT_MARK else "near_dup_of")
        for task in range(self.tasks):
            with self.output.open(f"{task:05d}.marks", "wb") as fh:
                fh.write(np.array(by_rank.get(task, []), dtype=MARK).tobytes())
        return iter(())


class TaskPieces(PipelineStep):
    """The pieces the clean stage's task ``rank`` kept, in order (``<rank>.jsonl``, none if it had none)."""

    name = "📖 task pieces"
    type = "essay-crawler"

    def __init__(self, folder: DataFolderLike):
        super().__init__()
        self.folder = get_datafolder(folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        name = f"{rank:05d}.jsonl"
        if not self.folder.isfile(name):
            return
        with self.folder.open(name, "rt", encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)["record"]
                yield Document(text=record["text"], id=record["id"], metadata={"record": record})


class MarkDuplicates(PipelineStep):
    """MinHash stage 4, marking instead of dropping: each record gets ``dup_of`` and ``near_dup_of``
    (null unless its task's ``<rank>.marks`` names it)."""

    name = "🏷 mark duplicates"
    type = "essay-crawler"

    def __init__(self, marks: DataFolderLike):
        super().__init__()
        self.marks = get_datafolder(marks)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.marks.open(f"{rank:05d}.marks", "rb") as fh:
            marks = {int(m["index"]): (int(m["kind"]), m["target"].decode("ascii"))
                     for m in np.frombuffer(fh.read(), dtype=MARK)}
        for index, document in enumerate(data or ()):
            kind, target = marks.get(index, (0, None))
            record = document.metadata["record"]
            record["dup_of"] = target if kind == EXACT_MARK else None
            record["near_dup_of"] = target if kind == NEAR_MARK else None
            self.stat_update("records", *(("dup_of",) if kind == EXACT_MARK else ("near_dup_of",) if kind else ()))
            yield document
