"""``essay-crawler clean``: saved pages and mirrors → piece JSONL, with no crawl."""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote, urljoin

from pipelines.errors import PageError
from pipelines.jsonl import AtomicJsonlFile, dumps_record
from pipelines.normalize import CONVERSIONS

PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".txt")
PROGRESS_MIN_FILES = 5


def add_parser(sub):
    p = sub.add_parser("clean", help="clean saved pages (files or folders) into piece JSONL",
                       description="Clean saved essay pages (.html/.htm/.txt files, or folders such as a "
                                   "wget -m mirror, searched recursively) into one JSON line per piece.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write here (atomically) instead of stdout")
    p.add_argument("--base-url", metavar="URL",
                   help="URL of each PATH folder; a file's url is this joined with its relative path")
    p.add_argument("--convert", choices=CONVERSIONS, default="t2s", help="OpenCC conversion (default t2s)")
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile for selectors and encoding")
    return p


def page_files(path: Path) -> list[tuple[Path, Path]]:
    """``(file, folder it is relative to)`` for a file or every page file under a folder."""
    if path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in PAGE_SUFFIXES)
        return [(f, path) for f in files]
    return [(path, path.parent)]


def page_url(file: Path, folder: Path, base_url: str | None) -> str:
    """The URL a saved file stands for: ``base_url`` + its path under ``folder``, else ``file://``."""
    if base_url:
        relative = file.resolve().relative_to(folder.resolve()).as_posix()
        return urljoin(base_url if base_url.endswith("/") else base_url + "/", quote(relative))
    return file.resolve().as_uri()


def _progress(total: int):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True, disable=total <= PROGRESS_MIN_FILES)


def say(progress, line: str) -> None:
    """One whole line on stderr (never wrapped or styled), above the progress bar."""
    progress.console.print(line, markup=False, highlight=False, soft_wrap=True)


def run(args) -> int:
    from essay_crawler.profiles import resolve_profile
    from pipelines import clean_page

    profile = resolve_profile(args.profile) if args.profile else None
    files = [pair for p in args.paths for pair in page_files(Path(p))]
    out = AtomicJsonlFile(args.output) if args.output else None
    failed = 0
    try:
        with _progress(len(files)) as progress:
            task = progress.add_task("clean", total=len(files))
            for file, folder in files:
                url = page_url(file, folder, args.base_url)
                try:
                    result = clean_page(file.read_bytes(), url, profile=profile, convert=args.convert)
                except OSError as exc:
                    failed += 1
                    say(progress, f"error: {file}: unreadable: {exc.strerror or exc}")
                    continue
                except PageError as exc:
                    failed += 1
                    say(progress, f"error: {file}: {exc.reason}: {exc.message}")
                    continue
                finally:
                    progress.advance(task)
                if result.mismatch:
                    say(progress, f"warning: {file}: split_mismatch: found {len(result.records)} pieces, "
                                  f"title claims {result.claimed}")
                for record in result.records:
                    if out:
                        out.write(record)
                    else:
                        sys.stdout.write(dumps_record(record))
                if not out:
                    sys.stdout.flush()
    except BaseException:
        if out:
            out.abort()
        raise
    if out:
        out.commit()
    return 1 if failed else 0
