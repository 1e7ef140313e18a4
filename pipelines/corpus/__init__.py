"""The cleaning core and global dedup as datatrove pipeline steps (local, Slurm or Ray executors).

A corpus run is four datatrove stages over WARC files (:func:`corpus_stages`):

1. **clean** (one task per shard of the input files): :class:`WarcPages` reads response records
   (page bytes, target URI, the HTTP charset), :class:`CleanPages` turns each page into one document
   per piece (our record as metadata, errors to ``errors/``), and :class:`PieceSignatures` keeps each
   piece's record, its signature, dedup digest, id and place, and the bands of its signature in
   datatrove's MinHash stage 1 files.
2. **verify** (a task per band, or fewer): :class:`VerifyCandidates` merges the clean tasks' sorted band
   files a slice at a time (memory bounded whatever the corpus size), finds the pieces that share a
   band's values (datatrove's MinHash stage 2, in NumPy), keeps the candidates whose estimated
   Jaccard similarity reaches the threshold, and finds the exact copies (same dedup digest).
3. **marks** (one task): :class:`EarliestMarks`, MinHash stage 3 for our semantics: each piece is
   marked against the earliest record, as the online :class:`~pipelines.dedup.Deduplicator` marks it.
4. **write** (one task per shard): MinHash stage 4 without dropping, the pieces with their marks
   written as our records: JSONL (:class:`MarkedJsonl`, each record's line with its marks added) or
   Parquet (:class:`MarkedPieces` and :func:`parquet_writer`).

The shingles, signatures, bands and threshold are the online deduplicator's (character 5-grams of
the dedup form, datasketch's 128 permutations, 30 bands of 4 rows), so the marks are the ones it
gives the same records in corpus order (input files in order, records in file order, pieces in page
order). The one difference: the online deduplicator does not mark a record seen again under its own
id (a page crawled again on a later night); in a corpus, a page captured twice is a copy like any other.

Every stage writes its files whole on each attempt and datatrove records each finished task in
``logs/<stage>/completions/``: a killed run, started again, runs the unfinished tasks again.
"""
from __future__ import annotations

from collections.abc import Sequence

from datatrove.io import DataFolderLike, get_datafolder
from datatrove.pipeline.base import PipelineStep

from pipelines.dedup import DEFAULT_NUM_PERM, DEFAULT_THRESHOLD, lsh_shape
from pipelines.normalize import DEFAULT_CONVERSION

from .minhash import EarliestMarks, MarkedJsonl, MarkedPieces, PieceSignatures, VerifyCandidates
from .minhash import warm_up as warm_up
from .pages import CleanPages, WarcPages, parquet_writer


def corpus_stages(out: DataFolderLike, data_folder: DataFolderLike, files: Sequence[str], paths_file: str, *,
                  tasks: int, fmt: str = "jsonl", threshold: float = DEFAULT_THRESHOLD, convert: str = DEFAULT_CONVERSION,
                  profile=None) -> dict[str, tuple[list[PipelineStep], int]]:
    """The pipeline and task count of each stage, by name (clean, verify, marks, write: to be run in
    this order), writing under ``out``: ``data/`` (the records), ``errors/``, ``work/`` (what the
    stages hand on)."""
    folder = get_datafolder(out)
    path = folder.path.rstrip("/")
    work = f"{path}/work"
    bands, _ = lsh_shape(threshold, DEFAULT_NUM_PERM)
    return {
        "clean": ([WarcPages(data_folder, files, paths_file), CleanPages(f"{path}/errors", convert, profile),
                   PieceSignatures(f"{work}/pieces", f"{work}/side", f"{work}/signatures", threshold=threshold)],
                  tasks),
        "verify": ([VerifyCandidates(f"{work}/signatures", f"{work}/side", f"{work}/pairs", threshold=threshold)],
                   min(tasks, bands)),
        "marks": ([EarliestMarks(f"{work}/pairs", f"{work}/marks", tasks)], 1),
        "write": ([MarkedJsonl(f"{work}/pieces", f"{work}/marks", f"{path}/data")] if fmt == "jsonl" else
                  [MarkedPieces(f"{work}/pieces", f"{work}/marks"), parquet_writer(f"{path}/data")], tasks),
    }
