"""Reading a WARC.gz: warcio (what ``pipelines.warc`` uses) against resiliparse's FastWARC; and
what writing one costs the crawl.

Writes N generated pages (``benchmarks/pagegen.py``, ~90 KB each) as response records of one gzipped
WARC file with ``pipelines.warc.WarcAppender`` (what ``crawl --warc`` writes with; timed), then times,
interleaved, best of three passes:

* ``pipelines.warc.read_pages`` — warcio, every record's body read, counted and checked complete;
* ``fastwarc`` — FastWARC's ``ArchiveIterator`` (HTTP headers parsed), every body read (content and transfer encodings decoded, as warcio does);
* ``cleaning`` — ``clean_page`` over the same pages, the work the reading feeds (one core).

    .venv/bin/python benchmarks/warc_bench.py --pages 2000
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import pagegen  # noqa: E402

from pipelines import PageError, clean_page  # noqa: E402
from pipelines.warc import WarcAppender, WarcCounts, read_pages  # noqa: E402


def write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    out = WarcAppender(path, "warc_bench")
    date = datetime.now(UTC).isoformat(timespec="seconds")
    for rel, body in pages:
        out.write_response(f"http://bench.example.cn/{rel}", 200, "OK",
                           [("Content-Type", "text/html"), ("Content-Length", str(len(body)))], body, date)
    out.close()


def with_warcio(path: Path) -> int:
    return sum(len(page.body) for page in read_pages(path, WarcCounts()))


def with_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    total = 0
    for record in ArchiveIterator(str(path), record_types=WarcRecordType.response, parse_http=True,
                                  auto_decode="all"):
        total += len(record.reader.read())
    return total


def with_cleaning(pages: list[tuple[str, bytes]]) -> int:
    n = 0
    for rel, body in pages:
        try:
            n += len(clean_page(body, f"http://bench.example.cn/{rel}").records)
        except PageError:
            pass
    return n


def best(fn, *args, passes: int = 3) -> float:
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    pages = pagegen.generate_pages(args.pages)
    with tempfile.TemporaryDirectory(prefix="warc-bench-") as tmp:
        path = Path(tmp) / "pages.warc.gz"
        start = time.perf_counter()
        write_warc(path, pages)
        write_s = time.perf_counter() - start
        assert with_warcio(path) == with_fastwarc(path) == sum(len(b) for _, b in pages)
        size = path.stat().st_size / 2**20
        print(f"{args.pages} pages, {sum(len(b) for _, b in pages) / 2**20:.1f} MiB of HTML, "
              f"{size:.1f} MiB gzipped WARC ({1024 * size / args.pages:.1f} KiB a page)")
        warcio_s, fastwarc_s = best(with_warcio, path), best(with_fastwarc, path)
    clean_s = best(with_cleaning, pages[:300], passes=1) * args.pages / min(300, args.pages)
    for name, seconds in (("writing", write_s), ("warcio", warcio_s), ("fastwarc", fastwarc_s),
                          ("cleaning (est.)", clean_s)):
        print(f"{name:16} {seconds:7.2f} s  {args.pages / seconds:9.0f} pages/s  "
              f"{1000 * seconds / args.pages:6.3f} ms/page")
    print(f"fastwarc / warcio speed: {warcio_s / fastwarc_s:.1f}x; reading with warcio is "
          f"{100 * warcio_s / clean_s:.1f} % of the cleaning time, with fastwarc {100 * fastwarc_s / clean_s:.1f} %")


if __name__ == "__main__":
    main()
