"""Throughput and peak memory of the online dedup stage (Deduplicator.mark) at 10k, 100k (and 1M) pieces.

Pieces are generated on the fly (so memory is the dedup state's, not the input's): ~600-character
texts of random common Han characters in sentences, of which 5% are exact copies and 5% are near
copies (two sentences replaced) of earlier pieces. Each size runs in its own process so its peak
RSS is its own; ``bytes_per_unique`` is the RSS growth over the pieces that are not copies. The
state is then saved and loaded again (``load_s``, ``load_peak_rss_mb``: a process that only loads it).

    .venv/bin/python benchmarks/dedup_bench.py                          # 10k and 100k
    .venv/bin/python benchmarks/dedup_bench.py --sizes 10000 100000 1000000
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.dedup import Deduplicator

COMMON = ("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多心好学"
          "么看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动方期它头经长儿回位分爱老因很给名法间")


def sentence(rng: random.Random) -> str:
    return "".join(rng.choices(COMMON, k=rng.randint(12, 30))) + "。"


def pieces(n: int, seed: int = 7) -> Iterator[dict]:
    """``n`` piece records; every 20th an exact copy and every 20th (offset 10) a near copy."""
    rng = random.Random(seed)
    recent: list[list[str]] = []
    for i in range(n):
        if i % 20 == 19 and recent:
            sentences = list(rng.choice(recent))
        elif i % 20 == 9 and recent:
            sentences = list(rng.choice(recent))
            for _ in range(2):
                sentences[rng.randrange(len(sentences))] = sentence(rng)
        else:
            sentences = [sentence(rng) for _ in range(28)]
            recent = (recent + [sentences])[-500:]
        text = "\n".join("".join(sentences[j:j + 4]) for j in range(0, len(sentences), 4))
        url = f"https://bench.example/{i}.html"
        yield {"id": hashlib.sha1(f"{url}#1".encode()).hexdigest()[:16], "url": url, "text": text}


def measure(n: int, state_dir: Path) -> dict:
    """Mark ``n`` generated pieces; throughput, marks, peak RSS and saved state size."""
    dedup = Deduplicator()
    dedup.mark({"id": "warm-up", "text": "春天来了，小草绿了。"})  # imports and lazily built tables
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    duplicates = near = chars = 0
    elapsed = 0.0
    for piece in pieces(n):
        chars += len(piece["text"])
        start = time.perf_counter()
        marked = dedup.mark(piece)
        elapsed += time.perf_counter() - start
        duplicates += marked["dup_of"] is not None
        near += marked["near_dup_of"] is not None
    marked_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    state = dedup.save(state_dir / "dedup.npz")
    save_s = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    unique = n - duplicates - near
    return {"pieces": n, "mean_chars": round(chars / n), "seconds": round(elapsed, 1),
            "records_per_s": round(n / elapsed), "dup_of": duplicates, "near_dup_of": near,
            "peak_rss_mb": round(peak / 1024), "rss_growth_mb": round((marked_peak - base_rss) / 1024),
            "bytes_per_unique": round((marked_peak - base_rss) * 1024 / unique),
            "state_mb": round(state.stat().st_size / 2**20, 1), "save_s": round(save_s, 2)}


def measure_load(state: Path) -> dict:
    """Load a saved state in a fresh process: time and peak RSS."""
    Deduplicator()
    start = time.perf_counter()
    dedup = Deduplicator.open(state)
    return {"load_s": round(time.perf_counter() - start, 2), "texts": len(dedup),
            "load_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.state_dir)))
        return
    if args.load:
        print(json.dumps(measure_load(args.load)))
        return

    def child(*options) -> dict:
        done = subprocess.run([sys.executable, __file__, *map(str, options)], check=True, capture_output=True, text=True)
        return json.loads(done.stdout)

    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            row = child("--one", n, "--state-dir", tmp)
            row.update(child("--load", Path(tmp) / "dedup.npz"))
            rows.append(row)
    columns = list(rows[0])
    print(" ".join(f"{c:>14}" for c in columns))
    for row in rows:
        print(" ".join(f"{row[c]:>14}" for c in columns))
    print("generated: 5% exact copies (dup_of) and 5% near copies (near_dup_of)")


if __name__ == "__main__":
    main()
