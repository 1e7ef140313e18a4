"""The README is checked, block by block: every ``essay-crawler`` command in it parses with the real
argument parser, every option in the command table exists, every transcript (``$ …`` then its output)
that can run here is run and its output compared exactly, the demo's summary and error lines are
compared with a real demo run (times and run ids aside), and configuration blocks load. A block none
of these checks is a failure: a new block needs a check here."""
from __future__ import annotations

import configparser
import inspect
import os
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, SHARED, cli_command, needs_shared
from test_warc_clean import build_archive

from essay_crawler import fleet
from essay_crawler.cli import SUBCOMMANDS, CommandError, build_parser

README = REPO / "README.md"

#: Transcripts that need servers this test does not start, with the test that runs those commands.
RUN_ELSEWHERE = {
    "essay-crawler fleet schedule sites.toml --scrapyd http://127.0.0.1:6801 --scrapyd http://127.0.0.1:6802":
        "two scrapyd processes: tests/test_fleet.py runs schedule and status against real scrapyd",
    "essay-crawler demo --warc -q":
        "run ids and the demo's port: tests/test_warc_runs.py crawls the demo site with --warc and checks "
        "reclean's line and records",
}
#: Blocks that hold no command to check, by their first line, with what they are.
NOT_COMMANDS = {
    "output/<site>/state.sqlite": "the run folder layout, described in prose",
    "corpus/data/00000.jsonl": "the corpus output folder, described in prose (tests/test_corpus.py writes one)",
    "from datasets import load_dataset": "Python for the export, run by tests/test_export.py (load_dataset)",
    "site: ": "output of benchmarks/crawl_bench.py or fleet_bench.py: figures of a benchmark run, not a test",
    "2000 pages, ": "output of benchmarks/warc_bench.py: figures of a benchmark run, not a test",
    "scrapy.cfg            Scrapy project file (+ [deploy] for scrapyd)": "the layout, checked below",
}


@dataclass
class Block:
    line: int  # 1-based line of the block's first content line
    lang: str
    text: str

    @property
    def first(self) -> str:
        return self.text.split("\n", 1)[0].strip()


def readme_blocks(text: str) -> list[Block]:
    """Fenced blocks and indented (four-space) blocks that follow a blank line."""
    blocks: list[Block] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            end = lines.index("```", i + 1)
            blocks.append(Block(i + 2, lines[i][3:].strip(), "\n".join(lines[i + 1:end])))
            i = end + 1
        elif lines[i].startswith("    ") and i > 0 and not lines[i - 1].strip():
            end = i
            while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
                end += 1
            body = [line[4:] for line in lines[i:end]]
            blocks.append(Block(i + 1, "indented", "\n".join(body).strip("\n")))
            i = end
        else:
            i += 1
    return blocks


def joined_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined."""
    return text.replace("\\\n", " ").split("\n")


def synopsis_to_example(line: str) -> str:
    """``[--opt a|b]`` → ``--opt a``; other optional groups (``[more runs …]``) dropped."""
    def pick(match: re.Match) -> str:
        inner = match.group(1)
        return re.sub(r"(\S+?)\|\S+", r"\1", inner) if inner.startswith("-") else ""
    return re.sub(r"\[([^\[\]]*)\]", pick, line)


def commands_in(line: str) -> list[list[str]]:
    """The argument lists of every ``essay-crawler`` invocation in one shell line."""
    line = synopsis_to_example(line.removeprefix("$ ").replace("…", ""))
    if line.lstrip().startswith("#"):
        return []
    found, simple = [], []
    for token in [*shlex.split(line, comments=True), ";"]:
        if token in {"&&", "||", "|", ";", ">>", ">", "2>&1", "&"}:
            for at, word in enumerate(simple):
                if os.path.basename(word) == "essay-crawler" and simple[at + 1:]:
                    args = simple[at + 1:]
                    if args[0] in SUBCOMMANDS or args[0].startswith("-"):
                        found.append(args)
            simple = []
        else:
            simple.append(token)
    return found


def all_commands() -> list[tuple[int, list[str]]]:
    return [(block.line, args) for block in readme_blocks(README.read_text(encoding="utf-8"))
            if not block.first.startswith(tuple(NOT_COMMANDS))
            for line in joined_lines(block.text) if line.startswith("$ ") or not block.first.startswith("$ ")
            for args in commands_in(line)]


def test_every_readme_command_parses():
    commands = all_commands()
    assert len(commands) >= 20  # the extraction itself works: the README has this many
    mistakes = {cmd for t in transcripts() for cmd, out in t.steps if out.startswith("error: ")}
    for line, args in commands:
        if "essay-crawler " + shlex.join(args) in mistakes:
            continue  # a mistake shown on purpose: its error line is compared by test_transcript_output_is_real
        try:
            build_parser().parse_args(args)
        except CommandError as exc:
            pytest.fail(f"README line {line}: essay-crawler {shlex.join(args)}: {exc}")
        except SystemExit:  # --help and --version print and exit; none in the README
            pytest.fail(f"README line {line}: essay-crawler {shlex.join(args)} exits while parsing")


def subparser(names: list[str]):
    parser = build_parser()
    for name in names:
        action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = action.choices[name]  # type: ignore[attr-defined]
    return parser


def test_command_table_names_real_options():
    rows = re.findall(r"^\| `essay-crawler ([^`]+)` \|", README.read_text(encoding="utf-8"), re.M)
    assert {row.split()[0] for row in rows} == set(SUBCOMMANDS)  # one row per command, no more
    for row in rows:
        words = row.replace("\\|", "|").split()
        names = [words[0]] + ([words[1].split("|")[0]] if words[0] == "fleet" else [])
        options = subparser(names)._option_string_actions
        for option in re.findall(r"(?<![\w-])(-{1,2}[a-z][\w-]*)", row):
            assert option in options, f"README command table: essay-crawler {words[0]} has no {option}"


@dataclass
class Transcript:
    line: int
    steps: list[tuple[str, str]]  # (command, expected output)


def transcripts() -> list[Transcript]:
    found = []
    for block in readme_blocks(README.read_text(encoding="utf-8")):
        if block.lang or not block.first.startswith("$ "):
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in joined_lines(block.text):
            if line.startswith("$ "):
                steps.append((re.sub(r"\s+", " ", line[2:]).strip(), []))
            else:
                steps[-1][1].append(line)
        found.append(Transcript(block.line, [(cmd, "\n".join(out)) for cmd, out in steps]))
    return found


def workspace(tmp_path: Path) -> Path:
    """A folder to run transcripts in, with ``../shared`` beside it and the small files they name."""
    ws = tmp_path / "ws"
    ws.mkdir()
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    (ws / "mysite.toml").write_text('name = "mysite"\nallowed_domain = ["www.example.cn"]\n', encoding="utf-8")
    (ws / "bad.toml").write_text('[sites.gaozhong]\nstart_urls = ["https://www.gaozhongzuowen.com/"]\n'
                                 'profle = "gaozhong"\n', encoding="utf-8")
    (ws / "sites.toml").write_text('[sites.demo]\nstart_urls = ["http://127.0.0.1:8737/"]\nprofile = "demo"\n',
                                   encoding="utf-8")
    build_archive(ws / "crawl.warc.gz")
    return ws


def shell_env() -> dict:
    bin_dir = str(Path(cli_command()[0]).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"], PYTHONPATH=str(REPO))
    for terminal_size in ("COLUMNS", "LINES"):
        env.pop(terminal_size, None)
    return env


def runnable_transcripts() -> list:
    return [pytest.param(t, id=f"line{t.line}", marks=[needs_shared] if "../shared" in t.steps[0][0] else [])
            for t in transcripts() if t.steps[0][0] not in RUN_ELSEWHERE]


@pytest.mark.parametrize("transcript", runnable_transcripts())
def test_transcript_output_is_real(transcript: Transcript, tmp_path):
    ws = workspace(tmp_path)
    for command, expected in transcript.steps:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command + " 2>&1"], cwd=ws, env=shell_env(),
                              capture_output=True, text=True, timeout=120)
        assert done.stdout.rstrip("\n") == expected, f"README line {transcript.line}: $ {command}"


def test_ci_runs_the_readme_test_command():
    (block,) = [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.lang == "sh" and "pytest" in b.text]
    test_command = block.text.split("&&")[-1].strip()
    assert f".venv/bin/{test_command}\n" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def spider_blocks() -> list[Block]:
    return [b for b in readme_blocks(README.read_text(encoding="utf-8"))
            if re.search(r"scrapy crawl|scrapyd-deploy|curl ", b.text)]


def test_scrapy_and_scrapyd_examples_name_real_spider_arguments():
    from essay_crawler.spiders.essays import EssaysSpider

    accepted = set(inspect.signature(EssaysSpider.__init__).parameters) - {"self", "args", "kwargs"}
    blocks = spider_blocks()
    assert len(blocks) == 3  # the Scrapy way, scrapyd, the scrapyd cron line
    for block in blocks:
        names = set(re.findall(r"-[ad] (\w+)=", block.text)) - {"project", "spider", "setting"}
        assert names and names <= accepted, f"README line {block.line}: {names - accepted}"
        assert set(re.findall(r"spider[= ](\w+)", block.text.replace("crawl ", "spider "))) == {EssaysSpider.name}


def test_every_block_is_checked():
    commanded = {line for line, _ in all_commands()}
    run = {t.line for t in transcripts()}
    others = {b.line for b in spider_blocks()} | {b.line for b in readme_blocks(README.read_text(encoding="utf-8"))
                                                  if b.lang == "sh" and "pytest" in b.text}
    for block in readme_blocks(README.read_text(encoding="utf-8")):
        checked = (block.line in commanded or block.line in run or block.line in others
                   or block.lang in {"toml", "ini", "cron"}
                   or block.first.startswith(tuple(NOT_COMMANDS)) or block.first.startswith("serving the demo site")
                   or block.first.startswith('{"url": '))
        assert checked, f"README line {block.line}: a block tests/test_readme.py does not check: {block.first!r}"


def config_blocks(lang: str) -> list[Block]:
    return [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.lang == lang]


def test_sites_file_example_loads(tmp_path):
    (block,) = config_blocks("toml")
    path = tmp_path / "sites.toml"
    path.write_text(block.text, encoding="utf-8")
    tomllib.loads(block.text)
    assert [site.name for site in fleet.load_sites(path)] == ["gaozhongzuowen", "example-zuowen"]


def test_systemd_units_parse():
    units = config_blocks("ini")
    assert len(units) == 2
    for unit in units:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(unit.text)
        assert parser.sections()[-1] in {"Service", "Install"}


def test_layout_names_files_that_exist():
    block = next(b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.first.startswith("scrapy.cfg "))
    for line in block.text.split("\n"):
        if line and not line.startswith(" "):
            assert (REPO / line.split()[0]).exists(), line
    listed = re.search(r"^benchmarks/\s+(.+)$", block.text, re.M).group(1)  # type: ignore[union-attr]
    for script in re.findall(r"[\w]+\.py", listed):
        assert (REPO / "benchmarks" / script).is_file(), script


def normalised(text: str, port: str) -> list[str]:
    """The demo output with what changes from run to run (times, run ids, speed, port) replaced."""
    text = text.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT").replace(f"127.0.0.1_{port}", "127.0.0.1_PORT")
    text = re.sub(r"\d{8}T\d{6}Z", "RUN", text)
    text = re.sub(r"\d+ pages/min", "N pages/min", text)
    text = re.sub(r"\d+\.\d s", "T s", text)
    text = re.sub(r'"time": "[^"]+"', '"time": "TIME"', text)
    return [re.sub(r"[ ─━]+", " ", line).strip() for line in text.strip("\n").split("\n")]


def test_demo_output_is_real(tmp_path):
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    summary = next(b.text for b in blocks if b.first.startswith("serving the demo site"))
    error_lines = next(b.text for b in blocks if b.first.startswith('{"url": '))
    env = shell_env()
    first = subprocess.run([*cli_command(), "demo"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    port = re.search(r"127\.0\.0\.1:(\d+)/", first.stderr).group(1)  # type: ignore[union-attr]
    assert normalised(first.stderr, port) == normalised(summary, "8737")
    (run_dir,) = (tmp_path / "output" / f"127.0.0.1_{port}").glob("2*")
    errors = (run_dir / "errors.jsonl").read_text(encoding="utf-8")
    # in the order the pages finished: a 404 and a cleaned page may finish either way round
    assert sorted(normalised(errors, port)) == sorted(normalised(error_lines, "8737"))

    second = subprocess.run([*cli_command(), "demo"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert f"127.0.0.1:{port}/" in second.stderr, "the second demo run served on another port (8737 was taken?)"
    claims = re.search(r"writes nothing \(`pieces written (\d+)`, `known articles skipped (\d+)`\)",
                       README.read_text(encoding="utf-8"))
    assert claims is not None
    table = {row[0].strip(): row[1].strip() for row in re.findall(r"│ ([^│]+)│ *([^│]+)│", second.stderr)}
    assert (table["pieces written"], table["known articles skipped"]) == claims.groups()
