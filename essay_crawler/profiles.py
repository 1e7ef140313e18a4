"""The site profiles bundled in ``essay_crawler/sites/``, and what a profile makes of a URL."""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pipelines.profiles import ProfileError, SiteProfile


def bundled_profiles() -> dict[str, SiteProfile]:
    """The profiles in ``essay_crawler/sites/`` by name (read as package data, so a zipped egg works)."""
    files = sorted((f for f in resources.files(__package__).joinpath("sites").iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    profiles = (SiteProfile.from_toml(f.read_text("utf-8"), source=f"{__package__}/sites/{f.name}") for f in files)
    return {p.name: p for p in profiles}


def resolve_profile(name_or_file: str) -> SiteProfile:
    """A bundled profile by name, or a profile TOML file by path (:class:`ProfileError` if neither)."""
    path = Path(name_or_file)
    if path.suffix == ".toml":
        return SiteProfile.load(path)
    profiles = bundled_profiles()
    if name_or_file not in profiles:
        raise ProfileError(f"unknown profile {name_or_file!r}; known: {', '.join(sorted(profiles)) or 'none'}")
    return profiles[name_or_file]


#: What a link leads to, by the profile's URL patterns (``candidate``: no patterns, the automatic path).
LinkKind = Literal["article", "candidate", "list", "other"]


def page_kind(profile: SiteProfile | None, url: str) -> LinkKind:
    """``article`` / ``list`` by the profile's URL patterns, ``other`` when it has patterns and none
    match, ``candidate`` on the automatic path. Only articles and candidates are cleaned."""
    if not profile or not (profile.article_urls or profile.list_urls):
        return "candidate"
    path = urlsplit(url).path
    if profile.is_article_url(path):
        return "article"
    if profile.is_list_url(path):
        return "list"
    return "other"
