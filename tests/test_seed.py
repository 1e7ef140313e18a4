"""The real seed page (a text dump in ../shared/seeds) cleans to its seven pieces."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import validate_records

from pipelines import clean_page

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_31e30dd63c086f7e.txt"
TITLE = "热门关于销售经理述职报告参考范文7篇"


@pytest.fixture(scope="module")
def result():
    assert SEED.is_file(), f"seed page missing: {SEED}"
    return clean_page(SEED.read_bytes(), SEED.as_uri())


def test_seven_pieces(result):
    records = result.records
    validate_records(records)
    assert [r["piece_no"] for r in records] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["piece_title"] for r in records] == [f"销售经理述职报告篇{n}" for n in range(1, 8)]
    assert {(r["piece_total"], r["piece_total_claimed"]) for r in records} == {(7, 7)}
    assert result.claimed == 7 and result.mismatch is False


def test_page_metadata(result):
    for record in result.records:
        assert record["title"] == TITLE
        assert record["published"] == "2022-08-24"
        assert record["category"] == "办公资料"
        assert record["url"] == SEED.as_uri()
        assert record["site"] == "local"


def test_piece_boundaries(result):
    first, last = result.records[0]["text"], result.records[6]["text"]
    assert first.startswith("一晃就是五年了，真快！")
    assert first.endswith("祝各位同仁们工作愉快！")
    assert last.endswith("目标而奋斗。")
    assert "销售经理述职报告篇2" not in first


def test_no_site_chrome(result):
    banned = ["高中作文网", "猜你喜欢", "热点阅读", "实用关于销售经理述职报告参考范文6篇"]
    for record in result.records:
        for field, value in record.items():
            if isinstance(value, str):
                for junk in banned:
                    assert junk not in value, (record["piece_no"], field, junk)


def test_anti_copy_quote_removed(result):
    first = result.records[0]["text"]
    assert "处罚的'" not in first
    assert "处罚的）" in first
