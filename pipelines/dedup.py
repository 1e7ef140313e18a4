"""Exact and near-duplicate marking of records (MinHash + LSH, datasketch).

Texts are compared in a dedup form: NFKC, case-folded, with every character that is not a letter
or digit removed, so copies that differ only in punctuation, spacing or full/half width are exact
duplicates. Near-duplicates are found on the sets of character n-grams ("shingles") of that form:
a record is a near-duplicate of an earlier one when the MinHash estimate of the Jaccard similarity
of their shingle sets is ≥ ``threshold``.

Only records that are not duplicates enter the near-duplicate index, so ``near_dup_of`` always
names a record that is itself unique, and dropping every marked record leaves no near-duplicate
pair above the threshold (up to MinHash estimation error).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipelines.jsonl import write_bytes_atomic

#: Shingle size in characters. Chinese words are mostly 1–2 characters, so a 5-gram spans two or
#: three words: long enough that unrelated essays share few shingles, short enough that one changed
#: sentence only disturbs the shingles around it.
DEFAULT_SHINGLE = 5
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

#: Format of a saved state: a NumPy ``.npz`` (arrays only, loaded with ``allow_pickle=False``, so a
#: state file can hold data but never code). Version 1 was a pickle and is refused.
STATE_FORMAT = "essay-crawler dedup state"
STATE_VERSION = 2
_NOT_WORD = re.compile(r"[\W_]+")
_POLY = np.uint64(0x100000001B3)


def dedup_form(text: str) -> str:
    """``text`` reduced to what dedup compares: NFKC, case-folded, letters and digits only."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())


def shingle_hashes(form: str, size: int = DEFAULT_SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the ``size``-character shingles of ``form`` (one shingle if shorter)."""
    codes = np.frombuffer(form.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if codes.size == 0:
        return np.zeros(0, dtype=np.uint32)
    size = min(size, codes.size)
    count = codes.size - size + 1
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(size):  # polynomial rolling hash, wrapping modulo 2**64
        hashes = hashes * _POLY + codes[offset:offset + count]
    folded = (hashes ^ (hashes >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def jaccard(text_a: str, text_b: str, size: int = DEFAULT_SHINGLE) -> float:
    """Exact Jaccard similarity of the shingle sets of two texts."""
    a = shingle_hashes(dedup_form(text_a), size)
    b = shingle_hashes(dedup_form(text_b), size)
    union = np.union1d(a, b).size
    return np.intersect1d(a, b).size / union if union else 1.0


def _identity(value):
    return value


class DedupStateError(ValueError):
    """A dedup state file that is not one this version wrote (one line: the file and why)."""


def _state_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a saved state; never unpickles (a planted pickle is refused, not run)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DedupStateError(f"{path}: not a dedup state (an old pickle, or another file: {exc}); "
                              "delete it to start a new one") from None
    except (AttributeError, TypeError):  # np.load gave one array, not an .npz
        raise DedupStateError(f"{path}: not a dedup state (a single NumPy array)") from None


def _check_state(path: Path, arrays: dict[str, np.ndarray], params: dict) -> None:
    """Raise :class:`DedupStateError` unless ``arrays`` are a consistent state saved with ``params``."""
    expected = {"meta", "exact_digests", "exact_ids", "indexed_ids", "signatures"}
    if set(arrays) != expected:
        raise DedupStateError(f"{path}: not a dedup state (arrays {sorted(arrays)})")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DedupStateError(f"{path}: not a dedup state (unreadable header)") from None
    if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
        raise DedupStateError(f"{path}: not a dedup state")
    if meta.get("version") != STATE_VERSION:
        raise DedupStateError(f"{path}: unsupported dedup state version {meta.get('version')}")
    if meta.get("params") != params:
        raise DedupStateError(f"{path}: saved with {meta.get('params')}, asked for {params}")
    digests, ids, indexed, signatures = (arrays[k] for k in ("exact_digests", "exact_ids", "indexed_ids", "signatures"))
    shapes_ok = (digests.dtype == np.uint8 and digests.ndim == 2 and digests.shape[1] == 20
                 and ids.dtype.kind == "U" and ids.shape == (digests.shape[0],)
                 and indexed.dtype.kind == "U" and indexed.ndim == 1
                 and signatures.dtype == np.uint64 and signatures.shape == (indexed.shape[0], params["num_perm"]))
    if not shapes_ok:
        raise DedupStateError(f"{path}: damaged dedup state (array types or shapes do not match)")


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
        self._exact: dict[bytes, str] = {}            # digest of dedup form -> id of first record
        self._indexed: dict[str, tuple[int, np.ndarray]] = {}  # id -> (order indexed, MinHash values)
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
        self._template = MinHash(num_perm=num_perm, seed=SEED, hashfunc=_identity)

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
            arrays = _state_arrays(state_path)
            _check_state(state_path, arrays, dedup.params)
            dedup._load(arrays)
        return dedup

    def _load(self, arrays: dict[str, np.ndarray]) -> None:
        self._exact = dict(zip(map(bytes, arrays["exact_digests"]), arrays["exact_ids"].tolist(), strict=True))
        for record_id, signature in zip(arrays["indexed_ids"].tolist(), arrays["signatures"], strict=True):
            self._index(record_id, signature.copy())

    def _index(self, record_id: str, signature: np.ndarray) -> None:
        self._indexed[record_id] = (len(self._indexed), signature)
        self._lsh.insert(record_id, LeanMinHash(seed=SEED, hashvalues=signature, scheme=self._template.scheme))

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the state atomically (temporary file + rename) to ``path`` or the opened path."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to save the dedup state to")
        meta = {"format": STATE_FORMAT, "version": STATE_VERSION, "params": self.params}
        indexed = sorted(self._indexed.items(), key=lambda item: item[1][0])
        buffer = io.BytesIO()
        np.savez(buffer,
                 meta=np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
                 exact_digests=np.array([list(d) for d in self._exact], dtype=np.uint8).reshape(-1, 20),
                 exact_ids=np.array(list(self._exact.values()), dtype=str),
                 indexed_ids=np.array([record_id for record_id, _ in indexed], dtype=str),
                 signatures=np.array([sig for _, (_, sig) in indexed], dtype=np.uint64).reshape(-1, self.num_perm))
        write_bytes_atomic(target, buffer.getvalue())
        return target

    def __len__(self) -> int:
        """Number of distinct texts seen."""
        return len(self._exact)

    def signature(self, form: str) -> np.ndarray:
        """MinHash values of the shingle set of a dedup form."""
        minhash = self._template.copy()
        minhash.update_batch(shingle_hashes(form, self.shingle).tolist())
        return minhash.hashvalues

    def _nearest_earlier(self, record_id: str, signature: np.ndarray) -> str | None:
        """The earliest indexed record whose estimated Jaccard with ``signature`` ≥ threshold."""
        query = LeanMinHash(seed=SEED, hashvalues=signature, scheme=self._template.scheme)
        for candidate in sorted(self._lsh.query(query), key=lambda key: self._indexed[key][0]):
            if candidate != record_id and np.mean(self._indexed[candidate][1] == signature) >= self.threshold:
                return candidate
        return None

    def mark(self, record: dict) -> dict:
        """``record`` with ``dup_of`` and ``near_dup_of`` set (``None`` when not a duplicate).

        A record seen again under its own ``id`` (a page fetched by a later run) is not a duplicate
        of itself.
        """
        record_id = record["id"]
        form = dedup_form(record["text"])
        digest = hashlib.sha1(form.encode("utf-8")).digest()
        first = self._exact.setdefault(digest, record_id)
        if first != record_id:
            return {**record, "dup_of": first, "near_dup_of": None}
        signature = self.signature(form)
        near = self._nearest_earlier(record_id, signature)
        if near is None and record_id not in self._indexed:
            self._index(record_id, signature)
        return {**record, "dup_of": None, "near_dup_of": near}
