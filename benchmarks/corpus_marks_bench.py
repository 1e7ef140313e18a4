"""Peak memory and CPU of the corpus's marks stage alone, on generated pairs and exact copies.

``--pieces`` pieces in 4 clean tasks, ``--pairs`` verified pairs among the first 80 % of them (each
between an earlier and a later piece in corpus order) and the other 20 % exact copies, written as
the verify stage writes them (30 ``.near`` files and ``exact``, by a child process); then the marks stage
(``EarliestMarks``) runs once in this process. It prints the peak RSS before and after the stage
(``ru_maxrss``: the stage's own growth), its CPU seconds and a digest of the marks files. Run it with the code to measure on the
path (``PYTHONPATH``):

    .venv/bin/python benchmarks/corpus_marks_bench.py --pieces 1000000 --pairs 3000000
"""
from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from pipelines.corpus import minhash


def write_pairs(folder: Path, pieces: int, pairs: int, seed: int = 1) -> None:
    """Generated pairs and exact copies in ``folder``, as the verify stage writes them."""
    rng = np.random.default_rng(seed)
    nodes = np.zeros(pieces, dtype=minhash.NODE)
    nodes["rank"] = np.arange(pieces) * 4 // pieces
    nodes["index"] = np.arange(pieces) - nodes["rank"].astype(np.int64) * (-(-pieces // 4))
    nodes["file"], nodes["record"], nodes["piece"] = nodes["rank"], nodes["index"] // 8, nodes["index"] % 8
    nodes["id"] = np.char.mod("%016x", np.arange(pieces)).astype("S16")
    paired = int(pieces * 0.8)
    ends = np.sort(rng.integers(0, paired, (pairs, 2)), axis=1)
    ends = ends[ends[:, 0] != ends[:, 1]]
    near = np.zeros(len(ends), dtype=minhash.PAIR)
    near["earlier"], near["later"] = nodes[ends[:, 0]], nodes[ends[:, 1]]
    for band, part in enumerate(np.array_split(near, 30)):
        (folder / f"{band:05d}.near").write_bytes(part.tobytes())
    exact = np.zeros(pieces - paired, dtype=minhash.EXACT)
    exact["piece"], exact["first"] = nodes[paired:], nodes["id"][rng.integers(0, paired, pieces - paired)]
    (folder / "exact").write_bytes(exact.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=3_000_000)
    args = parser.parse_args()
    minhash.warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "pairs").mkdir()
        writer = multiprocessing.get_context("fork").Process(target=write_pairs,
                                                             args=(work / "pairs", args.pieces, args.pairs))
        writer.start()  # in a child, so that the peak before the stage is this process's start
        writer.join()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.process_time()
        minhash.EarliestMarks(str(work / "pairs"), str(work / "marks"), 4)(None, 0, 1)
        cpu = time.process_time() - start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        written = b"".join(path.read_bytes() for path in sorted((work / "marks").glob("*.marks")))
        marks, digest = len(written) // minhash.MARK.itemsize, hashlib.sha1(written).hexdigest()[:12]
    print(f"{args.pieces} pieces, {args.pairs} pairs: {marks} marks (sha1 {digest}); peak RSS {before / 1024:.0f} MiB before the "
          f"stage, {after / 1024:.0f} MiB after (+{(after - before) / 1024:.0f}); CPU {cpu:.1f} s")


if __name__ == "__main__":
    main()
