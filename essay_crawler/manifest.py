"""``run.json``: the manifest of a run (what ran, with what, and its figures), from the crawl's stats
and the run's files. Pure functions; the run extension writes it."""
from __future__ import annotations

import platform
from datetime import datetime

import scrapy

from essay_crawler import __version__
from essay_crawler.monitor import Thresholds
from essay_crawler.runfiles import utc_now

MANIFEST_SETTINGS = ("ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY",
                     "AUTOTHROTTLE_ENABLED", "CLOSESPIDER_PAGECOUNT", "CLEAN_WORKERS", "CLEAN_CONVERT", "USER_AGENT",
                     "ESSAY_WARC", "ESSAY_REDIS_WORKERS", "ESSAY_REDIS_SWEEP")

#: Run figures kept per attempt (summed over the attempts of a resumed run) → Scrapy stats key.
ATTEMPT_STATS = {
    "pages_fetched": "response_received_count",
    "duplicates_skipped": "essay/left_out/duplicate",
    "not_articles": "essay/left_out/not_article",
    "robots_disallowed": "robotstxt/forbidden",
    "articles_known": "essay/left_out/known",
    "articles_unchanged": "essay/left_out/unchanged",
    "articles_taken": "essay/left_out/taken",
    "requests_failed": "essay/requests_failed",
    "layout_checked": "essay/layout/checked",
    "layout_no_content": "essay/layout/no_content",
    "worker_deaths": "essay/worker_deaths",
    "damaged_lines": "essay/damaged_lines",
}


def thresholds_setting(limits: Thresholds) -> dict:
    """The alert thresholds under their setting names, for ``run.json``."""
    return {f"ESSAY_{name.upper()}": value for name, value in vars(limits).items()}


def attempt_counters(stats: dict) -> dict:
    """This process's figures (see :data:`ATTEMPT_STATS`) and its elapsed seconds so far."""
    counters = {name: stats.get(key, 0) for name, key in ATTEMPT_STATS.items()}
    start = stats.get("start_time")
    elapsed = stats.get("elapsed_time_seconds")
    if elapsed is None and start is not None:
        elapsed = (datetime.now(start.tzinfo) - start).total_seconds()
    counters["elapsed_seconds"] = round(elapsed or 0.0, 2)
    return counters


def run_counts(counters: dict, files: dict) -> dict:
    """The figures a person checks after a run: crawl figures of all attempts, plus what the run's
    files hold (pieces, article pages, errors by reason)."""
    return {
        "pages_fetched": counters.get("pages_fetched", 0),
        "article_pages": files["article_pages"],
        "pieces_written": files["pieces_written"],
        "articles_new": files.get("articles_new", files["article_pages"]),
        "articles_changed": files.get("articles_changed", 0),
        "articles_unchanged": counters.get("articles_unchanged", 0),
        "articles_known": counters.get("articles_known", 0),
        "articles_taken": counters.get("articles_taken", 0),
        "duplicates_skipped": counters.get("duplicates_skipped", 0),
        "not_articles": counters.get("not_articles", 0),
        "robots_disallowed": counters.get("robots_disallowed", 0),
        "requests_failed": counters.get("requests_failed", 0),
        "layout_checked": counters.get("layout_checked", 0),
        "layout_no_content": counters.get("layout_no_content", 0),
        "worker_deaths": counters.get("worker_deaths", 0),
        "damaged_lines": counters.get("damaged_lines", 0),
        "errors": files["errors"],
        "elapsed_seconds": round(counters.get("elapsed_seconds", 0.0), 2),
    }


def run_manifest(run, spider, settings, reason: str, counts: dict, alerts: list[dict] | None) -> dict:
    """The manifest of ``run`` ended for ``reason``; ``alerts`` None for a run that did not complete
    (``status`` incomplete), else the alerts its figures raised (``status`` failed or ok)."""
    limits = Thresholds.from_settings(settings)
    return {
        "run_id": run.run_id,
        "site": spider.site_name,
        "start_urls": list(spider.start_urls),
        "profile": spider.profile.name if spider.profile else None,
        "started": run.started,
        "finished": utc_now(),
        "exit_reason": reason,
        "status": "incomplete" if alerts is None else "failed" if alerts else "ok",
        "alerts": alerts or [],
        "attempts": run.row.attempts,
        "refresh": settings.getbool("ESSAY_REFRESH", False),
        "state": str(run.state.path) if run.state else None,
        "files": run.files.final_paths() | ({"warc": str(run.files.warc)} if run.warc else {}),
        "counts": counts,
        "versions": {"essay-crawler": __version__, "scrapy": scrapy.__version__,
                     "python": platform.python_version()},
        "settings": {k: settings.get(k) for k in MANIFEST_SETTINGS} | thresholds_setting(limits),
    }
