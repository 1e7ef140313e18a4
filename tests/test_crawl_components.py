"""The crawl's Scrapy components one at a time, on a crawler from ``scrapy.utils.test.get_crawler``
(set up as ``Crawler.crawl`` sets one up, short of the engine), with a real state and real files:
the run extension, the known-articles spider middleware and the item pipelines. No server, no
reactor: each component's hooks are called as Scrapy calls them."""
from __future__ import annotations

import json
import sqlite3

import pytest
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


def test_the_extension_is_off_for_another_spider(tmp_path):
    crawler = get_crawler(settings_dict={"ESSAY_OUTPUT_ROOT": str(tmp_path)})
    with pytest.raises(NotConfigured):
        CrawlRunExtension.from_crawler(crawler)
