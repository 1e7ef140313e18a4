"""Fault handling: a site that errors, hangs, resets, truncates, oversends, loops and mislabels its
charset. The crawl keeps going, writes one error line per lost page, and every good page's records.

One crawl (a subprocess) of ``tests/faultsite.py``'s site feeds the end-to-end tests; the fault
routes themselves and the failure → reason mapping are checked directly.
"""
from __future__ import annotations

import http.client
import socket
from collections import Counter
from urllib.parse import urlsplit

import pytest
from conftest import validate_records
from crawl_helpers import crawl, error_lines, without_crawl_time
from faultsite import (
    FAILING,
    LINKED_REDIRECT,
    MAX_SIZE,
    PROFILE_TOML,
    RETRY_TIMES,
    expected_errors,
    expected_pieces,
    fault_routes,
)
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from essay_crawler.demo import Route, SiteServer
from essay_crawler.items import ErrorItem
from essay_crawler.middlewares import RedirectFailed
from essay_crawler.spiders.essays import EssaysSpider, error_reason
from pipelines import REASONS

# Most of this site fails on purpose, so the run's error-rate alert is switched off.
FAULT_SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_BACKOFF_BASE=0.05", "-s", f"DOWNLOAD_MAXSIZE={MAX_SIZE}",
                  "-s", f"RETRY_TIMES={RETRY_TIMES}", "--concurrency", "8", "--max-error-rate", "1")


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory):
    """``(base_url, run, requests per path)`` of one crawl of the fault site."""
    tmp = tmp_path_factory.mktemp("faults")
    profile = tmp / "faults.toml"
    profile.write_text(PROFILE_TOML, encoding="utf-8")
    srv = SiteServer()
    srv.routes.update(fault_routes(srv.base_url))
    with srv:
        run = crawl(srv.url("/"), tmp / "out.jsonl", "--profile", str(profile), *FAULT_SETTINGS)
    return srv.base_url, run, Counter(srv.requests)


# ------------------------------------------------------------------ end to end


def test_every_good_page_is_written_despite_the_faults(fault_crawl):
    base, run, _ = fault_crawl
    pieces = sorted(without_crawl_time(run.pieces), key=lambda r: (r["url"], r["piece_no"]))
    validate_records(pieces)
    assert pieces == expected_pieces(base)


def test_each_fault_is_one_error_line_with_its_reason(fault_crawl):
    base, run, _ = fault_crawl
    assert error_lines(run.errors) == expected_errors(base)
    assert {e["reason"] for e in run.errors} <= set(REASONS)


def test_run_summary_counts_pieces_and_errors_by_reason(fault_crawl):
    _, run, _ = fault_crawl
    counts = run.manifest["counts"]
    assert run.manifest["exit_reason"] == "finished"
    assert (counts["article_pages"], counts["pieces_written"]) == (10, 11)
    assert counts["errors"] == dict(Counter(reason for reason, _ in FAILING.values()))


def test_transient_failures_are_retried_until_the_page_arrives(fault_crawl):
    _, _, requests = fault_crawl
    assert requests["/f/flaky500.html"] == 3  # 500, 500, page
    assert requests["/f/flaky429.html"] == 2  # 429 with Retry-After: 0, page
    assert requests["/f/flakyreset.html"] == 2  # reset, page


def test_persistent_failures_are_retried_then_given_up(fault_crawl):
    _, run, requests = fault_crawl
    attempts = RETRY_TIMES + 1
    for path in ("/f/down.html", "/f/hang.html", "/f/stall.html", "/f/truncated.html"):
        assert requests[path] == attempts, path
    assert requests["/f/reset.html"] >= attempts  # Twisted may resend once on a reused connection
    messages = {urlsplit(e["url"]).path: e["message"] for e in run.errors}
    for path in ("/f/hang.html", "/f/stall.html", "/f/truncated.html", "/f/reset.html"):
        assert messages[path].endswith(f"(gave up after {attempts} attempts)"), messages[path]


def test_oversized_pages_and_redirect_failures_are_not_retried(fault_crawl):
    base, run, requests = fault_crawl
    assert [requests[p] for p in ("/f/huge.html", "/f/huge-unsized.html", "/f/loop-a.html", "/f/loop-b.html")] == [1] * 4
    assert [requests[f"/f/chain-{n}.html"] for n in range(7)] == [1] * 6 + [0]
    messages = {urlsplit(e["url"]).path: e["message"] for e in run.errors}
    assert messages["/f/loop-a.html"] == (f"redirect loop: {base}/f/loop-a.html -> {base}/f/loop-b.html -> "
                                          f"{base}/f/loop-a.html")
    assert messages["/f/chain-0.html"].startswith(f"more than 5 redirects: {base}/f/chain-0.html -> ")
    assert [requests[p] for p in ("/f/refresh-a.html", "/f/refresh-b.html")] == [1, 1]
    assert messages["/f/refresh-a.html"] == (f"redirect loop: {base}/f/refresh-a.html -> {base}/f/refresh-b.html -> "
                                             f"{base}/f/refresh-a.html")
    assert str(MAX_SIZE) in messages["/f/huge.html"]


def test_a_working_redirect_gives_the_target_page_records(fault_crawl):
    base, run, requests = fault_crawl
    assert requests[LINKED_REDIRECT] == 1
    assert {r["url"] for r in run.pieces if "lantern" in r["url"]} == {base + "/ok/lantern.html"}


def test_mislabelled_charsets_give_correct_records(fault_crawl):
    base, run, _ = fault_crawl
    urls = (base + "/f/gbk-labelled-utf8.html", base + "/f/utf8-labelled-gbk.html")
    got = [r for r in without_crawl_time(run.pieces) if r["url"] in urls]
    assert sorted(got, key=lambda r: r["url"]) == [r for r in expected_pieces(base) if r["url"] in urls]


# ------------------------------------------------------------------ the fault routes


@pytest.fixture()
def server():
    with SiteServer() as srv:
        yield srv


def connect(srv: SiteServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", urlsplit(srv.base_url).port, timeout=5)


def test_reset_route_aborts_the_connection(server):
    server.routes["/r"] = Route.reset()
    conn = connect(server)
    conn.request("GET", "/r")
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        conn.getresponse()


def test_truncated_route_sends_less_than_its_content_length(server):
    server.routes["/t"] = Route.truncated(b"0123456789", missing=5)
    conn = connect(server)
    conn.request("GET", "/t")
    resp = conn.getresponse()
    assert resp.getheader("Content-Length") == "15"
    with pytest.raises(http.client.IncompleteRead) as err:
        resp.read()
    assert err.value.partial == b"0123456789"


def test_unsized_route_ends_its_body_by_closing(server):
    server.routes["/u"] = Route.unsized(b"x" * 1000)
    conn = connect(server)
    conn.request("GET", "/u")
    resp = conn.getresponse()
    assert (resp.getheader("Content-Length"), resp.read()) == (None, b"x" * 1000)


def test_hang_and_stall_routes_keep_the_client_waiting(server):
    server.routes["/h"] = Route.hang(1.0)
    server.routes["/s"] = Route.stall(b"abcdef", 1.0)
    for path in ("/h", "/s"):
        conn = http.client.HTTPConnection("127.0.0.1", urlsplit(server.base_url).port, timeout=0.2)
        conn.request("GET", path)
        with pytest.raises(socket.timeout):
            conn.getresponse().read()


def test_sequence_route_answers_each_attempt_in_turn_then_repeats_the_last(server):
    server.routes["/q"] = Route.sequence(Route.page(b"", status=503), Route.redirect("/x"), Route.page(b"ok"))
    conn = connect(server)
    answers = []
    for _ in range(4):
        conn.request("GET", "/q")
        resp = conn.getresponse()
        answers.append((resp.status, resp.getheader("Location"), resp.read()))
    assert answers == [(503, None, b""), (302, "/x", b""), (200, None, b"ok"), (200, None, b"ok")]


# ------------------------------------------------------------------ failure → reason


def failure_of(exc: Exception, url: str = "http://127.0.0.1:1/a.html", retries: int = 0) -> Failure:
    failure = Failure(exc)
    failure.request = Request(url, meta={"retry_times": retries} if retries else {})
    return failure


@pytest.mark.parametrize(("exc", "reason"), [
    (DownloadTimeoutError("Getting X took longer than 1.0 seconds."), "timeout"),
    (DownloadCancelledError(), "too_large"),
    (ResponseDataLossError(), "truncated"),
    (DownloadFailedError("connection lost"), "connection_error"),
    (DownloadConnectionRefusedError("refused"), "connection_error"),
    (CannotResolveHostError("no such host"), "connection_error"),
    (RedirectFailed("redirect loop", ["http://h/a", "http://h/b", "http://h/a"]), "redirect_loop"),
])
def test_download_failures_map_to_documented_reasons(exc, reason):
    assert reason in REASONS
    assert error_reason(failure_of(exc))[0] == reason


def test_reason_messages_say_what_failed_and_how_often():
    assert error_reason(failure_of(DownloadCancelledError())) == ("too_large", "body larger than DOWNLOAD_MAXSIZE", None)
    assert error_reason(failure_of(ResponseDataLossError(), retries=2)) == (
        "truncated", "body shorter than its Content-Length (gave up after 3 attempts)", None)
    response = HtmlResponse("http://127.0.0.1:1/a.html", status=503, body=b"")
    assert error_reason(failure_of(HttpError(response, "Ignoring"), retries=3)) == ("http_error", "HTTP 503", 503)


def test_policy_drops_are_not_errors_but_redirect_failures_are():
    spider = EssaysSpider(start_url="http://127.0.0.1:1/")
    assert list(spider.on_error(failure_of(IgnoreRequest("Forbidden by robots.txt")))) == []
    loop = RedirectFailed("redirect loop", ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b", "http://127.0.0.1:1/a"])
    items = list(spider.on_error(failure_of(loop, url="http://127.0.0.1:1/b")))
    assert items == [ErrorItem("http://127.0.0.1:1/a", "redirect_loop",
                               "redirect loop: http://127.0.0.1:1/a -> http://127.0.0.1:1/b -> http://127.0.0.1:1/a")]
