"""The deduplicator's storage: growing tables in fixed-size NumPy chunks, a multimap of sorted 32-bit
keys, and the versioned ``.npz`` state file, read and written block by block and never unpickled."""
from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

STATE_FORMAT = "essay-crawler dedup state"
STATE_VERSION = 2


CHUNK_ROWS = 1 << 14


class Rows:
    """A growing array of rows kept in chunks of :data:`CHUNK_ROWS`: appending never copies what
    is stored (so memory never doubles while it grows)."""

    def __init__(self, dtype, tail: tuple[int, ...] = ()) -> None:
        self.dtype, self.tail = np.dtype(dtype), tail
        self.chunks: list[np.ndarray] = []
        self.size = 0

    def extend(self, rows: np.ndarray) -> None:
        done = 0
        while done < len(rows):
            at = self.size % CHUNK_ROWS
            if at == 0:
                self.chunks.append(np.zeros((CHUNK_ROWS, *self.tail), dtype=self.dtype))
            count = min(CHUNK_ROWS - at, len(rows) - done)
            self.chunks[-1][at:at + count] = rows[done:done + count]
            self.size += count
            done += count

    def append(self, row) -> int:
        """Add one row; returns its number."""
        at = self.size % CHUNK_ROWS
        if at == 0:
            self.chunks.append(np.zeros((CHUNK_ROWS, *self.tail), dtype=self.dtype))
        self.chunks[-1][at] = row
        self.size += 1
        return self.size - 1

    def __getitem__(self, number: int) -> np.ndarray:
        return self.chunks[number // CHUNK_ROWS][number % CHUNK_ROWS]

    def blocks(self) -> Iterator[np.ndarray]:
        for number, chunk in enumerate(self.chunks):
            yield chunk[:min(CHUNK_ROWS, self.size - number * CHUNK_ROWS)]

    def widen(self, dtype) -> None:
        """Store the rows as ``dtype`` from now on (a longer bytes type)."""
        self.dtype = np.dtype(dtype)
        self.chunks = [chunk.astype(self.dtype) for chunk in self.chunks]


class Ids:
    """Strings (record ids) as UTF-8 bytes in a :class:`Rows`: 16 bytes an id, not a str's 65."""

    def __init__(self) -> None:
        self.rows = Rows("S16")

    def __len__(self) -> int:
        return self.rows.size

    def _fit(self, width: int) -> None:
        if width > self.rows.dtype.itemsize:
            self.rows.widen(f"S{width}")

    def append(self, value: str) -> int:
        data = value.encode("utf-8")
        self._fit(len(data))
        return self.rows.append(data)

    def extend(self, values: np.ndarray) -> None:
        """Add a block of strings (a NumPy ``U`` array)."""
        data = np.char.encode(values, "utf-8")
        self._fit(data.dtype.itemsize)
        self.rows.extend(data)

    def __getitem__(self, number: int) -> str:
        return bytes(self.rows[number]).decode("utf-8")

    def blocks(self) -> Iterator[np.ndarray]:
        """The ids as ``U`` arrays of one width (:meth:`width`)."""
        for block in self.rows.blocks():
            yield np.char.decode(block, "utf-8").astype(f"<U{self.width()}")

    def width(self) -> int:
        return max(1, self.rows.dtype.itemsize)


#: Keys a :class:`Multimap` holds in a dict before they become a sorted run.
RECENT_MAX = 1 << 15
#: A sorted run this long is not merged further (bounds what a merge holds twice).
RUN_MAX = 1 << 22


class Multimap:
    """32-bit keys → 32-bit values (several per key) in sorted NumPy runs, 8 bytes an entry.

    New entries wait in a small dict; a full dict becomes a sorted run, and a run merges with the
    one before it while that one is less than twice as long (a log-structured merge, runs up to
    :data:`RUN_MAX`), so a lookup is a binary search in a few runs."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.recent: dict[int, list[int]] = {}
        self.pending = 0

    def add(self, keys: Iterable[int], value: int) -> None:
        for key in keys:
            self.recent.setdefault(key, []).append(value)
            self.pending += 1
        if self.pending >= RECENT_MAX:
            self.flush()

    def add_run(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add many entries at once (as loading a state does)."""
        order = np.argsort(keys, kind="stable")
        self._push(keys[order].astype(np.uint32), values[order].astype(np.uint32))

    def flush(self) -> None:
        if not self.recent:
            return
        keys = np.fromiter((key for key, values in self.recent.items() for _ in values), np.uint32, self.pending)
        values = np.fromiter((value for values in self.recent.values() for value in values), np.uint32, self.pending)
        self.recent, self.pending = {}, 0
        self.add_run(keys, values)

    def _push(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.runs.append((keys, values))
        while len(self.runs) > 1:
            (keys_a, values_a), (keys_b, values_b) = self.runs[-2:]
            if len(keys_a) >= 2 * len(keys_b) or len(keys_a) + len(keys_b) > RUN_MAX:
                break
            keys, values = np.concatenate([keys_a, keys_b]), np.concatenate([values_a, values_b])
            order = np.argsort(keys, kind="stable")
            self.runs[-2:] = [(keys[order], values[order])]

    def find(self, keys: np.ndarray) -> list[int]:
        """Every value stored under any of ``keys`` (uint32)."""
        found = [value for key in keys.tolist() for value in self.recent.get(key, ())]
        for run_keys, run_values in self.runs:
            low = np.searchsorted(run_keys, keys, "left")
            high = np.searchsorted(run_keys, keys, "right")
            hit = high > low
            for start, end in zip(low[hit].tolist(), high[hit].tolist(), strict=True):
                found.extend(run_values[start:end].tolist())
        return found


def id_key(record_id: str) -> int:
    return zlib.crc32(record_id.encode("utf-8"))


def digest_keys(digests: np.ndarray) -> np.ndarray:
    """The lookup key of each 20-byte digest: its first four bytes."""
    return np.ascontiguousarray(digests[:, :4]).view("<u4").ravel()


class DedupStateError(ValueError):
    """A dedup state file that is not one this version wrote (one line: the file and why)."""


STATE_ARRAYS = ("meta", "exact_digests", "exact_ids", "indexed_ids", "signatures")


def open_state(path: Path) -> np.lib.npyio.NpzFile:
    """The saved state as an open .npz; never unpickles (a planted pickle is refused, not run)."""
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DedupStateError(f"{path}: not a dedup state (an old pickle, or another file: {exc}); "
                              "delete it to start a new one") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DedupStateError(f"{path}: not a dedup state (a single NumPy array)")
    return npz


def member_of(npz: np.lib.npyio.NpzFile, name: str):
    """The stored ``.npy`` of the array ``name``, opened for reading."""
    assert npz.zip is not None  # open until the ``with`` of :meth:`Deduplicator.open` ends
    return npz.zip.open(f"{name}.npy")


def array_header(npz: np.lib.npyio.NpzFile, name: str) -> tuple[tuple, np.dtype]:
    """Shape and dtype of an array in the .npz, from its header alone."""
    with member_of(npz, name) as member:
        version = np.lib.format.read_magic(member)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read(member)
    if fortran_order and len(shape) > 1:
        raise ValueError("Fortran-ordered array")
    return shape, dtype


def array_blocks(npz: np.lib.npyio.NpzFile, name: str) -> Iterator[np.ndarray]:
    """An array of the .npz in blocks of :data:`CHUNK_ROWS` rows, so that a large one is never
    held whole (or twice, while converted)."""
    with member_of(npz, name) as member:
        version = np.lib.format.read_magic(member)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(member)
        row_bytes = dtype.itemsize * int(np.prod(shape[1:], dtype=np.int64))
        left = shape[0]
        while left:
            count = min(CHUNK_ROWS, left)
            data = member.read(count * row_bytes)
            if len(data) != count * row_bytes:
                raise EOFError("array data cut short")
            yield np.frombuffer(data, dtype=dtype).reshape(count, *shape[1:])
            left -= count


def check_state(path: Path, npz: np.lib.npyio.NpzFile, params: dict) -> None:
    """Raise :class:`DedupStateError` unless ``npz`` is a consistent state saved with ``params``."""
    if set(npz.files) != set(STATE_ARRAYS):
        raise DedupStateError(f"{path}: not a dedup state (arrays {sorted(npz.files)})")
    try:
        meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise DedupStateError(f"{path}: not a dedup state (unreadable header)") from None
    if not isinstance(meta, dict) or meta.get("format") != STATE_FORMAT:
        raise DedupStateError(f"{path}: not a dedup state")
    if meta.get("version") != STATE_VERSION:
        raise DedupStateError(f"{path}: unsupported dedup state version {meta.get('version')}")
    if meta.get("params") != params:
        raise DedupStateError(f"{path}: saved with {meta.get('params')}, asked for {params}")
    try:
        (digests, digests_t), (ids, ids_t), (indexed, indexed_t), (signatures, signatures_t) = (
            array_header(npz, name) for name in STATE_ARRAYS[1:])
    except (ValueError, OSError, zipfile.BadZipFile, EOFError):
        raise DedupStateError(f"{path}: damaged dedup state (unreadable array header)") from None
    shapes_ok = (digests_t == np.uint8 and len(digests) == 2 and digests[1] == 20
                 and ids_t.kind == "U" and ids == (digests[0],)
                 and indexed_t.kind == "U" and len(indexed) == 1
                 and signatures_t == np.uint64 and signatures == (indexed[0], params["num_perm"]))
    if not shapes_ok:
        raise DedupStateError(f"{path}: damaged dedup state (array types or shapes do not match)")


def write_array(archive: zipfile.ZipFile, name: str, dtype, shape: tuple, blocks: Iterable[np.ndarray]) -> None:
    """One ``.npy`` member of an ``.npz``, written block by block (as ``np.savez`` lays it out)."""
    dtype = np.dtype(dtype)
    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array_header_1_0(
            member, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
        for block in blocks:
            member.write(np.ascontiguousarray(block, dtype=dtype).tobytes())
