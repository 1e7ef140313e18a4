"""``essay-crawler clean``: saved pages and mirrors → piece JSONL, with no crawl."""
from __future__ import annotations

import glob
import re
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, urljoin

from essay_crawler.cleanfiles import Outcome, Task, Workers, clean_task, warm_up
from essay_crawler.cli import positive_int, seconds
from pipelines.errors import PageFailure
from pipelines.jsonl import AtomicJsonlFile
from pipelines.normalize import CONVERSIONS, DEFAULT_CONVERSION
from pipelines.warc import WarcCounts, WarcError, is_warc_name, read_pages
from pipelines.worker import init_cleaner, usable_cores

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
NOT_ARTICLE = "no_content"  # a list, index or other page of a mirror: skipped and counted, not an error
PROGRESS_MIN_FILES = 5


def add_parser(sub):
    p = sub.add_parser("clean", help="clean saved pages (files, folders or WARC archives) into piece JSONL",
                       description="Clean saved essay pages (.html/.htm/.shtml/.xhtml/.txt files, .warc/.warc.gz "
                                   "web archives, or folders of them such as a wget -m mirror, searched "
                                   "recursively) into one JSON line per piece.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write here (atomically) instead of stdout")
    p.add_argument("--base-url", metavar="URL",
                   help="URL of each PATH folder; a file's url is this joined with its relative path")
    p.add_argument("--convert", choices=CONVERSIONS, default=DEFAULT_CONVERSION,
                   help=f"OpenCC conversion (default {DEFAULT_CONVERSION})")
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile for selectors and encoding")
    p.add_argument("--glob", action="append", metavar="PATTERN",
                   help="in folders, clean the files matching PATTERN in any subfolder (repeatable; e.g. "
                        "'list.php*'), instead of page suffixes and files that begin like HTML")
    p.add_argument("-j", "--jobs", type=positive_int, default=usable_cores(), metavar="N",
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
    """``(file, folder it is relative to)`` for a file, the files a glob pattern names, or the page
    and WARC files under a folder."""
    if not path.exists() and glob.has_magic(str(path)):
        return [pair for match in sorted(glob.glob(str(path))) for pair in page_files(Path(match), globs)]
    if not path.is_dir():
        return [(path, path.parent)]
    if globs:
        files = {f for pattern in globs for f in path.rglob(pattern) if f.is_file()}
    else:
        files = {f for f in path.rglob("*") if f.is_file() and (is_warc_name(f) or looks_like_page(f))}
    return [(f, path) for f in sorted(files)]


def page_url(file: Path, folder: Path, base_url: str | None) -> str:
    """The URL a saved file stands for: ``base_url`` + its path under ``folder``, else ``file://``."""
    if base_url:
        relative = file.resolve().relative_to(folder.resolve()).as_posix()
        return urljoin(base_url if base_url.endswith("/") else base_url + "/", quote(relative))
    return file.resolve().as_uri()


class LinesFile(AtomicJsonlFile):
    """An atomically written JSONL file that takes UTF-8 lines already serialised (by a worker)."""

    def write_lines(self, lines: bytes, count: int) -> None:
        self._fh.buffer.write(lines)
        self.count += count


def _progress(total: int | None):
    """rich's progress bar on stderr when it is a terminal and there are more than a few files;
    else :class:`Lines`, and rich (tens of milliseconds to import) is not imported."""
    if total is not None and total <= PROGRESS_MIN_FILES or not sys.stderr.isatty():
        return Lines()
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    return Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


class Lines:
    """No progress bar: :func:`say`'s lines go straight to stderr (the interface of rich's
    ``Progress`` that :func:`write_outcomes` uses)."""

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def add_task(self, description: str, total: int | None = None) -> int:
        return 0

    def advance(self, task: int) -> None:
        pass


def say(progress, line: str) -> None:
    """One whole line on stderr (never wrapped or styled), above the progress bar."""
    if isinstance(progress, Lines):
        print(line, file=sys.stderr, flush=True)
    else:
        progress.console.print(line, markup=False, highlight=False, soft_wrap=True)


def skipped_line(count: int) -> str:
    return f"skipped {count} page{'s' if count != 1 else ''} that {'are' if count != 1 else 'is'} " \
           f"not {'articles' if count != 1 else 'an article'}"


def write_outcomes(outcomes: Iterable[tuple[str, Outcome]], total: int | None, out: LinesFile | None,
                   progress) -> tuple[int, int]:
    """Write each input's records in input order, with its stderr line; returns (failed, skipped)."""
    task = progress.add_task("clean", total=total)
    failed = skipped = 0
    for label, outcome in outcomes:
        progress.advance(task)
        if outcome.error:
            reason, message = outcome.error.reason, outcome.error.message
            if reason == NOT_ARTICLE:
                skipped += 1
            else:
                failed += 1
                say(progress, f"error: {label}: {reason}: {message}")
            continue
        if outcome.mismatch:
            say(progress, f"warning: {label}: split_mismatch: found {outcome.count} pieces, "
                          f"title claims {outcome.claimed}")
        if outcome.truncated:
            say(progress, f"warning: {label}: truncated_by_site: {outcome.truncated}")
        if out:
            out.write_lines(outcome.lines, outcome.count)
        else:
            sys.stdout.buffer.write(outcome.lines)
            sys.stdout.buffer.flush()
    return failed, skipped


def file_tasks(files: list[tuple[Path, Path]], base_url: str | None, counts: WarcCounts
               ) -> Iterator[tuple[str, Task]]:
    """``(label, task)`` of every input: a loose file, or each page of a WARC file (read as asked for)."""
    for file, folder in files:
        if is_warc_name(file):
            yield from warc_tasks(file, counts)
        else:
            yield str(file), (file, page_url(file, folder, base_url))


def warc_tasks(file: Path, counts: WarcCounts) -> Iterator[tuple[str, Task]]:
    """The pages of one WARC file, labelled ``FILE URL``; then its error, if it has one."""
    try:
        for page in read_pages(file, counts):
            yield f"{file} {page.url}", page
    except WarcError as exc:
        yield str(file), PageFailure(exc.reason, exc.message)
    except OSError as exc:
        yield str(file), PageFailure("unreadable", exc.strerror or str(exc))


def run(args) -> int:
    from essay_crawler.profiles import resolve_profile

    profile = resolve_profile(args.profile) if args.profile else None
    files = [pair for p in args.paths for pair in page_files(Path(p), args.glob)]
    archives = sum(is_warc_name(file) for file, _ in files)
    total = None if archives else len(files)  # the pages a WARC file holds are known once it is read
    counts = WarcCounts()
    tasks = file_tasks(files, args.base_url, counts)
    jobs = args.jobs if archives else min(args.jobs, len(files))
    warm_up(profile, args.convert)
    workers = out = None
    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGTERM, signal.SIGINT)
                if signal.getsignal(signum) is not signal.SIG_IGN}  # ignored stays ignored (nohup, a job in the background)
    try:
        if jobs > 1:  # forked before the progress bar starts its thread
            workers = Workers(jobs, profile, args.convert, args.timeout or None)
            outcomes = workers.outcomes(tasks)
        else:
            init_cleaner(profile, args.convert)
            outcomes = ((label, clean_task(task)) for label, task in tasks)
        out = LinesFile(args.output) if args.output else None
        with _progress(total) as progress:
            failed, skipped = write_outcomes(outcomes, total, out, progress)
            if archives:
                say(progress, counts.line())
            if skipped:
                say(progress, skipped_line(skipped))
        if out:
            out.commit()
    except BaseException:
        if out:
            out.abort()
        raise
    finally:
        if workers:
            workers.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 1 if failed else 0


def interrupt(signum: int, _frame) -> None:
    """SIGTERM or SIGINT: a KeyboardInterrupt where the run stands (its output file is removed, the
    exit status is 3); another signal meanwhile is ignored, so that clean-up runs to its end."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt
