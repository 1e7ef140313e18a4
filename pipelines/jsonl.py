"""JSONL output that never leaves a partial line behind."""
from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Self, TextIO

_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000


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


def open_unnamed(folder: Path) -> int | None:
    """A file with no name in ``folder`` (``O_TMPFILE``), open for writing; it is gone when its
    process dies. None where the system or the filesystem has none."""
    if not hasattr(os, "O_TMPFILE"):
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o666)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise


def _link_by_proc(fd: int, path: Path) -> None:
    os.link(f"/proc/self/fd/{fd}", path)


def _call_libc(name: str, args: tuple, *names) -> None:
    """The C library's function ``name`` called with ``args``; a failure is the OSError of its errno,
    naming ``names`` (OSError's filename arguments)."""
    if getattr(ctypes.CDLL(None, use_errno=True), name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), *names)


def _link_by_descriptor(fd: int, path: Path) -> None:
    """``linkat(fd, "", …, AT_EMPTY_PATH)``, where links through ``/proc`` are refused."""
    _call_libc("linkat", (fd, b"", _AT_FDCWD, os.fsencode(path), _AT_EMPTY_PATH), str(path))


def unnamed_file_linker(folder: Path, probe: Path) -> Callable[[int, Path], None] | None:
    """The way an unnamed file in ``folder`` is given a name here, tried on a probe file linked as
    ``probe`` (then removed); None when it has no unnamed files or no way works."""
    fd = open_unnamed(folder)
    if fd is None:
        return None
    try:
        for link in (_link_by_proc, _link_by_descriptor):
            try:
                link(fd, probe)
            except OSError:
                continue
            probe.unlink()
            return link
        return None
    finally:
        os.close(fd)


class AtomicJsonlFile:
    """Write records to ``path`` all at once: a temporary file is fsynced and renamed on success.

    Until :meth:`commit`, readers see the old file (or none). The temporary file has no name until
    then (:func:`open_unnamed`), so a killed process leaves nothing; on a filesystem without unnamed
    files it is ``NAME.partial``, which a crash leaves behind.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(self.path.name + ".partial")
        self.tmp.unlink(missing_ok=True)  # left by a crash where files are named
        self._link = unnamed_file_linker(self.path.parent, self.tmp)
        fd = open_unnamed(self.path.parent) if self._link else None
        if fd is None:
            fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        self._fh: TextIO = open(fd, "w", encoding="utf-8")  # closed by commit/abort
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
        if self._link:
            self._link(self._fh.fileno(), self.tmp)
        self._fh.close()
        os.replace(self.tmp, self.path)
        fsync_dir(self.path.parent)

    def abort(self) -> None:
        self._fh.close()
        if not self._link:
            self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> Self:
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


def append_whole(fd: int, data: bytes) -> None:
    """Append ``data`` to the file open as ``fd`` whole, or (on error, e.g. a full disk) not at all:
    what was written is cut back to where the file ended."""
    end = os.lseek(fd, 0, os.SEEK_END)
    try:
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
    except OSError:
        os.ftruncate(fd, end)
        raise


class JsonlAppender:
    """Append-only JSONL: the lines of one :meth:`write_all` go out in one ``write(2)``, so a killed
    process leaves whole lines (a partial tail left by a crash mid-write is cut when the file is
    reopened), and a write that fails (disk full) is rolled back: the file is cut to where it ended
    before, then the error is raised."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.recovered_bytes = truncate_partial_line(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0

    def write(self, record: dict) -> None:
        self.write_all([record])

    def write_all(self, records: list[dict]) -> None:
        """Append ``records`` whole, or (on error) not at all."""
        append_whole(self._fd, "".join(map(dumps_record, records)).encode("utf-8"))
        self.count += len(records)

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


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file that appears at ``path`` whole (written, fsynced, renamed) or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write, fsync, rename: readers see the old file or the new one, never half of one."""
    with atomic_output(path) as fh:
        fh.write(data)


def write_json_atomic(path: str | Path, data: dict) -> None:
    """A JSON document (UTF-8, indented), written atomically."""
    write_bytes_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8"))


_RENAME_EXCHANGE = 2


def exchange_paths(a: str | Path, b: str | Path) -> None:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``): a reader sees one or the other."""
    _call_libc("renameat2", (_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE),
               str(a), None, str(b))


def fsync_tree(path: Path) -> None:
    """fsync every file and folder under ``path`` (and ``path``)."""
    for folder, _, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` atomically (swapped in when ``target`` exists, whose old
    content is then removed); ``new`` must be fully written. Readers see the old folder or the new."""
    fsync_tree(new)
    if target.exists():
        exchange_paths(new, target)
        fsync_dir(target.parent)
        shutil.rmtree(new)
    else:
        os.replace(new, target)
        fsync_dir(target.parent)
