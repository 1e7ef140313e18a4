"""Many sites over a fleet of scrapyd hosts: a sites file, a stable host for each site, one job per site.

Each site goes to one host by rendezvous hashing (the host with the highest hash of ``host|site``), so
adding a host moves only the sites the new host wins and removing one moves only its own sites. A site
keeps its state and run folders on its host (``ESSAY_OUTPUT_ROOT`` there), exactly as a single-machine
crawl does, so incremental runs and resuming a killed run need nothing new: scheduling the same job
again continues it. Jobs are named ``<site>.<time>-<random>``, which is how a host's jobs are matched
to sites in ``listjobs.json``.
"""
from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import essay_crawler
from essay_crawler.links import host_and_port
from essay_crawler.runfiles import site_folder

PROJECT = "essay_crawler"
SPIDER = "essays"
TIMEOUT = 30  # seconds for one scrapyd request
SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")  # a job id prefix and a file name
SITE_KEYS = {"start_urls": list, "profile": str, "output_root": str, "settings": dict}
DEFAULT_KEYS = {"output_root": str, "settings": dict}
ROOT = Path(essay_crawler.__file__).resolve().parent.parent  # the source checkout the egg is built from


class FleetError(Exception):
    """A bad sites file, host URL or scrapyd answer: one line for the user."""


class Unreachable(FleetError):
    """A scrapyd host that does not answer."""


@dataclass(frozen=True)
class Site:
    name: str
    start_urls: tuple[str, ...]
    profile: str | None = None
    output_root: str | None = None  # ESSAY_OUTPUT_ROOT on the host (absolute, so status can find it)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        """The site's folder under the output root (as the spider names it: the first start URL's host
        and port)."""
        return site_folder(host_and_port(self.start_urls[0]) or "local")


def _check_table(path: Path, where: str, table: dict, keys: dict) -> None:
    for key, value in table.items():
        if key not in keys:
            raise FleetError(f"{path}: {where}{key}: unknown key (known: {', '.join(keys)})")
        if not isinstance(value, keys[key]):
            raise FleetError(f"{path}: {where}{key}: must be a {keys[key].__name__}, not {type(value).__name__}")
    for name, value in table.get("settings", {}).items():
        if not isinstance(value, (str, int, float, bool)):
            raise FleetError(f"{path}: {where}settings.{name}: must be a string, number or boolean")


def load_sites(path: Path) -> list[Site]:
    """The sites of a TOML sites file (``[defaults]`` and ``[sites.NAME]`` tables), checked."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FleetError(f"{path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FleetError(f"{path}: not valid TOML: {exc}") from None
    _check_table(path, "", data, {"defaults": dict, "sites": dict})
    defaults = data.get("defaults", {})
    _check_table(path, "defaults.", defaults, DEFAULT_KEYS)
    if not data.get("sites"):
        raise FleetError(f"{path}: sites: no site (add a [sites.NAME] table)")
    sites = []
    for name, entry in data["sites"].items():
        if not SITE_NAME.match(name) or not isinstance(entry, dict):
            raise FleetError(f"{path}: sites.{name}: a table named with letters, digits, '.', '-' and '_'")
        _check_table(path, f"sites.{name}.", entry, SITE_KEYS)
        urls = entry.get("start_urls")
        if not urls or not all(isinstance(u, str) and urlsplit(u).scheme in ("http", "https") for u in urls):
            raise FleetError(f"{path}: sites.{name}.start_urls: give a list of http(s) URLs")
        settings = {k: str(v) for k, v in {**defaults.get("settings", {}), **entry.get("settings", {})}.items()}
        sites.append(Site(name, tuple(urls), entry.get("profile"),
                          entry.get("output_root", defaults.get("output_root")), settings))
    return sites


def host_url(text: str) -> str:
    """A scrapyd base URL, normalised (no trailing slash): the host's identity for hashing."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FleetError(f"--scrapyd {text}: not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def rendezvous(site: str, hosts: list[str]) -> str:
    """The host with the highest weight for ``site``: a stable choice that moves a site only when its
    host goes or a new host outweighs it."""
    return max(hosts, key=lambda h: hashlib.sha256(f"{h}|{site}".encode()).digest())


class Scrapyd:
    """The JSON API of one scrapyd host, with urllib."""

    def __init__(self, url: str):
        self.url = url

    def call(self, endpoint: str, fields: list[tuple[str, str]] | None = None, *, egg: bytes | None = None) -> dict:
        target = f"{self.url}/{endpoint}"
        headers, body = {}, None if fields is None else urllib.parse.urlencode(fields).encode()
        if egg is not None:  # addversion.json: a multipart form with the egg as a file
            b = secrets.token_hex(16)
            parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields or ()]
            body = b"".join(parts) + (f'--{b}\r\nContent-Disposition: form-data; name="egg"; filename="project.egg"'
                                      f"\r\n\r\n").encode() + egg + f"\r\n--{b}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={b}"
        try:
            with urllib.request.urlopen(urllib.request.Request(target, body, headers), timeout=TIMEOUT) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise FleetError(f"scrapyd {self.url}: {endpoint}: HTTP {exc.code} {exc.reason}") from None
        except OSError as exc:  # refused, reset, timed out, unknown host
            raise Unreachable(f"scrapyd {self.url}: unreachable ({getattr(exc, 'reason', exc)})") from None
        except (ValueError, http.client.HTTPException):
            raise FleetError(f"scrapyd {self.url}: {endpoint}: not a scrapyd answer") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message", answer) if isinstance(answer, dict) else answer
            raise FleetError(f"scrapyd {self.url}: {endpoint}: {str(message).strip()}")
        return answer

    def jobs(self) -> dict[str, tuple[str, dict]]:
        """Site name → ``(state, job)`` of its newest job here: pending or running first, else finished."""
        found, listing = {}, self.call("listjobs.json")  # all projects: naming one scrapyd lacks is an error
        for state in ("finished", "running", "pending"):  # later states overwrite: pending/running win
            jobs = sorted(listing.get(state, []), key=lambda j: j.get("end_time") or j.get("start_time") or "")
            for job in jobs:
                if (job.get("project"), job.get("spider")) == (PROJECT, SPIDER) and "." in job.get("id", ""):
                    found[job["id"].rsplit(".", 1)[0]] = (state, job)
        return found


def source_version() -> str:
    """A new version whenever a file that goes in the egg changes: see :func:`egg_version`."""
    root, digest = ROOT, hashlib.sha1()
    for top in ("essay_crawler", "pipelines", "pyproject.toml"):
        for path in sorted((root / top).rglob("*")) if (root / top).is_dir() else [root / top]:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes() + b"\0")
    return egg_version(digest.hexdigest())


def egg_version(digest: str, kind: str = "src") -> str:
    """``0_1_0-src-<hash>``: only characters scrapyd keeps in egg file names, which listversions.json lists."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{essay_crawler.__version__}-{kind}-{digest[:12]}")


SETUP_PY = """from setuptools import find_namespace_packages, setup
setup(name="essay-crawler", version={version!r}, packages=find_namespace_packages(include={include!r}),
      package_data={package_data!r}, entry_points={{"scrapy": {entry_points!r}}}, zip_safe=False)
"""


def build_egg(dest: Path) -> Path:
    """Build the project egg with ``scrapyd-deploy --build-egg`` from a copy of the source checkout.

    The copy gets a ``setup.py`` written from pyproject.toml's package list, package data and scrapy
    entry point, which older setuptools run too (pyproject.toml's SPDX license string needs ≥ 77)."""
    root = ROOT
    deploy = shutil.which("scrapyd-deploy", path=str(Path(sys.executable).parent)) or shutil.which("scrapyd-deploy")
    if not (root / "pyproject.toml").is_file():
        raise FleetError(f"no source checkout at {root} to build the egg from: give --egg FILE")
    if deploy is None:
        raise FleetError("scrapyd-deploy not found (pip install scrapyd-client), or give --egg FILE")
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    tools = config["tool"]["setuptools"]
    entry_points = [f"{k} = {v}" for k, v in config["project"]["entry-points"]["scrapy"].items()]
    with tempfile.TemporaryDirectory(prefix="essay-egg-") as tmp:
        project = Path(tmp) / "project"
        for top in ("essay_crawler", "pipelines"):
            shutil.copytree(root / top, project / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (project / "scrapy.cfg").write_text(f"[settings]\ndefault = {PROJECT}.settings\n", encoding="utf-8")
        (project / "setup.py").write_text(SETUP_PY.format(
            version=essay_crawler.__version__, include=tools["packages"]["find"]["include"],
            package_data={"" if k == "*" else k: v for k, v in tools["package-data"].items()},
            entry_points=entry_points), encoding="utf-8")
        proc = subprocess.run([deploy, "--build-egg", str(dest)], cwd=project, capture_output=True, text=True,
                              timeout=300)
    if proc.returncode != 0 or not dest.is_file():
        last = ((proc.stderr or proc.stdout).strip().splitlines() or ["no output"])[-1]
        raise FleetError(f"building the egg failed: {last}")
    return dest


def job_fields(site: Site, version: str, jobid: str) -> list[tuple[str, str]]:
    """The ``schedule.json`` form of one site's crawl (the README's scrapyd call)."""
    fields = [("project", PROJECT), ("spider", SPIDER), ("_version", version), ("jobid", jobid),
              ("start_url", ",".join(site.start_urls))]
    if site.profile:
        fields.append(("profile", site.profile))
    if site.output_root:
        fields.append(("setting", f"ESSAY_OUTPUT_ROOT={site.output_root}"))
    fields += [("setting", f"{name}={value}") for name, value in site.settings.items()]
    return fields


def new_job_id(site: Site) -> str:
    return f"{site.name}.{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def schedule(sites: list[Site], hosts: list[str], egg: Path | None = None, log=print):
    """Deploy where the version is missing, then schedule each site on its host unless a job of it is
    pending or running on any host. Yields ``(site, host, action, ok)``. Every host is asked first, so
    one that is down (:class:`Unreachable`) stops it before anything is scheduled."""
    clients = {url: Scrapyd(url) for url in hosts}
    for client in clients.values():
        client.call("daemonstatus.json")
    version = egg_version(hashlib.sha1(egg.read_bytes()).hexdigest(), "egg") if egg else source_version()
    missing = [c for c in clients.values()
               if version not in c.call(f"listversions.json?project={PROJECT}")["versions"]]
    if missing:
        with tempfile.TemporaryDirectory(prefix="essay-fleet-") as tmp:
            data = (egg or build_egg(Path(tmp) / "essay_crawler.egg")).read_bytes()
            for client in missing:
                client.call("addversion.json", [("project", PROJECT), ("version", version)], egg=data)
                log(f"deployed {PROJECT} {version} to {client.url}")
    jobs = {url: client.jobs() for url, client in clients.items()}
    for site in sites:
        host = rendezvous(site.name, hosts)
        busy = [(url, *jobs[url][site.name]) for url in hosts
                if jobs[url].get(site.name, ("",))[0] in ("pending", "running")]
        if busy:
            url, state, job = busy[0]
            yield site.name, host, f"skipped: {state} {job['id']}" + ("" if url == host else f" on {url}"), True
            continue
        try:
            answer = clients[host].call("schedule.json", job_fields(site, version, new_job_id(site)))
        except FleetError as exc:
            yield site.name, host, f"failed: {exc}", False
        else:
            yield site.name, host, f"scheduled {answer['jobid']}", True


def is_local(url: str) -> bool:
    try:
        host = urlsplit(url).hostname or ""
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def last_run(site: Site, host: str) -> dict | None:
    """``{"run_id", "status", "alerts", "pieces", "partial"}`` of the site's newest committed run (only
    ``partial`` before its first), or None when the host's files are not readable here: a remote host, or
    a relative output root (relative to that scrapyd's working folder)."""
    if not (is_local(host) and site.output_root and Path(site.output_root).is_absolute()):
        return None
    folder = Path(site.output_root) / site.folder
    partial = any(p.is_dir() for p in folder.glob("*.partial"))
    try:
        manifest = json.loads((folder / "latest" / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"partial": partial}
    except (OSError, ValueError):
        return None
    return {"run_id": manifest.get("run_id"), "status": manifest.get("status"), "partial": partial,
            "alerts": [a.get("check") for a in manifest.get("alerts", [])],
            "pieces": manifest.get("counts", {}).get("pieces_written")}


def status(sites: list[Site], hosts: list[str]) -> tuple[list[tuple[Site, str, str, dict | None]], list[str]]:
    """``(site, host, job state, last run)`` per site, and one line per host that did not answer.
    The job state is ``pending``, ``running``, ``finished``, ``-`` (none this scrapyd knows of: finished
    jobs are forgotten when it restarts) or ``unreachable``."""
    jobs, errors = {}, []
    for url in hosts:
        try:
            jobs[url] = Scrapyd(url).jobs()
        except FleetError as exc:
            errors.append(str(exc))
    rows = []
    for site in sites:
        host = rendezvous(site.name, hosts)
        state = jobs[host].get(site.name, ("-",))[0] if host in jobs else "unreachable"
        rows.append((site, host, state, last_run(site, host)))
    return rows, errors
