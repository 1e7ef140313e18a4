"""The incremental state of a site: which articles were written, with which content, by which run.

One SQLite file (WAL journal), one connection in the crawl process. It is both what makes runs
incremental (known article URLs are not fetched again) and what makes a killed run resumable (the
articles a partial run already wrote are known to the run that continues it).

Tables:

``runs``      one row per run: ``key`` (same arguments → same key), ``run_id``, ``started``,
              ``status`` (``partial`` → ``committing`` → ``committed``), ``attempts``, ``counters``
              (crawl figures of finished attempts), ``current`` (figures of the attempt running now),
              ``manifest`` (the ``run.json`` being committed).
``articles``  one row per canonical article URL: ``content_hash``, ``pieces``, ``run`` (the run that
              last wrote it), ``first_run``, ``written_at``.
``urls``      every URL an article was fetched under (canonical and aliases) → canonical URL.

An article counts as *known* when the run that last wrote it is committed (or committing), or is the
run in progress: articles of an abandoned partial run are fetched again by other runs.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    started TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    counters TEXT NOT NULL DEFAULT '{}',
    current TEXT NOT NULL DEFAULT '{}',
    manifest TEXT
);
CREATE INDEX IF NOT EXISTS runs_key ON runs (key, status);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    pieces INTEGER NOT NULL,
    run INTEGER NOT NULL REFERENCES runs (id),
    first_run INTEGER NOT NULL REFERENCES runs (id),
    written_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    canonical TEXT NOT NULL
);
"""

#: Fields that identify a piece's place rather than its content (left out of the content hash).
VOLATILE_FIELDS = frozenset({"crawled_at", "id"})


def content_hash(records: list[dict]) -> str:
    """SHA-1 over every piece's fields except ``crawled_at`` (and ``id``, which follows from url)."""
    digest = hashlib.sha1()
    for record in records:
        stable = {k: v for k, v in record.items() if k not in VOLATILE_FIELDS}
        digest.update(json.dumps(stable, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def url_shape(url: str) -> str:
    """Host and path with every digit run replaced by ``#``: ``h/zuowen/1001.html`` → ``h/zuowen/#.html``."""
    parts = urlsplit(url)
    return f"{parts.hostname}{re.sub(r'[0-9]+', '#', parts.path)}"


@dataclass(frozen=True)
class RunRow:
    """A run as stored: its row id, ``run_id``, ``started`` time, ``status`` and ``attempts``."""

    id: int
    run_id: str
    started: str
    status: str
    attempts: int


class CrawlState:
    """The state database (see the module docstring)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # runs -------------------------------------------------------------------------------------

    def unfinished_run(self, key: str) -> RunRow | None:
        """The newest run with ``key`` that is not committed."""
        row = self.db.execute("SELECT id, run_id, started, status, attempts FROM runs "
                              "WHERE key = ? AND status != 'committed' ORDER BY id DESC LIMIT 1",
                              (key,)).fetchone()
        return RunRow(*row) if row else None

    def start_run(self, key: str, run_id: str, started: str) -> RunRow:
        cur = self.db.execute("INSERT INTO runs (key, run_id, started, status) VALUES (?, ?, ?, 'partial')",
                              (key, run_id, started))
        row_id = cur.lastrowid
        assert row_id is not None  # set by a successful INSERT
        return RunRow(row_id, run_id, started, "partial", 1)

    def resume_run(self, run: RunRow) -> RunRow:
        """Count one more attempt; the figures of the previous attempt join the run's counters."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            counters = add_counters(self.counters(run.id), self._json(run.id, "current"))
            self.db.execute("UPDATE runs SET attempts = attempts + 1, counters = ?, current = '{}' WHERE id = ?",
                            (json.dumps(counters), run.id))
        return RunRow(run.id, run.run_id, run.started, run.status, run.attempts + 1)

    def _json(self, run: int, column: str) -> dict:
        row = self.db.execute(f"SELECT {column} FROM runs WHERE id = ?", (run,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def counters(self, run: int) -> dict:
        """Crawl figures of the run's earlier attempts."""
        return self._json(run, "counters")

    def save_current(self, run: int, counters: dict) -> None:
        """Remember the running attempt's figures (so a killed attempt's work still counts)."""
        self.db.execute("UPDATE runs SET current = ? WHERE id = ?", (json.dumps(counters), run))

    def set_committing(self, run: int, manifest: dict) -> None:
        self.db.execute("UPDATE runs SET status = 'committing', manifest = ? WHERE id = ?",
                        (json.dumps(manifest, ensure_ascii=False), run))

    def committing_manifest(self, run: int) -> dict:
        return self._json(run, "manifest")

    def set_committed(self, run: int) -> None:
        self.db.execute("UPDATE runs SET status = 'committed' WHERE id = ?", (run,))

    # articles ---------------------------------------------------------------------------------

    _VISIBLE = ("FROM articles a JOIN runs r ON r.id = a.run "
                "WHERE (r.status != 'partial' OR r.id = :run)")

    def known_urls(self, run: int) -> set[str]:
        """Every URL (canonical or alias) of a known article."""
        rows = self.db.execute("SELECT u.url FROM urls u JOIN articles a ON a.url = u.canonical "
                               "JOIN runs r ON r.id = a.run WHERE (r.status != 'partial' OR r.id = :run)",
                               {"run": run})
        return {url for (url,) in rows}

    def known_shapes(self, run: int) -> set[str]:
        """URL shapes (:func:`url_shape`) of known articles."""
        return {url_shape(url) for (url,) in self.db.execute("SELECT a.url " + self._VISIBLE, {"run": run})}

    def known_hash(self, canonical: str, run: int) -> str | None:
        """Content hash of a known article, else None."""
        row = self.db.execute("SELECT a.content_hash " + self._VISIBLE + " AND a.url = :url",
                              {"run": run, "url": canonical}).fetchone()
        return row[0] if row else None

    def add_alias(self, url: str, canonical: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO urls (url, canonical) VALUES (?, ?)", (url, canonical))

    def claim(self, canonical: str, run: int) -> bool:
        """True when ``run`` may write the article: always, as one crawl holds the state's lock (the
        Redis state, shared by workers, lets only the first claim win)."""
        return True

    def mark_written(self, canonical: str, fetched: str, digest: str, pieces: int, run: int, when: str) -> None:
        """Record that the article's pieces are on disk (call after writing them)."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO articles (url, content_hash, pieces, run, first_run, written_at) "
                "VALUES (:url, :hash, :pieces, :run, :run, :when) ON CONFLICT (url) DO UPDATE SET "
                "content_hash = :hash, pieces = :pieces, run = :run, written_at = :when",
                {"url": canonical, "hash": digest, "pieces": pieces, "run": run, "when": when})
            for url in {canonical, fetched}:
                self.db.execute("INSERT OR REPLACE INTO urls (url, canonical) VALUES (?, ?)", (url, canonical))

    def forget_unwritten(self, run: int, written: set[str]) -> int:
        """Forget the articles recorded as written by ``run`` whose canonical URL is not in ``written``
        (its file lost them, e.g. a truncated tail); returns how many."""
        rows = self.db.execute("SELECT url FROM articles WHERE run = ?", (run,)).fetchall()
        gone = [(url,) for (url,) in rows if url not in written]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("DELETE FROM articles WHERE url = ?", gone)
        return len(gone)

    def written_by(self, run: int) -> dict[str, int]:
        """``{"new": n, "changed": n}``: articles this run wrote first, and wrote again with new content."""
        new, changed = self.db.execute(
            "SELECT COALESCE(SUM(first_run = run), 0), COALESCE(SUM(first_run != run), 0) "
            "FROM articles WHERE run = ?", (run,)).fetchone()
        return {"new": new, "changed": changed}


def add_counters(a: dict, b: dict) -> dict:
    """Sum two flat dicts of numbers."""
    return {k: a.get(k, 0) + b.get(k, 0) for k in sorted(set(a) | set(b))}
