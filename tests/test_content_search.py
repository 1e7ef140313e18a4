"""The fast content search finds what its plain statement (``tests/content_reference.py``) finds,
on generated pages of every layout and encoding and on the seed-like sets."""
from __future__ import annotations

import importlib
import random
import sys

import pytest
from content_reference import find_content_reference
from crawl_helpers import BENCHMARKS

from pipelines.decode import decode_page
from pipelines.html.chrome import remove_chrome
from pipelines.html.content import find_content
from pipelines.html.parse import parse_html

sys.path.insert(0, str(BENCHMARKS))
pagegen = importlib.import_module("pagegen")


HAN = "春夏秋冬山水花鸟风云日月星辰我们你他的了在是有和人这中大为上个国不也子时道出会三要于下得可"


def _words(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choices(HAN, k=rng.randint(lo, hi))) + rng.choice("。，！")


def _paragraph(rng: random.Random) -> str:
    """A paragraph, sometimes with a link, an inline element, a line break or an image inside."""
    parts = [_words(rng, 4, 40)]
    for _ in range(rng.randint(0, 3)):
        kind = rng.randrange(5)
        inner = _words(rng, 2, 12)
        parts.append([f'<a href="/t/{rng.randrange(99)}">{inner}</a>', f"<span>{inner}</span>", "<br>",
                      f'<img src="x.png">{inner}', f"<b><a href='/b'>{inner}</a>{inner}</b>"][kind])
        parts.append(_words(rng, 0, 30))
    return "".join(parts)


def _links(rng: random.Random, n: int) -> str:
    return "<ul>" + "".join(f'<li><a href="/l/{i}">{_words(rng, 4, 14)}</a></li>' for i in range(n)) + "</ul>"


def _random_page(seed: int) -> bytes:
    """A page of random shape: pieces in one block or in sibling wrappers, sidebars of links,
    link-heavy blocks beside the text, nested containers."""
    rng = random.Random(seed)
    pieces = []
    for _ in range(rng.randint(1, 4)):
        body = "".join(f"<p>{_paragraph(rng)}</p>" for _ in range(rng.randint(1, 8)))
        if rng.random() < 0.3:
            body += _links(rng, rng.randint(1, 6))
        pieces.append(f"<h2>{_words(rng, 2, 8)}</h2>{body}" if rng.random() < 0.5 else body)
    wrap = rng.random() < 0.5
    content = "".join(f"<div class='piece'>{p}</div>" for p in pieces) if wrap else "".join(pieces)
    for _ in range(rng.randint(0, 2)):
        content = f"<div>{content}</div>" if rng.random() < 0.5 else f"<div>{content}<p>{_paragraph(rng)}</p></div>"
    side = "".join(f"<div class='box'>{_links(rng, rng.randint(2, 15))}</div>" for _ in range(rng.randint(0, 3)))
    order = [content, side] if rng.random() < 0.5 else [side, content]
    return f"<html><body><div id='wrap'>{''.join(order)}</div><div>{_links(rng, 5)}</div></body></html>".encode()


def _pages() -> list[tuple[str, bytes]]:
    pages = [(f"random/{n}", _random_page(n)) for n in range(220)]
    pages += [(spec.path, spec.body) for spec in pagegen.generate_page_specs(80, seed=11)]
    if pagegen.SEED_PAGE.is_file():
        pages += [(spec.path, spec.body) for spec in pagegen.PAGE_SETS["seed-gbk"](20, 5)]
    return pages


PAGES = _pages()


def _tree(body: bytes):
    root = parse_html(decode_page(body)[0])
    remove_chrome(root)
    return root


def test_the_set_is_large_enough():
    assert len(PAGES) >= 300


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p[0])
def test_fast_content_search_matches_the_reference(page):
    fast_root, slow_root = _tree(page[1]), _tree(page[1])
    fast, slow = find_content(fast_root), find_content_reference(slow_root)
    path = fast_root.getroottree().getpath
    assert (path(fast[0]), fast[1]) == (slow_root.getroottree().getpath(slow[0]), slow[1])
