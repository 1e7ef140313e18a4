"""``-o OUT.jsonl`` with a state: each run's records are appended, so a later run (nightly, or one that
finishes an earlier run's interrupted commit) never replaces records the state counts as written.
A commit killed (SIGKILL) before any of its steps is finished by the next start, exactly once."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import REPO
from crawl_runs import article_page, demo_site, link_from_home, read_lines, run_crawl

ARGS = ("-s", "CONCURRENT_REQUESTS=2")
DEMO_PIECES = 65


def test_nightly_runs_into_one_output_file_keep_every_record(tmp_path):
    out = tmp_path / "out.jsonl"
    with demo_site() as site:
        first = run_crawl(site, tmp_path, *ARGS, "-o", str(out))
        assert first.returncode == 0, first.stderr
        assert len(read_lines(out)) == DEMO_PIECES

        second = run_crawl(site, tmp_path, *ARGS, "-o", str(out))  # nothing new: nothing lost either
        assert second.returncode == 0, second.stderr
        assert len(read_lines(out)) == DEMO_PIECES

        site.routes["/zuowen/1999.html"] = article_page("新来的同学", [("", ["新来的同学坐在我旁边，她的笑容像阳光一样温暖。" * 4])])
        link_from_home(site, "/zuowen/1999.html", "新来的同学")
        third = run_crawl(site, tmp_path, *ARGS, "-o", str(out))
        assert third.returncode == 0, third.stderr
    records = read_lines(out)
    assert len(records) == DEMO_PIECES + 1 and records[-1]["url"].endswith("/zuowen/1999.html")
    assert len({r["id"] for r in records}) == len(records)
    manifest = json.loads((tmp_path / "out.run.json").read_text("utf-8"))
    assert manifest["counts"]["pieces_written"] == 1
    assert manifest["appended_at"]["pieces"] == len("".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                             for r in records[:-1]).encode("utf-8"))


#: One night of a ``-o`` run in a child process: write the given articles, then commit; with a
#: number k, the process SIGKILLs itself before the k-th fsync/rename of the commit.
NIGHT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    from essay_crawler.runs import CrawlRun

    root, urls, kill_at = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
    run = CrawlRun(site="example.org", start_urls=["http://example.org/"], profile=None, output_root=root,
                   pieces_path=root / "OUT.jsonl", state_path=root / "OUT.state.sqlite").open()
    for url in urls:
        records = [{"id": f"{url}#{n}", "url": url, "piece_no": n, "piece_total": 2, "text": "文"} for n in (1, 2)]
        run.write_article(records, url, "hash-" + url, {})
    run.pieces.close()
    run.errors.close()

    calls = [0]
    def counted(real):
        def call(*args):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args)
        return call
    os.fsync, os.replace = counted(os.fsync), counted(os.replace)
    run.commit({"run_id": run.run_id, "files": run.files.final_paths()})
    run.close()
""")


def night(root: Path, urls: list[str], kill_at: int = 0) -> int:
    return subprocess.run([sys.executable, "-c", NIGHT, str(root), json.dumps(urls), str(kill_at)], check=False,
                          cwd=REPO, env={"PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=60).returncode


def urls_in(path: Path) -> list[str]:
    return [r["id"] for r in read_lines(path)]


def test_a_commit_killed_at_any_step_is_finished_once_and_never_redone_empty(tmp_path):
    first = [f"http://example.org/{n}.html" for n in range(3)]
    second = [f"http://example.org/{n}.html" for n in range(3, 5)]
    expected = [f"{url}#{n}" for url in first + second for n in (1, 2)]
    step = 1
    while True:
        root = tmp_path / f"kill-{step}"
        root.mkdir()
        assert night(root, first) == 0
        status = night(root, second, kill_at=step)
        assert night(root, []) == 0  # the next night finishes the commit, then commits its own (empty) run
        assert urls_in(root / "OUT.jsonl") == expected, f"killed before step {step}"
        manifest = json.loads((root / "OUT.run.json").read_text("utf-8"))
        assert manifest["appended_at"]["pieces"] == (root / "OUT.jsonl").stat().st_size
        if status == 0:  # the commit had fewer steps than this: every step has been cut
            break
        assert status == -signal.SIGKILL
        step += 1
    assert step > 4
