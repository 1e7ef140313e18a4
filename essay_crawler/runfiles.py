"""A run's files on disk, as pure helpers: their names, recovery of partial files, counting, the
atomic steps of a commit, the disk-space reserve and the state lock (see :mod:`essay_crawler.runs`)."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipelines.jsonl import fsync_dir, truncate_partial_line, write_bytes_atomic

PARTIAL = ".partial"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def site_folder(site: str) -> str:
    """A safe folder name for a site (a host from untrusted input): letters, digits, ``.``, ``-`` and
    ``_`` kept, anything else ``_``; never empty, never starting with ``.`` (so never ``..``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", site)[:200] or "_"
    return "_" + slug if slug.startswith(".") else slug


def inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it resolves inside ``root``."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"{path} is outside the output root {root}")
    return path


def run_key(start_urls: list[str], profile: str | None, target: str) -> str:
    """Same start URLs, profile and output target → same key (so a re-run finds the partial run)."""
    data = json.dumps([list(start_urls), profile, target], ensure_ascii=False)
    return hashlib.sha1(data.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class RunFiles:
    """Final and partial paths of one run's files."""

    pieces: Path
    errors: Path
    manifest: Path
    warc: Path  # the fetched responses, with ``ESSAY_WARC``
    partial_dir: Path | None = None  # run-folder mode: the folder renamed to ``final_dir`` on commit
    final_dir: Path | None = None

    @property
    def partial_pieces(self) -> Path:
        return self._partial(self.pieces)

    @property
    def partial_errors(self) -> Path:
        return self._partial(self.errors)

    @property
    def partial_warc(self) -> Path:
        return self._partial(self.warc)

    @property
    def partial_manifest(self) -> Path:
        """Where ``run.json`` of an interrupted (not committed) run is written."""
        return self.partial_dir / self.manifest.name if self.partial_dir else self._partial(self.manifest)

    def _partial(self, path: Path) -> Path:
        folder = self.partial_dir if self.partial_dir else path.parent
        return folder / (path.name + PARTIAL)

    def final_paths(self) -> dict[str, str]:
        return {"pieces": str(self.pieces), "errors": str(self.errors), "manifest": str(self.manifest)}


def pieces_path_files(pieces: Path) -> RunFiles:
    """``-o OUT.jsonl``: OUT.jsonl, OUT.errors.jsonl, OUT.run.json (and OUT.warc.gz)."""
    stem = pieces.with_suffix("") if pieces.suffix == ".jsonl" else pieces
    return RunFiles(pieces, Path(f"{stem}.errors.jsonl"), Path(f"{stem}.run.json"), Path(f"{stem}.warc.gz"))


def folder_files(site_dir: Path, key: str, run_id: str) -> RunFiles:
    """``<root>/<site>/<run-id>/{pieces.jsonl,errors.jsonl,run.json,pages.warc.gz}``, written in
    ``<key>.partial/``."""
    final = site_dir / run_id
    return RunFiles(final / "pieces.jsonl", final / "errors.jsonl", final / "run.json", final / "pages.warc.gz",
                    partial_dir=site_dir / f"{key}{PARTIAL}", final_dir=final)


def free_run_id(site_dir: Path, run_id: str) -> str:
    """``run_id``, or ``run_id-2``, ``-3``… when a folder of that name exists."""
    candidate, n = run_id, 1
    while (site_dir / candidate).exists():
        n += 1
        candidate = f"{run_id}-{n}"
    return candidate


def page_groups(records: list[dict]) -> list[tuple[int, int]]:
    """``(first, end)`` index ranges of consecutive records with the same ``url``."""
    groups: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(records) + 1):
        if i == len(records) or records[i]["url"] != records[start]["url"]:
            groups.append((start, i))
            start = i
    return groups


def is_whole_page(records: list[dict]) -> bool:
    """Pieces 1..piece_total of one page, all present."""
    return [r["piece_no"] for r in records] == list(range(1, records[0]["piece_total"] + 1))


#: Fields a recovered line must have, by file: what recovery and the counts read.
PIECE_FIELDS = {"url": str, "piece_no": int, "piece_total": int}
ERROR_FIELDS = {"url": str, "reason": str}


def parse_line(line: bytes, fields: Mapping[str, type]) -> dict | str:
    """The record on ``line``, or why it is damaged (not UTF-8, not JSON, a required field missing)."""
    try:
        record = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except json.JSONDecodeError:
        return "blank" if not line.strip() else "not JSON"
    if not isinstance(record, dict):
        return "not a JSON object"
    for name, kind in fields.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            return f"no {name}"
    return record


def recover_lines(path: Path, fields: Mapping[str, type]) -> tuple[list[bytes], list[dict], list[str]]:
    """Cut a partial tail, then read ``path``: its good lines, their records, and one message per
    damaged line (``FILE:LINE: why``); damaged lines are not returned."""
    truncate_partial_line(path)
    lines, records, damaged = [], [], []
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, 1):
            record = parse_line(line, fields)
            if isinstance(record, str):
                damaged.append(f"{path}:{number}: {record}")
            else:
                lines.append(line)
                records.append(record)
    return lines, records, damaged


def rewrite_lines(path: Path, lines: list[bytes]) -> None:
    """Replace ``path`` by ``lines`` (atomically; only when recovery dropped some)."""
    write_bytes_atomic(path, b"".join(lines))


def recover_pieces(path: Path) -> tuple[list[list[dict]], list[str]]:
    """Make a partial pieces file hold only whole, undamaged articles; returns its articles (lists
    of records) and the damaged lines skipped.

    A line without its newline (a write cut by a kill) is removed, so is a damaged line (not UTF-8,
    not JSON, blank, no ``url``…), then every article not all of whose pieces are there (normally
    only the last: pieces of one article are written together).
    """
    if not path.exists():
        return [], []
    lines, records, damaged = recover_lines(path, PIECE_FIELDS)
    pages, kept = [], []
    for a, b in page_groups(records):
        if is_whole_page(records[a:b]):
            pages.append(records[a:b])
            kept.extend(lines[a:b])
    if damaged or len(kept) != len(lines):
        rewrite_lines(path, kept)
    return pages, damaged


def recover_error_keys(path: Path) -> tuple[set[tuple[str, str]], list[str]]:
    """``(url, reason)`` of the errors already in a partial errors file (its partial tail and
    damaged lines removed), and the damaged lines skipped."""
    if not path.exists():
        return set(), []
    lines, records, damaged = recover_lines(path, ERROR_FIELDS)
    if damaged:
        rewrite_lines(path, lines)
    return {(r["url"], r["reason"]) for r in records}, damaged


def point_latest(site_dir: Path, run_id: str) -> None:
    """Atomically make ``<site_dir>/latest`` a symlink to the run folder ``run_id``."""
    tmp = site_dir / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(run_id, tmp)
    os.replace(tmp, site_dir / "latest")
    fsync_dir(site_dir)


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def errors_by_reason(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                reason = json.loads(line)["reason"]
                counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items()))


def distinct_urls(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, encoding="utf-8") as fh:
        return len({json.loads(line)["url"] for line in fh})


def is_disk_full(exc: BaseException) -> bool:
    """A write refused for lack of space: ENOSPC/EDQUOT, or SQLite's "database or disk is full"."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


class SpaceReserve:
    """Disk space held by a run (a file of :attr:`SIZE` bytes), given back when the disk is full so the
    run can still record that it stopped (its ``run.json`` and state)."""

    SIZE = 256 * 1024

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "wb") as fh:
                fh.write(bytes(self.SIZE))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:
            path.unlink(missing_ok=True)
            raise

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def append_at(src: Path, dst: Path, offset: int) -> None:
    """Make ``dst`` its first ``offset`` bytes followed by ``src``, fsynced: doing it again after a
    kill gives the same file, never the lines twice."""
    if file_size(dst) < offset:
        raise RuntimeError(f"{dst} is shorter than when the commit began ({offset} bytes): not appending")
    with open(src, "rb") as fin, open(dst, "ab") as fout:
        fout.truncate(offset)
        shutil.copyfileobj(fin, fout)
        fout.flush()
        os.fsync(fout.fileno())


class StateLock:
    """An exclusive lock beside the state file: two runs never share one state at once."""

    def __init__(self, state_path: Path):
        self.path = state_path.with_name(state_path.name + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise RuntimeError(f"another crawl is using the state {state_path}") from None

    def release(self) -> None:
        os.close(self.fd)


def default_state_path(output_root: Path, site: str, pieces_path: Path | None) -> Path:
    """``<root>/<site>/state.sqlite``; with ``-o OUT.jsonl``, ``OUT.state.sqlite`` beside it."""
    if pieces_path:
        stem = pieces_path.with_suffix("") if pieces_path.suffix == ".jsonl" else pieces_path
        return Path(f"{stem}.state.sqlite")
    return inside(output_root, output_root / site_folder(site) / "state.sqlite")
