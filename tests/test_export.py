"""essay-crawler export: dataset shards + card that the Hugging Face datasets library loads."""
from __future__ import annotations

import logging
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"

import pyarrow.parquet as pq
import yaml
from conftest import validate_record
from datasets import load_dataset
from run_fixtures import SLOGAN, site_a_records, site_b_records, write_runs

from essay_crawler.cli import main
from pipelines.dataset import record_schema


def test_parquet_export_loads_with_datasets(tmp_path, capsys, caplog):
    run_a, run_b = write_runs(tmp_path / "output")
    out = tmp_path / "dataset"
    assert main(["export", str(run_a), str(run_b), "-o", str(out), "--format", "parquet"]) == 0
    assert "wrote 19 records to 1 parquet file(s)" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "data").iterdir()) == ["train-00000-of-00001.parquet"]

    ds = load_dataset("parquet", data_files=str(out / "data" / "*.parquet"), split="train",
                      cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == 19
    assert ds.column_names == list(record_schema()["properties"])
    rows = {(row["site"], row["url"].rsplit("/", 1)[1]): row for row in ds if row["piece_no"] == 1}
    garden_a = rows["a.example", "1.html"]
    assert SLOGAN not in garden_a["text"]                      # learned boilerplate removed
    assert garden_a["text"] == site_b_records()[0]["text"]
    assert (garden_a["dup_of"], garden_a["near_dup_of"]) == (None, None)
    assert rows["b.example", "1.html"]["dup_of"] == garden_a["id"]
    assert rows["b.example", "2.html"]["near_dup_of"] == garden_a["id"]
    assert rows["b.example", "3.html"]["near_dup_of"] == garden_a["id"]
    assert sum(1 for row in ds if row["dup_of"] or row["near_dup_of"]) == 3
    assert rows["a.example", "3.html"]["placeholders"] == ["20xx", "XX"]
    assert garden_a["lang"] == "zh" and garden_a["paragraphs"] == 10 and 0.8 < garden_a["han_share"] < 0.95
    for row in ds:
        validate_record({k: v for k, v in row.items() if v is not None or k in record_schema()["required"]
                         or k in ("dup_of", "near_dup_of")})

    # The card's YAML header makes the folder itself loadable, with nothing of it ignored.
    with caplog.at_level(logging.WARNING, logger="datasets"):
        by_card = load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache2"))
    assert [r.getMessage() for r in caplog.records if "dataset card" in r.getMessage()] == []
    assert by_card.num_rows == 19
    card = (out / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["configs"] == [{"config_name": "default",
                                  "data_files": [{"split": "train", "path": "data/train-*.parquet"}]}]
    data_bytes = sum(p.stat().st_size for p in (out / "data").iterdir())
    assert header["dataset_info"]["splits"] == [{"name": "train", "num_bytes": data_bytes, "num_examples": 19}]
    assert "| a.example | 15 |" in card and "| b.example | 4 |" in card
    assert f"- a.example: {SLOGAN} (13/13 pages)" in card
    assert "## Licence" in card


def test_jsonl_export_with_dropped_duplicates_in_shards(tmp_path):
    run_a, run_b = write_runs(tmp_path / "output")
    out = tmp_path / "dataset"
    assert main(["export", str(tmp_path / "output"), "-o", str(out), "--format", "jsonl",
                 "--drop-duplicates", "--rows-per-shard", "10"]) == 0
    assert sorted(p.name for p in (out / "data").iterdir()) == ["train-00000-of-00002.jsonl",
                                                               "train-00001-of-00002.jsonl"]
    ds = load_dataset("json", data_files=str(out / "data" / "*.jsonl"), split="train",
                      cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == 16
    assert [row["url"] for row in ds if row["site"] == "b.example"] == ["https://b.example/p/4.html"]
    assert "duplicates dropped at export | 3 |" in (out / "README.md").read_text(encoding="utf-8")


def test_export_keeps_marks_of_processed_runs(tmp_path):
    from pipelines.dedup import Deduplicator
    from pipelines.postprocess import postprocess_run

    run_a, run_b = write_runs(tmp_path / "output")
    state = tmp_path / "output" / "dedup.npz"
    postprocess_run(run_a, dedup=Deduplicator.open(state))
    postprocess_run(run_b, dedup=Deduplicator.open(state))
    out = tmp_path / "dataset"
    assert main(["export", str(run_b), "-o", str(out)]) == 0     # run b alone: marks point at run a
    table = pq.read_table(out / "data" / "train-00000-of-00001.parquet")
    garden_a = site_a_records()[0]["id"]
    assert table.column("dup_of").to_pylist() == [garden_a, None, None, None]
    assert table.column("near_dup_of").to_pylist() == [None, garden_a, garden_a, None]


def test_export_reports_missing_input(tmp_path, capsys):
    assert main(["export", str(tmp_path / "nope"), "-o", str(tmp_path / "out")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_every_record_field_has_a_description():
    assert [name for name, spec in record_schema()["properties"].items() if not spec.get("description")] == []
