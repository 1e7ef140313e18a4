"""Scrapy settings for essay-crawler: polite by default, UTF-8 output, cleaning off the crawl thread."""
from essay_crawler import __version__
from pipelines.worker import cores_beside_the_crawl

BOT_NAME = "essay_crawler"
SPIDER_MODULES = ["essay_crawler.spiders"]
NEWSPIDER_MODULE = "essay_crawler.spiders"
COMMANDS_MODULE = "essay_crawler.commands"  # `scrapy crawl` checks the spider's arguments first

# Who we are. `essay-crawler crawl -s CONTACT_URL=https://…` puts your page about the crawl into the
# User-Agent (with `scrapy crawl`, set USER_AGENT itself).
CONTACT_URL = "https://github.com/essay-crawler/essay-crawler"
USER_AGENT = f"essay-crawler/{__version__} (+{CONTACT_URL})"

# Politeness: Scrapy's library defaults are not polite.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's HTTP server that runs posted Python code in the crawl process
REDIRECT_MAX_TIMES = 5

# Retries with exponential backoff on 429/5xx/timeouts (Retry-After honoured).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "essay_crawler.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "essay_crawler.middlewares.LoopAwareRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "essay_crawler.middlewares.LoopAwareMetaRefreshMiddleware": 580,
    # CLOSESPIDER_PAGECOUNT (--max-pages) means N responses: first in, last out, so it sees every
    # request enter and its outcome leave.
    "essay_crawler.extensions.PageBudget": 50,
    # robots.txt as RFC 9309 says (5xx or unreachable: disallow all; a large body read in part);
    # Crawl-delay honoured up to ROBOTSTXT_MAX_CRAWL_DELAY.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "essay_crawler.middlewares.RobotsPolicyMiddleware": 100,
    # A compressed body is capped at DOWNLOAD_MAXSIZE while it is decompressed (a gzip bomb is too_large).
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "essay_crawler.middlewares.SizeCappedHttpCompressionMiddleware": 590,
}
# Article URLs the run's state knows are not requested again (closest to the spider).
SPIDER_MIDDLEWARES = {"essay_crawler.middlewares.KnownArticlesMiddleware": 950}
ROBOTSTXT_MAX_BYTES = 512_000
ROBOTSTXT_MAX_CRAWL_DELAY = 10.0

# Cleaning runs in worker processes, started as pages come: at most one per core beside the crawl
# thread (0: in the crawl process).
CLEAN_WORKERS = cores_beside_the_crawl()
CLEAN_CONVERT = "t2s"  # pipelines.normalize.DEFAULT_CONVERSION
CLEAN_TIMEOUT = 60.0  # seconds a page may take to clean in a worker (0: no limit); past it, timeout_cleaning
ITEM_PIPELINES = {
    "essay_crawler.pipelines.CleanPipeline": 100,
    "essay_crawler.pipelines.AlreadyKnownPipeline": 200,
    "essay_crawler.pipelines.RunWriterPipeline": 900,
}

# Where runs go: ESSAY_OUTPUT_ROOT/<site>/<run-id>/ unless ESSAY_PIECES_PATH is set.
ESSAY_OUTPUT_ROOT = "output"
ESSAY_PIECES_PATH = None
# Archive every fetched response in the run as WARC (pages.warc.gz), for `essay-crawler reclean`.
ESSAY_WARC = False

# Feed exports (scrapy crawl -O out.jsonl) write one line per piece, in UTF-8.
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {
    "jsonl": "essay_crawler.exporters.PieceJsonLinesExporter",
    "jsonlines": "essay_crawler.exporters.PieceJsonLinesExporter",
}

# One large site shared by several workers (essay_crawler/shared.py): ESSAY_REDIS_URL=redis://HOST:PORT/DB
# puts the frontier and the articles' state there; ESSAY_REDIS_WORKERS divides the polite rate among the
# workers; a worker stops after ESSAY_REDIS_IDLE seconds with no work anywhere; ESSAY_REDIS_SWEEP is the
# pass after the workers. The add-on adds the Redis components (essay_crawler/frontier.py) only then.
ADDONS = {"essay_crawler.shared.SharedSite": 0}
ESSAY_REDIS_URL = None
ESSAY_REDIS_WORKERS = 1
ESSAY_REDIS_IDLE = 30.0
ESSAY_REDIS_SWEEP = False

EXTENSIONS = {
    "essay_crawler.extensions.CrawlRunExtension": 0,  # the run: claimed, opened, committed
    "essay_crawler.extensions.OneLineRobotsErrors": 0,
    "essay_crawler.warcarchive.WarcArchive": 10,  # after the run's extension: the WARC file is one of the run's files
    "essay_crawler.extensions.ProgressLine": 500,
}
ESSAY_PROGRESS = False
LOG_LEVEL = "INFO"
