"""Dataset export: Parquet or JSONL shards under ``data/`` plus a dataset card (README.md).

The layout loads with ``datasets.load_dataset("parquet", data_files="OUT/data/*.parquet")`` and,
through the card's ``configs`` header, with ``load_dataset("OUT")``.
"""
from __future__ import annotations

import json
import shutil
import statistics
from collections import Counter
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.jsonl import AtomicJsonlFile, replace_dir
from pipelines.postprocess import Source

FORMATS = ("parquet", "jsonl")
DEFAULT_ROWS_PER_SHARD = 50_000
_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}
_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"))
_HF_DTYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool"}


def record_schema() -> dict:
    """pipelines/schema/record.schema.json."""
    text = resources.files("pipelines").joinpath("schema/record.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _json_type(spec: dict) -> str:
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    return next(t for t in types if t != "null")


def _arrow_type(spec: dict) -> pa.DataType:
    kind = _json_type(spec)
    if kind == "array":
        return pa.list_(_ARROW_TYPES[_json_type(spec["items"])])
    return _ARROW_TYPES[kind]


def arrow_schema(schema: dict | None = None) -> pa.Schema:
    """The Arrow schema of exported records: one column per record-schema property, in order."""
    properties = (schema or record_schema())["properties"]
    return pa.schema([pa.field(name, _arrow_type(spec)) for name, spec in properties.items()])


def _shards(records: list[dict], rows_per_shard: int) -> list[list[dict]]:
    return [records[i:i + rows_per_shard] for i in range(0, len(records), rows_per_shard)] or [[]]


def write_data(records: list[dict], out: Path, fmt: str, rows_per_shard: int = DEFAULT_ROWS_PER_SHARD) -> list[Path]:
    """Write ``out/data/train-0000i-of-0000N.<fmt>`` (old shards removed); returns the shard paths."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in [*data.glob("train-*.parquet"), *data.glob("train-*.jsonl")]:
        old.unlink()
    schema = arrow_schema()
    shards = _shards(records, rows_per_shard)
    paths = []
    for number, shard in enumerate(shards):
        path = data / f"train-{number:05d}-of-{len(shards):05d}.{fmt}"
        rows = [{name: record.get(name) for name in schema.names} for record in shard]
        if fmt == "parquet":
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), path, compression="zstd")
        else:
            with AtomicJsonlFile(path) as fh:
                fh.write_all(rows)
        paths.append(path)
    return paths


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _features_yaml(schema: dict) -> list[str]:
    lines = []
    for name, spec in schema["properties"].items():
        kind = _json_type(spec)
        lines.append(f"  - name: {name}")
        if kind == "array":
            lines.append(f"    sequence: {_HF_DTYPES[_json_type(spec['items'])]}")
        else:
            lines.append(f"    dtype: {_HF_DTYPES[kind]}")
    return lines


def card_header(records: list[dict], fmt: str, data_bytes: int) -> str:
    """The YAML front matter of the dataset card (Hugging Face Hub metadata); ``data_bytes``: the
    size of the data files (the Hub's split info needs it)."""
    count = len(records)
    size = next((label for limit, label in _SIZE_CATEGORIES if count < limit), "n>1M")
    lines = ["---", "pretty_name: Chinese essays (essay-crawler export)", "language:", "- zh",
             "license: other", "license_name: source-site-rights",
             "task_categories:", "- text-generation", "size_categories:", f"- {size}",
             "configs:", "- config_name: default", "  data_files:", "  - split: train",
             f"    path: {_yaml_str(f'data/train-*.{fmt}')}",
             "dataset_info:", "  features:", *_features_yaml(record_schema()),
             "  splits:", "  - name: train", f"    num_bytes: {data_bytes}", f"    num_examples: {count}", "---"]
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list]) -> list[str]:
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]]


def _learned_list(learned: list[dict]) -> list[str]:
    return [f"- {item['site']}: {item['line']} ({item['pages']}/{item['site_pages']} pages)" for item in learned]


def dataset_card(records: list[dict], sources: list[Source], stats: dict, fmt: str, data_bytes: int) -> str:
    """README.md for the exported dataset: header, counts, sources, fields, licence note."""
    schema = record_schema()
    chars = sorted(record["chars"] for record in records)
    sites = Counter(record["site"] for record in records)
    dups = sum(1 for r in records if r.get("dup_of"))
    near = sum(1 for r in records if r.get("near_dup_of"))
    body = [
        "# Chinese essays (essay-crawler export)", "",
        "Essays (作文/范文) crawled from Chinese essay websites and cleaned by essay-crawler: one row per",
        "piece (篇) of a page, with page metadata, quality signals and duplicate marks.", "",
        "## Counts", "",
        *_table(["what", "count"], [
            ["records", len(records)],
            ["pages (distinct url)", len({r["url"] for r in records})],
            ["sites", len(sites)],
            ["exact duplicates (`dup_of` set)", dups],
            ["near duplicates (`near_dup_of` set)", near],
            ["duplicates dropped at export", stats.get("dropped_duplicates", 0)],
            ["characters, median", statistics.median(chars) if chars else 0],
            ["characters, total", sum(chars)],
        ]), "",
        "## Sources", "",
        *_table(["site", "records"], [[site, n] for site, n in sites.most_common()]), "",
        *_table(["input", "site", "run", "records"],
                [[s.path, s.site or "", s.run_id or "", s.records] for s in sources]), "",
        "## Fields", "",
        *_table(["field", "type", "description"],
                [[name, _json_type(spec) + ("" if "null" not in str(spec["type"]) else " or null"),
                  spec.get("description", "")] for name, spec in schema["properties"].items()]), "",
        "Records marked `dup_of` / `near_dup_of` repeat an earlier record; keep rows where both are",
        "null for a deduplicated set. Lines that recurred on most pages of a site were removed:", "",
        *(_learned_list(stats.get("learned_boilerplate", [])) or ["- none"]), "",
        "## Loading", "",
        "```python",
        "from datasets import load_dataset",
        (f"ds = load_dataset({_yaml_str('parquet' if fmt == 'parquet' else 'json')}, "
         f"data_files={_yaml_str(f'data/train-*.{fmt}')}, split='train')"),
        "```", "",
        "## Licence", "",
        "The texts were published by the source sites listed above and remain the work of their authors",
        "and sites; they are not licensed by this export. Use them only where the law allows (e.g. research",
        "under text-and-data-mining exceptions), respect the sites' terms, and do not redistribute them as",
        "your own. The metadata and the export tooling are MIT-licensed.",
    ]
    return card_header(records, fmt, data_bytes) + "\n" + "\n".join(body) + "\n"


def export(records: list[dict], sources: list[Source], stats: dict, out: Path, fmt: str,
           rows_per_shard: int = DEFAULT_ROWS_PER_SHARD) -> list[Path]:
    """Write the data shards and the dataset card under ``out``; returns the shard paths.

    Atomic: the export is written beside (``.<name>.partial``), fsynced and swapped in for the old one,
    so a kill leaves the previous export whole (a rerun writes it again). ``out`` must be a new or
    empty folder, or an earlier export (only ``README.md`` and ``data/``): nothing else is replaced.
    """
    if out.exists() and not is_export_folder(out):
        raise ValueError(f"{out}: not an earlier export (only README.md and data/ may be there); not replacing it")
    work = out.with_name(f".{out.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    paths = write_data(records, work, fmt, rows_per_shard)
    card = dataset_card(records, sources, stats, fmt, sum(path.stat().st_size for path in paths))
    (work / "README.md").write_text(card, encoding="utf-8")
    replace_dir(work, out)
    return [out / path.relative_to(work) for path in paths]


def is_export_folder(path: Path) -> bool:
    """An empty folder, or one holding only what :func:`export` writes."""
    return path.is_dir() and all(entry.name in ("README.md", "data") for entry in path.iterdir())
