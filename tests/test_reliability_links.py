"""Link finding runs on the crawl thread, so its work per page is bounded and linear: hostile pages
sized so that quadratic matching would take minutes finish in well under a second."""
from __future__ import annotations

import time

import pytest

from essay_crawler.links import MAX_ANCHORS, extract_links

HOSTILE = {
    "unclosed <a x": b"<html><body>" + b"<a x" * 20_000 + b"</body></html>",  # 80 KB: 100 s before
    "quote chains": b"<a '<a ' '" * 100_000,
    "unclosed <base": b"<base " * 200_000,
    "one endless attribute": b'<a title="' + b"x" * 2_000_000,
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_markup_is_scanned_in_linear_time(name):
    start = time.perf_counter()
    links = extract_links(HOSTILE[name], "http://127.0.0.1/")
    assert time.perf_counter() - start < 1.0
    assert links == []


def test_links_looked_at_per_page_are_bounded():
    body = b"".join(b'<a href="/p/%d.html">x</a>' % n for n in range(MAX_ANCHORS + 500))
    links = extract_links(body, "http://127.0.0.1/")
    assert len(links) == MAX_ANCHORS and links[-1] == f"http://127.0.0.1/p/{MAX_ANCHORS - 1}.html"


def test_links_after_hostile_markup_are_still_found():
    body = b"<a x" * 5_000 + b'<p><a class="c" title="a>b" href="/ok.html">ok</a>'
    assert extract_links(body, "http://127.0.0.1/") == ["http://127.0.0.1/ok.html"]
