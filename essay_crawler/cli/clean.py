"""``essay-crawler clean``: saved pages and mirrors → piece JSONL, with no crawl."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin

from essay_crawler.cli import positive_int, seconds
from pipelines.errors import PageError, PageFailure, truncation_notice
from pipelines.jsonl import AtomicJsonlFile, dumps_record
from pipelines.normalize import CONVERSIONS
from pipelines.worker import clean_fetched_page, init_cleaner

PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml", ".txt")
# Files a mirror holds that are never pages: not even opened to sniff them.
ASSET_SUFFIXES = frozenset((".css", ".js", ".json", ".xml", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp",
                            ".ico", ".svg", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".pdf", ".zip", ".gz",
                            ".tgz", ".bz2", ".xz", ".rar", ".7z", ".mp3", ".mp4", ".swf", ".doc", ".docx",
                            ".xls", ".xlsx", ".ppt", ".pptx"))
# How an HTML page without an HTML suffix (``index``, ``list.php?id=1``) begins.
HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<title|<!--)",
                        re.IGNORECASE)
SNIFF_BYTES = 1024
# Leading bytes of files that are certainly not pages, and what they are.
BINARY_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                     (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"),
                     (b"PK\x03\x04", "a zip archive"), (b"PK\x05\x06", "a zip archive"),
                     (b"\x1f\x8b", "gzip data"), (b"\xfd7zXZ\x00", "xz data"),
                     (b"7z\xbc\xaf\x27\x1c", "a 7z archive"), (b"Rar!\x1a\x07", "a RAR archive"))
NOT_ARTICLE = "no_content"  # a list, index or other page of a mirror: skipped and counted, not an error
PROGRESS_MIN_FILES = 5
AHEAD = 2  # files handed to each worker at a time, so it never waits for the next one
WINDOW = 16  # files per worker that may be cleaned ahead of the first one not yet written


def default_jobs() -> int:
    """Every core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def add_parser(sub):
    p = sub.add_parser("clean", help="clean saved pages (files or folders) into piece JSONL",
                       description="Clean saved essay pages (.html/.htm/.shtml/.xhtml/.txt files, or folders "
                                   "such as a wget -m mirror, searched recursively) into one JSON line per piece.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write here (atomically) instead of stdout")
    p.add_argument("--base-url", metavar="URL",
                   help="URL of each PATH folder; a file's url is this joined with its relative path")
    p.add_argument("--convert", choices=CONVERSIONS, default="t2s", help="OpenCC conversion (default t2s)")
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile for selectors and encoding")
    p.add_argument("--glob", action="append", metavar="PATTERN",
                   help="in folders, clean the files matching PATTERN in any subfolder (repeatable; e.g. "
                        "'list.php*'), instead of page suffixes and files that begin like HTML")
    p.add_argument("-j", "--jobs", type=positive_int, default=default_jobs(), metavar="N",
                   help="worker processes (default: every core, here %(default)s; 1 cleans in this process)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="S",
                   help="with workers, a file not cleaned within S seconds is timeout_cleaning and its worker "
                        "is replaced (default 60; 0: no limit)")
    return p


def looks_like_page(file: Path) -> bool:
    """A mirror's file worth cleaning: a page suffix, or no asset suffix and a start like HTML."""
    suffix = file.suffix.lower()
    if suffix in PAGE_SUFFIXES:
        return True
    if suffix in ASSET_SUFFIXES:
        return False
    try:
        with open(file, "rb") as fh:
            return HTML_START.match(fh.read(SNIFF_BYTES)) is not None
    except OSError:
        return False


def page_files(path: Path, globs: list[str] | None = None) -> list[tuple[Path, Path]]:
    """``(file, folder it is relative to)`` for a file or the page files under a folder."""
    if not path.is_dir():
        return [(path, path.parent)]
    if globs:
        files = {f for pattern in globs for f in path.rglob(pattern) if f.is_file()}
    else:
        files = {f for f in path.rglob("*") if f.is_file() and looks_like_page(f)}
    return [(f, path) for f in sorted(files)]


def page_url(file: Path, folder: Path, base_url: str | None) -> str:
    """The URL a saved file stands for: ``base_url`` + its path under ``folder``, else ``file://``."""
    if base_url:
        relative = file.resolve().relative_to(folder.resolve()).as_posix()
        return urljoin(base_url if base_url.endswith("/") else base_url + "/", quote(relative))
    return file.resolve().as_uri()


def binary_kind(data: bytes) -> str | None:
    """What a file is when its first bytes say it is no page (an image, an archive…)."""
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


@dataclass(slots=True)
class Outcome:
    """What cleaning one file gave: its records as UTF-8 JSON lines (serialised where it was cleaned:
    bytes cross a process boundary far faster than text or dicts) and the title's claim, or an error."""

    lines: bytes = b""
    count: int = 0
    error: PageFailure | None = None
    claimed: int | None = None
    mismatch: bool = False
    truncated: str | None = None  # the truncated_by_site message, when the site cut a piece short


class LinesFile(AtomicJsonlFile):
    """An atomically written JSONL file that takes UTF-8 lines already serialised (by a worker)."""

    def write_lines(self, lines: bytes, count: int) -> None:
        self._fh.buffer.write(lines)
        self.count += count


def clean_file(task: tuple[Path, str]) -> Outcome:
    """Read and clean one file, with the profile and conversion :func:`init_cleaner` set."""
    file, url = task
    try:
        data = file.read_bytes()
    except OSError as exc:
        return Outcome(error=PageFailure("unreadable", exc.strerror or str(exc)))
    kind = binary_kind(data)
    if kind:
        return Outcome(error=PageFailure("not_a_page", kind))
    result = clean_fetched_page(data, url, None)
    if result.error:
        return Outcome(error=result.error)
    records = result.records
    return Outcome("".join(map(dumps_record, records)).encode("utf-8"), len(records), claimed=result.claimed,
                   mismatch=result.mismatch, truncated=truncation_notice(records))


WARM_UP_PAGE = ("<html><head><meta charset='utf-8'><title>春天</title></head><body><h1>春天</h1>"
                + "<p>春天来了,小草从地里探出头来,柳树抽出了嫩绿的新芽,田野里到处是忙着春耕的人们。</p>" * 3
                + "</body></html>").encode("utf-8")


def warm_up(profile, convert: str) -> None:
    """Clean a small page once, so that the stages' lazily built patterns and tables exist before
    the workers are forked (each would build them again)."""
    from pipelines.clean import clean_page

    try:
        clean_page(WARM_UP_PAGE, "file:///warm-up.html", profile=profile, convert=convert)
    except PageError:
        pass


def init_worker(profile, convert: str) -> None:
    """A worker process: Ctrl-C is the parent's to handle (it stops the workers); a result sent to
    a parent that is gone (killed) ends the worker quietly, as SIGPIPE ends a Unix filter."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    init_cleaner(profile, convert)


def serve(conn, profile, convert: str) -> None:
    """A worker's loop: clean each ``(index, task)`` received and send back ``(index, outcome,
    exception)``, until ``None`` or the parent is gone."""
    init_worker(profile, convert)
    try:
        while (message := conn.recv()) is not None:
            index, task = message
            try:
                conn.send((index, clean_file(task), None))
            except Exception as exc:  # a bug: the parent raises it, as one process would
                conn.send((index, None, exc))
    except EOFError:
        pass


class Workers:
    """Worker processes (forked: they start with what this process has loaded) that clean files
    and give the outcomes back in input order. Each worker holds :data:`AHEAD` files at a time, and
    no file more than :data:`WINDOW` per worker past the first unwritten one is handed out, which
    bounds the outcomes held while a slow page is cleaned.

    A worker that dies (killed, e.g. by the OOM killer) is replaced and the files it held are cleaned
    again; a file whose worker dies twice is an ``internal_error``. A file not cleaned within
    ``timeout`` seconds is ``timeout_cleaning``: its worker is killed and replaced."""

    def __init__(self, jobs: int, profile, convert: str, timeout: float | None = None):
        self.context = multiprocessing.get_context("fork")
        self.profile, self.convert, self.timeout = profile, convert, timeout
        self.workers = [self.start() for _ in range(jobs)]

    def start(self) -> _Worker:
        conn, child = self.context.Pipe()
        proc = self.context.Process(target=serve, args=(child, self.profile, self.convert), daemon=True)
        proc.start()
        child.close()
        return _Worker(conn, proc)

    def outcomes(self, tasks: list):
        """Outcomes of ``tasks`` (as :func:`clean_file` gives them), in order."""
        todo = deque(range(len(tasks)))  # indices not handed out (files to clean again go first)
        deaths: dict[int, int] = {}
        done: dict[int, Outcome] = {}
        written = 0
        limit = WINDOW * len(self.workers)
        while written < len(tasks):
            for worker in list(self.workers):
                while len(worker.held) < AHEAD and todo and todo[0] < written + limit:
                    index = todo.popleft()
                    try:
                        worker.hand(index, tasks[index])
                    except OSError:  # it died: what it held is handed out again, this file first
                        todo.appendleft(index)
                        self.replace(worker, todo, skip=None)
                        break
            busy = [w for w in self.workers if w.held]
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=self.wait_time(busy))
            for worker in busy:
                if worker.conn in ready:
                    self.collect(worker, done, todo, deaths)
                elif self.timeout and worker.running_for() > self.timeout:
                    index = worker.held[0]
                    done[index] = Outcome(error=PageFailure("timeout_cleaning", f"not cleaned within {self.timeout:g} s"))
                    self.replace(worker, todo, skip=index)
            while written in done:
                yield done.pop(written)
                written += 1

    def wait_time(self, busy: list[_Worker]) -> float | None:
        """How long to wait for a result before checking the budget again."""
        if not self.timeout:
            return None
        return max(0.0, min(self.timeout - w.running_for() for w in busy)) + 0.01

    def collect(self, worker: _Worker, done: dict, todo: deque, deaths: dict) -> None:
        try:
            index, outcome, exc = worker.conn.recv()
        except (EOFError, OSError):  # the worker died with the file it was cleaning
            index = worker.held[0]
            deaths[index] = deaths.get(index, 0) + 1
            if deaths[index] > 1:
                done[index] = Outcome(error=PageFailure("internal_error", "the cleaning worker died twice on this file"))
            self.replace(worker, todo, skip=index if deaths[index] > 1 else None)
            return
        worker.finished(index)
        if exc is not None:
            raise exc
        done[index] = outcome

    def replace(self, worker: _Worker, todo: deque, skip: int | None) -> None:
        """Kill ``worker``, start another in its place, and hand its files (but ``skip``) out again."""
        worker.proc.kill()
        worker.proc.join()
        todo.extendleft(reversed([i for i in worker.held if i != skip]))
        self.workers[self.workers.index(worker)] = self.start()

    def close(self) -> None:
        """Stop the workers (at once: whatever they still hold is not wanted)."""
        for worker in self.workers:
            worker.proc.terminate()
        for worker in self.workers:
            worker.proc.join()


class _Worker:
    """One worker process, the files it holds (cleaned in the order handed) and since when it has
    been cleaning the first of them."""

    def __init__(self, conn, proc):
        self.conn, self.proc = conn, proc
        self.held: deque[int] = deque()
        self.since = time.monotonic()

    def hand(self, index: int, task) -> None:
        if not self.held:
            self.since = time.monotonic()
        self.conn.send((index, task))
        self.held.append(index)

    def finished(self, index: int) -> None:
        self.held.remove(index)
        self.since = time.monotonic()

    def running_for(self) -> float:
        return time.monotonic() - self.since


def _progress(total: int):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)  # no bar unless stderr is a terminal (else rich leaves a blank line)
    return Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=total <= PROGRESS_MIN_FILES or not console.is_terminal)


def say(progress, line: str) -> None:
    """One whole line on stderr (never wrapped or styled), above the progress bar."""
    progress.console.print(line, markup=False, highlight=False, soft_wrap=True)


def skipped_line(count: int) -> str:
    return f"skipped {count} page{'s' if count != 1 else ''} that {'are' if count != 1 else 'is'} " \
           f"not {'articles' if count != 1 else 'an article'}"


def write_outcomes(files, outcomes, out: LinesFile | None, progress) -> tuple[int, int]:
    """Write each file's records in input order, with its stderr line; returns (failed, skipped)."""
    task = progress.add_task("clean", total=len(files))
    failed = skipped = 0
    for (file, _), outcome in zip(files, outcomes, strict=True):
        progress.advance(task)
        if outcome.error:
            reason, message = outcome.error.reason, outcome.error.message
            if reason == NOT_ARTICLE:
                skipped += 1
            else:
                failed += 1
                say(progress, f"error: {file}: {reason}: {message}")
            continue
        if outcome.mismatch:
            say(progress, f"warning: {file}: split_mismatch: found {outcome.count} pieces, "
                          f"title claims {outcome.claimed}")
        if outcome.truncated:
            say(progress, f"warning: {file}: truncated_by_site: {outcome.truncated}")
        if out:
            out.write_lines(outcome.lines, outcome.count)
        else:
            sys.stdout.buffer.write(outcome.lines)
            sys.stdout.buffer.flush()
    return failed, skipped


def run(args) -> int:
    from essay_crawler.profiles import resolve_profile

    profile = resolve_profile(args.profile) if args.profile else None
    files = [pair for p in args.paths for pair in page_files(Path(p), args.glob)]
    tasks = [(file, page_url(file, folder, args.base_url)) for file, folder in files]
    jobs = min(args.jobs, len(tasks))
    warm_up(profile, args.convert)
    workers = None
    if jobs > 1:  # forked before the progress bar starts its thread
        workers = Workers(jobs, profile, args.convert, args.timeout or None)
        outcomes = workers.outcomes(tasks)
    else:
        init_cleaner(profile, args.convert)
        outcomes = map(clean_file, tasks)
    out = LinesFile(args.output) if args.output else None
    try:
        with _progress(len(files)) as progress:
            failed, skipped = write_outcomes(files, outcomes, out, progress)
            if skipped:
                say(progress, skipped_line(skipped))
    except BaseException:
        if out:
            out.abort()
        raise
    finally:
        if workers:
            workers.close()
    if out:
        out.commit()
    return 1 if failed else 0
