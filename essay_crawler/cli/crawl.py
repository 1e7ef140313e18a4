"""``essay-crawler crawl``: crawl essay sites into a run folder (or one JSONL file)."""
from __future__ import annotations

import sys


def add_crawl_options(p) -> None:
    """Options shared by ``crawl``, ``scrape`` and ``demo``."""
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile (default: automatic detection)")
    p.add_argument("--no-robots", action="store_true", help="do not obey robots.txt")
    p.add_argument("--convert", choices=("t2s", "tw2sp", "hk2s", "none"), default=None,
                   help="OpenCC conversion (default t2s)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy setting (repeatable)")
    p.add_argument("--log-level", default="WARNING", help="Scrapy log level on stderr (default WARNING)")


def add_parser(sub):
    p = sub.add_parser("crawl", help="crawl essay sites into piece JSONL",
                       description="Crawl essay sites from their home or category pages. Without -o, writes "
                                   "output/<site>/<run-id>/{pieces.jsonl,errors.jsonl,run.json}.")
    p.add_argument("start_urls", nargs="+", metavar="START_URL")
    p.add_argument("-o", "--output", metavar="OUT.jsonl",
                   help="write pieces here (errors to OUT.errors.jsonl, stats to OUT.run.json)")
    p.add_argument("--output-root", default=None, metavar="DIR", help="folder for run folders (default output)")
    p.add_argument("--max-pages", type=int, default=None, metavar="N", help="stop after N responses")
    p.add_argument("--concurrency", type=int, default=None, metavar="N", help="requests per domain (default 2)")
    add_crawl_options(p)
    return p


def setting_overrides(args) -> dict:
    """Scrapy settings from command-line options."""
    overrides = {"LOG_LEVEL": args.log_level}
    if args.no_robots:
        overrides["ROBOTSTXT_OBEY"] = False
    if args.convert:
        overrides["CLEAN_CONVERT"] = args.convert
    if getattr(args, "output", None):
        overrides["ESSAY_PIECES_PATH"] = args.output
    if getattr(args, "output_root", None):
        overrides["ESSAY_OUTPUT_ROOT"] = args.output_root
    if getattr(args, "max_pages", None):
        overrides["CLOSESPIDER_PAGECOUNT"] = args.max_pages
    if getattr(args, "concurrency", None):
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = args.concurrency
        overrides["CONCURRENT_REQUESTS"] = max(16, args.concurrency)
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
                       ("pieces written", "pieces_written"), ("duplicates skipped", "duplicates_skipped"),
                       ("robots.txt disallowed", "robots_disallowed")):
        table.add_row(label, str(counts[key]))
    for reason, n in counts["errors"].items():
        table.add_row(f"errors: {reason}", str(n))
    if not counts["errors"]:
        table.add_row("errors", "0")
    table.add_row("elapsed", f"{counts['elapsed_seconds']:.1f} s")
    table.add_row("pieces file", manifest["files"]["pieces"])
    table.add_row("exit reason", manifest["exit_reason"])
    Console(file=stream, soft_wrap=True).print(table)


def run(args) -> int:
    from essay_crawler.runner import run_spider

    overrides = setting_overrides(args) | {"ESSAY_PROGRESS": True}
    manifest = run_spider({"start_url": ",".join(args.start_urls), "profile": args.profile}, overrides)
    print_summary(manifest)
    return 0
