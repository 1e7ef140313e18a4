"""Hostile pages cost time in proportion to their size: inputs sized so that a quadratic pattern
would take minutes (no timing here: a slow step simply runs into the suite's timeout)."""
from __future__ import annotations

from pipelines import clean_page
from pipelines.html.page import hidden_classes

ESSAY = ["清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。",
         "放学以后，我和妈妈去公园散步，看见湖面上有几只白鹅在慢慢地游。"]


def test_an_unclosed_css_rule_of_240_kb():
    css = ".a{" * 80_000  # 240 KB, every rule open, none closed (quadratic: over ten minutes)
    body = "".join(f"<p>{p}</p>" for p in ESSAY * 3)
    page = f"<html><head><style>{css}</style></head><body><h1>秋天</h1><div>{body}</div></body></html>"
    record, = clean_page(page.encode(), "http://x.cn/1.html").records
    assert record["text"].split("\n") == ESSAY * 3


def test_hidden_classes_are_read_rule_by_rule():
    css = ".x { color: red } .jam{display : none} .a, .hid {visibility:hidden} .open { display:none"
    assert hidden_classes(css) == {"jam", "hid", "open"}


def test_a_million_boilerplate_lines():
    page = "\n".join(["秋天", ESSAY[0], *["更多作文请关注本站"] * 1_000_000, ESSAY[1]])  # quadratic: minutes
    record, = clean_page(page, "http://x.cn/1.html", kind="text").records
    assert record["text"].split("\n") == ESSAY
