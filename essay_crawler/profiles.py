"""The site profiles bundled in ``essay_crawler/sites/``."""
from __future__ import annotations

from pathlib import Path

from pipelines.profiles import SiteProfile, load_profiles

SITES_DIR = Path(__file__).parent / "sites"


def bundled_profiles() -> dict[str, SiteProfile]:
    return load_profiles(SITES_DIR)


def resolve_profile(name_or_file: str) -> SiteProfile:
    """A bundled profile by name, or a profile TOML file by path."""
    path = Path(name_or_file)
    if path.suffix == ".toml" and path.is_file():
        return SiteProfile.load(path)
    profiles = bundled_profiles()
    if name_or_file not in profiles:
        raise SystemExit(f"error: unknown profile {name_or_file!r}; known: {', '.join(sorted(profiles)) or 'none'}")
    return profiles[name_or_file]
