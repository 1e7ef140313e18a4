"""``essay-crawler`` command line. Each subcommand lives in its own module with
``add_parser(subparsers)`` and ``run(args) -> int``; modules import Scrapy only inside ``run``."""
from __future__ import annotations

import argparse
import importlib
import sys

from essay_crawler import __version__

SUBCOMMANDS = ("clean", "crawl", "scrape", "demo", "sites", "export", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="essay-crawler", description="Crawl Chinese essay (范文) sites into clean, numbered, deduplicated JSONL.")
    parser.add_argument("--version", action="version", version=f"essay-crawler {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"essay_crawler.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"essay_crawler.cli.{name}":
                raise
            continue
        module.add_parser(sub).set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
