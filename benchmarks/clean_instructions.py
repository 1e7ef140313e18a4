"""Clean the first N pages of a folder in-process, for an instruction count under callgrind (which,
unlike a clock, does not vary with the machine's load).

    python benchmarks/pagegen.py /tmp/irpages/seed-utf8 -n 60 --set seed-utf8
    valgrind --tool=callgrind --callgrind-out-file=/dev/null python benchmarks/clean_instructions.py /tmp/irpages/seed-utf8 10
    valgrind --tool=callgrind --callgrind-out-file=/dev/null python benchmarks/clean_instructions.py /tmp/irpages/seed-utf8 40

Instructions per page: (I40 - I10) / 30, the difference leaving start-up and the patterns compiled
on first need out. Run from the checkout to measure (its code is put first on ``sys.path``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from essay_crawler.cleanfiles import warm_up
from pipelines.clean import clean_page


def main() -> None:
    parser = argparse.ArgumentParser(description="Clean the first N pages of a folder (for callgrind).")
    parser.add_argument("folder", type=Path, help="pages (*.html, in subfolders too), as pagegen.py writes them")
    parser.add_argument("n", type=int, help="how many pages, in sorted path order")
    args = parser.parse_args()
    warm_up(None, "t2s")
    for path in sorted(args.folder.rglob("*.html"))[:args.n]:
        clean_page(path.read_bytes(), path.as_uri())


if __name__ == "__main__":
    main()
