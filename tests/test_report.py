"""essay-crawler report: summary tables on stdout and an HTML report rendered in headless Chromium."""
from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import CHROMIUM, needs_chromium
from lxml import html as lxml_html
from run_fixtures import SLOGAN, write_runs

from essay_crawler.cli import main

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    """Run headless Chromium (the Debian package; tests using it are marked ``needs_chromium``)."""
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=True)


@needs_chromium
def test_report_prints_summary_and_renders_charts(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # rich folds long cells to the terminal width
    run_a, run_b = write_runs(tmp_path / "output")
    page = tmp_path / "report.html"
    assert main(["report", str(run_a), str(run_b), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    for expected in ("Records per site", "a.example", "b.example", "Split mismatches", "https://a.example/zw/3.html",
                     "Top recurring lines", SLOGAN, "Length (chars)"):
        assert expected in out
    assert "<script src" not in page.read_text(encoding="utf-8")  # self-contained: nothing to fetch

    dom = lxml_html.fromstring(chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(),
                                        profile=tmp_path / "profile").stdout)
    text = lambda xpath: [node.text_content().strip() for node in dom.xpath(xpath)]  # noqa: E731
    assert text('//*[@id="total-records"]') == ["19"]
    assert text('//*[@id="total-pages"]') == ["17"]
    assert text('//*[@id="total-sites"]') == ["2"]
    assert text('//*[@id="duplicate-rate"]') == ["5.3%"]         # 1 of 19
    assert text('//*[@id="near-duplicate-rate"]') == ["10.5%"]   # 2 of 19
    assert text('//*[@id="split-mismatches"]') == ["1"]
    assert text('//*[@id="errors"]') == ["2"]
    bars = [(bar.get("data-label"), bar.get("data-value")) for bar in dom.xpath('//*[@id="chart-sites"]//*[@class="bar"]')]
    assert bars == [("a.example", "15"), ("b.example", "4")]
    lengths = [(bar.get("data-label"), bar.get("data-value"))
               for bar in dom.xpath('//*[@id="chart-lengths"]//*[@class="bar"]')]
    assert lengths == [("<200", "11"), ("200–499", "3"), ("500–999", "5"), ("1000–1999", "0"),
                       ("2000–4999", "0"), ("≥5000", "0")]
    assert text('//*[@id="table-mismatches"]//tr[2]/td') == ["https://a.example/zw/3.html", "工作总结4篇", "4", "3"]
    removed = text('//*[@id="table-lines"]//tr[@class="removed"]/td')
    assert removed == ["a.example", "13/13", "100.0%", SLOGAN]

    shot = tmp_path / "report.png"
    chromium("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / "profile2")
    assert shot.stat().st_size > 10_000


def test_report_defaults_to_the_run_folder(tmp_path, monkeypatch):
    run_a, _ = write_runs(tmp_path / "output")
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(run_a)]) == 0
    assert (run_a / "report.html").is_file()
