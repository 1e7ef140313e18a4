"""Every mistake gets one clear line: bad start URLs, profiles, options and states, unreachable hosts,
interruptions and closed pipes, with the same exit status from every command (real processes)."""
from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import PAGES, cli_command
from crawl_helpers import FAST, run_cli, subprocess_env

from essay_crawler.demo import Route, SiteServer

USAGE, INTERRUPTED = 2, 3
#: Fast retries against addresses that refuse connections.
QUICK_RETRY = ("-s", "RETRY_TIMES=1", "-s", "RETRY_BACKOFF_BASE=0.05")


def assert_one_line(proc: subprocess.CompletedProcess, status: int, line: str) -> None:
    assert (proc.returncode, proc.stderr) == (status, line + "\n")


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*"))


# ------------------------------------------------------------------ start URLs


@pytest.mark.parametrize("command", ["crawl", "scrape"])
@pytest.mark.parametrize("url", ["not-a-url", "www.example.cn", "ftp://www.example.cn/zuowen/"])
def test_a_start_url_without_http_is_one_line_and_writes_nothing(tmp_path, command, url):
    proc = run_cli(command, url, cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: {url}: a start URL needs http:// or https://")
    assert files_under(tmp_path) == []


# ------------------------------------------------------------------ profiles


def test_unknown_profile_is_one_line(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--profile", "nosuch", cwd=tmp_path)
    assert_one_line(proc, USAGE, "error: unknown profile 'nosuch'; known: demo, gaozhong")
    assert files_under(tmp_path) == []


BAD_PROFILES = {
    "misspelt key": ('name = "x"\nallowed_domain = ["a.cn"]\n',
                     "allowed_domain: unknown key (did you mean 'allowed_domains'?)"),
    "misspelt table": ('name = "x"\n[selector]\ntitle = "h1"\n',
                       "selector: unknown key (did you mean 'selectors'?)"),
    "unknown selector": ('name = "x"\n[selectors]\nbody = "div"\n',
                         "selectors.body: unknown key (known: title, date, category, content, remove)"),
    "wrong type": ('name = "x"\nstart_urls = "http://a.cn/"\n',
                   "start_urls: must be a list of strings, not a string"),
    "wrong item type": ('name = "x"\n[selectors]\nremove = ["p", 3]\n',
                        "selectors.remove[1]: must be a string, not an integer"),
    "bad regex": ('name = "x"\narticle_urls = ["ok", "(unclosed"]\n',
                  ("article_urls[1]: bad regular expression '(unclosed': missing ), unterminated subpattern "
                  "at position 0")),
    "bad boilerplate regex": ('name = "x"\n[boilerplate]\nline = ["[a-"]\n',
                              ("boilerplate.line[0]: bad regular expression '[a-': unterminated character set "
                              "at position 0")),
    "bad css": ('name = "x"\n[selectors]\ncontent = "div["\n',
                "selectors.content: bad CSS selector 'div[': Expected ident or '*', got <EOF at 4>"),
    "unsupported css": ('name = "x"\n[selectors]\ntitle = "h1::text"\n',
                        "selectors.title: bad CSS selector 'h1::text': Pseudo-elements are not supported."),
    "unknown encoding": ('name = "x"\nencoding = "klingon"\n', "encoding: unknown encoding 'klingon'"),
    "no name": ('description = "x"\n', "name: missing (every profile needs a name)"),
    "broken toml": ('name = "x\n', "not valid TOML: Illegal character '\\n' (at line 1, column 10)"),
}


@pytest.mark.parametrize("case", BAD_PROFILES, ids=list(BAD_PROFILES))
def test_a_bad_profile_is_one_line_naming_file_key_and_problem(tmp_path, case):
    text, problem = BAD_PROFILES[case]
    (tmp_path / "site.toml").write_text(text, "utf-8")
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--profile", "site.toml", cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: site.toml: {problem}")
    assert files_under(tmp_path) == [tmp_path / "site.toml"]


def test_clean_and_scrape_report_a_broken_profile_the_same_way(tmp_path):
    (tmp_path / "site.toml").write_text('name = "x\n', "utf-8")
    line = "error: site.toml: not valid TOML: Illegal character '\\n' (at line 1, column 10)"
    assert_one_line(run_cli("clean", "--profile", "site.toml", PAGES / "p01_dede_utf8.html", cwd=tmp_path),
                    USAGE, line)
    assert_one_line(run_cli("scrape", "http://127.0.0.1:1/", "--profile", "site.toml", cwd=tmp_path), USAGE, line)


def test_a_missing_profile_file_is_one_line(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--profile", "nosuch.toml", cwd=tmp_path)
    assert_one_line(proc, USAGE, "error: nosuch.toml: cannot read the profile: No such file or directory")


def test_the_bundled_profiles_are_valid():
    from essay_crawler.profiles import bundled_profiles

    assert set(bundled_profiles()) == {"demo", "gaozhong"}


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(("args", "line"), [
    (("--concurrency", "-1"), "argument --concurrency: '-1' is not a whole number of at least 1"),
    (("--concurrency", "0"), "argument --concurrency: '0' is not a whole number of at least 1"),
    (("--max-pages", "0"), "argument --max-pages: '0' is not a whole number of at least 1"),
    (("--max-error-rate", "2.0"), "argument --max-error-rate: '2.0' is not a rate from 0 to 1"),
    (("--max-mismatch-rate", "-1"), "argument --max-mismatch-rate: '-1' is not a rate from 0 to 1"),
    (("--max-no-content-rate", "nan"), "argument --max-no-content-rate: 'nan' is not a rate from 0 to 1"),
    (("--log-level", "loud"), ("argument --log-level: invalid choice: 'LOUD' (choose from 'CRITICAL', 'ERROR', "
                              "'WARNING', 'INFO', 'DEBUG')")),
])
def test_bad_crawl_options_are_one_line(tmp_path, args, line):
    proc = run_cli("crawl", "http://127.0.0.1:1/", *args, cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: {line} (see essay-crawler crawl --help)")
    assert files_under(tmp_path) == []


def test_bad_export_options_are_one_line(tmp_path):
    pieces = tmp_path / "pieces.jsonl"
    pieces.write_text("", "utf-8")
    proc = run_cli("export", pieces, "-o", tmp_path / "ds", "--rows-per-shard", "0", cwd=tmp_path)
    assert_one_line(proc, USAGE, "error: argument --rows-per-shard: '0' is not a whole number of at least 1 "
                                 "(see essay-crawler export --help)")
    proc = run_cli("report", pieces, "--threshold", "1.5", cwd=tmp_path)
    assert_one_line(proc, USAGE, "error: argument --threshold: '1.5' is not a similarity above 0 and at most 1 "
                                 "(see essay-crawler report --help)")


@pytest.mark.parametrize("command", ["export", "report", "corpus"])
def test_a_threshold_the_minhash_index_cannot_hold_is_one_line(tmp_path, command):
    pieces = tmp_path / "pieces.jsonl"
    pieces.write_text("", "utf-8")
    proc = run_cli(command, pieces, *(["-o", tmp_path / "out"] if command != "report" else []), "--threshold", "1",
                   cwd=tmp_path)
    assert_one_line(proc, USAGE, "error: argument --threshold: '1' is too close to 1 for the MinHash index (it needs "
                                 f"two bands or more: at most about 0.99) (see essay-crawler {command} --help)")
    assert files_under(tmp_path) == [pieces]


def test_a_missing_argument_or_command_is_one_line(tmp_path):
    assert_one_line(run_cli("crawl", cwd=tmp_path), USAGE,
                    "error: the following arguments are required: START_URL (see essay-crawler crawl --help)")
    proc = run_cli("nosuch", cwd=tmp_path)
    assert proc.returncode == USAGE and proc.stderr.startswith("error: argument COMMAND: invalid choice: 'nosuch'")
    assert proc.stderr.count("\n") == 1


# ------------------------------------------------------------------ state


def test_a_corrupt_state_is_one_line_naming_the_file(tmp_path):
    state = tmp_path / "output" / "127.0.0.1_1" / "state.sqlite"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"this is not a database, just some bytes" * 100)
    proc = run_cli("crawl", "http://127.0.0.1:1/", cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: {state.relative_to(tmp_path)}: not an essay-crawler state database "
                                 "(file is not a database); move it away or give another --state")


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    import sqlite3

    state = tmp_path / "places.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    before = state.read_bytes()
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--state", state, cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: {state}: not an essay-crawler state database (it holds other tables: "
                                 "moz_places); move it away or give another --state")
    assert state.read_bytes() == before


def test_a_state_of_another_shape_is_one_line(tmp_path):
    import sqlite3

    state = tmp_path / "state.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE runs (x INTEGER)")
    proc = run_cli("crawl", "http://127.0.0.1:1/", "--state", state, cwd=tmp_path)
    assert_one_line(proc, USAGE, f"error: {state}: not an essay-crawler state database (no such column: key); "
                                 "move it away or give another --state")


def slow_site(pages: int = 40, delay: float = 0.5) -> SiteServer:
    """A home page linking ``pages`` article-like pages that each take ``delay`` seconds."""
    links = "".join(f'<a href="/a/{i}.html">第{i}篇</a>' for i in range(pages))
    routes = {"/": Route.page(f"<html><body>{links}</body></html>".encode())}
    body = "<html><body><div><p>" + "这是一篇很长的文章。" * 40 + "</p></div></body></html>"
    for i in range(pages):
        routes[f"/a/{i}.html"] = Route.page(body.encode(), delay=delay)
    return SiteServer(routes)


def start_crawl(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*cli_command(), "crawl", *map(str, args)], cwd=cwd, env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_second_crawl_on_the_same_state_is_one_line(tmp_path):
    with slow_site() as srv:
        state = f"output/127.0.0.1_{urlsplit(srv.url('/')).port}/state.sqlite"
        first = start_crawl(srv.url("/"), *FAST, cwd=tmp_path)
        try:
            wait_for(tmp_path / state)
            second = run_cli("crawl", srv.url("/"), *FAST, cwd=tmp_path)
        finally:
            first.send_signal(signal.SIGINT)
            first.communicate(timeout=60)
    assert_one_line(second, USAGE, f"error: another crawl is using the state {state}")
    assert first.returncode == INTERRUPTED


# ------------------------------------------------------------------ unreachable hosts


def test_an_unreachable_host_gives_no_traceback_and_keeps_the_alert(tmp_path):
    proc = run_cli("crawl", "http://127.0.0.1:1/", *FAST, *QUICK_RETRY, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[-1].startswith("alert: 127.0.0.1:1 run ")
    robots = [line for line in lines if "robots" in line and "│" not in line]  # not the summary's row
    assert len(robots) == 1 and "Gave up retrying <GET http://127.0.0.1:1/robots.txt>" in robots[0]


def test_scraping_an_unreachable_host_is_its_error_line(tmp_path):
    proc = run_cli("scrape", "http://127.0.0.1:1/", *QUICK_RETRY, cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        "error: http://127.0.0.1:1/: connection_error: robots.txt of 127.0.0.1:1 could not be read: "
        "DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection refused.")
    assert len([line for line in proc.stderr.splitlines()[:-1] if "robots" in line]) == 1


# ------------------------------------------------------------------ signals


def test_a_double_sigint_is_interrupted_not_could_not_start(tmp_path):
    with slow_site(delay=2.0) as srv:
        crawl = start_crawl(srv.url("/"), *FAST, cwd=tmp_path)
        deadline = time.monotonic() + 30
        while not any(p.startswith("/a/") for p in srv.requests):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        crawl.send_signal(signal.SIGINT)
        time.sleep(0.2)
        crawl.send_signal(signal.SIGINT)
        _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == INTERRUPTED
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == ("interrupted: the crawl was stopped before it saved its run; "
                                       "run the same command again to resume it")


@pytest.mark.parametrize(("after_output", "delay"), [(False, 0.3), (True, 0.0), (True, 0.1), (True, 0.25),
                                                     (True, 0.5)])
def test_sigint_during_start_up_is_interrupted_without_traceback(tmp_path, after_output, delay):
    """SIGINT while modules load, or once the crawl has made its output folder (Scrapy and the reactor
    starting). Python's own start-up, before essay-crawler's code runs, is not covered."""
    with slow_site() as srv:
        crawl = start_crawl(srv.url("/"), *FAST, cwd=tmp_path)
        if after_output:
            wait_for(tmp_path / "output")
        time.sleep(delay)
        crawl.send_signal(signal.SIGINT)
        _, stderr = crawl.communicate(timeout=60)
    assert crawl.returncode == INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1].startswith("interrupted")


# ------------------------------------------------------------------ --max-pages


@pytest.mark.parametrize("limit", [3, 8, 20])
def test_max_pages_means_that_many_responses(tmp_path, limit):
    from essay_crawler.demo import demo_server

    with demo_server() as srv:
        proc = run_cli("crawl", srv.url("/"), "--profile", "demo", "--max-pages", limit, "--json", *FAST,
                       "--concurrency", "4", cwd=tmp_path)
        requested = list(srv.requests)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(proc.stdout)
    assert manifest["exit_reason"] == "closespider_pagecount"
    assert manifest["counts"]["pages_fetched"] == limit
    assert len(requested) == limit  # robots.txt included


# ------------------------------------------------------------------ pipes


def run_with_closed_stdout(*args, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``essay-crawler ARGS`` with a stdout pipe whose reader has gone before anything is written."""
    proc = subprocess.Popen([*cli_command(), *map(str, args)], cwd=cwd, env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    stderr = proc.stderr.read()
    proc.wait(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)


def test_clean_into_a_closed_pipe_ends_quietly(tmp_path):
    proc = run_with_closed_stdout("clean", PAGES / "p07_twelve_pieces.html", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_clean_piped_into_head_gives_the_first_line_and_exit_0(tmp_path):
    for i in range(60):
        (tmp_path / f"p{i}.html").write_bytes((PAGES / "p07_twelve_pieces.html").read_bytes())
    proc = subprocess.run(f"{' '.join(cli_command())} clean {tmp_path} | head -1; echo \"${{PIPESTATUS[0]}}\" >&2",
                          check=False, shell=True, executable="/bin/bash", cwd=tmp_path, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
    assert json.loads(proc.stdout)["piece_no"] == 1
    assert proc.stderr == "0\n"


def test_report_into_a_closed_pipe_still_writes_its_html(tmp_path):
    pieces = tmp_path / "pieces.jsonl"
    assert run_cli("clean", PAGES, "-o", pieces, cwd=tmp_path).returncode == 0
    proc = run_with_closed_stdout("report", pieces, "--html", tmp_path / "report.html", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "<html" in (tmp_path / "report.html").read_text("utf-8")
