"""essay-crawler: crawl Chinese essay (范文) sites into clean, numbered, deduplicated JSONL."""

__version__ = "0.2.0"
