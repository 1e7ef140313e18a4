"""``essay-crawler scrape``: fetch one article page and print its records."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from essay_crawler.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, CommandError
from essay_crawler.cli.crawl import add_crawl_options, check_start, setting_overrides


def add_parser(sub):
    p = sub.add_parser("scrape", help="fetch one article page and print its records to stdout",
                       description="Fetch one article page with the crawl's settings (robots.txt, "
                                   "User-Agent, retries) and print its piece records as JSONL.")
    p.add_argument("url", metavar="URL")
    add_crawl_options(p)
    return p


def run(args) -> int:
    from essay_crawler.runner import CrawlInterrupted, CrawlNotStarted, run_spider
    from pipelines.jsonl import read_jsonl

    check_start([args.url], args.profile)
    with tempfile.TemporaryDirectory(prefix="essay-scrape-") as tmp:
        out = Path(tmp) / "pieces.jsonl"
        overrides = setting_overrides(args) | {"ESSAY_PIECES_PATH": str(out), "ESSAY_STATE": False, "CLEAN_WORKERS": 0,
                                               "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
        try:
            manifest = run_spider({"start_url": args.url, "profile": args.profile, "follow": "0"}, overrides,
                                  args.held_signals)
        except CrawlNotStarted as exc:
            raise CommandError(str(exc)) from None
        except CrawlInterrupted as exc:
            print(f"interrupted: {exc}", file=sys.stderr)
            return EXIT_INTERRUPTED
        if out.exists():
            sys.stdout.write(out.read_text("utf-8"))
        errors = read_jsonl(manifest["files"]["errors"])
    for error in errors:
        print(f"error: {error['url']}: {error['reason']}: {error['message']}", file=sys.stderr)
    if manifest["counts"]["robots_disallowed"]:
        print(f"error: {args.url}: robots_disallowed: robots.txt forbids this URL", file=sys.stderr)
    if manifest.get("status") == "incomplete":
        print(f"interrupted: {args.url} not scraped", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK if manifest["counts"]["pieces_written"] else EXIT_FAILED
