"""The crawl's own settings: polite by default, UTF-8 feeds, a User-Agent that says who is crawling."""
from essay_crawler import __version__
from essay_crawler.runner import crawl_settings


def test_polite_defaults():
    s = crawl_settings()
    assert s.getbool("ROBOTSTXT_OBEY") and s.getbool("AUTOTHROTTLE_ENABLED")
    assert s.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert s.getfloat("DOWNLOAD_DELAY") > 0
    assert s.getint("DOWNLOAD_MAXSIZE") == 8 * 1024 * 1024
    assert {429, 500, 502, 503, 504} <= set(s.getlist("RETRY_HTTP_CODES"))
    assert s["FEED_EXPORT_ENCODING"] == "utf-8"
    assert s["USER_AGENT"] == f"essay-crawler/{__version__} (+https://github.com/essay-crawler/essay-crawler)"


def test_contact_url_goes_into_the_user_agent_unless_one_is_given():
    assert crawl_settings({"CONTACT_URL": "https://me.example/bot"})["USER_AGENT"] == (
        f"essay-crawler/{__version__} (+https://me.example/bot)")
    assert crawl_settings({"CONTACT_URL": "https://me.example/bot", "USER_AGENT": "mine"})["USER_AGENT"] == "mine"


def test_no_console_or_code_execution_server_in_a_crawl():
    s = crawl_settings()
    assert not s.getbool("TELNETCONSOLE_ENABLED") and not s.getbool("REMOTE_CONTROL_ENABLED")


def test_the_page_budget_and_the_run_opener_are_wired():
    s = crawl_settings()
    assert s.getdict("DOWNLOADER_MIDDLEWARES")["essay_crawler.extensions.PageBudget"] < 100  # before robots.txt
    assert "essay_crawler.extensions.CrawlRunExtension" in s.getdict("EXTENSIONS")
