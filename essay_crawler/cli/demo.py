"""``essay-crawler demo``: serve the bundled sample site on 127.0.0.1 and crawl it, offline."""
from __future__ import annotations

import sys

from essay_crawler.cli.crawl import (
    add_crawl_options,
    add_output_options,
    add_run_options,
    check_start,
    run_and_report,
    setting_overrides,
)


def add_parser(sub):
    p = sub.add_parser("demo", help="crawl the bundled sample site (no network needed)",
                       description="Serve the bundled sample essay site on 127.0.0.1 (ephemeral port) and "
                                   "crawl it end to end into output/127.0.0.1/<run-id>/.")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write pieces here instead of a run folder")
    p.add_argument("--output-root", default=None, metavar="DIR", help="folder for run folders (default output)")
    add_run_options(p)
    add_crawl_options(p, profile_default="demo")
    add_output_options(p)
    p.set_defaults(profile="demo")
    return p


def run(args) -> int:
    from essay_crawler.demo.site import demo_server

    # Our own loopback server: no need to wait between requests.
    check_start([], args.profile)
    overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ESSAY_PROGRESS": not args.quiet}
    overrides |= setting_overrides(args)
    with demo_server() as server:
        if not args.quiet:
            print(f"serving the demo site at {server.base_url}/", file=sys.stderr)
        return run_and_report({"start_url": server.base_url + "/", "profile": args.profile}, overrides, args)
