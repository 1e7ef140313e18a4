"""`essay-crawler clean` over WARC archives: response records only, their target URI as `url`, the HTTP
charset obeyed, every other record counted, a truncated last record reported after the records before it."""
from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

import pytest
from conftest import PAGES, REPO, expected_records, parse_jsonl, run_clean, validate_records
from test_clean_cli import NO_CONTENT_PAGE
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.normalize import normalize_paragraphs
from pipelines.warc import WarcCounts, WarcError, read_pages

DATE = "2026-11-30T08:00:00Z"
# GBK bytes that are valid UTF-8 too (every character's bytes are C2–DF A1–BF; ASCII punctuation):
# read without the HTTP header's charset, the page is UTF-8 Latin letters and has no essay in it.
SNOW_TITLE = "雪夜山路"
SNOW = ["小英说:雪夜山路远,莫要去.母为小英织毛帽,小英笑,小英执帽去寻同学.",
        "小猫追雪,小英追猫.雪映梅园,梅影摇摇.小英学写诗,写诗一页,诗为雪夜山路.",
        "小英思母,远山一片雪.雪夜森森,十一时,小英睡.梅园也睡,小猫也睡.",
        "小英学诗,师说:学诗要识山水,识山水要细思.小英谢师,每夜写诗."]
SNOW_PAGE = (f"<!DOCTYPE html><html><head><title>{SNOW_TITLE}</title></head><body><h1>{SNOW_TITLE}</h1>"
             f"<div class=\"content\">{''.join(f'<p>{p}</p>' for p in SNOW)}</div></body></html>").encode("gbk")


def http(status: str, content_type: str | None, length: int) -> StatusAndHeaders:
    headers = [("Content-Type", content_type)] if content_type else []
    return StatusAndHeaders(status, headers + [("Content-Length", str(length))], protocol="HTTP/1.1")


def build_archive(path: Path, truncate_last: bool = True) -> int:
    """A WARC.gz of every kind of record, its last record (an article) cut in half; where that
    record starts. The same bytes every time (record ids and dates are fixed)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    numbers = iter(range(1, 100))

    def fixed() -> dict:
        return {"WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{next(numbers):012d}>", "WARC-Date": DATE}

    def response(url: str, body: bytes, content_type: str | None = "text/html; charset=utf-8",
                 status: str = "200 OK"):
        return writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                         http_headers=http(status, content_type, len(body)), warc_headers_dict=fixed())

    article = (PAGES / "p02_table_gbk.html").read_bytes()
    single = (PAGES / "p08_single_essay.html").read_bytes()
    records = [
        writer.create_warc_record(path.name, "warcinfo", payload=io.BytesIO(b"software: test\r\n"),
                                  warc_content_type="application/warc-fields", warc_headers_dict=fixed()),
        writer.create_warc_record("http://x.cn/a/1.html", "request", payload=io.BytesIO(b""),
                                  http_headers=StatusAndHeaders("GET /a/1.html HTTP/1.1", [("Host", "x.cn")],
                                                                is_http_request=True), warc_headers_dict=fixed()),
        response("http://x.cn/a/1.html", article, "text/html"),
        writer.create_warc_record("http://x.cn/a/1.html", "metadata", payload=io.BytesIO(b"via: http://x.cn/\r\n"),
                                  warc_content_type="application/warc-fields", warc_headers_dict=fixed()),
        response("http://x.cn/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png"),
        response("http://x.cn/snow.html", SNOW_PAGE, "text/html; charset=GBK"),
        writer.create_revisit_record("http://x.cn/a/1.html", "sha1:AAAA", "http://x.cn/a/1.html", DATE,
                                     http_headers=http("200 OK", "text/html", 0), warc_headers_dict=fixed()),
        response("http://x.cn/gone.html", NO_CONTENT_PAGE.encode("utf-8"), status="404 Not Found"),
        response("http://x.cn/index.html", NO_CONTENT_PAGE.encode("utf-8")),
        response("http://x.cn/b/2.html", single, "text/html"),
        response("http://x.cn/c/3.html", single, "text/html"),
    ]
    ends = []
    for record in records:
        writer.write_record(record)
        ends.append(buffer.tell())
    data = buffer.getvalue()
    if truncate_last:
        data = data[:(ends[-2] + ends[-1]) // 2]
    path.write_bytes(data)
    return ends[-2]


def loose_records(tmp_path: Path, name: str, rel: str) -> list[dict]:
    """What ``clean`` makes of a fixture page saved as ``rel`` under http://x.cn/."""
    site = tmp_path / "loose"
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PAGES / name, site / rel)
    proc = run_clean(site / rel, "--base-url", f"http://x.cn/{Path(rel).parent.as_posix()}/")
    assert proc.returncode == 0, proc.stderr
    return parse_jsonl(proc.stdout)


def snow_records() -> list[dict]:
    return expected_records(url="http://x.cn/snow.html", title=SNOW_TITLE, category=None, published=None,
                            claimed=None, pieces=[(None, normalize_paragraphs(SNOW, "t2s"))])


def test_snow_page_needs_its_http_charset():
    """The GBK page is a real test of the header charset: read as UTF-8 it is no essay."""
    from pipelines import PageError, clean_page

    assert SNOW_PAGE.decode("utf-8")
    with pytest.raises(PageError, match="no_content"):
        clean_page(SNOW_PAGE, "http://x.cn/snow.html")
    assert clean_page(SNOW_PAGE, "http://x.cn/snow.html", declared_encoding="gbk").records == snow_records()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_clean_a_warc_gives_its_pages_records_and_counts(tmp_path: Path, jobs: str):
    archive = tmp_path / "crawl.warc.gz"
    cut_at = build_archive(archive)
    proc = run_clean(archive, "-j", jobs)
    assert proc.returncode == 1
    records = parse_jsonl(proc.stdout)
    validate_records(records)
    expected = (loose_records(tmp_path, "p02_table_gbk.html", "a/1.html") + snow_records()
                + loose_records(tmp_path, "p08_single_essay.html", "b/2.html"))
    assert records == expected
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"error: {archive}: truncated: the archive ends inside record 11 (at byte {cut_at}); "
        "the 10 records before it were read",
        "warc: 1 file, 10 records: 4 pages, 1 response not 2xx, 1 response not HTML, "
        "skipped 1 metadata, 1 request, 1 revisit, 1 warcinfo",
        "skipped 1 page that is not an article",
    ]


def test_workers_give_the_same_bytes_as_one_process(tmp_path: Path):
    archive = tmp_path / "crawl.warc.gz"
    build_archive(archive, truncate_last=False)
    site = tmp_path / "mixed"
    site.mkdir()
    shutil.copyfile(archive, site / "one.warc.gz")
    (site / "two.warc").write_bytes(gzip.decompress(archive.read_bytes()))  # the same, uncompressed
    shutil.copyfile(PAGES / "p04_br_gb2312.html", site / "page.html")
    one = run_clean(site, "-j", "1", "--base-url", "http://x.cn/")
    two = run_clean(site, "-j", "2", "--base-url", "http://x.cn/")
    assert (one.returncode, one.stdout, one.stderr) == (two.returncode, two.stdout, two.stderr)
    assert one.returncode == 0, one.stderr
    urls = [r["url"] for r in parse_jsonl(one.stdout) if r["piece_no"] == 1]
    pages = ["http://x.cn/a/1.html", "http://x.cn/snow.html", "http://x.cn/b/2.html", "http://x.cn/c/3.html"]
    assert urls == pages + ["http://x.cn/page.html"] + pages  # one.warc.gz, page.html, two.warc
    assert one.stderr.decode("utf-8").splitlines() == [
        "warc: 2 files, 22 records: 10 pages, 2 responses not 2xx, 2 responses not HTML, "
        "skipped 2 metadata, 2 request, 2 revisit, 2 warcinfo",
        "skipped 2 pages that are not articles",
    ]


def test_not_a_warc_and_unreadable_are_one_line_each(tmp_path: Path):
    text = tmp_path / "notes.warc.gz"
    text.write_text("这不是网页存档\n", encoding="utf-8")
    gone = tmp_path / "gone.warc"
    gone.symlink_to(tmp_path / "nowhere.warc")
    good = tmp_path / "good.warc.gz"
    build_archive(good, truncate_last=False)
    proc = run_clean(text, gone, good)
    assert proc.returncode == 1
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"error: {text}: bad_warc: not a WARC file (it begins with {'这不是网页存档'.encode()[:16]!r})",
        f"error: {gone}: unreadable: No such file or directory",
        "warc: 1 file, 11 records: 5 pages, 1 response not 2xx, 1 response not HTML, "
        "skipped 1 metadata, 1 request, 1 revisit, 1 warcinfo",
        "skipped 1 page that is not an article",
    ]
    assert len({r["url"] for r in parse_jsonl(proc.stdout)}) == 4


def test_a_glob_names_the_archives(tmp_path: Path):
    for name in ("a.warc.gz", "b.warc.gz"):
        build_archive(tmp_path / name, truncate_last=False)
    proc = run_clean(tmp_path / "*.warc.gz")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.decode("utf-8").splitlines()[0].startswith("warc: 2 files, 22 records: 10 pages")


def test_read_pages_keeps_the_pages_before_a_cut():
    """The reader alone: the pages before the cut, then the error."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "cut.warc.gz"
        build_archive(archive)
        counts = WarcCounts()
        seen = []
        with pytest.raises(WarcError) as err:
            for page in read_pages(archive, counts):
                seen.append((page.url, page.declared_encoding, page.date))
    assert err.value.reason == "truncated"
    assert seen == [("http://x.cn/a/1.html", None, DATE), ("http://x.cn/snow.html", "gbk", DATE),
                    ("http://x.cn/index.html", "utf-8", DATE), ("http://x.cn/b/2.html", None, DATE)]
    assert (counts.records, counts.pages, counts.not_ok, counts.not_html) == (10, 4, 1, 1)


def test_an_archive_whose_first_bytes_inflate_to_little_is_still_a_warc():
    """This record's first 64 gzipped bytes inflate to ``WARC`` alone: the start is read on until it
    says ``WARC/`` (a real crawl's archive, once taken for no WARC)."""
    archive = REPO / "tests" / "fixtures" / "warc" / "warcinfo-slow-start.warc.gz"
    counts = WarcCounts()
    assert list(read_pages(archive, counts)) == []
    assert (counts.records, dict(counts.other)) == (1, {"warcinfo": 1})


def test_the_corpus_reader_reads_archives_as_clean_does(tmp_path: Path):
    """datatrove's reader of the corpus command gives the pages clean reads (not the 404, not the image),
    with their HTTP charsets, and keeps the pages before a cut, counting it."""
    from pipelines.corpus.pages import WarcPages

    build_archive(tmp_path / "cut.warc.gz")
    reader = WarcPages(str(tmp_path), ["cut.warc.gz"])
    pages = [(d.metadata["url"], d.metadata["charset"], d.metadata["record"]) for d in reader.read_file("cut.warc.gz")]
    assert pages == [("http://x.cn/a/1.html", None, 0), ("http://x.cn/snow.html", "gbk", 1),
                     ("http://x.cn/index.html", "utf-8", 2), ("http://x.cn/b/2.html", None, 3)]
    assert reader.stats["truncated"].total == 1 and reader.stats["not_2xx"].total == 1
