"""Throughput of the cleaning path against trafilatura and bare lxml, on every generated page set.

For each page set of ``benchmarks/pagegen.py`` (``generated``: today's pages, full-width punctuation;
``seed-utf8`` and ``seed-gbk``: pages shaped like the seed page, ASCII punctuation, long pieces), in
one process pinned to one core, times over the same pages:

* ``clean``       — ``pipelines.clean_page(body, url)``, the automatic path (no profile);
* ``trafilatura`` — ``trafilatura.extract(body)``;
* ``lxml``        — ``lxml.html.fromstring(body).text_content()`` (the floor: parse and walk only);

then whole processes over the same files written to disk, runs interleaved, best kept:

* one core: ``essay-crawler clean DIR -o OUT -j 1`` against a ``python -c`` loop of
  ``trafilatura.extract`` over the same files, both pinned to the same core;
* every core (``--jobs``, default all): ``essay-crawler clean -j 1`` and ``-j N`` and trafilatura in
  an N-process pool, unpinned.

Prints pages/s, CPU per page, the ratios the targets are stated in, and a sanity check of how many
pages were split into exactly the generated pieces. ``--stages N`` adds the CPU time of each stage of
``clean_page`` over N pages of each set (each stage function timed, no profiler).

    .venv/bin/python benchmarks/clean_bench.py --pages 1000
    .venv/bin/python benchmarks/clean_bench.py --pages 300 --sets seed-utf8 --stages 100 --no-cli
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
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
TARGET_LXML_OVER_CLEAN = {"generated": 3.0}  # other sets: DEFAULT_LXML_TARGET
DEFAULT_LXML_TARGET = 4.0
TARGET_JOBS_SPEEDUP = 1.8  # -j 2 over -j 1 on two cores

# The whole-process trafilatura run: every file under argv[1] (sorted, as clean reads them).
TRAFILATURA_LOOP = """
import sys, pathlib, trafilatura
for f in sorted(p for p in pathlib.Path(sys.argv[1]).rglob('*.html')):
    trafilatura.extract(f.read_bytes())
"""
TRAFILATURA_POOL = """
import sys, pathlib, multiprocessing, trafilatura
def extract(f):
    trafilatura.extract(f.read_bytes())
if __name__ == '__main__':
    files = sorted(p for p in pathlib.Path(sys.argv[1]).rglob('*.html'))
    with multiprocessing.get_context('fork').Pool(int(sys.argv[2])) as pool:
        for _ in pool.imap(extract, files):
            pass
"""
# Where clean_page spends its time, by stage: (label, names of the pipelines functions whose time
# it is; found by name in any module of pipelines/, which the stages move between). None calls another.
STAGES = (
    ("decode (GBK and other non-UTF-8 pages)", ("decode_page",)),
    ("parse (lxml)", ("_parse",)),
    ("page info, headline", ("read_page_info", "find_title")),
    ("find the content block", ("find_content",)),
    ("junk and chrome removal", ("remove_hidden_junk", "remove_chrome")),
    ("paragraphs", ("content_blocks",)),
    ("normalise", ("normalize_document",)),
    ("article check, date line", ("check_is_article", "info_text")),
    ("junk cut from the text", ("remove_junk",)),
    ("boilerplate", ("strip_boilerplate",)),
    ("split", ("split_pieces",)),
    ("piece edges", ("trim_pieces",)),
    ("records", ("build_records",)),
)


ALL_CORES = os.sched_getaffinity(0)


def pin_to_one_core() -> int:
    """Pin this process to its first allowed core; return that core."""
    core = min(os.sched_getaffinity(0))
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
    for spec, res in zip(specs, results, strict=True):
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
    for spec, res in zip(specs, results, strict=True):
        if len(lines) >= limit:
            break
        got = res.reason if isinstance(res, PageError) else [r["piece_title"] for r in res.records]
        if got != list(spec.piece_titles):
            lines.append(f"  {spec.path} [{spec.layout}, {spec.encoding}]\n"
                         f"    expected {list(spec.piece_titles)}\n    got      {got}")
    return lines


def time_in_process(specs, methods: dict, repeat: int, warmup: int, proc) -> tuple[dict, dict]:
    """Best wall time and mean CPU time per method; passes interleaved (clean, trafilatura, lxml,
    clean, …) so that a slow spell of the machine does not fall on one method's passes only."""
    for fn in methods.values():
        for s in specs[:warmup]:
            fn(s)
    best = dict.fromkeys(methods, float("inf"))
    cpu = dict.fromkeys(methods, 0.0)
    for _ in range(repeat):
        for name, fn in methods.items():
            cpu0 = proc.cpu_times()
            best[name] = min(best[name], time_pass(fn, specs))
            cpu1 = proc.cpu_times()
            cpu[name] += (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / repeat
    return best, cpu


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(cmd: list[str], cores: set[int]) -> tuple[float, float]:
    """(wall, CPU of the whole process tree) of one command run on ``cores``."""
    cpu0, start = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                          preexec_fn=lambda: os.sched_setaffinity(0, cores))
    wall, cpu = time.perf_counter() - start, children_cpu() - cpu0
    if proc.returncode not in (0, 1):  # 1: some page failed, which the sanity lines report
        raise SystemExit(f"{cmd[:3]} exited {proc.returncode}")
    return wall, cpu


def time_commands(commands: dict[str, list[str]], repeat: int, cores: set[int]) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) per command on ``cores``, runs interleaved."""
    best = dict.fromkeys(commands, (float("inf"), 0.0))
    for _ in range(repeat):
        for name, cmd in commands.items():
            best[name] = min(best[name], run_command(cmd, cores))
    return best


def clean_command(pages: Path, out: Path, jobs: int) -> list[str]:
    return [str(Path(sys.executable).parent / "essay-crawler"), "clean", str(pages), "-o", str(out), "-j", str(jobs)]


def stage_breakdown(specs) -> list[tuple[str, float]]:
    """CPU ms per page of each stage of clean_page, and of the whole. Each stage function is timed
    (process CPU time) by a wrapper put in its place in every ``pipelines`` module that holds it, for
    the duration of the run: a few clock reads per page, so unlike a profiler the figures are the
    stages' own cost. "other" is clean_page's time outside the stages."""
    spent: Counter = Counter()
    patched = []
    for label, names in STAGES:
        for name in names:
            for module in [m for n, m in list(sys.modules.items()) if n.startswith("pipelines") and m]:
                fn = getattr(module, name, None)
                if callable(fn) and getattr(fn, "__module__", "").startswith("pipelines"):
                    patched.append((module, name, fn))
                    setattr(module, name, _timed(fn, label, spent))
    clock = time.process_time
    try:
        start = clock()
        for s in specs:
            run_clean(s)
        total = clock() - start
    finally:
        for module, name, fn in patched:
            setattr(module, name, fn)
    rows = [(label, spent[label] * 1e3 / len(specs)) for label, _ in STAGES]
    rows.append(("other", total * 1e3 / len(specs) - sum(ms for _, ms in rows)))
    rows.append(("clean_page", total * 1e3 / len(specs)))
    return rows


def _timed(fn, label: str, spent: Counter):
    """``fn``, its CPU time added to ``spent[label]``."""
    clock = time.process_time

    def timed(*args, **kwargs):
        start = clock()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += clock() - start
    return timed


def profile_listing(specs, top: int) -> str:
    """cProfile listing (cumulative and internal time) of the clean path over ``specs``."""
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


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def bench_set(name: str, args, core: int, proc) -> dict:
    """Everything for one page set; returns its ratios for the summary."""
    t0 = time.perf_counter()
    specs = pagegen.PAGE_SETS[name](args.pages, args.seed)
    gen_s = time.perf_counter() - t0
    n, mb = len(specs), sum(len(s.body) for s in specs) / 1e6
    enc = Counter(f"{s.encoding}{'' if s.charset_declared else '(undeclared)'}" for s in specs)
    print(f"== {name}: {n} pages  {mb:.1f} MB  avg {mb * 1e3 / n:.0f} KB  generated in {gen_s:.1f}s  "
          f"core {core}  encodings {dict(enc)}", flush=True)
    methods = {m: fn for m, fn in METHODS.items() if m not in args.skip}
    best, cpu = time_in_process(specs, methods, args.repeat, args.warmup, proc)
    rates = {m: n / secs for m, secs in best.items()}
    for m, secs in best.items():
        print(f"  {m:<12} {secs:8.2f} s  {rates[m]:9.1f} pages/s  {mb / secs:7.2f} MB/s  "
              f"cpu {cpu[m] * 1e3 / n:6.2f} ms/page", flush=True)
    summary = {}
    if "clean" in rates and "trafilatura" in rates:
        summary["clean/trafilatura (in process)"] = rates["clean"] / rates["trafilatura"]
    if "clean" in rates and "lxml" in rates:
        summary["lxml/clean (in process)"] = rates["lxml"] / rates["clean"]
    if "clean" in methods:
        results = [run_clean(s) for s in specs]  # untimed, for the sanity lines
        counts = sanity_counts(specs, results)
        keys = ("pieces_exact", "piece_titles_exact", "title_exact", "published_exact", "category_exact",
                "claimed_exact", *sorted(k for k in counts if k.startswith("error:")))
        print("  sanity: " + "  ".join(f"{k} {counts[k]}" for k in keys) + f"  (of {n})")
        print("\n".join(mismatch_lines(specs, results, args.show_mismatches)))
        del results
    if args.stages:
        print(f"  stages (over {min(args.stages, n)} pages, CPU ms per page):")
        for label, ms in stage_breakdown(specs[:args.stages]):
            print(f"    {label:<40} {ms:7.2f}")
    if args.profile:
        print(profile_listing(specs[:args.profile], args.top))
    if not args.no_cli:
        summary.update(bench_processes(specs, args, core))
    return summary


def bench_processes(specs, args, core: int) -> dict:
    """Whole-process runs over the pages written to disk: one core, then every core."""
    n = len(specs)
    work = Path(tempfile.mkdtemp(prefix="clean_bench_"))
    try:
        pages = work / "pages"
        pagegen.write_pages(pages, specs)
        out = work / "out.jsonl"
        one_core = time_commands({"essay-crawler clean -j 1": clean_command(pages, out, 1),
                                  "trafilatura loop": [sys.executable, "-c", TRAFILATURA_LOOP, str(pages)]},
                                 args.cli_repeat, {core})
        print(f"  whole process, one core (core {core}), best of {args.cli_repeat} interleaved:")
        for label, (wall, cpu) in one_core.items():
            print(f"    {label:<28} {wall:7.2f} s  {n / wall:8.1f} pages/s  cpu {cpu * 1e3 / n:6.2f} ms/page")
        clean_wall, traf_wall = one_core["essay-crawler clean -j 1"][0], one_core["trafilatura loop"][0]
        summary = {"clean/trafilatura (whole process, one core)": traf_wall / clean_wall}
        if args.jobs > 1:
            jobs = args.jobs
            every = time_commands({"essay-crawler clean -j 1": clean_command(pages, out, 1),
                                   f"essay-crawler clean -j {jobs}": clean_command(pages, out, jobs),
                                   f"trafilatura pool of {jobs}": [sys.executable, "-c", TRAFILATURA_POOL,
                                                                   str(pages), str(jobs)]},
                                  args.cli_repeat, ALL_CORES)
            print(f"  whole process, {jobs} cores, best of {args.cli_repeat} interleaved:")
            for label, (wall, cpu) in every.items():
                print(f"    {label:<28} {wall:7.2f} s  {n / wall:8.1f} pages/s  cpu {cpu * 1e3 / n:6.2f} ms/page")
            walls = {label: wall for label, (wall, _) in every.items()}
            summary[f"clean -j {jobs} / -j 1"] = walls["essay-crawler clean -j 1"] / walls[f"essay-crawler clean -j {jobs}"]
            summary[f"clean -j {jobs} / trafilatura pool of {jobs}"] = (walls[f"trafilatura pool of {jobs}"]
                                                                          / walls[f"essay-crawler clean -j {jobs}"])
        return summary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def target_of(set_name: str, ratio: str, jobs: int) -> tuple[str, bool] | None:
    """The target a ratio is held to, as text, and whether ``>=`` (else ``<=``)."""
    if ratio.startswith("clean/trafilatura") or "trafilatura pool" in ratio:
        return f">= {TARGET_CLEAN_OVER_TRAFILATURA:g}x", True
    if ratio.startswith("lxml/clean"):
        return f"<= {TARGET_LXML_OVER_CLEAN.get(set_name, DEFAULT_LXML_TARGET):g}x", False
    if ratio == f"clean -j {jobs} / -j 1" and jobs == 2:
        return f">= {TARGET_JOBS_SPEEDUP:g}x", True
    return None


def print_summary(summaries: dict[str, dict], jobs: int) -> None:
    print("\nratios (targets of issue 14)")
    for set_name, summary in summaries.items():
        for ratio, value in summary.items():
            target = target_of(set_name, ratio, jobs)
            text = ""
            if target:
                bound, at_least = target
                limit = float(bound.split()[1].rstrip("x"))
                text = f"(target {bound}: {verdict(value >= limit if at_least else value <= limit)})"
            print(f"  {set_name:<10} {ratio:<45} {value:6.2f}x  {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages per set (default 1000)")
    parser.add_argument("--sets", nargs="+", choices=list(pagegen.PAGE_SETS), default=list(pagegen.PAGE_SETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="in-process passes per method, interleaved; best kept")
    parser.add_argument("--cli-repeat", type=int, default=3, help="whole-process runs per command, interleaved")
    parser.add_argument("--warmup", type=int, default=20, help="untimed pages per method first")
    parser.add_argument("--jobs", type=int, default=len(ALL_CORES),
                        help="cores for the parallel comparison (default: all; 1 skips it)")
    parser.add_argument("--no-cli", action="store_true", help="skip the whole-process runs")
    parser.add_argument("--skip", action="append", default=[], choices=list(METHODS), help="skip a method")
    parser.add_argument("--stages", type=int, default=0, metavar="N", help="CPU per stage, over N pages")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also list cProfile of clean on N pages")
    parser.add_argument("--top", type=int, default=30, help="rows per profile listing")
    parser.add_argument("--show-mismatches", type=int, default=0, metavar="K",
                        help="list up to K pages whose pieces differ from the generated ones")
    args = parser.parse_args(argv)
    if len(ALL_CORES) < args.jobs:
        parser.error(f"--jobs {args.jobs}: only {len(ALL_CORES)} cores here")

    core = pin_to_one_core()
    proc = psutil.Process()
    summaries = {name: bench_set(name, args, core, proc) for name in args.sets}
    print(f"  (rss at the end {proc.memory_info().rss / 2**20:.0f} MiB)")
    print_summary(summaries, args.jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
