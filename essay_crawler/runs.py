"""A crawl run on disk: where it writes, how a killed run is continued, how a finished run is committed.

A run writes into *partial* files named from a key of its arguments (start URLs, profile, output
target): ``<root>/<site>/<key>.partial/{pieces,errors}.jsonl.partial``, or ``OUT.jsonl.partial`` and
``OUT.errors.jsonl.partial`` with ``-o`` (``<site>`` is :func:`site_folder` of the host). Started again
with the same arguments, a run finds them and continues: complete lines stay; a partial last line,
damaged lines and partially written articles are cut; the file is the truth, so the state is made to
agree with it (its articles marked written, articles it lost forgotten). A run holds a little disk
space (:class:`SpaceReserve`) to give back when the disk is full, so it can still record that it
stopped. On completion the files are fsynced, ``run.json`` is written atomically, the files (or the
folder) are renamed to their final names — with ``-o`` and a state, appended to ``OUT.jsonl`` instead,
so no run replaces an earlier one's records — and ``<root>/<site>/latest`` is pointed at the new run
folder. The commit itself is recorded in the state first (``committing``), so a kill during it is
finished by the next start.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from essay_crawler.state import CrawlState, RunRow, add_counters, content_hash
from pipelines.jsonl import (
    fsync_dir,
    truncate_partial_line,
    write_bytes_atomic,
    write_json_atomic,
)

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
    partial_dir: Path | None = None  # run-folder mode: the folder renamed to ``final_dir`` on commit
    final_dir: Path | None = None

    @property
    def partial_pieces(self) -> Path:
        return self._partial(self.pieces)

    @property
    def partial_errors(self) -> Path:
        return self._partial(self.errors)

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
    """``-o OUT.jsonl``: OUT.jsonl, OUT.errors.jsonl, OUT.run.json."""
    stem = pieces.with_suffix("") if pieces.suffix == ".jsonl" else pieces
    return RunFiles(pieces, Path(f"{stem}.errors.jsonl"), Path(f"{stem}.run.json"))


def folder_files(site_dir: Path, key: str, run_id: str) -> RunFiles:
    """``<root>/<site>/<run-id>/{pieces.jsonl,errors.jsonl,run.json}``, written in ``<key>.partial/``."""
    final = site_dir / run_id
    return RunFiles(final / "pieces.jsonl", final / "errors.jsonl", final / "run.json",
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


class CrawlRun:
    """One run of the crawl: its files, its state row, resume on open and commit on completion.

    ``state_path`` None runs without state: nothing is known, nothing resumed (``scrape``).
    ``redis_url``: the articles' state is the site's, in that Redis, shared with other workers
    (:class:`~essay_crawler.redis_state.RedisState`); the runs stay in ``state_path``.
    """

    def __init__(self, *, site: str, start_urls: list[str], profile: str | None, output_root: Path,
                 pieces_path: Path | None, state_path: Path | None, redis_url: str | None = None):
        self.site = site
        self.site_dir = inside(output_root, output_root / site_folder(site))
        target = str(pieces_path.resolve()) if pieces_path else str(self.site_dir.resolve())
        self.key = run_key(start_urls, profile, target)
        self.pieces_path = pieces_path
        self.lock = StateLock(state_path) if state_path else None
        self.state = open_state(state_path, redis_url, site) if state_path else None
        self.recovered_articles = 0
        self.forgotten_articles = 0
        self.damaged_lines: list[str] = []
        self.error_keys: set[tuple[str, str]] = set()
        self.row = self._open_row()
        self.run_id, self.started = self.row.run_id, self.row.started
        self.files = self._files(self.run_id)
        if self.state is None:
            self._discard_partial_files()
        self._recover()
        folder = self.files.partial_dir.parent if self.files.partial_dir else self.files.partial_pieces.parent
        self.reserve = SpaceReserve(folder / f".{self.key}.reserve")

    # opening ----------------------------------------------------------------------------------

    def _files(self, run_id: str) -> RunFiles:
        if self.pieces_path:
            return pieces_path_files(self.pieces_path)
        return folder_files(self.site_dir, self.key, run_id)

    def _open_row(self) -> RunRow:
        """The run to continue (same key, not committed), else a new one."""
        if self.state is None:
            return RunRow(0, new_run_id(), utc_now(), "partial", 1)
        found = self.state.unfinished_run(self.key)
        if found and found.status == "committing":
            self._finish_commit(found)
            found = None
        if found:
            return self.state.resume_run(found)
        run_id = new_run_id() if self.pieces_path else free_run_id(self.site_dir, new_run_id())
        return self.state.start_run(self.key, run_id, utc_now())

    def _discard_partial_files(self) -> None:
        """A run without state cannot skip what it wrote before, so it starts its partial files empty."""
        for path in (self.files.partial_pieces, self.files.partial_errors):
            path.unlink(missing_ok=True)

    def _recover(self) -> None:
        """Continue partial files: cut partial tails, damaged lines and unfinished articles, then make
        the state agree with the file (the file is the truth for what this run wrote): its articles
        are marked written, and articles the state has from this run but the file lost are forgotten
        (fetched again)."""
        pages, damaged = recover_pieces(self.files.partial_pieces)
        self.error_keys, damaged_errors = recover_error_keys(self.files.partial_errors)
        self.damaged_lines = damaged + damaged_errors
        self.recovered_articles = len(pages)
        if self.state is None:
            return
        self.forgotten_articles = self.state.forget_unwritten(self.row.id, {records[0]["url"] for records in pages})
        for records in pages:
            self.state.mark_written(records[0]["url"], records[0]["url"], content_hash(records), len(records),
                                    self.row.id, records[0].get("crawled_at") or utc_now())

    # during the run ---------------------------------------------------------------------------

    def known_urls(self) -> set[str]:
        return self.state.known_urls(self.row.id) if self.state else set()

    def known_shapes(self) -> set[str]:
        return self.state.known_shapes(self.row.id) if self.state else set()

    def known_hash(self, canonical: str) -> str | None:
        return self.state.known_hash(canonical, self.row.id) if self.state else None

    def add_alias(self, url: str, canonical: str) -> None:
        if self.state:
            self.state.add_alias(url, canonical)

    def claim(self, canonical: str) -> bool:
        """True when this run may write the article (with a shared state: no other worker claimed it)."""
        return self.state.claim(canonical, self.row.id) if self.state else True

    def mark_written(self, records: list[dict], fetched_url: str, digest: str, counters: dict) -> None:
        if self.state:
            self.state.mark_written(records[0]["url"], fetched_url, digest, len(records), self.row.id, utc_now())
            self.state.save_current(self.row.id, counters)

    def total_counters(self, current: dict) -> dict:
        """This attempt's figures plus those of the run's earlier attempts."""
        return add_counters(self.state.counters(self.row.id), current) if self.state else dict(current)

    def file_counts(self) -> dict:
        """Figures read from the run's files (all attempts): pieces, article pages, errors by reason."""
        pieces, errors = self.files.partial_pieces, self.files.partial_errors
        counts = {"pieces_written": count_lines(pieces), "article_pages": distinct_urls(pieces),
                  "errors": errors_by_reason(errors)}
        written = self.state.written_by(self.row.id) if self.state else {}
        if written:  # (a shared state that stopped answering has no figures)
            counts |= {"articles_new": written["new"], "articles_changed": written["changed"]}
        return counts

    # ending -----------------------------------------------------------------------------------

    def leave_resumable(self, manifest: dict, counters: dict) -> Path:
        """An interrupted run: keep the partial files, write ``run.json`` beside them (not final)."""
        self.reserve.release()
        if self.state:
            self.state.save_current(self.row.id, counters)
        write_json_atomic(self.files.partial_manifest, manifest)
        return self.files.partial_manifest

    def commit(self, manifest: dict) -> Path:
        """Record the commit in the state, then rename files into place and write ``run.json``.

        With ``-o`` and a state, the run's lines are appended to ``OUT.jsonl`` (and errors to
        ``OUT.errors.jsonl``) at the sizes recorded with the commit (``appended_at``), so records of
        earlier runs are never replaced and a commit finished after a kill appends exactly once.
        """
        self.reserve.release()
        if self.state and self.pieces_path:
            manifest["appended_at"] = {"pieces": file_size(self.files.pieces), "errors": file_size(self.files.errors)}
        if self.state:
            self.state.set_committing(self.row.id, manifest)
        self._apply_commit(self.files, manifest)
        if self.state:
            self.state.set_committed(self.row.id)
        return self.files.manifest

    def _finish_commit(self, row: RunRow) -> None:
        """Complete a commit a kill interrupted."""
        assert self.state is not None  # only a run with a state can be left committing
        self._apply_commit(self._files(row.run_id), self.state.committing_manifest(row.id))
        self.state.set_committed(row.id)

    def _apply_commit(self, files: RunFiles, manifest: dict) -> None:
        """Idempotent: every step checks whether it is already done."""
        if files.partial_dir:
            partial_dir, final_dir = files.partial_dir, files.final_dir
            assert final_dir is not None  # run-folder mode sets both (folder_files)
            if partial_dir.exists():
                for partial, final in ((files.partial_pieces, files.pieces), (files.partial_errors, files.errors)):
                    if partial.exists():
                        os.replace(partial, partial_dir / final.name)
                write_json_atomic(partial_dir / files.manifest.name, manifest)
                os.replace(partial_dir, final_dir)
                fsync_dir(final_dir.parent)
            if final_dir.exists():
                point_latest(final_dir.parent, final_dir.name)
            return
        offsets = manifest.get("appended_at")
        for name, partial, final in (("errors", files.partial_errors, files.errors),
                                     ("pieces", files.partial_pieces, files.pieces)):
            if not partial.exists():
                continue
            if offsets is None:
                os.replace(partial, final)
            else:
                append_at(partial, final, offsets[name])
                partial.unlink()
            fsync_dir(final.parent)
        write_json_atomic(files.manifest, manifest)
        files.partial_manifest.unlink(missing_ok=True)

    def close(self) -> None:
        if self.state:
            self.state.close()
        if self.lock:
            self.lock.release()


_runs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def default_state_path(output_root: Path, site: str, pieces_path: Path | None) -> Path:
    """``<root>/<site>/state.sqlite``; with ``-o OUT.jsonl``, ``OUT.state.sqlite`` beside it."""
    if pieces_path:
        stem = pieces_path.with_suffix("") if pieces_path.suffix == ".jsonl" else pieces_path
        return Path(f"{stem}.state.sqlite")
    return inside(output_root, output_root / site_folder(site) / "state.sqlite")


def open_state(path: Path, redis_url: str | None, site: str) -> CrawlState:
    """The SQLite state at ``path``, or with ``redis_url`` the site's shared state in that Redis."""
    if not redis_url:
        return CrawlState(path)
    from essay_crawler.redis_state import RedisState  # imports Redis only for a shared site

    return RedisState(path, redis_url, site)


def open_run(settings, spider) -> CrawlRun:
    """The run described by a crawler's settings and spider: ``ESSAY_OUTPUT_ROOT``, ``ESSAY_PIECES_PATH``,
    ``ESSAY_STATE`` (default on), ``ESSAY_STATE_PATH`` (default :func:`default_state_path`),
    ``ESSAY_REDIS_URL`` (the shared state of a site crawled by several workers: needs ``ESSAY_STATE``)."""
    root = Path(settings.get("ESSAY_OUTPUT_ROOT", "output"))
    pieces = Path(settings.get("ESSAY_PIECES_PATH")) if settings.get("ESSAY_PIECES_PATH") else None
    state, redis_url = None, settings.get("ESSAY_REDIS_URL")
    if redis_url and not settings.getbool("ESSAY_STATE", True):
        raise ValueError("a crawl shared through Redis needs its state (drop --no-state)")
    if settings.getbool("ESSAY_STATE", True):
        state = Path(settings.get("ESSAY_STATE_PATH") or default_state_path(root, spider.site_name, pieces))
    profile = spider.profile.name if spider.profile else None
    return CrawlRun(site=spider.site_name, start_urls=list(spider.start_urls), profile=profile,
                    output_root=root, pieces_path=pieces, state_path=state, redis_url=redis_url)


def crawl_run(crawler) -> CrawlRun:
    """The run of ``crawler`` (opened on first use; shared by the spider and the item pipelines)."""
    if crawler not in _runs:
        _runs[crawler] = open_run(crawler.settings, crawler.spider)
    return _runs[crawler]
