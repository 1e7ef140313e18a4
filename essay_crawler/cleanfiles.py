"""Cleaning saved files for ``essay-crawler clean``: one input cleaned (:func:`clean_task`: a file, or
a page out of a WARC file), and forked worker processes that clean many and give the outcomes back
in input order (:class:`Workers`)."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pipelines.errors import PageError, PageFailure, truncation_notice
from pipelines.jsonl import dumps_record
from pipelines.result import CleanResult
from pipelines.warc import WarcPage
from pipelines.worker import clean_fetched_page, init_cleaner

# Leading bytes of files that are certainly not pages, and what they are.
BINARY_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                     (b"GIF87a", "a GIF image"), (b"GIF89a", "a GIF image"), (b"%PDF-", "a PDF document"),
                     (b"PK\x03\x04", "a zip archive"), (b"PK\x05\x06", "a zip archive"),
                     (b"\x1f\x8b", "gzip data"), (b"\xfd7zXZ\x00", "xz data"),
                     (b"7z\xbc\xaf\x27\x1c", "a 7z archive"), (b"Rar!\x1a\x07", "a RAR archive"))
AHEAD = 2  # files handed to each worker at a time, so it never waits for the next one
WINDOW = 16  # files per worker that may be cleaned ahead of the first one not yet written


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


#: What is cleaned: a loose file and the URL it stands for, a page out of a WARC file, or the error of
#: an input that gave no page (a WARC file cut short, not a WARC, unreadable), in its place in the order.
Task = tuple[Path, str] | WarcPage | PageFailure
#: What the caller tells its outcomes apart by (the clean command: a file's name).
Label = TypeVar("Label")


def clean_task(task: Task) -> Outcome:
    """Clean one input, with the profile and conversion :func:`init_cleaner` set."""
    if isinstance(task, PageFailure):
        return Outcome(error=task)
    if isinstance(task, WarcPage):
        return outcome_of(clean_fetched_page(task.body, task.url, task.declared_encoding))
    file, url = task
    try:
        data = file.read_bytes()
    except OSError as exc:
        return Outcome(error=PageFailure("unreadable", exc.strerror or str(exc)))
    kind = binary_kind(data)
    if kind:
        return Outcome(error=PageFailure("not_a_page", kind))
    return outcome_of(clean_fetched_page(data, url, None))


def outcome_of(result: CleanResult) -> Outcome:
    """A cleaning result as an outcome, its records serialised."""
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
    """A worker process: Ctrl-C is the parent's to handle (it stops the workers), SIGTERM ends it;
    a result sent to a parent that is gone (killed) ends the worker quietly, as SIGPIPE ends a Unix
    filter."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is inherited by the fork
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
                conn.send((index, clean_task(task), None))
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

    def outcomes(self, items: Iterable[tuple[Label, Task]]) -> Iterator[tuple[Label, Outcome]]:
        """``(label, outcome)`` of each ``(label, task)``, in order; ``items`` is read as the window
        allows, so a WARC file is never held whole."""
        source = iter(items)
        pending: dict[int, tuple[Label, Task]] = {}  # read and not yet written, by index
        todo: deque[int] = deque()  # indices not handed out (files to clean again go first)
        deaths: dict[int, int] = {}
        done: dict[int, Outcome] = {}
        written = read = 0
        exhausted = False
        limit = WINDOW * len(self.workers)
        while not exhausted or written < read:
            for worker in list(self.workers):
                while len(worker.held) < AHEAD:
                    if not todo and not exhausted and read < written + limit:
                        item = next(source, None)
                        if item is None:
                            exhausted = True
                            break
                        pending[read] = item
                        todo.append(read)
                        read += 1
                    if not todo or todo[0] >= written + limit:
                        break
                    index = todo.popleft()
                    try:
                        worker.hand(index, pending[index][1])
                    except OSError:  # it died: what it held is handed out again, this file first
                        todo.appendleft(index)
                        self.replace(worker, todo, skip=None)
                        break
            busy = [w for w in self.workers if w.held]
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=self.wait_time(busy)) if busy else []
            for worker in busy:
                if worker.conn in ready:
                    self.collect(worker, done, todo, deaths)
                elif self.timeout and worker.running_for() > self.timeout:
                    index = worker.held[0]
                    done[index] = Outcome(error=PageFailure("timeout_cleaning", f"not cleaned within {self.timeout:g} s"))
                    self.replace(worker, todo, skip=index)
            while written in done:
                yield pending.pop(written)[0], done.pop(written)
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
