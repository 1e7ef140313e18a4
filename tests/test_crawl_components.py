"""The crawl's Scrapy components one at a time, on a crawler from ``scrapy.utils.test.get_crawler``
(set up as ``Crawler.crawl`` sets one up, short of the engine), with a real state and real files:
the run extension, the known-articles spider middleware and the item pipelines. No server, no
reactor: each component's hooks are called as Scrapy calls them."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import REPO, needs_redis
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.extension import ExtensionManager
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from scrapy.utils.test import get_crawler

from essay_crawler.extensions import CrawlRunExtension, RunNotOpened
from essay_crawler.runner import crawl_settings
from essay_crawler.spiders.essays import EssaysSpider

START = "http://127.0.0.1:8000/"
SITE = "127.0.0.1_8000"


@pytest.fixture(autouse=True, scope="module")
def reactor():
    """The reactor the project's settings name, installed as ``scrapy crawl`` installs it (never run)."""
    if not is_reactor_installed():
        install_reactor(crawl_settings()["TWISTED_REACTOR"])


def essays_crawler(tmp_path, start_url: str = START, **settings):
    """A crawler of the ``essays`` spider with the project's settings (output under ``tmp_path``),
    its spider made and its extensions built, as ``Crawler.crawl`` does before the engine starts."""
    values = crawl_settings({"ESSAY_OUTPUT_ROOT": str(tmp_path / "output"), **settings}).copy_to_dict()
    crawler = get_crawler(EssaysSpider, values)
    crawler.spider = EssaysSpider.from_crawler(crawler, start_url=start_url)
    crawler.extensions = ExtensionManager.from_crawler(crawler)
    return crawler


def piece(url: str, no: int, total: int, text: str) -> dict:
    return {"id": f"{url}#{no}", "url": url, "piece_no": no, "piece_total": total, "text": text}


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# ------------------------------------------------------------------ the run extension


def test_the_run_is_claimed_when_the_crawler_is_set_up_opened_on_spider_opened_committed_on_spider_closed(tmp_path):
    crawler = essays_crawler(tmp_path)
    runs = crawler.get_extension(CrawlRunExtension)
    assert isinstance(runs, CrawlRunExtension)
    site = tmp_path / "output" / SITE
    assert (site / "state.sqlite.lock").exists() and not list(site.glob("*.partial"))  # claimed, not opened

    runs.spider_opened(crawler.spider)
    partial = runs.run.files.partial_pieces
    assert partial.exists() and partial.read_bytes() == b""
    records = [piece("http://127.0.0.1:8000/a/1.html", 1, 2, "春雨"), piece("http://127.0.0.1:8000/a/1.html", 2, 2, "秋风")]
    with runs.writing(records[0]["url"]) as run:
        run.write_article(records, records[0]["url"], "digest-1", {})
    assert runs.manifest is None
    runs.spider_closed(crawler.spider, "finished")

    folder = site / runs.run.run_id
    assert read_jsonl(folder / "pieces.jsonl") == records
    assert (folder / "errors.jsonl").read_bytes() == b""
    assert json.loads((folder / "run.json").read_text("utf-8")) == runs.manifest
    assert (runs.manifest["status"], runs.manifest["exit_reason"]) == ("ok", "finished")
    assert runs.manifest["counts"]["pieces_written"] == 2 and runs.manifest["counts"]["article_pages"] == 1
    assert (site / "latest").resolve() == folder.resolve()
    assert not list(site.glob("*.partial"))


def test_a_run_without_state_never_commits_over_a_run_of_the_same_second(tmp_path):
    site = tmp_path / "output" / SITE
    now = datetime.now(UTC)
    taken = {(now + timedelta(seconds=s)).strftime("%Y%m%dT%H%M%SZ") for s in range(5)}
    for run_id in taken:  # committed runs of this second and the next ones
        (site / run_id).mkdir(parents=True)
        (site / run_id / "pieces.jsonl").write_text("earlier\n", "utf-8")
    crawler = essays_crawler(tmp_path, ESSAY_STATE=False)
    runs = crawler.get_extension(CrawlRunExtension)
    runs.spider_opened(crawler.spider)
    records = [piece("http://127.0.0.1:8000/a/1.html", 1, 1, "春雨")]
    with runs.writing(records[0]["url"]) as run:
        run.write_article(records, records[0]["url"], "digest-1", {})
    runs.spider_closed(crawler.spider, "finished")
    assert runs.run.run_id not in taken and runs.run.run_id.rsplit("-", 1)[0] in taken
    assert read_jsonl(site / runs.run.run_id / "pieces.jsonl") == records
    assert all((site / run_id / "pieces.jsonl").read_text("utf-8") == "earlier\n" for run_id in taken)


def test_an_interrupted_run_is_left_resumable_and_the_next_crawler_continues_it(tmp_path):
    crawler = essays_crawler(tmp_path)
    runs = crawler.get_extension(CrawlRunExtension)
    runs.spider_opened(crawler.spider)
    record = piece("http://127.0.0.1:8000/a/2.html", 1, 1, "夏夜")
    with runs.writing(record["url"]) as run:
        run.write_article([record], record["url"], "digest-2", {})
    runs.spider_closed(crawler.spider, "shutdown")
    assert runs.manifest["status"] == "incomplete"
    where = runs.run.files.partial_manifest
    assert runs.manifest["files"]["manifest"] == str(where) and where.is_file()
    assert read_jsonl(runs.run.files.partial_pieces) == [record]

    again = essays_crawler(tmp_path)
    resumed = again.get_extension(CrawlRunExtension)
    resumed.spider_opened(again.spider)
    assert (resumed.run.run_id, resumed.run.row.attempts) == (runs.run.run_id, 2)
    assert resumed.run.recovered_articles == 1
    assert resumed.run.known_urls() == {record["url"]}
    resumed.spider_closed(again.spider, "finished")
    assert read_jsonl(tmp_path / "output" / SITE / runs.run.run_id / "pieces.jsonl") == [record]
    assert resumed.manifest["attempts"] == 2


def test_a_state_another_crawler_holds_stops_the_second_before_it_starts(tmp_path):
    first = essays_crawler(tmp_path)
    with pytest.raises(RunNotOpened) as refused:
        essays_crawler(tmp_path)
    state = tmp_path / "output" / SITE / "state.sqlite"
    assert str(refused.value) == f"another crawl is using the state {state}"
    first.get_extension(CrawlRunExtension).spider_closed(first.spider, "finished")  # never opened: just released
    essays_crawler(tmp_path).get_extension(CrawlRunExtension).run.close()


def test_a_foreign_database_as_the_state_is_refused_and_left_alone(tmp_path):
    state = tmp_path / "places.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    before = state.read_bytes()
    with pytest.raises(RunNotOpened, match=r"not an essay-crawler state database \(it holds other tables: moz_places\)"):
        essays_crawler(tmp_path, ESSAY_STATE_PATH=str(state))
    assert state.read_bytes() == before


def test_a_run_that_cannot_open_closes_the_spider_and_says_why(tmp_path):
    crawler = essays_crawler(tmp_path, ESSAY_PIECES_PATH=str(tmp_path / "out" / "OUT.jsonl"))
    runs = crawler.get_extension(CrawlRunExtension)
    (tmp_path / "out" / "OUT.jsonl.partial").mkdir()  # where the pieces file must go
    with pytest.raises(CloseSpider) as closed:
        runs.spider_opened(crawler.spider)
    assert closed.value.reason == "run_not_opened"
    assert runs.failure and "OUT.jsonl.partial" in runs.failure
    runs.spider_closed(crawler.spider, "run_not_opened")
    assert runs.manifest is None


@needs_redis
def test_a_redis_lost_as_the_run_opens_closes_the_spider_with_one_line_and_leaves_no_run(redis_server, tmp_path):
    # The run's state in Redis, without the shared frontier (the add-on): this is the run's extension alone.
    crawler = essays_crawler(tmp_path, ESSAY_REDIS_URL=redis_server.url, ADDONS={})
    runs = crawler.get_extension(CrawlRunExtension)  # its state connected to the Redis
    redis_server.stop()
    with pytest.raises(CloseSpider) as closed:
        runs.spider_opened(crawler.spider)
    assert closed.value.reason == "run_not_opened"
    assert runs.failure is not None
    assert runs.failure.startswith(f"redis {redis_server.url}: unreachable as the run opened (")
    assert runs.failure.endswith("); run the same command again once it answers")
    assert "\n" not in runs.failure
    runs.spider_closed(crawler.spider, "run_not_opened")
    assert runs.manifest is None
    assert not list((tmp_path / "output").rglob("*.jsonl*"))


def test_the_extension_is_off_for_another_spider(tmp_path):
    crawler = get_crawler(settings_dict={"ESSAY_OUTPUT_ROOT": str(tmp_path)})
    with pytest.raises(NotConfigured):
        CrawlRunExtension.from_crawler(crawler)


# ------------------------------------------------------------------ already known: middleware and pipelines

ARTICLE = "http://127.0.0.1:8000/zuowen/1.html"
PARAGRAPHS = ["清晨，我推开窗，看见院子里的桂花树开满了细碎的金色小花，香气一阵阵飘进屋里。",
              "奶奶说，这棵树是爸爸小时候亲手种下的，那时它只有一根筷子那么高。",
              "如今它已经比屋檐还高了，每到秋天，全家人都会在树下摆一张小桌，边吃月饼边聊天。",
              "我想，等我长大了，也要种一棵树，让它陪着我的孩子一起长大。"]


def article_page(paragraphs: list[str] = PARAGRAPHS) -> bytes:
    """An article page of our own text, canonical URL :data:`ARTICLE`."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html><head><meta charset="utf-8"><title>院子里的桂花树</title>'
            f'<link rel="canonical" href="{ARTICLE}"></head><body><div class="nav"><a href="/">首页</a></div>'
            f'<div class="content"><h1>院子里的桂花树</h1>{body}</div></body></html>').encode()


class Chain:
    """The project's item pipelines on one crawler, run in order as Scrapy runs them."""

    def __init__(self, crawler):
        from essay_crawler.pipelines import AlreadyKnownPipeline, CleanPipeline, RunWriterPipeline

        self.crawler = crawler
        self.runs = crawler.get_extension(CrawlRunExtension)
        self.runs.spider_opened(crawler.spider)
        self.stages = [CleanPipeline.from_crawler(crawler), AlreadyKnownPipeline.from_crawler(crawler),
                       RunWriterPipeline.from_crawler(crawler)]
        self.stages[0].open_spider()

    def feed(self, url: str, body: bytes, kind: str = "article"):
        """The item that left the last pipeline, or the DropItem message (the drop signalled to the run
        extension, as Scrapy's scraper signals ``item_dropped``)."""
        import asyncio

        from scrapy.exceptions import DropItem

        from essay_crawler.items import PageItem

        item = PageItem(url, body, None, kind, "2026-01-01T00:00:00+00:00")
        try:
            item = asyncio.run(self.stages[0].process_item(item))
            for stage in self.stages[1:]:
                item = stage.process_item(item)
        except DropItem as exc:
            self.runs.item_dropped(item, exc)
            return str(exc)
        return item

    def stat(self, name: str) -> int:
        return self.crawler.stats.get_value(f"essay/{name}", 0)

    def end(self, reason: str = "finished") -> dict:
        self.runs.spider_closed(self.crawler.spider, reason)
        return self.runs.manifest


def test_one_article_under_two_urls_is_written_once_and_the_second_url_becomes_an_alias(tmp_path):
    chain = Chain(essays_crawler(tmp_path, CLEAN_WORKERS=0))
    first = chain.feed(ARTICLE, article_page())
    assert [r["text"] for r in first.records] == ["\n".join(PARAGRAPHS)]
    assert first.records[0]["url"] == ARTICLE and first.records[0]["crawled_at"] == "2026-01-01T00:00:00+00:00"
    assert chain.feed(ARTICLE + "?from=list", article_page()) == f"duplicate of {ARTICLE}: {ARTICLE}?from=list"
    assert (chain.stat("articles"), chain.stat("left_out/duplicate")) == (1, 1)
    assert chain.runs.run.known_urls() == {ARTICLE, ARTICLE + "?from=list"}
    manifest = chain.end()
    assert read_jsonl(tmp_path / "output" / SITE / manifest["run_id"] / "pieces.jsonl") == first.records
    assert (manifest["counts"]["articles_new"], manifest["counts"]["duplicates_skipped"]) == (1, 1)


def test_known_article_urls_are_not_requested_and_a_known_article_under_a_new_url_is_not_written(tmp_path):
    from scrapy.http import HtmlResponse

    from essay_crawler.middlewares import KnownArticlesMiddleware

    interrupted = Chain(essays_crawler(tmp_path, CLEAN_WORKERS=0))
    interrupted.feed(ARTICLE, article_page())
    interrupted.end("shutdown")  # its articles are known to the run that continues it
    crawler = essays_crawler(tmp_path, CLEAN_WORKERS=0)
    chain = Chain(crawler)
    middleware = KnownArticlesMiddleware.from_crawler(crawler)
    spider = crawler.spider
    links = [spider.request(ARTICLE, "article"), spider.request(ARTICLE, "candidate"),
             spider.request("http://127.0.0.1:8000/zuowen/", "list"), spider.request(ARTICLE, "list"),
             spider.request("http://127.0.0.1:8000/zuowen/2.html", "article")]
    response = HtmlResponse("http://127.0.0.1:8000/zuowen/", body=b"<html></html>")
    kept = list(middleware.process_spider_output(response, links))
    assert [(r.url, r.cb_kwargs["kind"]) for r in kept] == [
        ("http://127.0.0.1:8000/zuowen/", "list"), (ARTICLE, "list"), ("http://127.0.0.1:8000/zuowen/2.html", "article")]
    assert chain.stat("left_out/known") == 1  # one URL, left out twice

    assert chain.feed(ARTICLE + "?utm=mail", article_page()) == f"already written: {ARTICLE}?utm=mail"
    assert (chain.stat("left_out/known"), chain.stat("articles")) == (2, 0)
    assert chain.runs.run.known_urls() == {ARTICLE, ARTICLE + "?utm=mail"}
    assert chain.end()["counts"]["articles_known"] == 2


def test_with_refresh_only_changed_content_is_written_again(tmp_path):
    from essay_crawler.middlewares import KnownArticlesMiddleware

    first = Chain(essays_crawler(tmp_path, CLEAN_WORKERS=0))
    first.feed(ARTICLE, article_page())
    first.end()
    crawler = essays_crawler(tmp_path, CLEAN_WORKERS=0, ESSAY_REFRESH=True)
    with pytest.raises(NotConfigured):
        KnownArticlesMiddleware.from_crawler(crawler)
    same = Chain(crawler)
    assert same.feed(ARTICLE, article_page()) == f"unchanged: {ARTICLE}"
    assert (same.stat("left_out/unchanged"), same.stat("articles")) == (1, 0)
    assert same.end()["counts"]["articles_unchanged"] == 1
    chain = Chain(essays_crawler(tmp_path, CLEAN_WORKERS=0, ESSAY_REFRESH=True))
    changed = chain.feed(ARTICLE + "?v=2", article_page(PARAGRAPHS[:3]))
    assert changed.changed and [r["text"] for r in changed.records] == ["\n".join(PARAGRAPHS[:3])]
    assert (chain.stat("articles_changed"), chain.stat("articles")) == (1, 1)
    manifest = chain.end()
    assert read_jsonl(tmp_path / "output" / SITE / manifest["run_id"] / "pieces.jsonl") == changed.records
    assert (manifest["counts"]["articles_changed"], manifest["counts"]["articles_new"]) == (1, 0)


def test_a_page_without_content_is_an_error_for_an_article_and_not_an_article_on_the_automatic_path(tmp_path):
    chain = Chain(essays_crawler(tmp_path, CLEAN_WORKERS=0))
    empty = '<html><head><meta charset="utf-8"><title>列表</title></head><body><a href="/">首页</a></body></html>'.encode()
    assert chain.feed("http://127.0.0.1:8000/list.html", empty, kind="candidate") == (
        "not an article: http://127.0.0.1:8000/list.html")
    error = chain.feed("http://127.0.0.1:8000/zuowen/9.html", empty)
    assert (error.reason, error.url) == ("no_content", "http://127.0.0.1:8000/zuowen/9.html")
    assert (chain.stat("left_out/not_article"), chain.stat("errors/no_content"), chain.stat("layout/checked")) == (
        1, 1, 1)
    manifest = chain.end()
    errors = read_jsonl(tmp_path / "output" / SITE / manifest["run_id"] / "errors.jsonl")
    assert [(e["url"], e["reason"]) for e in errors] == [("http://127.0.0.1:8000/zuowen/9.html", "no_content")]
    assert (manifest["counts"]["not_articles"], manifest["counts"]["errors"]) == (1, {"no_content": 1})


@pytest.mark.parametrize(("cores", "workers"), [({0}, 1), ({0, 1}, 1)], ids=["1 core", "2 cores"])
def test_cleaning_workers_default_to_the_cores_beside_the_crawl_thread(cores, workers):
    """The setting's default, in a process allowed ``cores`` (as under ``taskset``)."""
    script = (f"import os; os.sched_setaffinity(0, {cores!r}); "
              "from scrapy.utils.project import get_project_settings; print(get_project_settings().getint('CLEAN_WORKERS'))")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert proc.stdout == f"{workers}\n"


def test_cleaning_workers_as_set(tmp_path):
    from essay_crawler.pipelines import CleanPipeline

    crawler = essays_crawler(tmp_path, CLEAN_WORKERS="3")
    assert CleanPipeline.from_crawler(crawler).workers == 3
    crawler.get_extension(CrawlRunExtension).run.close()


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("CLEAN_CONVERT", "s2t", "CLEAN_CONVERT must be one of t2s, tw2s, tw2sp, hk2s, none, not 's2t'"),
    ("CLEAN_WORKERS", "-1", "CLEAN_WORKERS must be 0 or more, not -1"),
    ("CLEAN_TIMEOUT", "-5", "CLEAN_TIMEOUT must be 0 (no limit) or more seconds, not -5"),
    ("CLEAN_WORKERS", "two", "CLEAN_WORKERS and CLEAN_TIMEOUT take numbers (invalid literal for int() with base 10: 'two')"),
])
def test_a_cleaning_setting_it_cannot_use_stops_the_crawl_naming_the_setting(tmp_path, setting, value, message):
    from essay_crawler.pipelines import CleanPipeline

    crawler = essays_crawler(tmp_path, **{setting: value})
    with pytest.raises(ValueError) as refused:
        CleanPipeline.from_crawler(crawler)
    assert str(refused.value) == message
    crawler.get_extension(CrawlRunExtension).run.close()
