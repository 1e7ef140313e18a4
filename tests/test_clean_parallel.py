"""`essay-crawler clean -j N`: worker processes give the very bytes `-j 1` gives, on stdout, in the
-o file and on stderr, in input order — pages in every encoding, pages that fail and pages skipped;
a killed run (SIGKILL too) leaves no output file, no partial file and no worker behind."""
from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PAGES, REPO, cli_command, parse_jsonl, run_clean, validate_records

SITEMAP = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>网站地图</title></head>
<body><ul><li><a href="/">首页</a></li><li><a href="/a/">小学作文</a></li></ul></body></html>"""


def write_generated(folder: Path, page_set: str, n: int, seed: int) -> None:
    """Pages of a benchmarks/pagegen.py page set."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from pagegen import PAGE_SETS, write_pages
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    write_pages(folder, PAGE_SETS[page_set](n, seed))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Every fixture page (UTF-8, BOM, GBK declared and not, GB2312, Big5, a text dump, a split
    mismatch), generated long pages, and files that fail or are skipped, interleaved by name."""
    folder = tmp_path_factory.mktemp("mixed")
    for page in PAGES.iterdir():
        if page.suffix in (".html", ".txt"):
            shutil.copyfile(page, folder / page.name)
    for page_set in ("seed-utf8", "seed-gbk", "generated"):  # long pieces, ASCII punctuation; today's set
        write_generated(folder / "gen" / page_set, page_set, 3, 7)
    (folder / "b_junk.html").write_bytes(bytes(range(256)) * 16)
    (folder / "c_logo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "d_page.htm").write_bytes(gzip.compress(b"<html></html>"))
    (folder / "e_sitemap.html").write_text(SITEMAP, encoding="utf-8")
    (folder / "f_empty.txt").write_bytes(b"")
    return folder


@pytest.fixture(scope="module")
def one_process(mixed: Path, tmp_path_factory):
    out = tmp_path_factory.mktemp("j1") / "out.jsonl"
    return run_clean(mixed, "--base-url", "http://x.cn/", "-j", "1", "-o", out), out


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_workers_write_the_same_file_and_lines(mixed: Path, one_process, tmp_path: Path, jobs: str):
    proc1, out1 = one_process
    out = tmp_path / "out.jsonl"
    proc = run_clean(mixed, "--base-url", "http://x.cn/", "-j", jobs, "-o", out)
    assert (proc.returncode, proc.stderr) == (proc1.returncode, proc1.stderr)
    assert out.read_bytes() == out1.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_one_process_run_is_what_it_should_be(mixed: Path, one_process):
    proc, out = one_process
    assert proc.returncode == 1
    assert proc.stderr.decode("utf-8").splitlines() == [
        f"error: {mixed / 'b_junk.html'}: bad_encoding: bytes are not UTF-8, GB18030 or Big5",
        f"error: {mixed / 'c_logo.html'}: not_a_page: a PNG image",
        f"error: {mixed / 'd_page.htm'}: not_a_page: gzip data",
        f"warning: {mixed / 'p10_claim_mismatch.html'}: split_mismatch: found 3 pieces, title claims 5",
        "skipped 2 pages that are not articles",
    ]
    records = parse_jsonl(out.read_bytes())
    validate_records(records)
    urls = list(dict.fromkeys(r["url"] for r in records))
    assert len(urls) == 12 + 9  # the fixture pages and the generated ones, each once, in file order
    assert urls[0].startswith("http://x.cn/dump01_text.txt") and "gen/generated/" in urls[1]


def test_stdout_is_the_same_with_workers(mixed: Path, one_process):
    _, out1 = one_process
    proc = run_clean(mixed, "--base-url", "http://x.cn/", "-j", "2")
    assert proc.stdout == out1.read_bytes()


def test_jobs_must_be_positive(mixed: Path):
    proc = run_clean(mixed, "-j", "0")
    assert proc.returncode == 2
    (line,) = proc.stderr.decode().splitlines()[-1:]
    assert line == "error: argument -j/--jobs: '0' is not a whole number of at least 1 (see essay-crawler clean --help)"


def written(pid: int, folder: Path) -> int | None:
    """Bytes process ``pid`` has written to the output file it holds open in ``folder``, which has no
    name until the run commits it (None before it is opened)."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
            if target.startswith(f"{folder}/#") and target.endswith(" (deleted)"):
                return os.stat(fd).st_size
        except FileNotFoundError:
            continue
    return None


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_killed_run_leaves_no_output_and_no_workers(tmp_path: Path):
    write_generated(tmp_path / "pages", "seed-utf8", 300, 3)
    out = tmp_path / "out" / "out.jsonl"
    proc = subprocess.Popen([*cli_command(), "clean", str(tmp_path / "pages"), "-o", str(out), "-j", "2"],
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while not (out.parent.exists() and written(proc.pid, out.parent) and children.read_text().split()) \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = [int(pid) for pid in children.read_text().split()]
    assert len(workers) == 2 and proc.poll() is None and written(proc.pid, out.parent)
    proc.kill()
    assert proc.wait() == -signal.SIGKILL
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, workers))
    assert list(out.parent.iterdir()) == []  # neither the output nor a partial file
    assert proc.stderr.read() == b""


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory) -> Path:
    """Enough pages that cleaning them takes seconds."""
    folder = tmp_path_factory.mktemp("many")
    write_generated(folder, "seed-utf8", 400, 4)
    return folder


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_interrupted_run_leaves_no_output_file_and_no_workers(many_pages: Path, tmp_path: Path, jobs: str,
                                                                 signum: int):
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([*cli_command(), "clean", str(many_pages), "-o", str(out), "-j", jobs],
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    workers = int(jobs) if jobs != "1" else 0
    deadline = time.monotonic() + 60
    while not (written(proc.pid, tmp_path) and len(children.read_text().split()) >= workers) \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    pids = [int(pid) for pid in children.read_text().split()]
    assert proc.poll() is None and written(proc.pid, tmp_path)  # the signal comes while pages are written
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == 3
    assert proc.stderr.read().decode().splitlines()[-1:] == ["interrupted"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, pids))


def test_an_ignored_sigint_stays_ignored(many_pages: Path, tmp_path: Path):
    """A run started with SIGINT ignored (nohup, a job in a script's background) is not stopped by it."""
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([*cli_command(), "clean", str(many_pages), "-o", str(out), "-j", "2"],
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.monotonic() + 60
    while not written(proc.pid, tmp_path) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert len(parse_jsonl(out.read_bytes())) > 400


def test_a_killed_worker_is_replaced_and_nothing_is_lost(tmp_path: Path):
    write_generated(tmp_path / "pages", "seed-utf8", 200, 3)
    whole = run_clean(tmp_path / "pages", "-j", "1", "-o", tmp_path / "j1.jsonl")
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([*cli_command(), "clean", str(tmp_path / "pages"), "-o", str(out), "-j", "2"],
                            env=dict(os.environ, PYTHONPATH=str(REPO)), stderr=subprocess.PIPE, text=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while not (written(proc.pid, tmp_path) and children.read_text().split()) and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(int(children.read_text().split()[0]), signal.SIGKILL)  # as the OOM killer would
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert out.read_bytes() == (tmp_path / "j1.jsonl").read_bytes()


def test_a_file_past_the_time_budget_is_timeout_cleaning_and_the_rest_are_cleaned(tmp_path: Path):
    write_generated(tmp_path / "pages", "generated", 4, 5)
    paragraph = "<p>清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。</p>"
    huge = tmp_path / "pages" / "a_huge.html"  # 9 MB: about a second to clean, the others a few ms
    huge.write_text(f"<html><body><h1>秋天</h1><div>{paragraph * 80_000}</div></body></html>", encoding="utf-8")
    whole = run_clean(tmp_path / "pages", "-j", "1", "-o", tmp_path / "j1.jsonl")
    proc = run_clean(tmp_path / "pages", "-j", "2", "--timeout", "0.3", "-o", tmp_path / "out.jsonl")
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [f"error: {huge}: timeout_cleaning: not cleaned within 0.3 s"]
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "j1.jsonl").read_bytes()
    assert whole.stderr.decode().splitlines()[0].startswith(f"error: {huge}: piece_too_long")


def test_the_time_budget_must_be_a_number_of_seconds(mixed: Path):
    proc = run_clean(mixed, "-j", "2", "--timeout", "nan")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == ("error: argument --timeout: 'nan' is not a number of seconds (0 or more) "
                                            "(see essay-crawler clean --help)")
