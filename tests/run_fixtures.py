"""Two constructed run folders (output/<site>/<run-id>/) for the export and report tests."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

CASES = Path(__file__).parent / "fixtures" / "dedup"
SLOGAN = "示例作文网：每天更新优秀作文，陪你写好每一篇"
COMMON = "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多心好学"


def essay(name: str) -> str:
    return (CASES / name).read_text(encoding="utf-8").strip()


def record(url: str, text: str, *, piece_no: int = 1, piece_total: int = 1, claimed: int | None = None,
           title: str = "作文", category: str | None = "初中作文") -> dict:
    return {"id": hashlib.sha1(f"{url}#{piece_no}".encode()).hexdigest()[:16], "url": url,
            "site": url.split("/")[2], "title": title, "category": category, "published": "2024-01-01",
            "piece_no": piece_no, "piece_total": piece_total, "piece_total_claimed": claimed,
            "piece_title": None if piece_total == 1 else f"工作总结篇{piece_no}", "text": text,
            "chars": len(text), "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest()}


def filler(n: int) -> str:
    """A unique text of 150 common characters."""
    return "".join(random.Random(n).choices(COMMON, k=150)) + "。"


def site_a_records() -> list[dict]:
    """13 pages of a.example, each ending with the site slogan; page 3 claims 4 pieces, has 3."""
    a = "https://a.example/zw"
    blocks = (CASES / "report_page.txt").read_text(encoding="utf-8").split("# ")[1:]
    records = [record(f"{a}/1.html", essay("garden.txt"), title="外婆的菜园"),
               record(f"{a}/2.html", essay("courtyard.txt"), title="奶奶的小院", category="小学作文")]
    records += [record(f"{a}/3.html", block.split("\n", 1)[1].strip(), piece_no=no, piece_total=3, claimed=4,
                       title="工作总结4篇", category="工作总结") for no, block in enumerate(blocks, 1)]
    records += [record(f"{a}/{10 + n}.html", filler(n), category="日记") for n in range(10)]
    return [{**r, "text": r["text"] + "\n" + SLOGAN, "chars": r["chars"] + 1 + len(SLOGAN),
             "sha1": hashlib.sha1((r["text"] + "\n" + SLOGAN).encode("utf-8")).hexdigest()} for r in records]


def site_b_records() -> list[dict]:
    """b.example copies: the garden essay exactly, edited, reordered; and one text of its own."""
    b = "https://b.example/p"
    paragraphs = essay("garden.txt").split("\n")
    return [record(f"{b}/1.html", essay("garden.txt"), title="难忘的菜园"),
            record(f"{b}/2.html", essay("garden_edited.txt"), title="菜园里的夏天"),
            record(f"{b}/3.html", "\n".join(paragraphs[5:] + paragraphs[:5]), title="外婆和菜园"),
            record(f"{b}/4.html", filler(99), category=None)]


def write_run(root: Path, site: str, run_id: str, records: list[dict], errors: list[dict]) -> Path:
    run = root / site / run_id
    run.mkdir(parents=True)
    (run / "pieces.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                      encoding="utf-8")
    (run / "errors.jsonl").write_text("".join(json.dumps(e) + "\n" for e in errors), encoding="utf-8")
    (run / "run.json").write_text(json.dumps({"site": site, "run_id": run_id}), encoding="utf-8")
    return run


def write_runs(root: Path) -> tuple[Path, Path]:
    """Run folders for a.example (2 page errors) and b.example."""
    run_a = write_run(root, "a.example", "20240101T000000Z", site_a_records(),
                      [{"url": "https://a.example/zw/404.html", "reason": "http_error"},
                       {"url": "https://a.example/zw/5.html", "reason": "no_content"}])
    run_b = write_run(root, "b.example", "20240102T000000Z", site_b_records(), [])
    return run_a, run_b
