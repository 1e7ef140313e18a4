"""``essay-crawler clean``: saved pages and mirrors → piece JSONL, with no crawl."""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from urllib.parse import quote, urljoin

from essay_crawler.cleanfiles import Workers, clean_file, warm_up
from essay_crawler.cli import positive_int, seconds
from pipelines.jsonl import AtomicJsonlFile
from pipelines.normalize import CONVERSIONS
from pipelines.worker import init_cleaner

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


class LinesFile(AtomicJsonlFile):
    """An atomically written JSONL file that takes UTF-8 lines already serialised (by a worker)."""

    def write_lines(self, lines: bytes, count: int) -> None:
        self._fh.buffer.write(lines)
        self.count += count


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
