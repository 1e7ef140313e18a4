"""The incremental state of a site crawled by several workers (``ESSAY_REDIS_URL``): its articles in
Redis, shared by every worker; its runs in the worker's own SQLite file, as for any crawl (a run's
partial files are on the worker's disk, and so is what resumes and commits it).

:class:`RedisState` has :class:`~essay_crawler.state.CrawlState`'s interface. Keys (``essay:<site>:``):

``articles``   hash: canonical URL → JSON ``{"hash", "pieces", "run", "first_run", "written_at"}``
               (``run``: the run that last wrote it, by its number in ``runs``).
``runs``       hash: ``<host>:<state path>#<run row>`` → the run's number (from the counter ``run_numbers``).
``urls``       hash: every URL an article was fetched under (canonical and aliases) → canonical URL.
``claims``     hash: canonical URL → the run that claimed it. The first claim wins (``HSETNX``), and
               only the winner writes the article, so no two workers write one article.
``run:<run>``  set: the canonical URLs that run wrote.

An article is *known* once any worker has written it (its lines are on that worker's disk: in a
committed run, or in a partial one that the same command resumes).
"""
from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import cast

import redis

from essay_crawler.frontier import connect
from essay_crawler.shared import SiteKeys
from essay_crawler.state import CrawlState, url_shape


class RedisState(CrawlState):
    """Runs in the SQLite file at ``path``; articles in the Redis at ``url`` (see the module docstring)."""

    def __init__(self, path: str | Path, url: str, site: str):
        self.client = connect(url)
        super().__init__(path)
        self.url = url
        self.keys = SiteKeys.of(site)
        self.worker = f"{socket.gethostname()}:{self.path.resolve()}"
        self.names: dict[int, str] = {}

    def close(self) -> None:
        super().close()
        self.client.close()

    def run_name(self, run: int) -> str:
        """The run's short name in Redis (a number, unique among every worker's runs): the ``runs`` hash
        gives each ``<host>:<state path>#<run row>`` one the first time it is seen."""
        if run not in self.names:
            full = f"{self.worker}#{run}"
            candidate = str(self.client.incr(self.keys.run_numbers))
            self.client.hsetnx(self.keys.runs, full, candidate)
            self.names[run] = cast(str, self.client.hget(self.keys.runs, full))
        return self.names[run]

    def _article(self, canonical: str) -> dict | None:
        value = self.client.hget(self.keys.articles, canonical)
        return json.loads(value) if value else None

    def _canonical_urls(self) -> list[str]:
        return cast(list[str], self.client.hkeys(self.keys.articles))  # str: the client decodes (connect)

    def _run_urls(self, name: str) -> set[str]:
        return cast(set[str], self.client.smembers(self.keys.run(name)))

    def known_urls(self, run: int) -> set[str]:
        articles = set(self._canonical_urls())
        urls = cast(dict[str, str], self.client.hgetall(self.keys.urls))
        return {url for url, canonical in urls.items() if canonical in articles}

    def known_shapes(self, run: int) -> set[str]:
        return {url_shape(url) for url in self._canonical_urls()}

    def known_hash(self, canonical: str, run: int) -> str | None:
        article = self._article(canonical)
        return article["hash"] if article else None

    def add_alias(self, url: str, canonical: str) -> None:
        self.client.hset(self.keys.urls, url, canonical)

    def claim(self, canonical: str, run: int) -> bool:
        """True when this run may write the article: its claim is the first (or it holds it already)."""
        name = self.run_name(run)
        return bool(self.client.hsetnx(self.keys.claims, canonical, name)) or \
            self.client.hget(self.keys.claims, canonical) == name

    def mark_written(self, canonical: str, fetched: str, digest: str, pieces: int, run: int, when: str) -> None:
        name = self.run_name(run)
        earlier = self._article(canonical)
        article = {"hash": digest, "pieces": pieces, "run": name,
                   "first_run": earlier["first_run"] if earlier else name, "written_at": when}
        with self.client.pipeline(transaction=True) as tx:
            tx.hset(self.keys.articles, canonical, json.dumps(article, ensure_ascii=False))
            tx.hset(self.keys.urls, mapping={canonical: canonical, fetched: canonical})
            tx.sadd(self.keys.run(name), canonical)
            tx.execute()

    def forget_unwritten(self, run: int, written: set[str]) -> int:
        name = self.run_name(run)
        gone = [url for url in self._run_urls(name) if url not in written]
        for url in gone:
            article = self._article(url)
            with self.client.pipeline(transaction=True) as tx:
                if article and article["run"] == name:
                    tx.hdel(self.keys.articles, url)
                tx.srem(self.keys.run(name), url)
                tx.execute()
        return len(gone)

    def written_by(self, run: int) -> dict[str, int]:
        """As :meth:`CrawlState.written_by`; empty when Redis does not answer (a run stopped by that)."""
        try:
            return self._written_by(self.run_name(run))
        except redis.RedisError:
            return {}

    def _written_by(self, name: str) -> dict[str, int]:
        urls = sorted(self._run_urls(name))
        articles = [json.loads(v) for v in (self.client.hmget(self.keys.articles, urls) if urls else []) if v]
        mine = [a for a in articles if a["run"] == name]
        new = sum(a["first_run"] == name for a in mine)
        return {"new": new, "changed": len(mine) - new}
