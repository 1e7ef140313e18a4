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


def run_spider(spider_args: dict, overrides: dict | None = None) -> dict:
    """Crawl to completion; returns the run manifest (``run.json``)."""
    settings = crawl_settings(overrides)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(EssaysSpider)
    process.crawl(crawler, **spider_args)
    process.start()
    return json.loads(Path(crawler.stats.get_value("essay/manifest")).read_text("utf-8"))
