"""Exact and near-duplicate marking of records (datasketch's MinHash values, a compact LSH index of our own).

Texts are compared in a dedup form: NFKC, case-folded, with every character that is not a letter
or digit removed, so copies that differ only in punctuation, spacing or full/half width are exact
duplicates. Near-duplicates are found on the sets of character n-grams ("shingles") of that form:
a record is a near-duplicate of an earlier one when the MinHash estimate of the Jaccard similarity
of their shingle sets is ≥ ``threshold``.

Only records that are not duplicates enter the near-duplicate index, so ``near_dup_of`` always
names a record that is itself unique, and dropping every marked record leaves no near-duplicate
pair above the threshold (up to MinHash estimation error).

Memory: every table is NumPy arrays in fixed-size chunks (signatures as 32-bit values, ids as
UTF-8 bytes) and every lookup a sorted array of 32-bit keys (:class:`Multimap`), about 0.8 KB per
distinct text in all, where datasketch's LSH, a Python set per band key, took ~14 KB.
"""
from __future__ import annotations

import hashlib
import json
import os
import zipfile
from functools import cache
from pathlib import Path

import numpy as np

from pipelines.dedup_hash import DEFAULT_SHINGLE as DEFAULT_SHINGLE
from pipelines.dedup_hash import dedup_form as dedup_form
from pipelines.dedup_hash import min_hashes, permutations, shingle_hashes
from pipelines.dedup_store import (
    STATE_FORMAT,
    STATE_VERSION,
    Ids,
    Multimap,
    Rows,
    array_blocks,
    check_state,
    digest_keys,
    id_key,
    open_state,
    write_array,
)
from pipelines.dedup_store import (
    DedupStateError as DedupStateError,
)
from pipelines.jsonl import atomic_output

#: Jaccard similarity (of shingle sets) from which a record is a near-duplicate (see README).
DEFAULT_THRESHOLD = 0.5
#: MinHash permutations: the Jaccard estimate has a standard error ≤ 0.5/sqrt(num_perm) ≈ 0.044.
DEFAULT_NUM_PERM = 128
#: Seed of the MinHash permutations (part of the persisted state: signatures must be comparable).
SEED = 1
#: LSH (false positive, false negative) weights. Candidates are verified against the stored
#: signature, so a false positive only costs a comparison: the weights favour recall
#: (30 bands of 4 rows at the default threshold; a pair at J=0.6 is a candidate with p≈0.98).
LSH_WEIGHTS = (0.2, 0.8)


def jaccard(text_a: str, text_b: str, size: int = DEFAULT_SHINGLE) -> float:
    """Exact Jaccard similarity of the shingle sets of two texts."""
    a = shingle_hashes(dedup_form(text_a), size)
    b = shingle_hashes(dedup_form(text_b), size)
    union = np.union1d(a, b).size
    return np.intersect1d(a, b).size / union if union else 1.0


@cache
def lsh_shape(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) of the LSH index, as datasketch's ``MinHashLSH`` chooses them for
    :data:`LSH_WEIGHTS`: of every ``bands × rows ≤ num_perm``, the first (fewest bands, then fewest
    rows) of least weighted error, the false-positive chance integrated over similarities below the
    threshold, the false-negative chance above. The integrands are polynomials of degree ≤
    ``num_perm``, which Gauss–Legendre quadrature of ``num_perm // 2 + 1`` nodes integrates exactly."""
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def integral(function, low: float, high: float) -> float:
        half = (high - low) / 2
        return half * float(weights @ function(low + half * (nodes + 1)))

    best, shape = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            def candidate(s, bands=bands, rows=rows):
                return 1 - (1 - s ** float(rows)) ** float(bands)

            error = (integral(candidate, 0.0, threshold) * LSH_WEIGHTS[0]
                     + integral(lambda s: 1 - candidate(s), threshold, 1.0) * LSH_WEIGHTS[1])
            if error < best:
                best, shape = error, (bands, rows)
    if shape[0] < 2:
        raise ValueError("The number of bands are too small (b < 2)")
    return shape


_MIX = np.uint64(0x9E3779B97F4A7C15)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """32-bit keys, ``(n, bands)``, of the LSH bands of ``signatures`` ``(n, num_perm)``: the band's
    number in the top bits, a hash of its ``rows`` values below. Different bands may share a key
    only by the hash colliding; candidates are checked against the signatures anyway."""
    values = signatures[:, :bands * rows].reshape(len(signatures), bands, rows).astype(np.uint64)
    mixed = np.zeros(values.shape[:2], dtype=np.uint64)
    for row in range(rows):  # wrapping multiply-xor over the band's values
        mixed = (mixed ^ values[:, :, row]) * _MIX
    mixed ^= mixed >> np.uint64(31)
    band_bits = max(1, (bands - 1).bit_length())
    band = np.arange(bands, dtype=np.uint64) << np.uint64(32 - band_bits)
    return (band | (mixed >> np.uint64(32 + band_bits))).astype(np.uint32)


class Deduplicator:
    """Marks records as exact (``dup_of``) or near (``near_dup_of``) duplicates of earlier records.

    The state (every text seen, and the signatures of the indexed records) persists across runs
    with :meth:`open` / :meth:`save` as plain arrays (see :data:`STATE_FORMAT`), checked on load;
    the LSH index is rebuilt from the signatures.
    """

    def __init__(self, *, threshold: float = DEFAULT_THRESHOLD, shingle: int = DEFAULT_SHINGLE,
                 num_perm: int = DEFAULT_NUM_PERM, path: str | os.PathLike | None = None):
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if shingle < 1:
            raise ValueError("shingle must be ≥ 1")
        self.threshold, self.shingle, self.num_perm = threshold, shingle, num_perm
        self.path = Path(path) if path is not None else None
        self.bands, self.rows = lsh_shape(threshold, num_perm)
        self._permutations = permutations(num_perm, SEED)
        # every distinct text: its digest and the id of its first record, found by digest
        self._digests, self._first_ids, self._by_digest = Rows(np.uint8, (20,)), Ids(), Multimap()
        # the indexed (unique) records, in the order indexed: id, signature; found by id and by band
        self._indexed_ids, self._signatures = Ids(), Rows(np.uint32, (num_perm,))
        self._by_id, self._by_band = Multimap(), Multimap()

    @property
    def params(self) -> dict:
        return {"threshold": self.threshold, "shingle": self.shingle, "num_perm": self.num_perm}

    @classmethod
    def open(cls, path: str | os.PathLike, **params) -> Deduplicator:
        """The state saved at ``path``, or a new one bound to ``path`` if there is none.

        ``params`` (threshold, shingle, num_perm) must match those of a saved state; a file that is
        not a state this version wrote raises :class:`DedupStateError`.
        """
        dedup = cls(path=path, **params)
        state_path = dedup.path
        assert state_path is not None  # bound to ``path`` just above
        if state_path.exists():
            with open_state(state_path) as npz:
                check_state(state_path, npz, dedup.params)
                try:
                    dedup._load(npz)
                except (ValueError, OSError, zipfile.BadZipFile, EOFError, UnicodeError):
                    raise DedupStateError(f"{state_path}: damaged dedup state (unreadable arrays)") from None
        return dedup

    def _load(self, npz: np.lib.npyio.NpzFile) -> None:
        for digests in array_blocks(npz, "exact_digests"):
            start = self._digests.size
            self._digests.extend(digests)
            self._by_digest.add_run(digest_keys(digests), np.arange(start, start + len(digests)))
        for ids in array_blocks(npz, "exact_ids"):
            self._first_ids.extend(ids)
        for ids in array_blocks(npz, "indexed_ids"):
            start = len(self._indexed_ids)
            self._indexed_ids.extend(ids)
            self._by_id.add_run(np.array([id_key(i) for i in ids.tolist()], dtype=np.uint32),
                                np.arange(start, start + len(ids)))
        for signatures in array_blocks(npz, "signatures"):
            if signatures.size and int(signatures.max()) > 0xFFFFFFFF:
                raise ValueError("a MinHash value over 32 bits")
            start = self._signatures.size
            self._signatures.extend(signatures)
            keys = band_keys(signatures, self.bands, self.rows)
            self._by_band.add_run(keys.ravel(), np.repeat(np.arange(start, start + len(signatures)), self.bands))
        if len(self._first_ids) != self._digests.size or len(self._indexed_ids) != self._signatures.size:
            raise ValueError("array lengths differ")

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the state atomically (temporary file + rename) to ``path`` or the opened path,
        block by block (never a second copy of the state in memory)."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to save the dedup state to")
        meta = {"format": STATE_FORMAT, "version": STATE_VERSION, "params": self.params}
        with atomic_output(target) as fh, zipfile.ZipFile(fh, "w") as archive:
            header = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
            write_array(archive, "meta", np.uint8, header.shape, [header])
            write_array(archive, "exact_digests", np.uint8, (self._digests.size, 20), self._digests.blocks())
            write_array(archive, "exact_ids", f"<U{self._first_ids.width()}", (len(self._first_ids),),
                         self._first_ids.blocks())
            write_array(archive, "indexed_ids", f"<U{self._indexed_ids.width()}", (len(self._indexed_ids),),
                         self._indexed_ids.blocks())
            write_array(archive, "signatures", np.uint64, (self._signatures.size, self.num_perm),
                         self._signatures.blocks())
        return target

    def __len__(self) -> int:
        """Number of distinct texts seen."""
        return len(self._first_ids)

    def signature(self, form: str) -> np.ndarray:
        """MinHash values (32-bit) of the shingle set of a dedup form: datasketch's ``MinHash`` of
        the shingle hashes (identity hash function)."""
        return min_hashes(form, self.shingle, self._permutations)

    def _first_with(self, digest: bytes, record_id: str) -> str:
        """The id of the first record whose dedup form has ``digest``; ``record_id`` if none had."""
        key = np.frombuffer(digest[:4], dtype="<u4")
        for row in self._by_digest.find(key):
            if self._digests[row].tobytes() == digest:
                return self._first_ids[row]
        row = self._digests.append(np.frombuffer(digest, dtype=np.uint8))
        self._first_ids.append(record_id)
        self._by_digest.add(key.tolist(), row)
        return record_id

    def _is_indexed(self, record_id: str) -> bool:
        key = np.array([id_key(record_id)], dtype=np.uint32)
        return any(self._indexed_ids[row] == record_id for row in self._by_id.find(key))

    def _index(self, record_id: str, signature: np.ndarray) -> None:
        row = self._signatures.append(signature)
        self._indexed_ids.append(record_id)
        self._by_id.add([id_key(record_id)], row)
        self._by_band.add(band_keys(signature[None], self.bands, self.rows)[0].tolist(), row)

    def _nearest_earlier(self, record_id: str, signature: np.ndarray) -> str | None:
        """The earliest indexed record that shares a whole LSH band with ``signature`` and whose
        estimated Jaccard with it is ≥ threshold (other than ``record_id`` itself)."""
        rows = sorted(set(self._by_band.find(band_keys(signature[None], self.bands, self.rows)[0])))
        if not rows:
            return None
        equal = np.stack([self._signatures[row] for row in rows]) == signature
        shares_band = equal[:, :self.bands * self.rows].reshape(len(rows), self.bands, self.rows).all(axis=2).any(axis=1)
        for at in np.flatnonzero(shares_band & (equal.mean(axis=1) >= self.threshold)).tolist():
            candidate = self._indexed_ids[rows[at]]
            if candidate != record_id:
                return candidate
        return None

    def mark(self, record: dict) -> dict:
        """``record`` with ``dup_of`` and ``near_dup_of`` set (``None`` when not a duplicate).

        A record seen again under its own ``id`` (a page fetched by a later run) is not a duplicate
        of itself.
        """
        record_id = record["id"]
        form = dedup_form(record["text"])
        first = self._first_with(hashlib.sha1(form.encode("utf-8")).digest(), record_id)
        if first != record_id:
            return {**record, "dup_of": first, "near_dup_of": None}
        signature = self.signature(form)
        near = self._nearest_earlier(record_id, signature)
        if near is None and not self._is_indexed(record_id):
            self._index(record_id, signature)
        return {**record, "dup_of": None, "near_dup_of": near}
