"""A run fails (exit 1, one ``alert:`` line, ``run.json`` status and alerts) when it wrote nothing, when
too many pages failed or split wrongly, or when article pages stopped yielding content."""
from __future__ import annotations

import pytest
from crawl_runs import demo_site, is_article_path, latest_run, run_crawl, site_dir

from essay_crawler.demo.server import Route, SiteServer
from essay_crawler.monitor import Thresholds, alert_line, run_alerts

LOGIN_WALL = Route.page("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>请登录</title></head>"
                        "<body><p>请登录后查看全文。</p></body></html>".encode())


def counts(**figures) -> dict:
    base = {"pages_fetched": 35, "article_pages": 23, "pieces_written": 65, "articles_known": 0,
            "articles_unchanged": 0, "requests_failed": 0, "layout_checked": 24, "layout_no_content": 0,
            "errors": {"http_error": 1, "split_mismatch": 1}}
    return base | figures


DEFAULT_LIMITS = Thresholds()


def checks(figures: dict, limits: Thresholds = DEFAULT_LIMITS) -> list[str]:
    return [a["check"] for a in run_alerts(figures, limits)]


def test_the_demo_crawl_figures_raise_no_alert():
    assert checks(counts()) == []


def test_no_pieces_fires_unless_articles_were_already_known():
    assert checks(counts(pieces_written=0, article_pages=0, errors={})) == ["no_pieces"]
    assert checks(counts(pieces_written=0, article_pages=0, errors={}, articles_known=24)) == []
    assert checks(counts(pieces_written=0, article_pages=0, errors={}, articles_unchanged=24)) == []


def test_rates_are_compared_with_their_limits():
    assert checks(counts(errors={"http_error": 7})) == []  # 7/35 = 0.2, not above
    assert checks(counts(errors={"http_error": 8})) == ["error_rate"]
    assert checks(counts(errors={"timeout": 5}, pages_fetched=20, requests_failed=5)) == []  # 5/25
    assert checks(counts(errors={"split_mismatch": 5})) == ["mismatch_rate"]  # 5/23
    assert checks(counts(errors={"split_mismatch": 5}), Thresholds(max_mismatch_rate=0.25)) == []
    assert checks(counts(layout_checked=10, layout_no_content=6)) == ["layout_changed"]
    assert checks(counts(layout_checked=10, layout_no_content=5)) == []
    assert checks(counts(layout_checked=2, layout_no_content=2)) == []  # too few pages to tell


def test_alert_line_is_one_line_with_every_reason():
    manifest = {"site": "s", "run_id": "r", "files": {"manifest": "out/s/r/run.json"},
                "alerts": run_alerts(counts(pieces_written=0, article_pages=0, errors={"http_error": 30}),
                                     Thresholds())}
    line = alert_line(manifest)
    assert "\n" not in line
    assert line.startswith("alert: s run r failed: wrote no pieces")
    assert "error rate 30/35 = 0.86 is above --max-error-rate 0.2" in line and line.endswith("(out/s/r/run.json)")


def failed_run(result, out) -> tuple[dict, list[str]]:
    """The run.json of a failed run, and its stderr lines starting with ``alert:``."""
    assert result.returncode == 1, result.stderr
    manifest, _, _ = latest_run(out)  # committed all the same: its pieces are valid
    assert manifest["status"] == "failed"
    return manifest, [line for line in result.stderr.splitlines() if line.startswith("alert:")]


def test_a_run_that_found_nothing_fails(tmp_path):
    with SiteServer({"/": Route.page("<html><body><p>网站维护中</p></body></html>".encode())}) as srv:
        result = run_crawl(srv, tmp_path)
    manifest, lines = failed_run(result, tmp_path)
    assert [a["check"] for a in manifest["alerts"]] == ["no_pieces"]
    assert lines == [alert_line(manifest)]


@pytest.fixture
def site():
    with demo_site() as srv:
        yield srv


def test_mismatch_rate_limit_is_configurable(site, tmp_path):
    result = run_crawl(site, tmp_path, "--max-mismatch-rate", "0.01")
    manifest, lines = failed_run(result, tmp_path)
    assert manifest["alerts"] == [{"check": "mismatch_rate", "message": "split-mismatch rate 1/23 = 0.04 is above "
                                                                        "--max-mismatch-rate 0.01"}]
    assert len(lines) == 1 and "split-mismatch rate 1/23" in lines[0]
    assert manifest["settings"]["ESSAY_MAX_MISMATCH_RATE"] == 0.01


def test_many_failed_pages_fail_the_run(site, tmp_path):
    gone = [p for p in sorted(site.routes) if p.startswith(("/duhougan/", "/zuowen/")) and "list_" not in p
            and p != "/zuowen/1008.html"][:8]
    for path in gone:
        del site.routes[path]
    result = run_crawl(site, tmp_path / "a")
    manifest, lines = failed_run(result, tmp_path / "a")
    assert [a["check"] for a in manifest["alerts"]] == ["error_rate"]
    assert manifest["counts"]["errors"]["http_error"] == 9
    assert len(lines) == 1

    assert run_crawl(site, tmp_path / "b", "--max-error-rate", "0.5").returncode == 0


def test_layout_change_on_profile_article_pages(site, tmp_path):
    for path in [p for p in site.routes if is_article_path(p)]:
        site.routes[path] = LOGIN_WALL
    manifest, lines = failed_run(run_crawl(site, tmp_path), tmp_path)
    assert [a["check"] for a in manifest["alerts"]] == ["no_pieces", "error_rate", "layout_changed"]
    # 23 article pages and an alias URL of one of them
    assert (manifest["counts"]["layout_checked"], manifest["counts"]["layout_no_content"]) == (24, 24)


def test_layout_change_on_the_automatic_path_uses_urls_of_earlier_articles(site, tmp_path):
    first = run_crawl(site, tmp_path, profile=None)
    assert first.returncode == 0, first.stderr
    written, _, _ = latest_run(tmp_path)
    assert written["counts"]["article_pages"] > 3
    for path in [p for p in site.routes if is_article_path(p)]:
        site.routes[path] = LOGIN_WALL
    manifest, lines = failed_run(run_crawl(site, tmp_path, "--refresh", profile=None), tmp_path)
    assert [a["check"] for a in manifest["alerts"]] == ["no_pieces", "layout_changed"]
    assert manifest["counts"]["layout_no_content"] == manifest["counts"]["layout_checked"] > 3
    assert (site_dir(tmp_path) / "latest").resolve().name == manifest["run_id"]
