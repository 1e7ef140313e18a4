"""Run the ``essays`` spider in this process with settings from the command line."""
from __future__ import annotations

import json
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from essay_crawler.spiders.essays import EssaysSpider


def crawl_settings(overrides: dict | None = None) -> Settings:
    """The project's settings (``essay_crawler.settings``) with ``overrides`` applied."""
    settings = Settings()
    settings.setmodule("essay_crawler.settings", priority="project")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


class CrawlNotStarted(RuntimeError):
    """The crawl stopped before it could open its run (the reason is in the log)."""


def run_spider(spider_args: dict, overrides: dict | None = None) -> dict:
    """Crawl until finished or interrupted; returns the run manifest (``run.json``): ``status`` is
    ``ok`` or ``failed`` (with ``alerts``) for a committed run, ``incomplete`` for one left resumable."""
    settings = crawl_settings(overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(EssaysSpider)
    process.crawl(crawler, **spider_args)
    process.start()
    manifest = crawler.stats.get_value("essay/manifest") if crawler.stats else None
    if not manifest or not Path(manifest).is_file():
        raise CrawlNotStarted("the crawl stopped before writing its run (see the log above)")
    return json.loads(Path(manifest).read_text("utf-8"))
