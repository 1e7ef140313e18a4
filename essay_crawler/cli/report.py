"""``essay-crawler report``: summary tables on stdout and an HTML report with charts."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from essay_crawler.cli import EXIT_USAGE
from essay_crawler.cli.dataset_options import add_processing_options, processed


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report", help="summarise runs / pieces JSONL files (tables + HTML report)",
        description="Print records per site and category, length distribution, duplicate rates, "
                    "split mismatches and recurring lines, and write a self-contained HTML report.")
    parser.add_argument("inputs", nargs="+", metavar="RUN_OR_FILES",
                        help="run folders (output/<site>/<run-id>), folders of runs, or pieces JSONL files")
    parser.add_argument("--html", type=Path, default=None, metavar="PATH",
                        help="HTML report to write (default: report.html in the run folder when one run "
                             "folder is given, else in the current folder)")
    add_processing_options(parser)
    return parser


def default_html_path(inputs: list[str]) -> Path:
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        return Path(inputs[0]) / "report.html"
    return Path("report.html")


def run(args: argparse.Namespace) -> int:
    from pipelines.report import print_summary, render_html, summarize

    try:
        inputs, records, stats = processed(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = summarize(records, stats=stats, errors=inputs.errors, sources=inputs.sources,
                        raw_records=inputs.records)
    print_summary(summary)
    html = args.html or default_html_path(args.inputs)
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_html(summary), encoding="utf-8")
    print(f"HTML report: {html}")
    return 0
