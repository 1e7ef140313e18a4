"""Throughput of the cleaning path against trafilatura and bare lxml, on generated pages.

Generates realistic essay-site pages (``benchmarks/pagegen.py``), then, in one process pinned to
one core, times over the same pages:

* ``clean``       — ``pipelines.clean_page(body, url)``, the automatic path (no profile);
* ``trafilatura`` — ``trafilatura.extract(body)``;
* ``lxml``        — ``lxml.html.fromstring(body).text_content()``;

and optionally the whole ``essay-crawler clean DIR -o out.jsonl`` command as a subprocess on the
same core.  Prints pages/s, the ratios the targets are stated in, and a sanity check of how many
pages were split into exactly the generated number of pieces.

    .venv/bin/python benchmarks/clean_bench.py --pages 1000
    .venv/bin/python benchmarks/clean_bench.py --pages 300 --profile 300 --no-cli
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import lxml.html  # noqa: E402
import pagegen  # noqa: E402
import psutil  # noqa: E402

from pipelines import PageError, clean_page  # noqa: E402

TARGET_CLEAN_OVER_TRAFILATURA = 8.0
TARGET_LXML_OVER_CLEAN = 3.0


def pin_to_one_core() -> int:
    """Pin this process to its first allowed core; return that core."""
    core = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {core})
    return core


def page_url(spec: pagegen.PageSpec) -> str:
    """The url ``essay-crawler clean`` would give the saved file (a file:// URL)."""
    return f"file:///bench/{spec.path}"


def run_clean(spec: pagegen.PageSpec):
    """Clean one page; a PageError is a result too (counted as a failure)."""
    try:
        return clean_page(spec.body, page_url(spec))
    except PageError as exc:
        return exc


def run_trafilatura(spec: pagegen.PageSpec):
    import trafilatura

    return trafilatura.extract(spec.body)


def run_lxml(spec: pagegen.PageSpec):
    return lxml.html.fromstring(spec.body).text_content()


METHODS = {"clean": run_clean, "trafilatura": run_trafilatura, "lxml": run_lxml}


def time_pass(fn, specs) -> float:
    """Wall time of one pass of ``fn`` over all specs. Results are dropped as they come, as a real
    run writes them out, so no method pays for keeping the others' results alive."""
    start = time.perf_counter()
    for s in specs:
        fn(s)
    return time.perf_counter() - start


def sanity_counts(specs, results) -> Counter:
    """How the clean results compare with what each page was generated with."""
    c = Counter()
    for spec, res in zip(specs, results):
        if isinstance(res, PageError):
            c[f"error:{res.reason}"] += 1
            continue
        records = res.records
        c["pieces_exact"] += len(records) == spec.pieces
        c["piece_titles_exact"] += [r["piece_title"] for r in records] == list(spec.piece_titles)
        first = records[0] if records else {}
        c["title_exact"] += first.get("title") == spec.title
        c["published_exact"] += first.get("published") == spec.published
        c["category_exact"] += first.get("category") == spec.category
        c["claimed_exact"] += res.claimed == spec.claimed
    return c


def mismatch_lines(specs, results, limit: int) -> list[str]:
    """Up to ``limit`` pages whose piece titles differ from the generated ones, for a quick look."""
    lines = []
    for spec, res in zip(specs, results):
        if len(lines) >= limit:
            break
        got = res.reason if isinstance(res, PageError) else [r["piece_title"] for r in res.records]
        if got != list(spec.piece_titles):
            lines.append(f"  {spec.path} [{spec.layout}, {spec.encoding}]\n"
                         f"    expected {list(spec.piece_titles)}\n    got      {got}")
    return lines


def time_cli(specs, workdir: Path, core: int) -> float | None:
    """Wall time of ``essay-crawler clean DIR -o out.jsonl`` over the written pages, on ``core``."""
    exe = Path(sys.executable).parent / "essay-crawler"
    if not exe.exists():
        return None
    pages = workdir / "pages"
    pagegen.write_pages(pages, specs)
    out = workdir / "out.jsonl"
    start = time.perf_counter()
    subprocess.run([str(exe), "clean", str(pages), "-o", str(out)], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    return time.perf_counter() - start


def profile_clean(specs, top: int) -> str:
    """cProfile report (cumulative and internal time) of the clean path over ``specs``."""
    prof = cProfile.Profile()
    prof.enable()
    for s in specs:
        run_clean(s)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per method, interleaved; best is kept")
    parser.add_argument("--warmup", type=int, default=20, help="untimed pages per method first")
    parser.add_argument("--no-cli", action="store_true", help="skip the essay-crawler clean subprocess")
    parser.add_argument("--skip", action="append", default=[], choices=list(METHODS), help="skip a method")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also cProfile clean on N pages")
    parser.add_argument("--top", type=int, default=30, help="rows per profile listing")
    parser.add_argument("--show-mismatches", type=int, default=0, metavar="K",
                        help="list up to K pages whose pieces differ from the generated ones")
    args = parser.parse_args(argv)

    core = pin_to_one_core()
    proc = psutil.Process()
    t0 = time.perf_counter()
    specs = pagegen.generate_page_specs(args.pages, args.seed)
    gen_s = time.perf_counter() - t0
    mb = sum(len(s.body) for s in specs) / 1e6
    enc = Counter(f"{s.encoding}{'' if s.charset_declared else '(undeclared)'}" for s in specs)
    print(f"pages: {len(specs)}  {mb:.1f} MB  avg {mb * 1e3 / len(specs):.0f} KB  generated in {gen_s:.1f}s  "
          f"core {core}  encodings {dict(enc)}")

    methods = {name: fn for name, fn in METHODS.items() if name not in args.skip}
    for fn in methods.values():
        for s in specs[:args.warmup]:
            fn(s)
    # Passes interleaved (clean, trafilatura, lxml, clean, …) and each method's best kept, so that a
    # slow spell of the machine does not fall on one method's passes only.
    best = dict.fromkeys(methods, float("inf"))
    cpu = dict.fromkeys(methods, 0.0)
    for _ in range(args.repeat):
        for name, fn in methods.items():
            cpu0 = proc.cpu_times()
            best[name] = min(best[name], time_pass(fn, specs))
            cpu1 = proc.cpu_times()
            cpu[name] += (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / args.repeat
    rates: dict[str, float] = {}
    for name, secs in best.items():
        rates[name] = len(specs) / secs
        print(f"  {name:<12} {secs:8.2f} s  {rates[name]:9.1f} pages/s  {mb / secs:7.2f} MB/s  "
              f"cpu {cpu[name]:.2f} s", flush=True)
    print(f"  (rss after all passes {proc.memory_info().rss / 2**20:.0f} MiB)")
    clean_results = [run_clean(s) for s in specs] if "clean" in methods else None  # untimed, for the sanity check

    if not args.no_cli:
        workdir = Path(tempfile.mkdtemp(prefix="clean_bench_"))
        try:
            secs = time_cli(specs, workdir, core)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if secs:
            rates["cli"] = len(specs) / secs
            print(f"  {'cli':<12} {secs:8.2f} s  {rates['cli']:9.1f} pages/s  (essay-crawler clean DIR -o, "
                  f"incl. start-up and file I/O)")

    print()
    if "clean" in rates and "trafilatura" in rates:
        r = rates["clean"] / rates["trafilatura"]
        verdict = "ok" if r >= TARGET_CLEAN_OVER_TRAFILATURA else "MISSED"
        print(f"clean / trafilatura = {r:6.2f}x   (target >= {TARGET_CLEAN_OVER_TRAFILATURA:g}x: {verdict})")
    if "clean" in rates and "lxml" in rates:
        r = rates["lxml"] / rates["clean"]
        verdict = "ok" if r <= TARGET_LXML_OVER_CLEAN else "MISSED"
        print(f"lxml / clean        = {r:6.2f}x   (target <= {TARGET_LXML_OVER_CLEAN:g}x: {verdict})")

    if clean_results is not None:
        counts = sanity_counts(specs, clean_results)
        n = len(specs)
        print(f"\nsanity (of {n} pages): split into exactly the generated piece count: {counts['pieces_exact']}")
        for key in ("piece_titles_exact", "title_exact", "published_exact", "category_exact", "claimed_exact"):
            print(f"  {key:<20} {counts[key]}")
        for key in sorted(k for k in counts if k.startswith("error:")):
            print(f"  {key:<20} {counts[key]}")
        print("\n".join(mismatch_lines(specs, clean_results, args.show_mismatches)))

    if args.profile:
        print(profile_clean(specs[:args.profile], args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
