"""A crawl run on disk: where it writes, how a killed run is continued, how a finished run is committed.

A run writes into *partial* files named from a key of its arguments (start URLs, profile, output
target): ``<root>/<site>/<key>.partial/{pieces,errors}.jsonl.partial``, or ``OUT.jsonl.partial`` and
``OUT.errors.jsonl.partial`` with ``-o`` (``<site>`` is :func:`~essay_crawler.runfiles.site_folder` of the host). Started again
with the same arguments, a run finds them and continues: complete lines stay; a partial last line,
damaged lines and partially written articles are cut; the file is the truth, so the state is made to
agree with it (its articles marked written, articles it lost forgotten). A run holds a little disk
space (:class:`~essay_crawler.runfiles.SpaceReserve`) to give back when the disk is full, so it can still record that it
stopped. On completion the files are fsynced, ``run.json`` is written atomically, the files (or the
folder) are renamed to their final names — with ``-o`` and a state, appended to ``OUT.jsonl`` instead,
so no run replaces an earlier one's records — and ``<root>/<site>/latest`` is pointed at the new run
folder. The commit itself is recorded in the state first (``committing``), so a kill during it is
finished by the next start.

A :class:`CrawlRun` is made in two steps, as the crawl's run extension
(:class:`essay_crawler.extensions.CrawlRunExtension`) makes it: constructing it claims the state (its
lock, its schema, the unfinished run of this key), so that a state that cannot be used stops a crawl
before it starts; :meth:`CrawlRun.open` then starts or continues the run and opens its files.
"""
from __future__ import annotations

import os
from pathlib import Path

from essay_crawler import __version__
from essay_crawler.runfiles import (
    RunFiles,
    SpaceReserve,
    StateLock,
    append_at,
    count_lines,
    distinct_urls,
    errors_by_reason,
    file_size,
    folder_files,
    free_run_id,
    inside,
    new_run_id,
    pieces_path_files,
    point_latest,
    recover_error_keys,
    recover_pieces,
    run_key,
    site_folder,
    utc_now,
)
from essay_crawler.state import CrawlState, RunRow, add_counters, content_hash
from pipelines.jsonl import JsonlAppender, fsync_dir, write_json_atomic
from pipelines.warc import WarcAppender


class CrawlRun:
    """One run of the crawl: its files, its state row, resume on open and commit on completion.

    ``state_path`` None runs without state: nothing is known, nothing resumed (``scrape``).
    ``redis_url``: the articles' state is the site's, in that Redis, shared with other workers
    (:class:`~essay_crawler.redis_state.RedisState`); the runs stay in ``state_path``.
    """

    #: Set by :meth:`open`.
    row: RunRow
    run_id: str
    started: str
    files: RunFiles
    reserve: SpaceReserve
    pieces: JsonlAppender
    errors: JsonlAppender

    def __init__(self, *, site: str, start_urls: list[str], profile: str | None, output_root: Path,
                 pieces_path: Path | None, state_path: Path | None, redis_url: str | None = None):
        """Claim the state: take its lock, open it, find the unfinished run of these arguments."""
        self.site = site
        self.site_dir = inside(output_root, output_root / site_folder(site))
        target = str(pieces_path.resolve()) if pieces_path else str(self.site_dir.resolve())
        self.key = run_key(start_urls, profile, target)
        self.pieces_path = pieces_path
        self.lock = StateLock(state_path) if state_path else None
        self.state: CrawlState | None = None
        try:
            self.state = open_state(state_path, redis_url, site) if state_path else None
            self.unfinished = self.state.unfinished_run(self.key) if self.state else None
        except BaseException:
            self.close()
            raise
        self.recovered_articles = 0
        self.forgotten_articles = 0
        self.damaged_lines: list[str] = []
        self.error_keys: set[tuple[str, str]] = set()
        self.warc: WarcAppender | None = None  # the fetched responses (ESSAY_WARC), once opened

    def open(self) -> CrawlRun:
        """Start the run, or continue the unfinished one (its partial files recovered), and open
        its files for writing."""
        self.row = self._open_row()
        self.run_id, self.started = self.row.run_id, self.row.started
        self.files = self._files(self.run_id)
        if self.state is None:
            self._discard_partial_files()
        self._recover()
        folder = self.files.partial_dir.parent if self.files.partial_dir else self.files.partial_pieces.parent
        self.reserve = SpaceReserve(folder / f".{self.key}.reserve")
        self.pieces = JsonlAppender(self.files.partial_pieces)
        self.errors = JsonlAppender(self.files.partial_errors)
        return self

    # opening ----------------------------------------------------------------------------------

    def _files(self, run_id: str) -> RunFiles:
        if self.pieces_path:
            return pieces_path_files(self.pieces_path)
        return folder_files(self.site_dir, self.key, run_id)

    def _open_row(self) -> RunRow:
        """The run to continue (same key, not committed), else a new one."""
        if self.state is None:
            return RunRow(0, self._new_run_id(), utc_now(), "partial", 1)
        found = self.unfinished
        if found and found.status == "committing":
            self._finish_commit(found)
            found = None
        if found:
            return self.state.resume_run(found)
        return self.state.start_run(self.key, self._new_run_id(), utc_now())

    def _new_run_id(self) -> str:
        """This second's run id, made unique among the site's run folders (``-2``, ``-3``…)."""
        return new_run_id() if self.pieces_path else free_run_id(self.site_dir, new_run_id())

    def _discard_partial_files(self) -> None:
        """A run without state cannot skip what it wrote before, so it starts its partial files empty."""
        for path in (self.files.partial_pieces, self.files.partial_errors, self.files.partial_warc):
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

    def open_archive(self) -> WarcAppender:
        """The run's WARC file, one of its files from here on (a resumed run's is cut after its last
        whole record and continued without repeating a response)."""
        if self.warc is None:
            self.warc = WarcAppender(self.files.partial_warc, f"essay-crawler/{__version__}")
        return self.warc

    def known_urls(self) -> set[str]:
        return self.state.known_urls(self.row.id) if self.state else set()

    def known_shapes(self) -> set[str]:
        return self.state.known_shapes(self.row.id) if self.state else set()

    def known_hash(self, canonical: str) -> str | None:
        return self.state.known_hash(canonical, self.row.id) if self.state else None

    def add_alias(self, url: str, canonical: str) -> None:
        if self.state:
            self.state.add_alias(url, canonical)

    def write_error(self, record: dict) -> bool:
        """Write an error once per ``(url, reason)`` in a run, across resumed attempts; False when it
        was written before."""
        key = (record["url"], record["reason"])
        if key in self.error_keys:
            return False
        self.errors.write(record)
        self.error_keys.add(key)
        return True

    def claim(self, canonical: str) -> bool:
        """True when this run may write the article (with a shared state: no other worker claimed it)."""
        return self.state.claim(canonical, self.row.id) if self.state else True

    def write_article(self, records: list[dict], fetched_url: str, digest: str, counters: dict) -> None:
        """Write an article's pieces in one write, then record it in the state."""
        self.pieces.write_all(records)
        self.mark_written(records, fetched_url, digest, counters)

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
        self._close_files()
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
        self._close_files()
        if self.state and self.pieces_path:
            manifest["appended_at"] = {"pieces": file_size(self.files.pieces), "errors": file_size(self.files.errors),
                                       "warc": file_size(self.files.warc)}
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
                for partial, final in ((files.partial_pieces, files.pieces), (files.partial_errors, files.errors),
                                       (files.partial_warc, files.warc)):
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
                                     ("pieces", files.partial_pieces, files.pieces),
                                     ("warc", files.partial_warc, files.warc)):
            if not partial.exists():
                continue
            if offsets is None:
                os.replace(partial, final)
            else:
                append_at(partial, final, offsets.get(name, 0))
                partial.unlink()
            fsync_dir(final.parent)
        write_json_atomic(files.manifest, manifest)
        files.partial_manifest.unlink(missing_ok=True)

    def _close_files(self) -> None:
        """Close (and fsync) the partial files and give back the reserved space."""
        self.pieces.close()
        self.errors.close()
        if self.warc:
            self.warc.close()
        self.reserve.release()

    def close(self) -> None:
        if self.state:
            self.state.close()
        if self.lock:
            self.lock.release()


def open_state(path: Path, redis_url: str | None, site: str) -> CrawlState:
    """The SQLite state at ``path``, or with ``redis_url`` the site's shared state in that Redis."""
    if not redis_url:
        return CrawlState(path)
    from essay_crawler.redis_state import RedisState  # imports Redis only for a shared site

    return RedisState(path, redis_url, site)
