"""``essay-crawler export``: write runs or pieces files as a dataset (Parquet or JSONL + card)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from essay_crawler.cli.dataset_options import add_processing_options, processed


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export", help="export runs / pieces JSONL files as a dataset with a dataset card",
        description="Write OUT/data/train-*.parquet (or .jsonl) and OUT/README.md (dataset card). "
                    "Records not yet post-processed get learned-boilerplate removal, quality "
                    "signals and duplicate marks first.")
    parser.add_argument("inputs", nargs="+", metavar="RUN_OR_FILES",
                        help="run folders (output/<site>/<run-id>), folders of runs, or pieces JSONL files")
    parser.add_argument("-o", "--out", required=True, type=Path, help="dataset folder to write")
    parser.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    parser.add_argument("--rows-per-shard", type=int, default=50_000, metavar="N")
    add_processing_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from essay_crawler.dataset import export

    try:
        inputs, records, stats = processed(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"essay-crawler export: {exc}", file=sys.stderr)
        return 2
    paths = export(records, inputs.sources, stats, args.out, args.format, args.rows_per_shard)
    print(f"wrote {len(records)} records to {len(paths)} {args.format} file(s) and "
          f"{args.out / 'README.md'}")
    return 0
