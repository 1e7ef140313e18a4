"""Dataset post-processing of records: learned boilerplate, quality signals, duplicate marking.

Works on pieces JSONL files and on run folders ``output/<site>/<run-id>/`` (``pieces.jsonl``,
``errors.jsonl``, ``run.json``). Never imports Scrapy.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.dedup import DEFAULT_THRESHOLD, Deduplicator
from pipelines.jsonl import AtomicJsonlFile, iter_jsonl, replace_dir, write_json_atomic
from pipelines.learned_boilerplate import (
    DEFAULT_MIN_SHARE,
    DEFAULT_MIN_SITE_PAGES,
    learn_boilerplate,
    strip_lines,
)
from pipelines.quality import quality_signals

PIECES = "pieces.jsonl"
ERRORS = "errors.jsonl"
RUN = "run.json"
#: Fields every post-processed record carries.
PROCESSED_FIELDS = ("han_share", "paragraphs", "placeholders", "lang", "dup_of", "near_dup_of")


@dataclass
class Source:
    """One input: a run folder or a JSONL file."""

    path: str
    site: str | None = None
    run_id: str | None = None
    records: int = 0
    run: dict = field(default_factory=dict)


@dataclass
class Inputs:
    """Records (in input order), errors and sources read from the command-line inputs."""

    records: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def run_dirs(path: Path) -> list[Path]:
    """Run folders at or under ``path`` (folders holding a pieces.jsonl), in path order."""
    if (path / PIECES).is_file():
        return [path]
    return sorted(p.parent for p in path.rglob(PIECES))


def _read_run(run_dir: Path, inputs: Inputs) -> None:
    run_file = run_dir / RUN
    run = json.loads(run_file.read_text(encoding="utf-8")) if run_file.is_file() else {}
    records = list(iter_jsonl(run_dir / PIECES))
    if (run_dir / ERRORS).is_file():
        inputs.errors.extend(iter_jsonl(run_dir / ERRORS))
    inputs.records.extend(records)
    inputs.sources.append(Source(str(run_dir), run_dir.parent.name, run_dir.name, len(records), run))


def load_inputs(paths: Sequence[str | os.PathLike]) -> Inputs:
    """Read run folders (or folders of runs) and JSONL files, in the order given."""
    inputs = Inputs()
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            records = list(iter_jsonl(path))
            inputs.records.extend(records)
            inputs.sources.append(Source(str(path), records=len(records)))
        elif path.is_dir():
            found = run_dirs(path)
            if not found:
                raise FileNotFoundError(f"{path}: no {PIECES} in this folder or below")
            for run_dir in found:
                _read_run(run_dir, inputs)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return inputs


def is_processed(records: Iterable[dict]) -> bool:
    """Whether every record already carries the post-processing fields."""
    return all(all(name in record for name in PROCESSED_FIELDS) for record in records)


def postprocess(records: Sequence[dict], *, dedup: Deduplicator | None = None,
                learn: bool = True, min_share: float = DEFAULT_MIN_SHARE,
                min_site_pages: int = DEFAULT_MIN_SITE_PAGES,
                drop_duplicates: bool = False) -> tuple[list[dict], dict]:
    """Strip learned boilerplate, add quality signals and mark duplicates (in record order).

    Returns the records and stats: the learned lines, how many records the stripping emptied,
    and how many records were exact / near duplicates (and dropped, with ``drop_duplicates``).
    """
    dedup = dedup if dedup is not None else Deduplicator()
    learned = learn_boilerplate(records, min_share=min_share, min_site_pages=min_site_pages) if learn else []
    stripped = strip_lines(records, learned)
    out, duplicates, near = [], 0, 0
    for record in stripped:
        marked = dedup.mark({**record, **quality_signals(record)})
        duplicates += marked["dup_of"] is not None
        near += marked["near_dup_of"] is not None
        if not (drop_duplicates and (marked["dup_of"] or marked["near_dup_of"])):
            out.append(marked)
    stats = {
        "records_in": len(records),
        "records_out": len(out),
        "learned_boilerplate": [line.as_dict() for line in learned],
        "emptied_by_boilerplate": len(records) - len(stripped),
        "duplicates": duplicates,
        "near_duplicates": near,
        "dropped_duplicates": len(stripped) - len(out),
        "dedup": dedup.params,
    }
    return out, stats


def postprocess_run(run_dir: str | os.PathLike, *, dedup: Deduplicator | None = None,
                    drop_duplicates: bool = False, **options) -> dict:
    """Post-process a run folder: its pieces rewritten, ``postprocess`` stats added to run.json.

    Atomic: the new folder is written beside (``.<run-id>.postprocess``), fsynced, ``dedup`` saved (if
    it has a path), then the folder swapped in, so a kill leaves the run as it was or processed whole.
    Done once: a run whose run.json has ``postprocess`` is left alone. A post-process a kill cut short
    (its folder still beside a run) is completed first, earlier runs before this one.
    """
    run_dir = Path(run_dir)
    for work in sorted(run_dir.parent.glob(".*" + WORK_SUFFIX)):
        interrupted = run_dir.parent / work.name[1:-len(WORK_SUFFIX)]
        if interrupted != run_dir and interrupted.is_dir():
            _postprocess_once(interrupted, dedup, drop_duplicates, options)
    return _postprocess_once(run_dir, dedup, drop_duplicates, options)


WORK_SUFFIX = ".postprocess"


def _postprocess_once(run_dir: Path, dedup: Deduplicator | None, drop_duplicates: bool, options: dict) -> dict:
    work = run_dir.with_name(f".{run_dir.name}{WORK_SUFFIX}")
    run_file = run_dir / RUN
    run = json.loads(run_file.read_text(encoding="utf-8")) if run_file.is_file() else {}
    shutil.rmtree(work, ignore_errors=True)  # a copy a kill left half-written, or an old folder swapped out
    if "postprocess" in run:
        return run["postprocess"]
    records = list(iter_jsonl(run_dir / PIECES))
    processed, stats = postprocess(records, dedup=dedup, drop_duplicates=drop_duplicates, **options)
    work.mkdir()
    for entry in run_dir.iterdir():
        if entry.name not in (PIECES, RUN) and entry.is_file():
            shutil.copy2(entry, work / entry.name)
    with AtomicJsonlFile(work / PIECES) as out:
        out.write_all(processed)
    write_json_atomic(work / RUN, {**run, "postprocess": stats})
    if dedup is not None and dedup.path is not None:
        dedup.save()
    replace_dir(work, run_dir)
    return stats


def _learned_in_runs(sources: Sequence[Source]) -> list[dict]:
    return [line for source in sources for line in source.run.get("postprocess", {}).get("learned_boilerplate", [])]


def processed_inputs(paths: Sequence[str | os.PathLike], *, threshold: float | None = None,
                     dedup_state: str | os.PathLike | None = None,
                     drop_duplicates: bool = False) -> tuple[Inputs, list[dict], dict]:
    """Read inputs and return them with their post-processed records and stats.

    Records that were post-processed when crawled keep their marks (they may point at earlier runs);
    otherwise the records are post-processed here, against ``dedup_state`` if given (then saved).
    """
    inputs = load_inputs(paths)
    if inputs.records and is_processed(inputs.records):
        records = [r for r in inputs.records if not (drop_duplicates and (r["dup_of"] or r["near_dup_of"]))]
        stats = {"records_in": len(inputs.records), "records_out": len(records),
                 "learned_boilerplate": _learned_in_runs(inputs.sources),
                 "duplicates": sum(1 for r in inputs.records if r["dup_of"]),
                 "near_duplicates": sum(1 for r in inputs.records if r["near_dup_of"]),
                 "dropped_duplicates": len(inputs.records) - len(records)}
        return inputs, records, stats
    dedup_threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    dedup = (Deduplicator.open(dedup_state, threshold=dedup_threshold) if dedup_state
             else Deduplicator(threshold=dedup_threshold))
    records, stats = postprocess(inputs.records, dedup=dedup, drop_duplicates=drop_duplicates)
    if dedup_state:
        dedup.save()
    return inputs, records, stats
