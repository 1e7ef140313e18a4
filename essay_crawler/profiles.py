"""The site profiles bundled in ``essay_crawler/sites/``."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

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
