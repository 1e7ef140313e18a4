"""The shared pieces of a crawl over Redis, against a real redis-server: the state (first claim wins,
what is known, resume's forgetting, the run's figures), a restart that keeps it, request JSON, the
politeness share, and an unreachable server."""
from __future__ import annotations

import signal

import pytest
from conftest import needs_redis
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.request import request_from_dict

from essay_crawler import requestjson
from essay_crawler.frontier import connect
from essay_crawler.redis_state import RedisState
from essay_crawler.shared import RedisUnreachable, SiteKeys, politeness_share
from essay_crawler.spiders.essays import EssaysSpider

pytestmark = needs_redis
SITE = "127.0.0.1_8737"
A = "http://127.0.0.1:8737/zuowen/1001.html"
B = "http://127.0.0.1:8737/zuowen/1002.html"


@pytest.fixture
def two_workers(redis_server, tmp_path):
    """Two workers' states of one site (each its own SQLite file for runs), with one run each."""
    states = [RedisState(tmp_path / f"w{i}" / "state.sqlite", redis_server.url, SITE) for i in (1, 2)]
    runs = [s.start_run("key", f"2026120{i}T000000Z", "2026-12-01T00:00:00+00:00").id for i, s in enumerate(states)]
    yield states, runs
    for s in states:
        s.close()


def test_first_claim_wins_and_only_written_articles_are_known(two_workers):
    (w1, w2), (r1, r2) = two_workers
    assert r1 == r2 == 1 and w1.run_name(r1) != w2.run_name(r2)  # same row in each worker's SQLite
    assert w1.claim(A, r1) and w1.claim(A, r1)  # the winner keeps its claim
    assert not w2.claim(A, r2)
    assert w2.claim(B, r2)
    assert w1.known_urls(r1) == set() and w2.known_hash(A, r2) is None  # claimed is not written
    w1.mark_written(A, A + "?from=list", "h1", 2, r1, "2026-12-01T00:00:01+00:00")
    w2.add_alias("http://127.0.0.1:8737/m/1002.html", B)  # an alias of an article not written yet
    assert w2.known_urls(r2) == {A, A + "?from=list"}
    assert w2.known_hash(A, r2) == "h1"
    assert w2.known_shapes(r2) == {"127.0.0.1/zuowen/#.html"}
    w2.mark_written(B, B, "h2", 1, r2, "2026-12-01T00:00:02+00:00")
    assert w1.known_urls(r1) == {A, A + "?from=list", B, "http://127.0.0.1:8737/m/1002.html"}
    assert w1.written_by(r1) == {"new": 1, "changed": 0}
    assert w2.written_by(r2) == {"new": 1, "changed": 0}


def test_a_refresh_counts_as_changed_and_resume_forgets_only_its_own_lost_articles(two_workers, redis_server):
    (w1, w2), (r1, r2) = two_workers
    w1.mark_written(A, A, "h1", 1, r1, "t1")
    w1.mark_written(B, B, "h2", 1, r1, "t1")
    w2.mark_written(A, A, "h1-new", 1, r2, "t2")  # a later run wrote A again with new content
    assert w2.written_by(r2) == {"new": 0, "changed": 1}
    assert w1.written_by(r1) == {"new": 1, "changed": 0}  # A is no longer w1's
    # w1's file lost both: B is forgotten; A stays, as w2's.
    assert w1.forget_unwritten(r1, set()) == 2
    assert w2.known_urls(r2) == {A}
    assert w2.known_hash(A, r2) == "h1-new"
    keys = SiteKeys.of(SITE)
    assert redis_server.client().smembers(keys.run(w1.run_name(r1))) == set()


def test_a_killed_redis_with_aof_keeps_every_written_article(redis_server, tmp_path):
    state = RedisState(tmp_path / "state.sqlite", redis_server.url, SITE)
    run = state.start_run("key", "20261201T000000Z", "t").id
    name = state.run_name(run)
    urls = [f"http://127.0.0.1:8737/zuowen/{n}.html" for n in range(200)]
    for n, url in enumerate(urls):
        assert state.claim(url, run)
        state.mark_written(url, url, f"h{n}", 1, run, "t")
    state.close()
    redis_server.stop(signal.SIGKILL)
    redis_server.start()
    state = RedisState(tmp_path / "state.sqlite", redis_server.url, SITE)
    assert state.known_urls(run) == set(urls)
    assert state.run_name(run) == name
    assert [state.known_hash(url, run) for url in urls] == [f"h{n}" for n in range(200)]
    assert state.written_by(run) == {"new": 200, "changed": 0}
    assert not RedisState(tmp_path / "other.sqlite", redis_server.url, SITE).claim(urls[0], run)
    state.close()


def test_an_unreachable_redis_is_one_line(redis_server, tmp_path):
    url = redis_server.url
    redis_server.stop()
    with pytest.raises(RedisUnreachable, match=rf"^redis {url}: unreachable \(.*refused.*\)$"):
        connect(url)
    with pytest.raises(RedisUnreachable, match=r"^redis http://x/: not a Redis URL"):
        connect("http://x/")
    secret = url.replace("redis://", "redis://reader:s3cret@")
    with pytest.raises(RedisUnreachable) as caught:
        connect(secret)
    assert str(caught.value).startswith(f"redis {url.replace('redis://', 'redis://reader:***@')}: unreachable (")


def test_requests_go_through_json_whole():
    spider = EssaysSpider(start_url="http://127.0.0.1:8737/")
    request = spider.request("http://127.0.0.1:8737/zuowen/1001.html", "article")
    request.meta.update({"depth": 2, "redirect_urls": ["http://127.0.0.1:8737/a"], "download_slot": "127.0.0.1"})
    request.headers["Referer"] = "http://127.0.0.1:8737/zuowen/list_1.html"
    text = requestjson.dumps(request.to_dict(spider=spider))
    assert isinstance(text, str)
    back = request_from_dict(requestjson.loads(text), spider=spider)
    assert back.to_dict(spider=spider) == request.to_dict(spider=spider)
    assert back.callback == spider.parse and back.errback == spider.on_error and back.priority == 10
    body = Request("http://127.0.0.1:8737/p", method="POST", body=b"\x00\xff{\"$bytes\": 1}")
    assert request_from_dict(requestjson.loads(requestjson.dumps(body.to_dict()))).body == body.body
    assert requestjson.loads(requestjson.dumps({"$dict": 1, "x": (1, b"a")})) == {"$dict": 1, "x": [1, b"a"]}


def test_each_worker_takes_its_share_of_the_polite_rate():
    settings = Settings()
    settings.setmodule("essay_crawler.settings")
    assert politeness_share(settings, 1) == {
        "DOWNLOAD_DELAY": 0.5, "AUTOTHROTTLE_START_DELAY": 1.0, "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    assert politeness_share(settings, 4) == {
        "DOWNLOAD_DELAY": 2.0, "AUTOTHROTTLE_START_DELAY": 4.0, "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 0.25, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
