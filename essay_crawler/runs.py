"""A crawl run on disk: where it writes, how a killed run is continued, how a finished run is committed.

A run writes into *partial* files named from a key of its arguments (start URLs, profile, output
target): ``<root>/<site>/<key>.partial/{pieces,errors}.jsonl.partial``, or ``OUT.jsonl.partial`` and
``OUT.errors.jsonl.partial`` with ``-o``. Started again with the same arguments, a run finds them and
continues: complete lines stay, a partial last line and a partially written last article are cut,
and the articles in the file are marked known in the state (a kill may land between writing an
article and recording it). On completion the files are fsynced, ``run.json`` is written atomically,
the files (or the folder) are renamed to their final names and ``<root>/<site>/latest`` is pointed at
the new run folder. The commit itself is recorded in the state first (``committing``), so a kill
during it is finished by the next start.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from essay_crawler.state import CrawlState, RunRow, add_counters, content_hash
from pipelines.jsonl import fsync_dir, truncate_partial_line, write_json_atomic

PARTIAL = ".partial"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


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


def page_groups(lines: list[bytes]) -> list[tuple[int, int]]:
    """``(first, end)`` line index ranges of consecutive lines with the same ``url``."""
    groups: list[tuple[int, int]] = []
    urls = [json.loads(line)["url"] for line in lines]
    start = 0
    for i in range(1, len(urls) + 1):
        if i == len(urls) or urls[i] != urls[start]:
            groups.append((start, i))
            start = i
    return groups


def is_whole_page(records: list[dict]) -> bool:
    """Pieces 1..piece_total of one page, all present."""
    return [r["piece_no"] for r in records] == list(range(1, records[0]["piece_total"] + 1))


def recover_pieces(path: Path) -> list[list[dict]]:
    """Make a partial pieces file end on a whole article; returns its articles (lists of records).

    A line without its newline (a write cut by a kill) is removed, then the last article if not all
    of its pieces are there (pieces of one article are written one after another, so only the last
    one can be short).
    """
    if not path.exists():
        return []
    truncate_partial_line(path)
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    groups = page_groups(lines)
    pages = [[json.loads(line) for line in lines[a:b]] for a, b in groups]
    if pages and not is_whole_page(pages[-1]):
        keep = sum(len(line) for line in lines[:groups[-1][0]])
        with open(path, "rb+") as fh:
            fh.truncate(keep)
            os.fsync(fh.fileno())
        pages.pop()
    return pages


def recover_error_keys(path: Path) -> set[tuple[str, str]]:
    """``(url, reason)`` of the errors already in a partial errors file (its partial tail cut)."""
    if not path.exists():
        return set()
    truncate_partial_line(path)
    keys = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            keys.add((record["url"], record["reason"]))
    return keys


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
    """

    def __init__(self, *, site: str, start_urls: list[str], profile: str | None, output_root: Path,
                 pieces_path: Path | None, state_path: Path | None):
        self.site = site
        self.site_dir = output_root / site
        target = str(pieces_path.resolve()) if pieces_path else str(self.site_dir.resolve())
        self.key = run_key(start_urls, profile, target)
        self.pieces_path = pieces_path
        self.lock = StateLock(state_path) if state_path else None
        self.state = CrawlState(state_path) if state_path else None
        self.recovered_articles = 0
        self.error_keys: set[tuple[str, str]] = set()
        self.row = self._open_row()
        self.run_id, self.started = self.row.run_id, self.row.started
        self.files = self._files(self.run_id)
        if self.state is None:
            self._discard_partial_files()
        self._recover()

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
        """Continue partial files: cut partial tails and mark their articles known."""
        pages = recover_pieces(self.files.partial_pieces)
        self.error_keys = recover_error_keys(self.files.partial_errors)
        self.recovered_articles = len(pages)
        if self.state is None:
            return
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
        if self.state:
            written = self.state.written_by(self.row.id)
            counts |= {"articles_new": written["new"], "articles_changed": written["changed"]}
        return counts

    # ending -----------------------------------------------------------------------------------

    def leave_resumable(self, manifest: dict, counters: dict) -> Path:
        """An interrupted run: keep the partial files, write ``run.json`` beside them (not final)."""
        if self.state:
            self.state.save_current(self.row.id, counters)
        write_json_atomic(self.files.partial_manifest, manifest)
        return self.files.partial_manifest

    def commit(self, manifest: dict) -> Path:
        """Record the commit in the state, then rename files into place and write ``run.json``."""
        if self.state:
            self.state.set_committing(self.row.id, manifest)
        self._apply_commit(self.files, manifest)
        if self.state:
            self.state.set_committed(self.row.id)
        return self.files.manifest

    def _finish_commit(self, row: RunRow) -> None:
        """Complete a commit a kill interrupted."""
        self._apply_commit(self._files(row.run_id), self.state.committing_manifest(row.id))
        self.state.set_committed(row.id)

    def _apply_commit(self, files: RunFiles, manifest: dict) -> None:
        """Idempotent: every step checks whether it is already done."""
        if files.partial_dir:
            if files.partial_dir.exists():
                for partial, final in ((files.partial_pieces, files.pieces), (files.partial_errors, files.errors)):
                    if partial.exists():
                        os.replace(partial, files.partial_dir / final.name)
                write_json_atomic(files.partial_dir / files.manifest.name, manifest)
                os.replace(files.partial_dir, files.final_dir)
                fsync_dir(files.final_dir.parent)
            if files.final_dir.exists():
                point_latest(files.final_dir.parent, files.final_dir.name)
            return
        for partial, final in ((files.partial_errors, files.errors), (files.partial_pieces, files.pieces)):
            if partial.exists():
                os.replace(partial, final)
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
    return output_root / site / "state.sqlite"


def open_run(settings, spider) -> CrawlRun:
    """The run described by a crawler's settings and spider: ``ESSAY_OUTPUT_ROOT``, ``ESSAY_PIECES_PATH``,
    ``ESSAY_STATE`` (default on), ``ESSAY_STATE_PATH`` (default :func:`default_state_path`)."""
    root = Path(settings.get("ESSAY_OUTPUT_ROOT", "output"))
    pieces = Path(settings.get("ESSAY_PIECES_PATH")) if settings.get("ESSAY_PIECES_PATH") else None
    state = None
    if settings.getbool("ESSAY_STATE", True):
        state = Path(settings.get("ESSAY_STATE_PATH") or default_state_path(root, spider.site_name, pieces))
    profile = spider.profile.name if spider.profile else None
    return CrawlRun(site=spider.site_name, start_urls=list(spider.start_urls), profile=profile,
                    output_root=root, pieces_path=pieces, state_path=state)


def crawl_run(crawler) -> CrawlRun:
    """The run of ``crawler`` (opened on first use; shared by the spider and the item pipelines)."""
    if crawler not in _runs:
        _runs[crawler] = open_run(crawler.settings, crawler.spider)
    return _runs[crawler]
