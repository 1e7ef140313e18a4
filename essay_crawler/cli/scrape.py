"""``essay-crawler scrape``: fetch one article page and print its records."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from essay_crawler.cli.crawl import add_crawl_options, setting_overrides


def add_parser(sub):
    p = sub.add_parser("scrape", help="fetch one article page and print its records to stdout",
                       description="Fetch one article page with the crawl's settings (robots.txt, "
                                   "User-Agent, retries) and print its piece records as JSONL.")
    p.add_argument("url", metavar="URL")
    add_crawl_options(p)
    return p


def run(args) -> int:
    from essay_crawler.runner import run_spider
    from pipelines.jsonl import read_jsonl

    with tempfile.TemporaryDirectory(prefix="essay-scrape-") as tmp:
        out = Path(tmp) / "pieces.jsonl"
        overrides = setting_overrides(args) | {"ESSAY_PIECES_PATH": str(out), "ESSAY_STATE": False, "CLEAN_WORKERS": 0,
                                               "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}
        manifest = run_spider({"start_url": args.url, "profile": args.profile, "follow": "0"}, overrides)
        if out.exists():
            sys.stdout.write(out.read_text("utf-8"))
        errors = read_jsonl(manifest["files"]["errors"])
    for error in errors:
        print(f"error: {error['url']}: {error['reason']}: {error['message']}", file=sys.stderr)
    if manifest["counts"]["robots_disallowed"]:
        print(f"error: {args.url}: robots_disallowed: robots.txt forbids this URL", file=sys.stderr)
    return 0 if manifest["counts"]["pieces_written"] else 1
