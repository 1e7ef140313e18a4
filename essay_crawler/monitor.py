"""Checks on a finished run's figures that decide whether an unattended run failed.

Pure functions over the ``counts`` of ``run.json``; no Scrapy. Each alert is
``{"check": name, "message": one line}``.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipelines.errors import NOTICES

#: Error reasons that come from cleaning a fetched page (the page was fetched; not a request failure).
PAGE_ERROR_REASONS = frozenset({"bad_encoding", "not_a_page", "no_content", "internal_error", "piece_too_long",
                                "timeout_cleaning"})


@dataclass(frozen=True)
class Thresholds:
    """Alert limits. Rates are fractions; a check fires when the rate is above its limit."""

    max_error_rate: float = 0.2
    max_mismatch_rate: float = 0.2
    max_no_content_rate: float = 0.5
    layout_min_pages: int = 3

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        """From ``ESSAY_MAX_ERROR_RATE``, ``ESSAY_MAX_MISMATCH_RATE``, ``ESSAY_MAX_NO_CONTENT_RATE`` and
        ``ESSAY_LAYOUT_MIN_PAGES`` (the defaults above when unset)."""
        d = cls()
        return cls(max_error_rate=settings.getfloat("ESSAY_MAX_ERROR_RATE", d.max_error_rate),
                   max_mismatch_rate=settings.getfloat("ESSAY_MAX_MISMATCH_RATE", d.max_mismatch_rate),
                   max_no_content_rate=settings.getfloat("ESSAY_MAX_NO_CONTENT_RATE", d.max_no_content_rate),
                   layout_min_pages=settings.getint("ESSAY_LAYOUT_MIN_PAGES", d.layout_min_pages))


def error_rate(counts: dict) -> tuple[int, int]:
    """``(errors, attempts)``: pages that failed (fetch or cleaning; notices such as split mismatches
    aside) over pages fetched plus requests that got no response."""
    errors = sum(n for reason, n in counts["errors"].items() if reason not in NOTICES)
    return errors, counts["pages_fetched"] + counts.get("requests_failed", 0)


def check_no_pieces(counts: dict, limits: Thresholds) -> str | None:
    """Nothing written, and not because every article found was already known (or, on a site shared
    by workers, written by another worker)."""
    if any(counts.get(k, 0) for k in ("pieces_written", "articles_known", "articles_unchanged", "articles_taken")):
        return None
    return "wrote no pieces (no new, changed or already known articles found)"


def check_error_rate(counts: dict, limits: Thresholds) -> str | None:
    errors, attempts = error_rate(counts)
    if attempts and errors / attempts > limits.max_error_rate:
        return (f"error rate {errors}/{attempts} = {errors / attempts:.2f} is above "
                f"--max-error-rate {limits.max_error_rate}")
    return None


def check_mismatch_rate(counts: dict, limits: Thresholds) -> str | None:
    mismatches, articles = counts["errors"].get("split_mismatch", 0), counts["article_pages"]
    if articles and mismatches / articles > limits.max_mismatch_rate:
        return (f"split-mismatch rate {mismatches}/{articles} = {mismatches / articles:.2f} is above "
                f"--max-mismatch-rate {limits.max_mismatch_rate}")
    return None


def check_layout(counts: dict, limits: Thresholds) -> str | None:
    """Most article-looking pages gave no content: the page layout has probably changed."""
    checked, empty = counts.get("layout_checked", 0), counts.get("layout_no_content", 0)
    if checked >= limits.layout_min_pages and empty / checked > limits.max_no_content_rate:
        return (f"page layout seems changed: no content on {empty}/{checked} article pages "
                f"(above --max-no-content-rate {limits.max_no_content_rate})")
    return None


def check_worker_deaths(counts: dict, limits: Thresholds) -> str | None:
    """A cleaning worker died (killed, e.g. by the OOM killer): the run went on, but someone should know."""
    deaths = counts.get("worker_deaths", 0)
    if deaths:
        return f"{deaths} cleaning worker(s) died during the run (killed, e.g. out of memory); replaced"
    return None


CHECKS = {"no_pieces": check_no_pieces, "error_rate": check_error_rate,
          "mismatch_rate": check_mismatch_rate, "layout_changed": check_layout,
          "worker_died": check_worker_deaths}


def run_alerts(counts: dict, limits: Thresholds) -> list[dict]:
    """The alerts a run's figures raise, in a fixed order."""
    alerts = []
    for name, check in CHECKS.items():
        message = check(counts, limits)
        if message:
            alerts.append({"check": name, "message": message})
    return alerts


def alert_line(manifest: dict) -> str:
    """One line for stderr saying why a run failed."""
    reasons = "; ".join(a["message"] for a in manifest["alerts"])
    return f"alert: {manifest['site']} run {manifest['run_id']} failed: {reasons} ({manifest['files']['manifest']})"
