"""Cleaning stages for essay-site pages, usable without a crawl.

Each stage is a small pure function; :func:`clean_page` composes them. Names are imported on first
use, so a crawl process that only hands pages to cleaning workers never loads the cleaning stack.
"""
from importlib import import_module

_EXPORTS = {
    "Block": ".document", "PageDocument": ".document", "Piece": ".document", "Split": ".document",
    "CleanResult": ".result", "clean_page": ".clean", "normalize_document": ".clean", "read_document": ".clean",
    "split_document": ".clean",
    "PageError": ".errors", "REASONS": ".errors",
    "SiteProfile": ".profiles", "load_profiles": ".profiles",
}

__all__ = sorted([*_EXPORTS, "load_profile"])


def __getattr__(name: str):
    if name == "load_profile":
        return import_module(".profiles", __name__).SiteProfile.load
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
