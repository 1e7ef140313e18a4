"""``essay-crawler sites``: list the bundled site profiles."""
from __future__ import annotations


def add_parser(sub):
    return sub.add_parser("sites", help="list the bundled site profiles")


def run(args) -> int:
    from essay_crawler.profiles import bundled_profiles

    for name, profile in sorted(bundled_profiles().items()):
        domains = ", ".join(profile.allowed_domains) or "-"
        print(f"{name:12s} {domains:30s} {profile.description}")
    return 0
