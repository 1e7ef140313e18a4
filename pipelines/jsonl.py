"""JSONL output that never leaves a partial line behind."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Iterable, Iterator


def dumps_record(record: dict) -> str:
    """One JSON line, UTF-8 characters as themselves (no ``\\u`` escapes)."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AtomicJsonlFile:
    """Write records to ``path`` all at once: a temporary file is fsynced and renamed on success.

    Until :meth:`commit`, readers see the old file (or none); a crash leaves only ``.partial``.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(self.path.name + ".partial")
        self._fh: IO[str] = open(self.tmp, "w", encoding="utf-8")
        self.count = 0

    def write(self, record: dict) -> None:
        self._fh.write(dumps_record(record))
        self.count += 1

    def write_all(self, records: Iterable[dict]) -> None:
        for record in records:
            self.write(record)

    def commit(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)

    def abort(self) -> None:
        self._fh.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicJsonlFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def truncate_partial_line(path: str | Path) -> int:
    """Cut a trailing line that has no newline (a write interrupted by a kill); returns bytes cut."""
    path = Path(path)
    if not path.exists():
        return 0
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        pos = size
        while pos > 0:
            step = min(65536, pos)
            fh.seek(pos - step)
            chunk = fh.read(step)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                keep = pos - step + nl + 1
                break
            pos -= step
        else:
            keep = 0
        if keep != size:
            fh.truncate(keep)
        return size - keep


class JsonlAppender:
    """Append-only JSONL: each line goes out in one ``write(2)``, so a killed process leaves whole
    lines; a partial tail left by a crash mid-write is cut when the file is reopened."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.recovered_bytes = truncate_partial_line(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0

    def write(self, record: dict) -> None:
        data = dumps_record(record).encode("utf-8")
        written = os.write(self._fd, data)
        while written < len(data):
            written += os.write(self._fd, data[written:])
        self.count += 1

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """The JSON objects of a JSONL file (blank lines skipped); a bad line names its file and number."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from None


def read_jsonl(path: str | Path) -> list[dict]:
    """All records of a JSONL file."""
    return list(iter_jsonl(path))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write, fsync, rename: readers see the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_json_atomic(path: str | Path, data: dict) -> None:
    """A JSON document (UTF-8, indented), written atomically."""
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
