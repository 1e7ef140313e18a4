"""Exact and near-duplicate marking on constructed copies of one essay."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import validate_record

from pipelines import clean_page
from pipelines.dedup import Deduplicator, dedup_form, jaccard
from pipelines.postprocess import postprocess
from pipelines.quality import quality_signals

CASES = Path(__file__).parent / "fixtures" / "dedup"


def essay(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8").strip()


def record(url: str, text: str, piece_no: int = 1, title: str = "外婆的菜园") -> dict:
    """A record as the cleaning core writes it (text already normalised)."""
    return {
        "id": hashlib.sha1(f"{url}#{piece_no}".encode()).hexdigest()[:16],
        "url": url, "site": url.split("/")[2], "title": title, "category": "初中作文",
        "published": None, "piece_no": piece_no, "piece_total": 1, "piece_total_claimed": None,
        "piece_title": None, "text": text, "chars": len(text),
        "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(),
    }


def page_record(url: str, name: str, encoding: str, convert: str = "t2s") -> dict:
    """The single record clean_page makes of a text dump carrying the essay ``name``."""
    body = essay(name).replace("\n", "\n\n")
    dump = f"示例作文网\n\n外婆的菜园\n\n2023-05-01\n\n{body}\n".encode(encoding)
    [result] = clean_page(dump, url, convert=convert).records
    return result


def reordered(text: str) -> str:
    paragraphs = text.split("\n")
    return "\n".join(paragraphs[5:] + paragraphs[:5])


def marks(records: list[dict], **params) -> list[tuple[str | None, str | None]]:
    dedup = Deduplicator(**params)
    return [(m["dup_of"], m["near_dup_of"]) for m in map(dedup.mark, records)]


def test_constructed_copies_are_marked_exactly():
    original = record("https://a.example/zw/1.html", essay("garden.txt"))
    renamed = record("https://b.example/p/77.html", essay("garden.txt"), title="难忘的菜园（精选）")
    repunctuated = record("https://c.example/x/3.html",
                          essay("garden.txt").replace("，", ",").replace("。", ". ").replace("；", ";"))
    edited = record("https://d.example/a/9.html", essay("garden_edited.txt"))
    moved = record("https://e.example/s/2.html", reordered(essay("garden.txt")))
    other = record("https://a.example/zw/2.html", essay("courtyard.txt"), title="奶奶的小院")
    records = [original, renamed, repunctuated, edited, moved, other]
    assert marks(records) == [
        (None, None),
        (original["id"], None),
        (original["id"], None),
        (None, original["id"]),
        (None, original["id"]),
        (None, None),
    ]


def test_traditional_and_simplified_pages_of_one_essay():
    simplified = page_record("https://a.example/zw/1.html", "garden.txt", "gb18030")
    traditional = page_record("https://tw.example/zw/1.html", "garden_hant.txt", "big5hkscs")
    taiwan = page_record("https://tw.example/zw/2.html", "garden_hant_tw.txt", "utf-8")
    taiwan_tw2sp = page_record("https://tw.example/zw/3.html", "garden_hant_tw.txt", "utf-8", convert="tw2sp")
    assert simplified["text"] == essay("garden.txt")
    # Taiwan usage (著 for 着) survives t2s: a near duplicate, not an exact one.
    assert taiwan["text"] != simplified["text"]
    assert marks([simplified, traditional, taiwan, taiwan_tw2sp]) == [
        (None, None),
        (simplified["id"], None),
        (None, simplified["id"]),
        (simplified["id"], None),
    ]


def test_pieces_sharing_opening_and_closing_paragraphs_stay_unique():
    blocks = (CASES / "report_page.txt").read_text(encoding="utf-8").split("# ")[1:]
    url = "https://a.example/fanwen/8.html"
    pieces = [record(url, block.split("\n", 1)[1].strip(), no, title="工作总结3篇")
              for no, block in enumerate(blocks, 1)]
    assert [m for m in marks(pieces)] == [(None, None)] * 3
    # The shared paragraphs are real: the pieces have 1/6 of their shingles in common.
    assert 0.1 < jaccard(pieces[0]["text"], pieces[1]["text"]) < 0.25


def test_near_duplicate_points_at_the_first_unique_record():
    first = record("https://a.example/zw/1.html", essay("garden.txt"))
    edited = record("https://b.example/1.html", essay("garden_edited.txt"))
    edited_copy = record("https://c.example/1.html", essay("garden_edited.txt"))
    moved_edited = record("https://d.example/1.html", reordered(essay("garden_edited.txt")))
    assert marks([first, edited, edited_copy, moved_edited]) == [
        (None, None), (None, first["id"]), (edited["id"], None), (None, first["id"])]


def test_threshold_is_a_parameter():
    first = record("https://a.example/zw/1.html", essay("garden.txt"))
    edited = record("https://d.example/a/9.html", essay("garden_edited.txt"))
    assert 0.7 < jaccard(first["text"], edited["text"]) < 0.8
    assert marks([first, edited], threshold=0.9) == [(None, None), (None, None)]
    assert marks([first, edited], threshold=0.6, shingle=3) == [(None, None), (None, first["id"])]


def test_a_record_seen_again_is_not_its_own_duplicate():
    first = record("https://a.example/zw/1.html", essay("garden.txt"))
    edited = record("https://d.example/a/9.html", essay("garden_edited.txt"))
    assert marks([first, edited, first, edited]) == [
        (None, None), (None, first["id"]), (None, None), (None, first["id"])]


def test_state_persists_across_runs(tmp_path):
    state = tmp_path / "state" / "dedup.npz"
    first = record("https://a.example/zw/1.html", essay("garden.txt"))
    run1 = Deduplicator.open(state)
    assert run1.mark(first)["near_dup_of"] is None
    run1.save()
    assert [p.name for p in state.parent.iterdir()] == ["dedup.npz"]  # no temporary file left

    run2 = Deduplicator.open(state)
    assert len(run2) == 1
    assert run2.mark(record("https://d.example/a/9.html", essay("garden_edited.txt")))["near_dup_of"] == first["id"]
    assert run2.mark(record("https://b.example/p/77.html", essay("garden.txt")))["dup_of"] == first["id"]
    with pytest.raises(ValueError, match="saved with"):
        Deduplicator.open(state, threshold=0.8)


def test_dedup_form_ignores_punctuation_space_width_and_case():
    assert dedup_form("Ｈello， 世界！\n第２段。") == dedup_form("hello,世界!第2段") == "hello世界第2段"


def test_postprocess_marks_or_drops_and_counts():
    original = record("https://a.example/zw/1.html", essay("garden.txt"))
    renamed = record("https://b.example/p/77.html", essay("garden.txt"))
    edited = record("https://d.example/a/9.html", essay("garden_edited.txt"))
    other = record("https://a.example/zw/2.html", essay("courtyard.txt"))
    kept, stats = postprocess([original, renamed, edited, other])
    assert [(r["id"], r["dup_of"], r["near_dup_of"]) for r in kept] == [
        (original["id"], None, None), (renamed["id"], original["id"], None),
        (edited["id"], None, original["id"]), (other["id"], None, None)]
    assert kept[0] == {**original, **quality_signals(original), "dup_of": None, "near_dup_of": None}
    for item in kept:
        validate_record(item)
    assert (stats["duplicates"], stats["near_duplicates"], stats["dropped_duplicates"]) == (1, 1, 0)

    dropped, stats = postprocess([original, renamed, edited, other], drop_duplicates=True)
    assert [r["id"] for r in dropped] == [original["id"], other["id"]]
    assert (stats["duplicates"], stats["near_duplicates"], stats["dropped_duplicates"]) == (1, 1, 2)
