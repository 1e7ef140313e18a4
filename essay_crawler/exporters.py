"""Feed exporter for ``scrapy crawl essays -O out.jsonl``: one JSON line per piece."""
from __future__ import annotations

from scrapy.exporters import BaseItemExporter

from essay_crawler.items import ArticleItem
from pipelines.jsonl import dumps_record


class PieceJsonLinesExporter(BaseItemExporter):
    """Writes each record of a cleaned page as its own line (UTF-8); other items are skipped."""

    def __init__(self, file, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file

    def export_item(self, item):
        if isinstance(item, ArticleItem):
            for record in item.records:
                self.file.write(dumps_record(record).encode("utf-8"))
