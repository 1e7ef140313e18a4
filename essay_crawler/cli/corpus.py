"""``essay-crawler corpus``: WARC files → cleaned, globally deduplicated records, on datatrove."""
from __future__ import annotations

import glob
import json
import os
import shlex
import sys
from pathlib import Path

from essay_crawler.cleanfiles import warm_up
from essay_crawler.cli import EXIT_FAILED, EXIT_OK, CommandError, positive_int, similarity
from pipelines.normalize import CONVERSIONS, DEFAULT_CONVERSION
from pipelines.worker import usable_cores

WARC_SUFFIXES = (".warc", ".warc.gz")
EXECUTORS = ("local", "slurm", "ray")
MANIFEST = "corpus.json"


def add_parser(sub):
    p = sub.add_parser("corpus", help="clean WARC files and mark duplicates across all of them (datatrove)",
                       description="Read WARC files, clean every HTML response into piece records, mark exact and "
                                   "near duplicates across the whole corpus (MinHash), and write DIR/data/. "
                                   "Runs on datatrove: locally, on Slurm or on Ray. Run the same command again "
                                   "to resume a run that was killed.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=".warc / .warc.gz files, folders of them, or globs")
    p.add_argument("-o", "--out", required=True, type=Path, metavar="DIR", help="output folder (new, or a run to resume)")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="datatrove executor (default local)")
    p.add_argument("--workers", type=positive_int, default=usable_cores(), metavar="N",
                   help="tasks run at once (default: every core, here %(default)s)")
    p.add_argument("--tasks", type=positive_int, metavar="N",
                   help="tasks the input files are shared among (default: one per file)")
    p.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="record files (default jsonl)")
    p.add_argument("--threshold", type=similarity, default=0.5, metavar="J",
                   help="Jaccard similarity of a near duplicate (default 0.5)")
    p.add_argument("--convert", choices=CONVERSIONS, default=DEFAULT_CONVERSION,
                   help=f"OpenCC conversion (default {DEFAULT_CONVERSION})")
    p.add_argument("--profile", metavar="NAME|FILE", help="site profile for selectors and encoding")
    p.add_argument("--partition", help="Slurm partition (--executor slurm)")
    p.add_argument("--time", default="24:00:00", help="Slurm time limit of a task (default %(default)s)")
    return p


def warc_files(inputs: list[str]) -> list[Path]:
    """The WARC files named by ``inputs`` (files, folders searched recursively, globs), in the
    order given, each once."""
    found: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_file():
            matches = [path]
        elif path.is_dir():
            matches = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        else:
            matches = sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
        if not matches:
            raise CommandError(f"{raw}: no such file, or no .warc / .warc.gz files there")
        found.extend(m.resolve() for m in matches if m.resolve() not in found)
    return found


def check_manifest(out: Path, manifest: dict) -> None:
    """A :class:`CommandError` unless ``out`` is new, empty, or a run of the same inputs and options."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"{out}: not a folder")
    saved = out / MANIFEST
    if saved.is_file():
        if json.loads(saved.read_text(encoding="utf-8")) != manifest:
            raise CommandError(f"{out}: holds a corpus run of other inputs or options; give a new -o to start one")
    elif out.is_dir() and any(out.iterdir()):
        raise CommandError(f"{out}: not empty and not a corpus run")


def executor(name: str, pipeline: list, tasks: int, out: Path, args, depends=None):
    """The datatrove executor of one stage."""
    logs = str(out / "logs" / name)
    workers = min(args.workers, tasks)
    if args.executor == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs, start_method="fork")
    if args.executor == "ray":
        from datatrove.executor.ray import RayPipelineExecutor

        # one task a Ray job: a batch of them (tasks_per_job) forks a pool inside the actor, which hung here
        return RayPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs, mem_per_cpu_gb=0.5)
    from datatrove.executor.slurm import SlurmPipelineExecutor

    # The jobs run this interpreter's environment (datatrove's launcher script is beside it), which the
    # nodes see at the same path, activated or not.
    return SlurmPipelineExecutor(pipeline, tasks=tasks, workers=workers, logging_dir=logs, depends=depends,
                                 time=args.time, partition=args.partition, job_name=f"essay-{name}",
                                 env_command=f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH")


def run_stages(stages: dict, out: Path, args) -> str | None:
    """Run the stages in order (Slurm: submit them, each job depending on the one before); the
    stage some of whose tasks did not finish, if any."""
    if args.executor == "slurm":
        previous = None
        for name, (pipeline, tasks) in stages.items():
            previous = executor(name, pipeline, tasks, out, args, depends=previous)
        assert previous is not None
        previous.run()
        return None
    for name, (pipeline, tasks) in stages.items():  # in turn: a stage starts once the last one's files are whole
        stage = executor(name, pipeline, tasks, out, args)
        stage.run()
        if stage.get_incomplete_ranks():
            return name
    return None


def stage_counts(out: Path, stage: str) -> dict[str, int]:
    """The counts every task of ``stage`` saved (datatrove's ``stats/<rank>.json``), summed."""
    counts: dict[str, int] = {}
    for file in sorted((out / "logs" / stage / "stats").glob("*.json")):
        for step in json.loads(file.read_text(encoding="utf-8")):
            for name, value in step.get("stats", {}).items():
                total = value.get("total") if isinstance(value, dict) else value
                if isinstance(total, int):
                    counts[name] = counts.get(name, 0) + total
    return counts


def summary(out: Path) -> tuple[str, int]:
    """The closing line and the number of pages that failed."""
    clean, write = stage_counts(out, "clean"), stage_counts(out, "write")
    errors = {name.removeprefix("error_"): n for name, n in clean.items() if name.startswith("error_")}
    line = (f"{clean.get('pages', 0)} pages: {clean.get('articles', 0)} articles, "
            f"{clean.get('not_article', 0)} not articles, {sum(errors.values())} errors"
            + "".join(f" ({reason} {n})" for reason, n in sorted(errors.items()))
            + f"; {write.get('records', 0)} records, {write.get('dup_of', 0)} exact copies (dup_of), "
              f"{write.get('near_dup_of', 0)} near copies (near_dup_of) in {out / 'data'}")
    return line, sum(errors.values())


def run(args) -> int:
    from essay_crawler.profiles import resolve_profile
    from pipelines.corpus import corpus_stages
    from pipelines.corpus import warm_up as warm_up_dedup

    if args.executor == "slurm" and not args.partition:
        raise CommandError("--executor slurm needs --partition")
    profile = resolve_profile(args.profile) if args.profile else None
    files = warc_files(args.inputs)
    root = Path(os.path.commonpath([f.parent for f in files]))
    names = [f.relative_to(root).as_posix() for f in files]
    tasks = args.tasks or len(files)
    out = args.out.resolve()
    manifest = {"root": str(root), "inputs": names, "tasks": tasks, "format": args.format,
                "threshold": args.threshold, "convert": args.convert, "profile": args.profile}
    check_manifest(out, manifest)
    (out / "work").mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    paths_file = out / "work" / "inputs.txt"
    paths_file.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
    stages = corpus_stages(str(out), str(root), names, str(paths_file), tasks=tasks, fmt=args.format,
                           threshold=args.threshold, convert=args.convert, profile=profile)
    warm_up(profile, args.convert)  # local workers are forked with the cleaning and dedup tables built
    warm_up_dedup(args.threshold)
    if args.executor == "ray":
        import ray

        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS")
            ray.init(address=address, num_cpus=None if address else args.workers, include_dashboard=False)
    unfinished = run_stages(stages, out, args)
    if unfinished:
        print(f"error: {out}: tasks of the {unfinished} stage failed (see {out / 'logs' / unfinished / 'logs'}); "
              "run the same command again to retry them", file=sys.stderr)
        return EXIT_FAILED
    if args.executor == "slurm":
        print(f"submitted the stages to Slurm; logs in {out / 'logs'}", file=sys.stderr)
        return EXIT_OK
    line, failed = summary(out)
    print(line, file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


