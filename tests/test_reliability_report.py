"""No crawled string can change the HTML report's structure: the data is JSON inside
``<script type="application/json">`` with every ``<``, ``>`` and ``&`` escaped, drawn as text nodes.
Checked in real headless Chromium."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import CHROMIUM, needs_chromium
from lxml import html as lxml_html

from pipelines.report import render_html, summarize

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = ["<!--<script>", "</script><h1 id=pwned>x</h1>", "<!--", "<script>", "]]></p>&amp;<b>",
           "<\u2028\u2029", "--></script><!--"]


def dom_of(page: Path, profile: Path):
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                           "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    return lxml_html.fromstring(done.stdout)


def records() -> list[dict]:
    out = []
    for n, hostile in enumerate(HOSTILE):
        text = f"正文{n}" * 20
        out.append({"id": f"id{n}", "url": f"http://example.org/{n}.html#{hostile}", "site": f"example.org{hostile}",
                    "title": hostile, "category": hostile, "piece_no": 1, "piece_total": 1,
                    "piece_total_claimed": 2, "text": text, "chars": len(text), "lang": "zh", "placeholders": [],
                    "dup_of": None, "near_dup_of": None})
    return out


@pytest.mark.parametrize("hostile", HOSTILE)
@needs_chromium
def test_a_hostile_title_or_category_leaves_every_card_and_shows_as_text(tmp_path, hostile):
    recs = [r for r in records() if r["title"] == hostile]
    page = tmp_path / "report.html"
    page.write_text(render_html(summarize(recs, stats={})), encoding="utf-8")
    dom = dom_of(page, tmp_path / "profile")
    assert len(dom.xpath('//*[@id="cards"]/*[@class="card"]')) == 7
    assert [n.text_content() for n in dom.xpath('//*[@id="total-records"]')] == ["1"]
    assert not dom.xpath('//*[@id="pwned"]')
    cells = [td.text_content() for td in dom.xpath('//*[@id="table-mismatches"]//tr[2]/td')]
    assert cells == [recs[0]["url"], hostile, "2", "1"]
    labels = [t.text_content() for t in dom.xpath('//*[@id="chart-categories"]//*[local-name()="text"]')]
    assert f"{hostile} (example.org{hostile})" in labels


def test_the_embedded_data_has_no_markup_characters():
    page = render_html(summarize(records(), stats={}))
    start = page.index('<script id="summary" type="application/json">') + len('<script id="summary" type="application/json">')
    data = page[start:page.index("</script>", start)]
    assert not set(data) & set("<>&")
    assert json.loads(data)["totals"]["records"] == len(HOSTILE)
