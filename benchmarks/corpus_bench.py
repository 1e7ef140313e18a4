"""Pages/s and peak memory of `essay-crawler corpus` against `essay-crawler clean` and trafilatura.

N generated pages (benchmarks/pagegen.py) are written as gzipped WARC files (4 of them), through
`corpus --executor local --workers 2` and through `clean -j 2` on the same WARC files; trafilatura
extracts the same pages (as HTML files) in a pool of 2 processes. Each command runs alone, `--repeat`
times in turn (corpus, clean, corpus, clean…; trafilatura once), the load average noted before each
run; the summary takes each command's median run. Peak memory is the largest sum over a command's
process tree, sampled every 0.1 s, of the RSS (shared pages counted in each process) and of the PSS
(each shared page divided among its processes: what the tree takes); for `corpus` also the peak PSS
in each stage (start: imports and warm-up, before the first). The CPU seconds (user and system, of
every process of the tree) are what the load of a shared machine changes least.

``--copies`` (0.05 by default) plants that share of the pages again at another URL as exact copies
and as many as near copies (every other 的 written 地, UTF-8 pages), at random places in the files, so
that the marks and write stages have marks to make; the script prints the marks the corpus wrote.

    .venv/bin/python benchmarks/corpus_bench.py                 # 1,000 pages
    .venv/bin/python benchmarks/corpus_bench.py --pages 10000 --repeat 3
    .venv/bin/python benchmarks/corpus_bench.py --pages 30000 --no-trafilatura
    .venv/bin/python benchmarks/corpus_bench.py --copies 0          # the generated pages only
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pagegen  # noqa: E402
from warc_corpus import Page, copy_of, near_copy_of, page_of, write_warc  # noqa: E402

TRAFILATURA = """
import sys
from multiprocessing import Pool
from pathlib import Path
import trafilatura

def extract(path):
    return trafilatura.extract(Path(path).read_bytes()) is not None

files = sorted(str(p) for p in Path(sys.argv[1]).rglob("*.html"))
with Pool(2) as pool:
    print(sum(pool.map(extract, files, chunksize=8)))
"""


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """The RSS and the PSS of ``proc`` and its children, summed (PSS: each shared page divided among
    the processes that share it, so forked workers do not count their parent's pages again)."""
    rss = pss = 0
    for member in [proc, *proc.children(recursive=True)]:
        try:
            info = member.memory_full_info()
        except psutil.Error:
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss, pss


STAGES = ("clean", "verify", "marks", "write")


def with_copies(specs: list[pagegen.PageSpec], share: float, seed: int = 2) -> tuple[list[Page], int, int]:
    """The pages of ``specs`` with ``share`` of them planted again as exact copies and as many as
    near copies, each at a random place, and the numbers of each. Only pages without a canonical
    link are copied (a copy of one would name the same URL), near copies only of UTF-8 pages."""
    rng = random.Random(seed)
    pages = [page_of(spec) for spec in specs]
    count = round(len(specs) * share)
    free = [number for number, spec in enumerate(specs) if spec.url is None]
    utf8 = [number for number in free if specs[number].encoding == "utf-8"]
    exact = [copy_of(pages[number], f"https://mirror.example/exact/{n}.html")
             for n, number in enumerate(rng.sample(free, min(count, len(free))))]
    near = [near_copy_of(pages[number], f"https://mirror.example/near/{n}.html")
            for n, number in enumerate(rng.sample(utf8, min(count, len(utf8))))]
    for page in exact + near:
        pages.insert(rng.randrange(len(pages) + 1), page)
    return pages, len(exact), len(near)


def marks_written(data: Path) -> tuple[int, int]:
    """The records of the corpus's data files marked ``dup_of`` and ``near_dup_of``."""
    exact = near = 0
    for path in sorted(data.glob("*.jsonl")):
        with path.open("rb") as fh:
            for line in fh:
                exact += b'"dup_of": null' not in line
                near += b'"near_dup_of": null' not in line
    return exact, near


def corpus_stage(out: Path) -> str:
    """The stage a corpus run into ``out`` is in: the last whose log folder is there (``start`` before)."""
    return next((name for name in reversed(STAGES) if (out / "logs" / name).is_dir()), "start")


def measure(command: list[str], stages: dict[str, int], out: Path | None = None
            ) -> tuple[float, int, int, float, str]:
    """Wall seconds, peak tree RSS and PSS (bytes), CPU seconds (user and system, of the process and
    every descendant it waited for) and stderr's last line of ``command``; the peak PSS of each
    stage of a corpus run into ``out`` put in ``stages``."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak_rss = peak_pss = 0
    while proc.poll() is None:
        try:
            rss, pss = tree_memory(watched)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            if out is not None:
                stage = corpus_stage(out)
                stages[stage] = max(stages.get(stage, 0), pss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = done.ru_utime + done.ru_stime - used.ru_utime - used.ru_stime
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({proc.returncode}): {err[-2000:]}")
    return seconds, peak_rss, peak_pss, cpu, (err.strip().splitlines() or [out.strip()])[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--files", type=int, default=4, help="WARC files (and corpus tasks)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of corpus and of clean, in turn")
    parser.add_argument("--no-trafilatura", action="store_true", help="leave trafilatura out")
    parser.add_argument("--copies", type=float, default=0.05,
                        help="share of the pages planted again as exact copies, and as near copies (0: none)")
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("essay-crawler"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        specs = pagegen.generate_page_specs(args.pages, seed=1)
        pages, exact_copies, near_copies = with_copies(specs, args.copies)
        total = len(pages)
        (work / "warc").mkdir()
        share = -(-len(pages) // args.files)
        for number in range(args.files):
            write_warc(work / "warc" / f"pages-{number:02d}.warc.gz", pages[number * share:(number + 1) * share],
                       extras=False)
        if not args.no_trafilatura:
            for spec in specs:
                path = work / "html" / spec.path
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(spec.body)
        warc_mb = sum(p.stat().st_size for p in (work / "warc").iterdir()) / 2**20
        html_mb = sum(len(s.body) for s in specs) / 2**20
        print(f"{args.pages} generated pages ({total} with the copies), {html_mb:.0f} MiB of HTML, "
              f"{warc_mb:.0f} MiB in {args.files} WARC.gz files, {exact_copies} exact and {near_copies} near "
              f"copies planted; cpus {psutil.cpu_count()}")
        del specs, pages
        commands = {
            "corpus --workers 2": [cli, "corpus", str(work / "warc"), "-o", str(work / "corpus"), "--workers", "2"],
            "clean -j 2": [cli, "clean", str(work / "warc"), "-o", str(work / "clean.jsonl"), "-j", "2"],
        }
        plan = [name for _ in range(args.repeat) for name in commands]
        if not args.no_trafilatura:
            commands["trafilatura pool of 2"] = [sys.executable, "-c", TRAFILATURA, str(work / "html")]
            plan.append("trafilatura pool of 2")
        results: dict[str, list[tuple[float, int, int, float]]] = {}
        for name in plan:
            if name.startswith("corpus"):  # each run starts afresh
                shutil.rmtree(work / "corpus", ignore_errors=True)
            elif name.startswith("clean"):
                (work / "clean.jsonl").unlink(missing_ok=True)
            load = psutil.getloadavg()[0]
            stages: dict[str, int] = {}
            seconds, peak, pss, cpu, last = measure(commands[name], stages,
                                                    work / "corpus" if name.startswith("corpus") else None)
            results.setdefault(name, []).append((seconds, peak, pss, cpu))
            print(f"{name:<22} {total / seconds:8.1f} pages/s  {seconds:7.1f} s  CPU {cpu:7.1f} s"
                  f"  peak RSS {peak / 2**20:5.0f} MiB"
                  f"  PSS {pss / 2**20:5.0f} MiB  load {load:4.1f}  | {last[:100]}")
            if stages:
                print(" " * 23 + "peak PSS by stage: " + ", ".join(
                    f"{stage} {stages[stage] / 2**20:.0f} MiB" for stage in ("start", *STAGES) if stage in stages))
        corpus_records = sum(1 for p in (work / "corpus" / "data").glob("*.jsonl") for _ in p.open())
        clean_records = sum(1 for _ in (work / "clean.jsonl").open())
        print(f"records: corpus {corpus_records}, clean {clean_records}")
        dup_of, near_dup_of = marks_written(work / "corpus" / "data")
        print(f"marks: {dup_of} dup_of, {near_dup_of} near_dup_of")
        median = {name: tuple(statistics.median(run[at] for run in runs) for at in range(4))
                  for name, runs in results.items()}
        (corpus_s, corpus_rss, _, corpus_cpu), (clean_s, clean_rss, _, clean_cpu) = (
            median["corpus --workers 2"], median["clean -j 2"])
        ratios = {"corpus_speed_vs_clean": round(clean_s / corpus_s, 2), "corpus_cpu_vs_clean": round(corpus_cpu / clean_cpu, 2),
                  "corpus_rss_vs_clean": round(corpus_rss / clean_rss, 2)}
        if "trafilatura pool of 2" in median:
            traf_s, traf_rss, _, traf_cpu = median["trafilatura pool of 2"]
            ratios.update({"corpus_speed_vs_trafilatura": round(traf_s / corpus_s, 2),
                           "corpus_cpu_vs_trafilatura": round(corpus_cpu / traf_cpu, 2),
                           "clean_speed_vs_trafilatura": round(traf_s / clean_s, 2),
                           "corpus_rss_vs_trafilatura": round(corpus_rss / traf_rss, 2)})
        print("medians: " + ", ".join(f"{name} {total / s:.1f} pages/s, CPU {c:.1f} s, RSS {r / 2**20:.0f} MiB, "
                                      f"PSS {p / 2**20:.0f} MiB" for name, (s, r, p, c) in median.items()))
        print(json.dumps(ratios))


if __name__ == "__main__":
    main()
