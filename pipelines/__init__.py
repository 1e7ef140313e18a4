"""Cleaning stages for essay-site pages, usable without a crawl.

Each stage is a small pure function; :func:`clean_page` composes them.
"""
from .clean import (
           CleanResult,
           clean_page,
           normalize_document,
           read_document,
           split_document,
)
from .document import Block, PageDocument, Piece, Split
from .errors import REASONS, PageError
from .profiles import SiteProfile, load_profiles

load_profile = SiteProfile.load

__all__ = ["Block", "CleanResult", "PageDocument", "PageError", "Piece", "REASONS", "SiteProfile", "Split",
           "clean_page", "load_profile", "load_profiles", "normalize_document", "read_document",
           "split_document"]
