"""Options shared by ``export`` and ``report``: which records, and how to post-process them."""
from __future__ import annotations

import argparse
from pathlib import Path


def add_processing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drop-duplicates", action="store_true",
                        help="leave out records marked dup_of / near_dup_of instead of keeping them marked")
    parser.add_argument("--threshold", type=float, default=None,
                        help="near-duplicate Jaccard threshold (default 0.5) for records not yet post-processed")
    parser.add_argument("--dedup-state", type=Path, default=None, metavar="PATH",
                        help="dedup state file to compare with and update (default: compare within the inputs)")


def processed(args: argparse.Namespace):
    """(inputs, records, stats) for the command's RUN_OR_FILES arguments."""
    from essay_crawler.postprocess import processed_inputs

    return processed_inputs(args.inputs, threshold=args.threshold, dedup_state=args.dedup_state,
                            drop_duplicates=args.drop_duplicates)
