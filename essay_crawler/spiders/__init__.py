"""Spiders of the essay-crawler Scrapy project."""
