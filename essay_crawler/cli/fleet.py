"""``essay-crawler fleet schedule|status SITES.toml --scrapyd URL…``: many sites over scrapyd hosts."""
from __future__ import annotations

import sys
from pathlib import Path

from essay_crawler.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE

EXIT_TEXT = ("Exit status: 0 ok, 1 a site could not be scheduled (schedule) or a host did not answer or a "
             "site's last run failed (status), 2 bad sites file or arguments, or a host did not answer "
             "(schedule: nothing is scheduled then), 3 interrupted.")


def add_parser(sub):
    p = sub.add_parser("fleet", help="spread the sites of a sites file over scrapyd hosts",
                       description="Each site of SITES.toml runs on one scrapyd host, chosen by rendezvous "
                                   "hashing of the host URLs (adding or removing a host moves only the sites "
                                   "it must). " + EXIT_TEXT)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    schedule = actions.add_parser(
        "schedule", help="deploy where missing and schedule one job per site",
        description="Deploy the project egg to hosts that lack this version, then schedule the essays spider "
                    "once per site on its host, skipping a site whose job is still pending or running. Prints "
                    "one line per site: site, host, action. " + EXIT_TEXT)
    status = actions.add_parser(
        "status", help="table of sites: host, job state, last run",
        description="Print site, host, job state and the last run's status, alerts and pieces (read from the "
                    "run folder when the host's files are readable from here, else unknown). " + EXIT_TEXT)
    for q in (schedule, status):
        q.add_argument("sites", type=Path, metavar="SITES.toml", help="the sites file")
        q.add_argument("--scrapyd", action="append", required=True, metavar="URL",
                       help="a scrapyd host, e.g. http://10.0.0.5:6800 (repeat for each host)")
    schedule.add_argument("--egg", type=Path, default=None, metavar="FILE",
                          help="deploy this egg (scrapyd-deploy --build-egg FILE) instead of building one "
                               "from the source checkout")
    return p


def run(args) -> int:
    from essay_crawler import fleet

    try:
        hosts = list(dict.fromkeys(fleet.host_url(u) for u in args.scrapyd))
        sites = fleet.load_sites(args.sites)
        if args.action == "status":
            return print_status(*fleet.status(sites, hosts))
        if args.egg is not None and not args.egg.is_file():
            raise fleet.FleetError(f"--egg {args.egg}: no such file")
        width = max(len(s.name) for s in sites)
        ok = True
        for name, host, action, done in fleet.schedule(
                sites, hosts, args.egg, log=lambda line: print(line, file=sys.stderr)):
            print(f"{name:<{width}}  {host}  {action}", flush=True)
            ok &= done
        return EXIT_OK if ok else EXIT_FAILED
    except fleet.FleetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def print_status(rows, errors) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in ("site", "host", "job", "last run", "status", "alerts", "pieces"):
        table.add_column(column, justify="right" if column == "pieces" else "left", overflow="fold")
    failed = bool(errors)
    for site, host, state, run in rows:
        if run is None:
            cells = ("unknown",) * 4
        elif "run_id" not in run:
            cells = ("-", "partial" if run["partial"] else "-", "-", "-")
        else:
            failed |= run["status"] == "failed"
            cells = (run["run_id"], run["status"] + (", partial" if run["partial"] else ""),
                     ", ".join(run["alerts"]) or "-", str(run["pieces"]))
        table.add_row(site.name, host, state, *cells)
    Console(width=None if sys.stdout.isatty() else 400).print(table)  # a pipe gets whole rows
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
