"""``essay-crawler crawl``: crawl essay sites into a run folder (or one JSONL file)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from essay_crawler.cli import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    CommandError,
    positive_int,
    rate,
)
from essay_crawler.monitor import Thresholds, alert_line
from pipelines.normalize import CONVERSIONS, DEFAULT_CONVERSION

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def add_crawl_options(p, profile_default: str = "automatic detection") -> None:
    """Options shared by ``crawl``, ``scrape`` and ``demo``."""
    p.add_argument("--profile", metavar="NAME|FILE", help=f"site profile (default: {profile_default})")
    p.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    p.add_argument("--convert", choices=CONVERSIONS, default=None,
                   help=f"OpenCC conversion (default {DEFAULT_CONVERSION})")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy setting (repeatable)")
    p.add_argument("--log-level", type=str.upper, choices=LOG_LEVELS, default=None, metavar="LEVEL",
                   help="Scrapy's log on stderr: CRITICAL, ERROR, WARNING (default), INFO or DEBUG")


def add_output_options(p) -> None:
    """What ``crawl`` and ``demo`` print."""
    g = p.add_argument_group("output")
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print only the error, alert or interruption line (and Scrapy's errors)")
    g.add_argument("--json", action="store_true",
                   help="print the run's summary (its run.json) as one JSON line on stdout, not as a table")


def add_parser(sub):
    p = sub.add_parser("crawl", help="crawl essay sites into piece JSONL",
                       description="Crawl essay sites from their home or category pages. Without -o, writes "
                                   "output/<site>/<run-id>/{pieces.jsonl,errors.jsonl,run.json} and points "
                                   "output/<site>/latest at it. Articles written by earlier runs are not "
                                   "fetched again (state: output/<site>/state.sqlite); an interrupted run is "
                                   "resumed by running the same command again. Exit status: 0 ok, 1 alerts "
                                   "(see run.json), 2 could not start (bad arguments, profile, start URL, "
                                   "state, or a Redis that does not answer), 3 interrupted (resumable).")
    p.add_argument("start_urls", nargs="+", metavar="START_URL")
    p.add_argument("-o", "--output", metavar="OUT.jsonl",
                   help="write pieces here (errors to OUT.errors.jsonl, stats to OUT.run.json)")
    p.add_argument("--output-root", default=None, metavar="DIR", help="folder for run folders (default output)")
    p.add_argument("--max-pages", type=positive_int, default=None, metavar="N",
                   help="stop after N responses (CLOSESPIDER_PAGECOUNT): no request is sent once N responses "
                        "are in or on their way, so at most N pages are fetched (a robots.txt counts, but is "
                        "fetched even past N), fewer only if requests under way at the end fail")
    p.add_argument("--concurrency", type=positive_int, default=None, metavar="N",
                   help="requests per domain (default 2)")
    add_run_options(p)
    add_shared_options(p)
    add_crawl_options(p)
    add_output_options(p)
    return p


def redis_url(text: str) -> str:
    """argparse type: a ``redis://``, ``rediss://`` or ``unix://`` URL."""
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a redis://HOST:PORT/DB URL")
    return text


def add_shared_options(p) -> None:
    """One large site crawled by several workers through Redis (README: More than one machine)."""
    g = p.add_argument_group("one site, several workers (Redis)")
    g.add_argument("--redis", type=redis_url, default=None, metavar="redis://HOST:PORT/DB",
                   help="share this site's frontier and article state with the other workers using this Redis")
    g.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="how many workers share the site: each takes 1/N of the polite rate (default 1)")
    g.add_argument("--sweep", action="store_true",
                   help="with --redis, after every worker has ended: re-read the list pages, fetch the articles "
                        "no worker wrote, and clear the shared frontier for the next crawl")


def add_run_options(p) -> None:
    """Incremental state and alert thresholds (``crawl`` and ``demo``)."""
    g = p.add_argument_group("incremental runs and alerts")
    g.add_argument("--state", metavar="PATH", default=None,
                   help="state database of written articles (default <output root>/<site>/state.sqlite, "
                        "or OUT.state.sqlite with -o)")
    g.add_argument("--no-state", action="store_true",
                   help="no state: fetch and write every article, no resume")
    g.add_argument("--refresh", action="store_true",
                   help="fetch known articles again and write those whose content changed")
    g.add_argument("--warc", action="store_true",
                   help="archive every fetched response in the run as pages.warc.gz (OUT.warc.gz with -o), so "
                        "essay-crawler reclean can clean it again later without the network (ESSAY_WARC)")
    g.add_argument("--postprocess", action="store_true",
                   help="after the run: remove learned boilerplate, add quality signals and duplicate marks "
                        "(exact and near, against all earlier runs: dedup.npz beside the state)")
    d = Thresholds()
    g.add_argument("--max-error-rate", type=rate, default=None, metavar="R",
                   help=f"fail when failed pages / pages fetched is above R (default {d.max_error_rate})")
    g.add_argument("--max-mismatch-rate", type=rate, default=None, metavar="R",
                   help=f"fail when split mismatches / article pages is above R (default {d.max_mismatch_rate})")
    g.add_argument("--max-no-content-rate", type=rate, default=None, metavar="R",
                   help="fail (layout changed) when article-like pages without content / article-like pages "
                        f"is above R (default {d.max_no_content_rate}; checked from {d.layout_min_pages} pages)")


RATE_OPTIONS = {"max_error_rate": "ESSAY_MAX_ERROR_RATE", "max_mismatch_rate": "ESSAY_MAX_MISMATCH_RATE",
                "max_no_content_rate": "ESSAY_MAX_NO_CONTENT_RATE"}


def setting_overrides(args) -> dict:
    """Scrapy settings from command-line options."""
    quiet = getattr(args, "quiet", False)
    overrides = {"LOG_LEVEL": args.log_level or ("ERROR" if quiet else "WARNING")}
    if args.no_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    if args.convert:
        overrides["CLEAN_CONVERT"] = args.convert
    if getattr(args, "output", None):
        overrides["ESSAY_PIECES_PATH"] = args.output
    if getattr(args, "output_root", None):
        overrides["ESSAY_OUTPUT_ROOT"] = args.output_root
    if getattr(args, "max_pages", None) is not None:
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    if getattr(args, "concurrency", None) is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = args.concurrency
        overrides["CONCURRENT_REQUESTS"] = max(16, args.concurrency)
    if getattr(args, "state", None):
        overrides["ESSAY_STATE_PATH"] = args.state
    if getattr(args, "no_state", False):
        overrides["ESSAY_STATE"] = False
    if getattr(args, "refresh", False):
        overrides["ESSAY_REFRESH"] = True
    if getattr(args, "warc", False):
        overrides["ESSAY_WARC"] = True
    if getattr(args, "redis", None):
        overrides["ESSAY_REDIS_URL"] = args.redis
    if getattr(args, "workers", None) is not None:
        overrides["ESSAY_REDIS_WORKERS"] = args.workers
    if getattr(args, "sweep", False):
        overrides["ESSAY_REDIS_SWEEP"] = True
    for option, setting in RATE_OPTIONS.items():
        if getattr(args, option, None) is not None:
            overrides[setting] = getattr(args, option)
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name.strip()] = value
    return overrides


def print_summary(manifest: dict, stream=sys.stderr) -> None:
    """The end-of-run table: pages, articles, pieces, duplicates, errors by reason, elapsed."""
    from rich.console import Console
    from rich.table import Table

    counts = manifest["counts"]
    table = Table(title=f"essay-crawler run {manifest['run_id']} ({manifest['site']})", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right", overflow="fold")
    for label, key in (("pages fetched", "pages_fetched"), ("article pages", "article_pages"),
                       ("pieces written", "pieces_written"), ("articles new", "articles_new"),
                       ("articles changed", "articles_changed"), ("articles unchanged", "articles_unchanged"),
                       ("known articles skipped", "articles_known"), ("duplicates skipped", "duplicates_skipped"),
                       ("robots.txt disallowed", "robots_disallowed")):
        table.add_row(label, str(counts.get(key, 0)))
    for reason, n in counts["errors"].items():
        table.add_row(f"errors: {reason}", str(n))
    if not counts["errors"]:
        table.add_row("errors", "0")
    table.add_row("elapsed", f"{counts['elapsed_seconds']:.1f} s")
    if manifest.get("status") == "incomplete":
        table.add_row("run.json (partial run)", manifest["files"]["manifest"])
    else:
        table.add_row("pieces file", manifest["files"]["pieces"])
    table.add_row("exit reason", manifest["exit_reason"])
    table.add_row("status", manifest.get("status", "ok"))
    Console(file=stream, soft_wrap=True).print(table)


#: Exit status by run status: a run that raised alerts fails; an interrupted one can be resumed.
EXIT_STATUS = {"ok": EXIT_OK, "failed": EXIT_FAILED, "incomplete": EXIT_INTERRUPTED}


def report_outcome(manifest: dict, stream=sys.stderr) -> int:
    """Print the one line a scheduler's mail shows (alert or interruption); the exit status."""
    status = manifest.get("status", "ok")
    if status == "failed":
        print(alert_line(manifest), file=stream)
    elif status == "incomplete":
        print(f"interrupted: {manifest['site']} run {manifest['run_id']} stopped ({manifest['exit_reason']}); "
              "run the same command again to resume it", file=stream)
    return EXIT_STATUS[status]


def postprocess_committed_run(manifest: dict, stream=sys.stderr) -> None:
    """Dataset post-processing of a committed run folder, deduplicated against earlier runs."""
    from pipelines.dedup import Deduplicator, DedupStateError
    from pipelines.postprocess import postprocess_run

    run_dir = Path(manifest["files"]["pieces"]).parent
    if manifest.get("status") == "incomplete" or run_dir.name != manifest["run_id"] or not manifest.get("state"):
        print("postprocess: skipped (needs a completed run folder with state; use essay-crawler export)",
              file=stream)
        return
    state = Path(manifest["state"]).with_name("dedup.npz")
    try:
        dedup = Deduplicator.open(state)
    except DedupStateError as exc:
        raise CommandError(f"{state}: {exc}") from exc
    stats = postprocess_run(run_dir, dedup=dedup)
    print(f"postprocess: {stats['records_out']} records, {stats['duplicates']} exact and {stats['near_duplicates']} "
          f"near duplicates marked, {len(stats['learned_boilerplate'])} learned boilerplate lines removed",
          file=stream)


def check_start(start_urls: list[str], profile: str | None) -> None:
    """A :class:`CommandError` for a start URL or profile the crawl could not start with."""
    from essay_crawler.profiles import resolve_profile
    from essay_crawler.spiders.essays import check_start_url

    try:
        for url in start_urls:
            check_start_url(url)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if profile:
        resolve_profile(profile)


def run_and_report(spider_args: dict, overrides: dict, args) -> int:
    """Run the crawl, print the summary (table on stderr or ``--json`` on stdout) and the outcome
    line; the exit status."""
    from essay_crawler.runner import CrawlInterrupted, CrawlNotStarted, run_spider

    try:
        manifest = run_spider(spider_args, overrides, args.held_signals)
    except CrawlNotStarted as exc:
        raise CommandError(str(exc)) from None
    except CrawlInterrupted as exc:
        print(f"interrupted: {exc}; run the same command again to resume it", file=sys.stderr)
        return EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False))
    elif not args.quiet:
        print_summary(manifest)
    if args.postprocess:
        postprocess_committed_run(manifest)
    return report_outcome(manifest)


def check_shared(args) -> None:
    """A :class:`CommandError` for Redis options that cannot work, or a Redis that does not answer."""
    if not args.redis:
        if args.sweep or args.workers:
            raise CommandError("--sweep and --workers go with --redis")
        return
    if args.no_state:
        raise CommandError("--redis needs the state (it is shared there): drop --no-state")
    from essay_crawler.frontier import connect
    from essay_crawler.shared import RedisUnreachable

    try:
        connect(args.redis).close()
    except RedisUnreachable as exc:
        raise CommandError(str(exc)) from None


def run(args) -> int:
    check_start(args.start_urls, args.profile)
    check_shared(args)
    overrides = setting_overrides(args) | {"ESSAY_PROGRESS": not args.quiet}
    return run_and_report({"start_url": ",".join(args.start_urls), "profile": args.profile}, overrides, args)
