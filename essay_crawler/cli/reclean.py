"""``essay-crawler reclean``: archived runs cleaned again with today's cleaner, from their
``pages.warc.gz`` (no network), each into a new run folder beside the old one."""
from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from essay_crawler import __version__
from essay_crawler.cleanfiles import Task, Workers, clean_task, warm_up
from essay_crawler.cli import CommandError, positive_int
from pipelines.errors import PageFailure
from pipelines.jsonl import AtomicJsonlFile, fsync_dir, write_json_atomic
from pipelines.normalize import CONVERSIONS, DEFAULT_CONVERSION
from pipelines.warc import WarcCounts
from pipelines.worker import usable_cores

RECLEANED = ".reclean.partial"  # a new run folder while it is written


def add_parser(sub):
    p = sub.add_parser("reclean", help="clean archived runs (crawled with --warc) again, without the network",
                       description="Clean the pages a run archived (RUN/pages.warc.gz, from crawl --warc) again "
                                   "with this version's cleaner, as the crawl did: the run's profile decides which "
                                   "pages are articles, an article under two URLs is written once, and one that an earlier RUN of "
                                   "the same site given here wrote with the same pieces is not written again (as a "
                                   "crawl does not write again what another worker or an earlier night wrote). "
                                   "Each RUN gives "
                                   "a new run folder beside it, whose run.json names the run and the cleaner "
                                   "version it came from. Exit status: 0 ok, 1 an archive was damaged (the pages "
                                   "before the damage are written), 2 a RUN that is not an archived run.")
    p.add_argument("runs", nargs="+", metavar="RUN", help="a run folder (or a site's latest link)")
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile (default: the run's own)")
    p.add_argument("--convert", choices=CONVERSIONS, default=None, help="OpenCC conversion (default: the run's)")
    p.add_argument("-j", "--jobs", type=positive_int, default=usable_cores(), metavar="N",
                   help="worker processes (default: every core, %(default)s here; 1: clean in this process); "
                        "the output is the same for any N")
    return p


@dataclass(frozen=True)
class SourceRun:
    """A committed run folder (resolved: ``latest`` is followed) with its archive, and its site's
    folder as given (where the new run folder goes)."""

    folder: Path
    manifest: dict
    warc: Path
    site_dir: Path


def source_run(path: Path) -> SourceRun:
    """The run at ``path``, or a :class:`CommandError` saying why it cannot be re-cleaned."""
    folder = path.resolve()
    try:
        manifest = json.loads((folder / "run.json").read_text("utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path}: not a run folder (no run.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path}: run.json cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("run_id"), str):
        raise CommandError(f"{path}: run.json is not an essay-crawler run manifest")
    warc = folder / "pages.warc.gz"
    if not warc.is_file():
        raise CommandError(f"{path}: no pages.warc.gz (the run was crawled without --warc)")
    return SourceRun(folder, manifest, warc, path.parent)


@dataclass
class Tally:
    """What re-cleaning one archive found."""

    article_pages: int = 0
    pieces: int = 0
    not_articles: int = 0
    duplicates: int = 0
    other_pages: int = 0  # list and other pages by the profile, robots.txt: the crawl did not clean them either
    errors: dict[str, int] = field(default_factory=dict)


def fetch_time(warc_date: str | None) -> str | None:
    """``WARC-Date`` as the crawl writes ``crawled_at`` (ISO 8601, seconds, ``+00:00``)."""
    if not warc_date:
        return None
    return datetime.fromisoformat(warc_date.replace("Z", "+00:00")).isoformat(timespec="seconds")


def archived_tasks(source: SourceRun, profile, counts: WarcCounts, tally: Tally
                   ) -> Iterator[tuple[tuple[str, str | None, str] | None, Task]]:
    """``((kind, WARC-Date, URL), page)`` of each archived page the crawl cleaned, in archive order (the
    others counted in ``tally``); the archive's own error (damaged, unreadable) last, labelled ``None``."""
    from essay_crawler.profiles import page_kind
    from pipelines.warc import WarcError, read_pages

    try:
        for page in read_pages(source.warc, counts):
            kind = page_kind(profile, page.url)
            if kind not in ("article", "candidate") or urlsplit(page.url).path == "/robots.txt":
                tally.other_pages += 1
                continue
            yield (kind, page.date, page.url), page
    except WarcError as exc:
        yield None, PageFailure(exc.reason, exc.message)
    except OSError as exc:
        yield None, PageFailure("unreadable", exc.strerror or str(exc))


def reclean_archive(source: SourceRun, profile, pieces: AtomicJsonlFile, errors: AtomicJsonlFile,
                    counts: WarcCounts, earlier: set[tuple[str, ...]], workers: Workers | None
                    ) -> tuple[Tally, PageFailure | None]:
    """Clean the archive's pages (in ``workers``, or here when ``None``) into ``pieces`` and ``errors``
    as the crawl's item pipelines do; the tally, and the archive's own error (damaged) if it has one.
    An article is written once in the run (under two URLs, once), and not at all when ``earlier``
    holds it with the same pieces (an earlier run of the site, given in the same command, wrote it:
    as the crawl, which writes an article another worker or an earlier night wrote only when it
    changed); what is written is added to ``earlier``."""
    from essay_crawler.items import ErrorItem
    from essay_crawler.runfiles import utc_now

    tally, seen = Tally(), set()

    def error(url: str, reason: str, message: str) -> None:
        errors.write(ErrorItem(url, reason, message).as_record(utc_now()))
        tally.errors[reason] = tally.errors.get(reason, 0) + 1

    tasks = archived_tasks(source, profile, counts, tally)
    outcomes = workers.outcomes(tasks) if workers else ((label, clean_task(task)) for label, task in tasks)
    for label, outcome in outcomes:
        if label is None:
            return tally, outcome.error
        kind, date, url = label
        if outcome.error:
            if kind == "candidate" and outcome.error.reason == "no_content":
                tally.not_articles += 1
            else:
                error(url, outcome.error.reason, outcome.error.message)
            continue
        records = [json.loads(line) for line in outcome.lines.splitlines()]
        written = (records[0]["url"], *(record["sha1"] for record in records))
        if records[0]["url"] in seen or written in earlier:
            tally.duplicates += 1
            continue
        seen.add(records[0]["url"])
        earlier.add(written)
        if outcome.mismatch:
            error(url, "split_mismatch", f"found {len(records)} pieces, title claims {outcome.claimed}")
        crawled_at = fetch_time(date)
        for record in records:
            record["crawled_at"] = crawled_at
        pieces.write_all(records)
        tally.article_pages += 1
        tally.pieces += len(records)
    return tally, None


def new_run_folder(site_dir: Path) -> tuple[str, Path]:
    from essay_crawler.runfiles import free_run_id, new_run_id

    run_id = free_run_id(site_dir, new_run_id())
    return run_id, site_dir / (run_id + RECLEANED)


def reclean(source: SourceRun, profile_name: str | None, convert: str | None,
            earlier: set[tuple[str, ...]], jobs: int) -> tuple[dict, PageFailure | None]:
    """Re-clean one run, in ``jobs`` worker processes (1: in this one), into a new run folder beside
    it (written as ``<id>.reclean.partial/``, fsynced, renamed); its manifest and the archive's
    error. ``earlier``: see :func:`reclean_archive`."""
    from essay_crawler.profiles import resolve_profile
    from essay_crawler.runfiles import utc_now
    from pipelines.worker import init_cleaner

    old = source.manifest
    profile_name = profile_name or old.get("profile")
    profile = resolve_profile(profile_name) if profile_name else None
    convert = convert or (old.get("settings") or {}).get("CLEAN_CONVERT") or DEFAULT_CONVERSION
    init_cleaner(profile, convert)
    warm_up(profile, convert)  # before the workers are forked: each would build the patterns again
    run_id, partial = new_run_folder(source.site_dir)
    final = source.site_dir / run_id
    started = utc_now()
    partial.mkdir()
    counts = WarcCounts()
    workers = Workers(jobs, profile, convert) if jobs > 1 else None
    try:
        with AtomicJsonlFile(partial / "pieces.jsonl") as pieces, AtomicJsonlFile(partial / "errors.jsonl") as errors:
            tally, damaged = reclean_archive(source, profile, pieces, errors, counts, earlier, workers)
        manifest = {
            "run_id": run_id,
            "site": old.get("site"),
            "start_urls": old.get("start_urls"),
            "profile": profile.name if profile else None,
            "started": started,
            "finished": utc_now(),
            "exit_reason": "reclean",
            "status": "failed" if damaged else "ok",
            "alerts": [{"check": "archive_damaged", "message": f"{source.warc}: {damaged.reason}: {damaged.message}"}]
                      if damaged else [],
            "reclean_of": {"run_id": old["run_id"], "folder": str(source.folder), "warc": str(source.warc),
                           "versions": old.get("versions")},
            "files": {name: str(final / f) for name, f in (("pieces", "pieces.jsonl"), ("errors", "errors.jsonl"),
                                                           ("manifest", "run.json"))},
            "counts": {"warc_records": counts.records, "pages_archived": counts.pages,
                       "article_pages": tally.article_pages, "pieces_written": tally.pieces,
                       "not_articles": tally.not_articles, "duplicates_skipped": tally.duplicates,
                       "other_pages": tally.other_pages, "errors": dict(sorted(tally.errors.items()))},
            "versions": {"essay-crawler": __version__, "python": platform.python_version()},
            "settings": {"CLEAN_CONVERT": convert},
        }
        write_json_atomic(partial / "run.json", manifest)
        os.replace(partial, final)
        fsync_dir(final.parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        if workers:
            workers.close()
    return manifest, damaged


def run(args) -> int:
    sources = [source_run(Path(path)) for path in args.runs]  # every RUN checked before any is written
    status = 0
    # By site (its folder's name: the same on every worker of a shared crawl), what the RUNs before wrote.
    written: dict[str, set[tuple[str, ...]]] = {}
    for source in sources:
        earlier = written.setdefault(source.site_dir.resolve().name, set())
        manifest, damaged = reclean(source, args.profile, args.convert, earlier, args.jobs)
        if damaged:
            print(f"error: {source.warc}: {damaged.reason}: {damaged.message}", file=sys.stderr)
            status = 1
        counts = manifest["counts"]
        print(f"{manifest['files']['pieces']}: {counts['pieces_written']} pieces from {counts['article_pages']} "
              f"article pages (reclean of {source.manifest['run_id']} with essay-crawler {__version__})")
    return status
