"""`essay-crawler clean`: folders, URLs, output destinations, conversion and per-file errors."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PAGES, REPO, parse_jsonl, run_clean, validate_records

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
    def key(r):
        return r["url"], r["piece_no"]

    assert sorted(file_records, key=key) == sorted(parse_jsonl(to_stdout.stdout), key=key)
    assert len(file_records) == 11


def test_output_is_plain_utf8(tmp_path: Path):
    page = copy_page("p04_br_gb2312.html", tmp_path / "autumn.html")
    proc = run_clean(page, "--base-url", "http://x.cn/")
    assert proc.returncode == 0, proc.stderr.decode()
    assert "描写秋天的作文三篇".encode() in proc.stdout
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
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"warning: {good}: split_mismatch: found 3 pieces, title claims 5",
        f"error: {junk}: bad_encoding: bytes are not UTF-8, GB18030 or Big5",
        "skipped 2 pages that are not articles",  # the empty file and the sitemap
    ]
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert {r["url"] for r in records} == {good.resolve().as_uri()}
    assert [r["piece_title"] for r in records] == ["范文一", "范文二", "范文三"]


def test_pages_that_are_not_articles_are_counted_not_errors(tmp_path: Path):
    """A mirror's list and index pages are not articles: no error, exit 0, one summary line."""
    folder = tmp_path / "site"
    copy_page("p08_single_essay.html", folder / "a" / "1.html")
    (folder / "index.html").write_text(NO_CONTENT_PAGE, encoding="utf-8")
    (folder / "a" / "list_1.html").write_text(NO_CONTENT_PAGE, encoding="utf-8")
    proc = run_clean(folder)
    assert (proc.returncode, proc.stderr.decode("utf-8")) == (0, "skipped 2 pages that are not articles\n")
    assert len(parse_jsonl(proc.stdout)) == 1
    one = run_clean(folder / "index.html")
    assert (one.returncode, one.stderr.decode("utf-8"), one.stdout) == (0, "skipped 1 page that is not an article\n", b"")


def test_images_and_archives_are_not_pages(tmp_path: Path):
    import gzip
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.html", NO_CONTENT_PAGE)
    files = {"a.html": b"\x89PNG\r\n\x1a\n" + bytes(64), "b.html": archive.getvalue(),
             "c.htm": gzip.compress(NO_CONTENT_PAGE.encode("utf-8")), "d.html": b"\xff\xd8\xff\xe0" + bytes(64)}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    proc = run_clean(*(tmp_path / name for name in files))
    assert proc.returncode == 1
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"error: {tmp_path / 'a.html'}: not_a_page: a PNG image",
        f"error: {tmp_path / 'b.html'}: not_a_page: a zip archive",
        f"error: {tmp_path / 'c.htm'}: not_a_page: gzip data",
        f"error: {tmp_path / 'd.html'}: not_a_page: a JPEG image",
    ]


def test_mirror_files_without_an_html_suffix(tmp_path: Path):
    """wget -m saves some pages under their URL's own name: sniffed by their first bytes."""
    site = tmp_path / "site"
    copy_page("p01_dede_utf8.html", site / "list.php?id=1")
    copy_page("p02_table_gbk.html", site / "a" / "index")
    copy_page("p08_single_essay.html", site / "b.xhtml")
    copy_page("p04_br_gb2312.html", site / "c.shtml")
    copy_page("dump01_text.txt", site / "dump")  # a text dump has no HTML start: needs --glob
    (site / "style.css").write_text("<html>not read: an asset suffix</html>", encoding="utf-8")
    (site / "notes.md").write_text("# notes\n", encoding="utf-8")
    (site / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    proc = run_clean(site, "--base-url", "http://x.cn/")
    assert (proc.returncode, proc.stderr) == (0, b"")
    assert pieces_by_url(parse_jsonl(proc.stdout)) == {
        "http://x.cn/a/index": 3, "http://x.cn/b.xhtml": 1, "http://x.cn/c.shtml": 3,
        "https://m.zuowen-a.cn/zuowen/1234.html": 3,  # list.php?id=1, by its canonical link
    }
    globbed = run_clean(site, "--base-url", "http://x.cn/", "--glob", "dump", "--glob", "*.xhtml")
    assert (globbed.returncode, globbed.stderr) == (0, b"")
    assert pieces_by_url(parse_jsonl(globbed.stdout)) == {"http://x.cn/b.xhtml": 1, "http://x.cn/dump": 2}


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


def test_a_page_the_site_cut_short_is_written_with_a_truncated_by_site_warning(tmp_path: Path):
    """The piece is written, marked ``truncated``; stderr names the page and the piece; exit 0."""
    folder = tmp_path / "site"
    folder.mkdir()
    whole, cut = folder / "whole.txt", folder / "teaser.txt"
    whole.write_text("池塘边的柳树\n春风吹过池塘，柳树的长辫子轻轻摆动，好像在梳头。\n小鱼在水里游来游去，真快活。\n",
                     encoding="utf-8")
    cut.write_text("池塘边的柳树\n春风吹过池塘，柳树的长辫子轻轻摆动，好像在梳头。\n小鱼在水里游来游去……阅读全文\n",
                   encoding="utf-8")
    proc = run_clean(folder)
    assert proc.returncode == 0
    assert proc.stderr.decode("utf-8").splitlines() == [f"warning: {cut}: truncated_by_site: the site cut piece 1 of 1 short"]
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    assert [(Path(r["url"]).name, r.get("truncated"), r["text"].split("\n")[-1]) for r in records] == [
        ("teaser.txt", True, "小鱼在水里游来游去"), ("whole.txt", None, "小鱼在水里游来游去，真快活。")]


def test_cleaning_loose_files_without_a_terminal_loads_neither_warcio_nor_rich(mirror: Path, tmp_path: Path):
    """What only archives and a progress bar need is not imported for loose files written to a file."""
    script = ("import sys; from essay_crawler.cli import main; status = main(sys.argv[1:]); "
              "print(sorted(m for m in ('warcio', 'fsspec', 'rich') if m in sys.modules), status)")
    proc = subprocess.run([sys.executable, "-c", script, "clean", str(mirror), "-o", str(tmp_path / "out.jsonl")],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120)
    assert proc.stdout.split("\n")[-2:] == ["[] 0", ""], proc.stderr
    assert len(parse_jsonl((tmp_path / "out.jsonl").read_bytes())) >= 4
