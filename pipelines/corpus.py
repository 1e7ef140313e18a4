"""The cleaning core and global dedup as datatrove pipeline steps (local, Slurm or Ray executors).

A corpus run is five datatrove stages over WARC files (:func:`corpus_stages`):

1. **clean** (one task per shard of the input files): :class:`WarcPages` reads response records
   (page bytes, target URI, the HTTP charset), :class:`CleanPages` turns each page into one document
   per piece (our record as metadata, errors to ``errors/``), a JSONL writer keeps the pieces, and
   :class:`PieceSignatures` (datatrove's MinHash stage 1) writes each piece's band signatures, and
   beside them its full signature, dedup digest, id and place in the corpus.
2. **buckets** (one task per band): datatrove's MinHash stage 2 as it is: pieces sharing a band.
3. **verify** (a task per band, or fewer): :class:`VerifyCandidates` keeps the candidates whose estimated
   Jaccard similarity reaches the threshold, and finds the exact copies (same dedup digest).
4. **marks** (one task): :class:`EarliestMarks`, MinHash stage 3 for our semantics: each piece is
   marked against the earliest record, as the online :class:`~pipelines.dedup.Deduplicator` marks it.
5. **write** (one task per shard): the pieces read again, marked (:class:`MarkDuplicates`, stage 4
   without dropping) and written as our records, JSONL or Parquet (:func:`record_writer`).

The shingles, signatures, bands and threshold are the online deduplicator's (character 5-grams of
the dedup form, datasketch's 128 permutations, 30 bands of 4 rows), so the marks are the ones it
gives the same records in corpus order (input files in order, records in file order, pieces in page
order). The one difference: the online deduplicator does not mark a record seen again under its own
id (a page crawled again on a later night); in a corpus, a page captured twice is a copy like any other.

Every stage writes its files whole on each attempt and datatrove records each finished task in
``logs/<stage>/completions/``: a killed run, started again, runs the unfinished tasks again.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import IO

import numpy as np
from datatrove.data import Document, DocumentsPipeline, Media, MediaType
from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets, MinhashDedupSignature
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.pipeline.writers.jsonl import JsonlWriter
from datatrove.pipeline.writers.parquet import ParquetWriter
from datatrove.utils.binaryio import read_tuples_from_file
from datatrove.utils.hashing import HashConfig
from datatrove.utils.word_tokenizers import WordTokenizer

from pipelines.dedup import DEFAULT_NUM_PERM, DEFAULT_SHINGLE, DEFAULT_THRESHOLD, Deduplicator, dedup_form, lsh_shape
from pipelines.errors import PageError
from pipelines.jsonl import dumps_record

NOT_ARTICLE = "no_content"  # a page the extractor finds no essay in: counted, not an error
HTML_TYPES = ("text/html", "application/xhtml+xml")

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


def http_charset(content_type: str | None) -> str | None:
    """The charset a ``Content-Type`` header names (``text/html; charset=gbk`` → ``gbk``)."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None


class WarcPages(BaseDiskReader):
    """datatrove reader of WARC files (warcio) that keeps each page's bytes: one document per response
    record whose HTTP type is HTML (or unnamed), with the target URI, the header charset and its
    place (``file``: the file's number in ``files``, ``record``: the record's in the file)."""

    name = "🕷 WARC pages"
    _requires_dependencies = ["warcio"]

    def __init__(self, data_folder: DataFolderLike, files: Sequence[str], paths_file: str | None = None):
        super().__init__(data_folder, paths_file=paths_file, recursive=False)
        self.numbers = {path: number for number, path in enumerate(files)}

    def read_file(self, filepath: str) -> Iterator[Document]:
        from warcio.archiveiterator import ArchiveIterator

        with self.data_folder.open(filepath, "rb", compression=None) as fh:
            for number, record in enumerate(ArchiveIterator(fh)):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type")
                if content_type and content_type.split(";")[0].strip().lower() not in HTML_TYPES:
                    self.stat_update("not_html")
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                body = record.content_stream().read()
                yield Document(text="", id=record.rec_headers.get_header("WARC-Record-ID") or f"{filepath}/{number}",
                               media=[Media(id=url, type=MediaType.DOCUMENT, url=url, media_bytes=body)],
                               metadata={"url": url, "charset": http_charset(content_type),
                                         "file": self.numbers[filepath], "record": number})


class CleanPages(PipelineStep):
    """A page document (HTML bytes in its media, or text, and ``url`` metadata) → one document per
    piece: ``text`` and ``id`` the record's, metadata ``record`` (the record ``essay-crawler clean``
    writes) and ``place`` (file, record, piece number). A page that is no article is counted
    (``not_article``); any other failure is a line in ``errors/<rank>.jsonl``, never lost."""

    name = "🧹 clean pages"
    type = "essay-crawler"

    def __init__(self, errors_folder: DataFolderLike, convert: str = "t2s", profile=None):
        super().__init__()
        self.errors_folder = get_datafolder(errors_folder)
        self.convert, self.profile = convert, profile

    def clean(self, page: Document) -> list[dict] | tuple[str, str]:
        """The page's records, or its error (reason, message)."""
        from pipelines.clean import clean_page

        body: bytes | str = page.media[0].media_bytes if page.media and page.media[0].media_bytes else page.text
        try:
            return clean_page(body, page.metadata["url"], profile=self.profile, convert=self.convert,
                              declared_encoding=page.metadata.get("charset")).records
        except PageError as exc:
            return exc.reason, exc.message
        except Exception as exc:  # a bug: this page's error, the run goes on
            return "internal_error", f"{type(exc).__name__}: {exc}"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.errors_folder.open(f"{rank:05d}.jsonl", "wt", encoding="utf-8") as errors:
            for page in data or ():
                self.stat_update("pages")
                with self.track_time():
                    outcome = self.clean(page)
                if isinstance(outcome, tuple):
                    reason, message = outcome
                    self.stat_update("not_article" if reason == NOT_ARTICLE else f"error_{reason}")
                    if reason != NOT_ARTICLE:
                        errors.write(dumps_record({"url": page.metadata["url"], "reason": reason, "message": message}))
                    continue
                self.stat_update("articles")
                for record in outcome:
                    self.stat_update("pieces")
                    place = [page.metadata.get("file", 0), page.metadata.get("record", 0), record["piece_no"]]
                    yield Document(text=record["text"], id=record["id"], metadata={"record": record, "place": place})


def piece_row(_writer, document: Document) -> dict:
    """What the clean stage keeps of a piece for the write stage."""
    return {"place": document.metadata["place"], "record": document.metadata["record"]}


def pieces_writer(folder: DataFolderLike) -> JsonlWriter:
    """The clean stage's pieces, one uncompressed JSONL file per task (``<rank>.jsonl``)."""
    return JsonlWriter(folder, output_filename="${rank}.jsonl", compression=None, adapter=piece_row)


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


def record_of(_writer, document: Document) -> dict:
    return document.metadata["record"]


class RecordJsonlWriter(JsonlWriter):
    """Our records as ``essay-crawler clean`` writes them: one UTF-8 JSON line each (``<rank>.jsonl``)."""

    name = "🐿 records (JSONL)"

    def __init__(self, output_folder: DataFolderLike):
        super().__init__(output_folder, output_filename="${rank}.jsonl", compression=None, adapter=record_of)

    def _write(self, document: dict, file_handler: IO, _filename: str) -> None:
        file_handler.write(dumps_record(document).encode("utf-8"))


def schema_row(_writer, document: Document) -> dict:
    from pipelines.dataset import arrow_schema

    record = document.metadata["record"]
    return {name: record.get(name) for name in arrow_schema().names}


def record_writer(output_folder: DataFolderLike, fmt: str = "jsonl") -> JsonlWriter | ParquetWriter:
    """The writer of our records: JSONL, or Parquet with the export's columns (the record schema)."""
    if fmt == "jsonl":
        return RecordJsonlWriter(output_folder)
    from pipelines.dataset import arrow_schema

    return ParquetWriter(output_folder, output_filename="${rank}.parquet", compression="zstd",
                         adapter=schema_row, schema=arrow_schema())


def corpus_stages(out: DataFolderLike, data_folder: DataFolderLike, files: Sequence[str], paths_file: str, *,
                  tasks: int, fmt: str = "jsonl", threshold: float = DEFAULT_THRESHOLD, convert: str = "t2s",
                  profile=None) -> dict[str, tuple[list[PipelineStep], int]]:
    """The pipeline and task count of each stage, by name (clean, buckets, verify, marks, write: to be
    run in this order), writing under ``out``:
    ``data/`` (the records), ``errors/``, ``work/`` (what the stages hand on)."""
    folder = get_datafolder(out)
    path = folder.path.rstrip("/")
    work = f"{path}/work"
    config = minhash_config(threshold)
    return {
        "clean": ([WarcPages(data_folder, files, paths_file), CleanPages(f"{path}/errors", convert, profile),
                   pieces_writer(f"{work}/pieces"),
                   PieceSignatures(f"{work}/signatures", f"{work}/side", threshold=threshold)], tasks),
        "buckets": ([bucket_stage(f"{work}/signatures", f"{work}/buckets", config)], config.num_buckets),
        "verify": ([VerifyCandidates(f"{work}/buckets", f"{work}/side", f"{work}/pairs", config.num_buckets,
                                     threshold=threshold)], min(tasks, config.num_buckets)),
        "marks": ([EarliestMarks(f"{work}/pairs", f"{work}/marks", tasks)], 1),
        "write": ([TaskPieces(f"{work}/pieces"), MarkDuplicates(f"{work}/marks"), record_writer(f"{path}/data", fmt)],
                  tasks),
    }
