"""``essay-crawler fleet``: four loopback essay sites spread over two real scrapyd processes.

One scenario, run once for the module: schedule every site, schedule again while the jobs run, kill one
scrapyd (and the crawl it was running) with SIGKILL mid-job, start it again, schedule again, wait for
every job. Each site's records over all its runs must then be exactly those of a single-machine
``essay-crawler crawl`` of the same site. Every server is started here and stopped by its PID.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from crawl_helpers import FAST, generated_site, read_jsonl, run_cli, static_routes, without_crawl_time
from crawl_runs import line_count, read_lines, site_dir
from test_scrapyd import PACKAGE_DATA, api, free_port, scrapyd_config, wait_until_up

from essay_crawler.cli.fleet import print_status
from essay_crawler.demo import Route, SiteServer, build_site
from essay_crawler.demo.server import serve
from essay_crawler.fleet import PROJECT, Site, build_egg, egg_version, job_fields, load_sites, rendezvous

BIN = Path(sys.executable).parent
PAGE_BUDGET = 12  # pages each site answers before it holds the rest until the victim is killed
JOBS_TIMEOUT = 150
#: name → (kind, profile): two demo sites with the bundled profile, two generated ones on the automatic path.
SITES = {"demo-a": ("demo", "demo"), "demo-b": ("demo", "demo"), "gen-9": (9, None), "gen-31": (31, None)}


# ------------------------------------------------------------------ rendezvous hashing (no servers)

def test_adding_a_host_moves_only_sites_to_the_new_host():
    names = [f"site{i}.example.cn" for i in range(300)]
    two = ["http://10.0.0.1:6800", "http://10.0.0.2:6800"]
    three = [*two, "http://10.0.0.3:6800"]
    before = {n: rendezvous(n, two) for n in names}
    after = {n: rendezvous(n, three) for n in names}
    moved = [n for n in names if before[n] != after[n]]
    assert {after[n] for n in moved} == {three[2]}
    assert 60 < len(moved) < 140  # about a third, not all of them
    assert {n: rendezvous(n, list(reversed(three))) for n in names} == after  # the order of --scrapyd is moot


def test_removing_a_host_moves_only_its_own_sites():
    names = [f"site{i}" for i in range(300)]
    three = ["http://a:6800", "http://b:6800", "http://c:6800"]
    before = {n: rendezvous(n, three) for n in names}
    after = {n: rendezvous(n, three[:2]) for n in names}
    assert {n for n in names if before[n] != after[n]} == {n for n in names if before[n] == three[2]}


# ------------------------------------------------------------------ bad input (no servers)

def sites_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "key"), [
    ('[sites.a]\nstart_urls = ["http://127.0.0.1:9/"]\nprofle = "demo"\n', "sites.a.profle: unknown key"),
    ('[sites.a]\nstart_urls = "http://127.0.0.1:9/"\n', "sites.a.start_urls: must be a list"),
    ('[sites.a]\nstart_urls = ["ftp://x/"]\n', "sites.a.start_urls: give a list of http(s) URLs"),
    ('[sites.a]\nstart_urls = ["http://x/"]\nsettings = { A = [1] }\n', "sites.a.settings.A: must be"),
    ('[defaults]\noutput = "/srv"\n[sites.a]\nstart_urls = ["http://x/"]\n', "defaults.output: unknown key"),
    ('[site.a]\nstart_urls = ["http://x/"]\n', "site: unknown key"),
    ('[sites.a]\nstart_urls = ["http://x/"\n', "not valid TOML"),
    ("", "sites: no site"),
])
def test_a_broken_sites_file_is_one_line_naming_the_file_and_key(tmp_path, text, key):
    path = sites_toml(tmp_path, text)
    for action in ("schedule", "status"):
        proc = run_cli("fleet", action, path, "--scrapyd", "http://127.0.0.1:9")
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines() == [proc.stderr.strip()] and proc.stdout == ""
        assert proc.stderr.startswith(f"error: {path}: ") and key in proc.stderr, proc.stderr


def test_the_example_sites_file_is_valid():
    sites = {s.name: s for s in load_sites(REPO / "docs" / "fleet-sites.example.toml")}
    assert sorted(sites) == ["example-zuowen", "gaozhongzuowen"]
    site = sites["example-zuowen"]
    assert site.output_root == "/srv/essay-crawler/output" and site.folder == "www.example.cn"
    assert site.settings == {"CONTACT_URL": "https://example.org/essay-crawler-contact", "DOWNLOAD_DELAY": "1.0",
                             "ESSAY_MAX_ERROR_RATE": "0.3"}
    assert job_fields(sites["gaozhongzuowen"], "v1", "gaozhongzuowen.1") == [
        ("project", "essay_crawler"), ("spider", "essays"), ("_version", "v1"), ("jobid", "gaozhongzuowen.1"),
        ("start_url", "https://www.gaozhongzuowen.com/"), ("profile", "gaozhong"),
        ("setting", "ESSAY_OUTPUT_ROOT=/srv/essay-crawler/output"),
        ("setting", "CONTACT_URL=https://example.org/essay-crawler-contact")]


def test_status_fails_when_a_sites_last_run_failed(capsys):
    site = Site("a", ("http://127.0.0.1:9/",))
    failed = {"run_id": "20261201T000000Z", "status": "failed", "alerts": ["no_pieces", "error_rate"],
              "pieces": 0, "partial": True}
    assert print_status([(site, "http://127.0.0.1:6800", "finished", failed)], []) == 1
    assert re.search(r"│ a +│ http://127\.0\.0\.1:6800 +│ finished +│ 20261201T000000Z +│ failed, partial +│ "
                     r"no_pieces, error_rate +│ +0 │", capsys.readouterr().out)
    assert print_status([(site, "http://127.0.0.1:6800", "-", {"partial": False})], []) == 0


def test_a_missing_egg_is_one_line(tmp_path):
    path = sites_toml(tmp_path, '[sites.a]\nstart_urls = ["http://127.0.0.1:9/"]\n')
    proc = run_cli("fleet", "schedule", path, "--scrapyd", "http://127.0.0.1:9", "--egg", tmp_path / "no.egg")
    assert (proc.returncode, proc.stderr) == (2, f"error: --egg {tmp_path / 'no.egg'}: no such file\n")


def test_a_missing_sites_file_is_one_line(tmp_path):
    proc = run_cli("fleet", "schedule", tmp_path / "nope.toml", "--scrapyd", "http://127.0.0.1:9")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"error: {tmp_path / 'nope.toml'}: No such file or directory\n"


def test_an_unreachable_scrapyd_is_one_line_and_exit_status_2(tmp_path):
    path = sites_toml(tmp_path, '[sites.a]\nstart_urls = ["http://127.0.0.1:9/"]\n')
    url = f"http://127.0.0.1:{free_port()}"
    proc = run_cli("fleet", "schedule", path, "--scrapyd", url)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert re.fullmatch(rf"error: scrapyd {re.escape(url)}: unreachable \(.*refused.*\)\n", proc.stderr)
    # status still prints what it knows, says which host did not answer, and fails.
    proc = run_cli("fleet", "status", path, "--scrapyd", url)
    assert proc.returncode == 1
    assert re.fullmatch(rf"error: scrapyd {re.escape(url)}: unreachable \(.*\)\n", proc.stderr)
    assert re.search(r"│ a +│ http://127\.0\.0\.1:\d+ +│ unreachable +│ unknown", proc.stdout), proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_bad_scrapyd_url_is_one_line(tmp_path):
    path = sites_toml(tmp_path, '[sites.a]\nstart_urls = ["http://127.0.0.1:9/"]\n')
    proc = run_cli("fleet", "schedule", path, "--scrapyd", "127.0.0.1:6800")
    assert (proc.returncode, proc.stderr) == (2, "error: --scrapyd 127.0.0.1:6800: not an http(s) URL\n")


# ------------------------------------------------------------------ two scrapyd hosts, four sites

class Host:
    """One scrapyd process in its own folder on its own loopback port (restartable on the same port)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (folder / "scrapyd.conf").write_text(scrapyd_config(folder, self.port), encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def start(self) -> Host:
        with (self.folder / "scrapyd.out").open("ab") as log:
            self.proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=self.folder, stdout=log,
                                         stderr=subprocess.STDOUT)
        return self

    def jobs(self) -> dict:
        answer = api(self.url, "listjobs.json")
        return {state: [j for j in answer[state] if j["project"] == PROJECT]
                for state in ("pending", "running", "finished")}

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop this scrapyd, then the crawls it was running (SIGKILL), each by its PID: scrapyd first,
        so that it cannot start a pending job in between."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            crawls = [job["pid"] for job in self.jobs()["running"]]
        except Exception:  # a scrapyd that no longer answers has no crawl to list
            crawls = []
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        for pid in crawls:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # it had finished
                pass


def serve_site(kind) -> SiteServer:
    srv = SiteServer()
    if kind == "demo":
        srv.routes.update(build_site(srv.base_url))
    else:
        specs = generated_site(14, kind, srv.base_url)
        srv.routes.update(static_routes({path: spec.body for path, spec in specs.items()}))
    return srv.start()


class Valve:
    """Holds a site's pages (robots.txt aside): none is answered until :attr:`opened`; then ``budget``
    pages are, and the rest wait for :attr:`released`. A crawl is thus still under way at any moment
    the test picks, however fast the machine."""

    def __init__(self, srv: SiteServer, budget: int):
        self.opened, self.released = threading.Event(), threading.Event()
        self.budget, self.lock = budget, threading.Lock()
        self.originals = dict(srv.routes)
        srv.routes.update({path: self.held(route) for path, route in self.originals.items()
                           if path != "/robots.txt"})

    def held(self, route: Route) -> Route:
        def responder(req) -> None:
            self.opened.wait(60)
            with self.lock:
                self.budget -= 1
                over = self.budget < 0
            if over:
                self.released.wait(60)
            serve(req, route)
        return Route(handler=responder)


def write_sites_file(path: Path, servers: dict[str, SiteServer], output: Path) -> None:
    lines = ['[defaults]', 'settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false }', '']
    for name, (_, profile) in SITES.items():
        lines += [f"[sites.{name}]", f'start_urls = ["{servers[name].url("/")}"]',
                  f'output_root = "{output / name}"'] + ([f'profile = "{profile}"'] if profile else []) + [""]
    path.write_text("\n".join(lines), encoding="utf-8")


def fleet(action: str, sites: Path, hosts: list[Host], *extra: str) -> subprocess.CompletedProcess:
    return run_cli("fleet", action, sites, *(a for h in hosts for a in ("--scrapyd", h.url)), *extra)


def schedule_lines(proc: subprocess.CompletedProcess) -> dict[str, tuple[str, str]]:
    """``site → (host, action)`` from ``fleet schedule``'s output (one line per site)."""
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split(None, 2) for line in proc.stdout.splitlines()]
    assert len(rows) == len(SITES), proc.stdout
    return {site: (host, action) for site, host, action in rows}


def jobs_by_site(hosts: list[Host]) -> dict[str, list[tuple[str, str, str]]]:
    """site → [(host, state, job id)] over every host."""
    found: dict[str, list] = {}
    for host in hosts:
        for state, jobs in host.jobs().items():
            for job in jobs:
                found.setdefault(job["id"].rsplit(".", 1)[0], []).append((host.url, state, job["id"]))
    return found


def partial_lines(output: Path, name: str) -> int:
    return sum(line_count(p) for p in (output / name).glob("*/*.partial/pieces.jsonl.partial"))


def committed_runs(output: Path, name: str) -> list[Path]:
    return sorted(p.parent for p in (output / name).glob("*/*/run.json")
                  if not p.parent.is_symlink() and not p.parent.name.endswith(".partial"))


def wait_for_idle(hosts: list[Host]) -> None:
    deadline = time.monotonic() + JOBS_TIMEOUT
    while any(h.jobs()["pending"] or h.jobs()["running"] for h in hosts):
        assert time.monotonic() < deadline, "fleet jobs did not finish"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fleet")
    hosts = [Host(tmp_path_factory.mktemp(f"scrapyd{i}")) for i in range(2)]
    servers = {name: serve_site(kind) for name, (kind, _) in SITES.items()}
    output, sites = tmp / "output", tmp / "sites.toml"
    write_sites_file(sites, servers, output)
    result = {"hosts": hosts, "servers": servers, "output": output, "sites": sites}
    valves = {name: Valve(srv, PAGE_BUDGET) for name, srv in servers.items()}
    try:
        for host in hosts:
            host.start()
        for host in hosts:
            wait_until_up(host.url, host.proc)
        # A fleet with one host down schedules nothing anywhere.
        dead = f"http://127.0.0.1:{free_port()}"
        proc = run_cli("fleet", "schedule", sites, "--scrapyd", hosts[0].url, "--scrapyd", dead)
        result["with_dead_host"] = (proc, jobs_by_site(hosts))

        result["first"] = fleet("schedule", sites, hosts)
        result["jobs_after_first"] = jobs_by_site(hosts)
        result["second"] = fleet("schedule", sites, hosts)
        result["jobs_after_second"] = jobs_by_site(hosts)
        for valve in valves.values():
            valve.opened.set()

        # Kill the host of the first site seen mid-crawl (some pieces on disk), and that crawl with it.
        deadline = time.monotonic() + JOBS_TIMEOUT
        victim = None
        while victim is None:
            assert time.monotonic() < deadline, "no crawl got under way"
            for name in SITES:
                if partial_lines(output, name) >= 3:
                    victim = name
                    break
            time.sleep(0.05)
        host = next(h for h in hosts if h.url == rendezvous(victim, [h.url for h in hosts]))
        running = [j["id"] for j in host.jobs()["running"]]
        host.kill()
        result.update(victim=victim, victim_host=host.url, killed_running=running,
                      killed_lines=partial_lines(output, victim), runs_at_kill=committed_runs(output, victim))
        for name, srv in servers.items():
            srv.routes.update(valves[name].originals)
            valves[name].released.set()
        host.start()
        wait_until_up(host.url, host.proc)
        egg = build_egg(tmp / "given.egg")
        result["egg"] = egg
        result["third"] = fleet("schedule", sites, hosts, "--egg", str(egg))
        wait_for_idle(hosts)
        result["status"] = fleet("status", sites, hosts)

        refs = {name: subprocess.Popen(  # a single-machine crawl of each site, all at once
            [str(BIN / "essay-crawler"), "crawl", servers[name].url("/"), "-o", str(tmp / f"ref-{name}.jsonl"),
             *FAST, *(["--profile", profile] if profile else []), "-q"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for name, (_, profile) in SITES.items()}
        result["reference"] = {}
        for name, proc in refs.items():
            out, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, out
            result["reference"][name] = read_jsonl(tmp / f"ref-{name}.jsonl")
        yield result
    finally:
        for valve in valves.values():
            valve.opened.set()
            valve.released.set()
        for host in hosts:
            host.kill(signal.SIGTERM)
        for srv in servers.values():
            srv.stop()


def test_a_fleet_with_an_unreachable_host_schedules_nothing(scenario):
    proc, jobs = scenario["with_dead_host"]
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "unreachable" in proc.stderr
    assert jobs == {}


def test_schedule_deploys_to_each_host_and_puts_every_site_on_exactly_one(scenario):
    hosts = [h.url for h in scenario["hosts"]]
    proc = scenario["first"]
    lines = schedule_lines(proc)
    deployed = re.findall(r"^deployed essay_crawler (\S+) to (\S+)$", proc.stderr, re.M)
    assert sorted(url for _, url in deployed) == sorted(hosts), proc.stderr
    jobs = scenario["jobs_after_first"]
    assert sorted(jobs) == sorted(SITES)
    for name, (host, action) in lines.items():
        assert host == rendezvous(name, hosts)
        ((job_host, state, job_id),) = jobs[name]  # one job, on one host
        assert job_host == host and state in ("pending", "running") and action == f"scheduled {job_id}"


def test_each_first_job_ran_on_its_host_only(scenario):
    for name, ((host, _, job_id),) in scenario["jobs_after_first"].items():
        logs = {h.url: (h.folder / "logs" / PROJECT / "essays" / f"{job_id}.log").is_file()
                for h in scenario["hosts"]}
        assert logs == {h.url: h.url == host for h in scenario["hosts"]}, name


def test_a_second_schedule_while_jobs_run_schedules_nothing_twice(scenario):
    proc = scenario["second"]
    lines = schedule_lines(proc)
    first = scenario["jobs_after_first"]
    for name, (_, action) in lines.items():
        assert re.fullmatch(rf"skipped: (pending|running) {re.escape(first[name][0][2])}", action), action
    assert {n: [j for _, _, j in v] for n, v in scenario["jobs_after_second"].items()} == \
           {n: [j for _, _, j in v] for n, v in first.items()}


def test_the_killed_host_was_mid_job(scenario):
    victim = scenario["victim"]
    assert scenario["killed_lines"] >= 3 and scenario["runs_at_kill"] == []  # it had written, and was not done
    assert [j.rsplit(".", 1)[0] for j in scenario["killed_running"]] == [victim]


def test_schedule_after_the_restart_continues_the_killed_site(scenario):
    lines = schedule_lines(scenario["third"])
    host, action = lines[scenario["victim"]]
    assert host == scenario["victim_host"] and action.startswith("scheduled ")


def test_a_given_egg_is_deployed_as_its_own_version(scenario):
    version = egg_version(hashlib.sha1(scenario["egg"].read_bytes()).hexdigest(), "egg")
    deployed = re.findall(r"^deployed essay_crawler (\S+) to (\S+)$", scenario["third"].stderr, re.M)
    assert sorted(deployed) == sorted((version, h.url) for h in scenario["hosts"])
    with zipfile.ZipFile(scenario["egg"]) as z:
        names = set(z.namelist())
        entry_points = z.read("EGG-INFO/entry_points.txt").decode()
    assert set(PACKAGE_DATA) <= names and "essay_crawler/spiders/essays.py" in names
    assert "settings = essay_crawler.settings" in entry_points


def test_no_host_is_sent_a_version_it_has(scenario):
    """Deploying only where missing: a version goes to a host once (the restarted scrapyd kept its eggs).
    Another version appears only if the checkout changed meanwhile (a shared work tree)."""
    deployed = [d for run in ("first", "second", "third")
                for d in re.findall(r"^deployed essay_crawler (\S+) to (\S+)$", scenario[run].stderr, re.M)]
    assert len(deployed) == len(set(deployed)), deployed


@pytest.mark.parametrize("name", SITES)
def test_each_sites_records_equal_a_single_machine_crawl(scenario, name):
    runs = committed_runs(scenario["output"], name)
    assert runs, f"{name}: no committed run"
    records = [r for run in runs for r in read_lines(run / "pieces.jsonl")]  # whole lines only
    reference = scenario["reference"][name]
    assert reference
    key = lambda r: r["id"]  # noqa: E731
    assert len({r["id"] for r in records}) == len(records), "a record was written twice"
    assert sorted(without_crawl_time(records), key=key) == sorted(without_crawl_time(reference), key=key)
    latest = json.loads((site_dir(scenario["output"] / name) / "latest" / "run.json").read_text("utf-8"))
    assert latest["status"] == "ok" and latest["exit_reason"] == "finished"
    assert not list(site_dir(scenario["output"] / name).glob("*.partial"))


def test_status_shows_each_site_its_host_job_and_last_run(scenario):
    proc = scenario["status"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hosts = [h.url for h in scenario["hosts"]]
    rows = {cells[0]: cells[1:] for line in proc.stdout.splitlines()
            if len(cells := [c.strip() for c in line.strip("│").split("│")]) == 7 and cells[0] in SITES}
    assert sorted(rows) == sorted(SITES), proc.stdout
    for name, (host, job, run_id, status, alerts, pieces) in rows.items():
        manifest = json.loads((site_dir(scenario["output"] / name) / "latest" / "run.json").read_text("utf-8"))
        assert (host, job) == (rendezvous(name, hosts), "finished")
        assert (run_id, status, alerts, pieces) == (manifest["run_id"], "ok", "-",
                                                    str(manifest["counts"]["pieces_written"]))
