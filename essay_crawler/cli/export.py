"""``essay-crawler export``: write runs or pieces files as a dataset (Parquet or JSONL + card)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from essay_crawler.cli import EXIT_OK, EXIT_USAGE, CommandError, positive_int
from essay_crawler.cli.dataset_options import add_processing_options, processed


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export", help="export runs / pieces JSONL files as a dataset with a dataset card",
        description="Write OUT/data/train-*.parquet (or .jsonl) and OUT/README.md (dataset card). "
                    "Records not yet post-processed get learned-boilerplate removal, quality "
                    "signals and duplicate marks first.")
    parser.add_argument("inputs", nargs="+", metavar="RUN_OR_FILES",
                        help="run folders (output/<site>/<run-id>), folders of runs, or pieces JSONL files")
    parser.add_argument("-o", "--out", required=True, type=Path,
                        help="dataset folder to write: new or empty, or an earlier export with --overwrite")
    parser.add_argument("--overwrite", action="store_true", help="replace the earlier export in OUT")
    parser.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    parser.add_argument("--rows-per-shard", type=positive_int, default=50_000, metavar="N")
    add_processing_options(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from pipelines.dataset import export

    check_out(args.out, args.overwrite)
    try:
        inputs, records, stats = processed(args)
        paths = export(records, inputs.sources, stats, args.out, args.format, args.rows_per_shard)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {len(records)} records to {len(paths)} {args.format} file(s) and "
          f"{args.out / 'README.md'}")
    return EXIT_OK


def check_out(out: Path, overwrite: bool) -> None:
    """A :class:`CommandError` for an ``-o`` folder that holds something, unless ``--overwrite``."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"{out}: not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise CommandError(f"{out}: not empty (an earlier export?); give --overwrite to replace it")
