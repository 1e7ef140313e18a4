"""``essay-crawler demo``: serve the bundled sample site on 127.0.0.1 and crawl it, offline."""
from __future__ import annotations

import errno
import sys
import threading

from essay_crawler.cli import EXIT_OK, CommandError
from essay_crawler.cli.crawl import (
    add_crawl_options,
    add_output_options,
    add_run_options,
    check_start,
    run_and_report,
    setting_overrides,
)


def port_number(text: str) -> int:
    """argparse type: a TCP port (0: any free one)."""
    import argparse

    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


#: The demo's usual port: the same URLs (and record ids) every run.
DEMO_PORT = 8737


def add_parser(sub):
    p = sub.add_parser("demo", help="crawl the bundled sample site (no network needed)",
                       description="Serve the bundled sample essay site on 127.0.0.1 and crawl it end to end "
                                   "into output/127.0.0.1/<run-id>/; with --serve, only serve it.")
    p.add_argument("--serve", action="store_true", help="only serve the demo site, until Ctrl-C")
    p.add_argument("--port", type=port_number, default=None, metavar="N",
                   help=f"port on 127.0.0.1 (default {DEMO_PORT}, or any free port when that one is taken; 0: any "
                        "free port). The records' URLs include it: on the same port, a second run writes nothing")
    p.add_argument("-o", "--output", metavar="OUT.jsonl", help="write pieces here instead of a run folder")
    p.add_argument("--output-root", default=None, metavar="DIR", help="folder for run folders (default output)")
    add_run_options(p)
    add_crawl_options(p, profile_default="demo")
    add_output_options(p)
    p.set_defaults(profile="demo")
    return p


def open_server(port: int | None):
    """The demo server on ``port``; ``None``: on :data:`DEMO_PORT`, or any free port if it is taken."""
    from essay_crawler.demo.site import demo_server

    try:
        return demo_server(port=DEMO_PORT if port is None else port)
    except OSError as exc:
        if port is None and exc.errno == errno.EADDRINUSE:
            return demo_server(port=0)
        raise CommandError(f"port {port}: {exc.strerror or exc}") from None


def serve(args) -> int:
    """Serve the demo site in the foreground until Ctrl-C."""
    with open_server(args.port) as server:
        try:  # from the held signals' release on: a Ctrl-C at any moment ends the serving quietly
            args.held_signals.release()
            print(f"serving the demo site at {server.base_url}/ (Ctrl-C to stop)", file=sys.stderr, flush=True)
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return EXIT_OK


def run(args) -> int:
    if args.serve:
        return serve(args)
    check_start([], args.profile)
    # Our own loopback server: no need to wait between requests.
    overrides = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ESSAY_PROGRESS": not args.quiet}
    overrides |= setting_overrides(args)
    with open_server(args.port) as server:
        if not args.quiet:
            print(f"serving the demo site at {server.base_url}/", file=sys.stderr)
        return run_and_report({"start_url": server.base_url + "/", "profile": args.profile}, overrides, args)
