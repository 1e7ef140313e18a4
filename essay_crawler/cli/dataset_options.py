"""Options shared by ``export`` and ``report``: which records, and how to post-process them."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from essay_crawler.cli import similarity


def add_processing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drop-duplicates", action="store_true",
                        help="leave out records marked dup_of / near_dup_of instead of keeping them marked")
    parser.add_argument("--threshold", type=similarity, default=None,
                        help="near-duplicate Jaccard threshold (default 0.5) for records not yet post-processed")
    parser.add_argument("--dedup-state", type=Path, default=None, metavar="PATH",
                        help="dedup state file to compare with and update (default: compare within the inputs)")


def resolve_link(path: str) -> str:
    """A run link such as ``output/<site>/latest`` as the run folder it points at (the run id is what
    a dataset card and a report must name); any other path as given."""
    link = Path(path)
    if not link.is_symlink():
        return path
    target = Path(os.readlink(link))
    return str(target if target.is_absolute() else link.parent / target)


def processed(args: argparse.Namespace):
    """(inputs, records, stats) for the command's RUN_OR_FILES arguments."""
    from pipelines.postprocess import processed_inputs

    return processed_inputs([resolve_link(p) for p in args.inputs], threshold=args.threshold,
                            dedup_state=args.dedup_state, drop_duplicates=args.drop_duplicates)
