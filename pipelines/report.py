"""Run report: a summary of records (per site/category, lengths, duplicates, split mismatches,
recurring lines) printed as tables and rendered as a self-contained HTML page with charts."""
from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from importlib import resources

from rich.console import Console
from rich.table import Table

from pipelines.learned_boilerplate import recurring_lines

#: Length bins (characters): label, lower bound (inclusive), upper bound (exclusive).
LENGTH_BINS = (("<200", 0, 200), ("200–499", 200, 500), ("500–999", 500, 1000),
               ("1000–1999", 1000, 2000), ("2000–4999", 2000, 5000), ("≥5000", 5000, None))
TOP_LINES = 20


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _shared_paragraph_pages(records: list[dict]) -> int:
    """Pages whose pieces share at least one paragraph of ≥ 10 characters."""
    paragraphs: dict[str, Counter] = defaultdict(Counter)
    for record in records:
        paragraphs[record["url"]].update({p for p in record["text"].split("\n") if len(p) >= 10})
    return sum(1 for counts in paragraphs.values() if any(n > 1 for n in counts.values()))


def summarize(records: list[dict], *, stats: dict, errors: list[dict] | None = None,
              sources: list | None = None, raw_records: list[dict] | None = None) -> dict:
    """A JSON-ready summary of ``records`` (post-processed); ``raw_records`` (before boilerplate
    removal, default ``records``) give the recurring lines."""
    errors = errors or []
    total = len(records)
    chars = sorted(r["chars"] for r in records)
    sites: dict[str, dict] = {}
    for record in records:
        site = sites.setdefault(record["site"], {"site": record["site"], "records": 0, "urls": set(),
                                                 "duplicates": 0, "near_duplicates": 0})
        site["records"] += 1
        site["urls"].add(record["url"])
        site["duplicates"] += bool(record.get("dup_of"))
        site["near_duplicates"] += bool(record.get("near_dup_of"))
    categories = Counter((r["site"], r.get("category") or "(none)") for r in records)
    mismatched = {}
    for record in records:
        claimed = record.get("piece_total_claimed")
        if claimed is not None and claimed != record["piece_total"]:
            mismatched[record["url"]] = {"url": record["url"], "title": record.get("title"),
                                         "claimed": claimed, "found": record["piece_total"]}
    learned = {(item["site"], item["line"]) for item in stats.get("learned_boilerplate", [])}
    lines = recurring_lines(raw_records if raw_records is not None else records, min_pages=2)
    duplicates = sum(s["duplicates"] for s in sites.values())
    near = sum(s["near_duplicates"] for s in sites.values())
    return {
        "totals": {"records": total, "pages": len({r["url"] for r in records}), "sites": len(sites),
                   "chars": sum(chars), "duplicates": duplicates, "near_duplicates": near,
                   "duplicate_rate": _rate(duplicates, total), "near_duplicate_rate": _rate(near, total),
                   "split_mismatches": len(mismatched), "errors": len(errors),
                   "shared_paragraph_pages": _shared_paragraph_pages(records)},
        "sites": [{**{k: v for k, v in s.items() if k != "urls"}, "pages": len(s["urls"]),
                   "duplicate_rate": _rate(s["duplicates"], s["records"]),
                   "near_duplicate_rate": _rate(s["near_duplicates"], s["records"])}
                  for s in sorted(sites.values(), key=lambda s: (-s["records"], s["site"]))],
        "categories": [{"site": site, "category": category, "records": n}
                       for (site, category), n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0]))],
        "lengths": {
            "bins": [{"label": label, "records": sum(1 for c in chars if c >= lo and (hi is None or c < hi))}
                     for label, lo, hi in LENGTH_BINS],
            "min": chars[0] if chars else 0, "median": statistics.median(chars) if chars else 0,
            "p90": chars[int(0.9 * (len(chars) - 1))] if chars else 0, "max": chars[-1] if chars else 0},
        "split_mismatches": sorted(mismatched.values(), key=lambda m: m["url"]),
        "errors": sorted(Counter(e.get("reason", "unknown") for e in errors).items()),
        "lang": sorted(Counter(r.get("lang", "?") for r in records).items()),
        "placeholders": sorted(Counter(p for r in records for p in r.get("placeholders", [])).items()),
        "recurring_lines": [{**item.as_dict(), "removed": (item.site, item.line) in learned}
                            for item in lines[:TOP_LINES]],
        "learned_boilerplate": stats.get("learned_boilerplate", []),
        "sources": [{"path": s.path, "site": s.site, "run_id": s.run_id, "records": s.records}
                    for s in sources or []],
    }


def _table(title: str, columns: list[str], rows: list[list]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    return table


def print_summary(summary: dict, console: Console | None = None) -> None:
    """The summary as rich tables."""
    console = console or Console()
    t = summary["totals"]
    console.print(_table("Totals", ["records", "pages", "sites", "duplicates", "near duplicates",
                                    "split mismatches", "errors"],
                         [[t["records"], t["pages"], t["sites"], f"{t['duplicates']} ({t['duplicate_rate']:.1%})",
                           f"{t['near_duplicates']} ({t['near_duplicate_rate']:.1%})", t["split_mismatches"],
                           t["errors"]]]))
    console.print(_table("Records per site", ["site", "records", "pages", "dup rate", "near-dup rate"],
                         [[s["site"], s["records"], s["pages"], f"{s['duplicate_rate']:.1%}",
                           f"{s['near_duplicate_rate']:.1%}"] for s in summary["sites"]]))
    console.print(_table("Records per category", ["site", "category", "records"],
                         [[c["site"], c["category"], c["records"]] for c in summary["categories"][:30]]))
    lengths = summary["lengths"]
    console.print(_table(f"Length (chars): median {lengths['median']}, p90 {lengths['p90']}, max {lengths['max']}",
                         ["length", "records"], [[b["label"], b["records"]] for b in lengths["bins"]]))
    if summary["split_mismatches"]:
        console.print(_table("Split mismatches (title claims ≠ pieces found)", ["url", "claimed", "found"],
                             [[m["url"], m["claimed"], m["found"]] for m in summary["split_mismatches"][:30]]))
    console.print(_table("Top recurring lines", ["site", "pages", "share", "removed", "line"],
                         [[r["site"], f"{r['pages']}/{r['site_pages']}", f"{r['share']:.0%}",
                           "yes" if r["removed"] else "", r["line"]] for r in summary["recurring_lines"]]))


#: Characters that could end or re-open markup inside the data ``<script>`` (``<!--<script>`` would
#: swallow the rest of the page), as the JSON escapes ``JSON.parse`` reads back.
_MARKUP_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def render_html(summary: dict) -> str:
    """A self-contained HTML report: the summary as JSON and a script that draws it as text nodes (no
    network). No crawled string can change the page's structure: the JSON holds no ``<``, ``>`` or ``&``."""
    template = resources.files(__package__).joinpath("report_template.html").read_text(encoding="utf-8")
    data = json.dumps(summary, ensure_ascii=False).translate(_MARKUP_ESCAPES)
    return template.replace("/*SUMMARY_JSON*/null", data)
