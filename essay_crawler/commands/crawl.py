"""``scrapy crawl`` with the spider's arguments checked before the crawl starts: a bad one is a
usage error (one line, exit 2) instead of a traceback from inside the running crawl."""
from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spider = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                spider = None  # Scrapy's own message for an unknown spider
            check = getattr(spider, "check_arguments", None)
            if check is not None:
                try:
                    check(**opts.spargs)
                except ValueError as exc:
                    raise UsageError(str(exc), print_help=False) from None
        super().run(args, opts)
