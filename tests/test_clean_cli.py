"""`essay-crawler clean`: folders, URLs, output destinations, conversion and per-file errors."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import PAGES, parse_jsonl, run_clean, validate_records

NO_CONTENT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>网站地图_作文之家</title></head>
<body><ul><li><a href="/">首页</a></li><li><a href="/a/">小学作文</a></li><li><a href="/b/">初中作文</a></li></ul>
<div class="footer">作文之家 版权所有</div></body></html>"""


def copy_page(name: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGES / name, dest)
    return dest


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A wget -m style mirror: pages in nested folders plus assets that are not pages."""
    site = tmp_path / "site"
    copy_page("p02_table_gbk.html", site / "a" / "1.html")
    copy_page("p10_claim_mismatch.html", site / "b" / "c" / "2.htm")
    copy_page("dump01_text.txt", site / "dump.txt")
    copy_page("p01_dede_utf8.html", site / "zuowen" / "1234.html")  # has a canonical link
    (site / "css").mkdir()
    (site / "css" / "main.css").write_text("body{margin:0}", encoding="utf-8")
    (site / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return site


def pieces_by_url(records: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["url"]] = counts.get(record["url"], 0) + 1
    return counts


def test_folder_recursive_with_base_url(mirror: Path):
    proc = run_clean(mirror, "--base-url", "http://x.cn/")
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"error:" not in proc.stderr
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert pieces_by_url(records) == {
        "http://x.cn/a/1.html": 3,
        "http://x.cn/b/c/2.htm": 3,
        "http://x.cn/dump.txt": 2,
        "https://m.zuowen-a.cn/zuowen/1234.html": 3,  # the canonical link wins over --base-url
    }
    assert {r["site"] for r in records} == {"x.cn", "m.zuowen-a.cn"}
    first = next(r for r in records if r["url"] == "http://x.cn/a/1.html" and r["piece_no"] == 1)
    assert (first["title"], first["piece_title"], first["category"]) == ("读《城南旧事》有感三篇", "篇一", "读书笔记")


def test_file_url_without_base(tmp_path: Path):
    page = copy_page("p08_single_essay.html", tmp_path / "trip.html")
    proc = run_clean(page)
    assert proc.returncode == 0, proc.stderr.decode()
    (record,) = parse_jsonl(proc.stdout)
    validate_records([record])
    assert record["url"] == page.resolve().as_uri()
    assert record["site"] == "local"
    assert record["title"] == "难忘的一次旅行"


def test_output_file_matches_stdout(mirror: Path, tmp_path: Path):
    out = tmp_path / "out" / "pieces.jsonl"
    out.parent.mkdir()
    to_file = run_clean(mirror, "--base-url", "http://x.cn/", "-o", out)
    assert to_file.returncode == 0, to_file.stderr.decode()
    assert to_file.stdout.strip() == b""
    to_stdout = run_clean(mirror, "--base-url", "http://x.cn/")
    file_records = parse_jsonl(out.read_bytes())
    validate_records(file_records)
    key = lambda r: (r["url"], r["piece_no"])  # noqa: E731
    assert sorted(file_records, key=key) == sorted(parse_jsonl(to_stdout.stdout), key=key)
    assert len(file_records) == 11


def test_output_is_plain_utf8(tmp_path: Path):
    page = copy_page("p04_br_gb2312.html", tmp_path / "autumn.html")
    proc = run_clean(page, "--base-url", "http://x.cn/")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "描写秋天的作文三篇".encode("utf-8") in proc.stdout
    assert b"\\u" not in proc.stdout
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert records[0]["piece_title"] == "第一篇：秋天的落叶"


def test_bad_files_reported_and_others_processed(tmp_path: Path):
    folder = tmp_path / "mixed"
    good = copy_page("p10_claim_mismatch.html", folder / "good.html")
    junk = folder / "junk.html"
    junk.write_bytes(bytes(range(256)) * 16)
    empty = folder / "empty.txt"
    empty.write_bytes(b"")
    nocontent = folder / "sitemap.htm"
    nocontent.write_text(NO_CONTENT_PAGE, encoding="utf-8")

    proc = run_clean(folder)
    assert proc.returncode == 1
    stderr = proc.stderr.decode("utf-8")
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3, stderr
    allowed = {junk: {"bad_encoding", "not_a_page"},
               empty: {"not_a_page", "no_content"},
               nocontent: {"no_content"}}
    for path, reasons in allowed.items():
        (line,) = [e for e in errors if e.startswith(f"error: {path}: ")]
        reason = re.match(rf"error: {re.escape(str(path))}: (\w+): .+", line)
        assert reason and reason.group(1) in reasons, line

    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert {r["url"] for r in records} == {good.resolve().as_uri()}
    assert [r["piece_title"] for r in records] == ["范文一", "范文二", "范文三"]


def test_single_bad_file_exit_status(tmp_path: Path):
    junk = tmp_path / "junk.htm"
    junk.write_bytes(bytes(range(256)) * 16)
    proc = run_clean(junk)
    assert proc.returncode == 1
    assert proc.stdout.strip() == b""
    assert proc.stderr.decode("utf-8").splitlines()[-1].startswith(f"error: {junk}: ")


def test_convert_none_keeps_traditional(tmp_path: Path):
    page = copy_page("p06_trad_pinyin_utf8.html", tmp_path / "p.html")
    proc = run_clean(page, "--convert", "none", "--base-url", "https://www.haowen-a.tw/")
    assert proc.returncode == 0, proc.stderr.decode()
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert [(r["title"], r["piece_title"]) for r in records] == [
        ("教師年度述職報告2篇", "教師述職報告1"), ("教師年度述職報告2篇", "教師述職報告2")]
    assert "在績效考核中，我獲得了「優秀」的評價。這既是對我的肯定，也是對我的鞭策。" in records[0]["text"].split("\n")


def test_default_convert_is_simplified(tmp_path: Path):
    page = copy_page("p06_trad_pinyin_utf8.html", tmp_path / "p.html")
    proc = run_clean(page, "--base-url", "https://www.haowen-a.tw/")
    assert proc.returncode == 0, proc.stderr.decode()
    records = parse_jsonl(proc.stdout)
    assert [r["piece_title"] for r in records] == ["教师述职报告1", "教师述职报告2"]
    assert records[0]["url"] == "https://www.haowen-a.tw/p.html"
