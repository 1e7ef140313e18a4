"""The paragraph scan, which leaves out the patterns whose required characters a page lacks, finds
exactly the paragraphs that searching for every pattern found (kept below as the reference), over
the fixtures, the seed page, every real page, the generated page sets and random paragraphs."""
from __future__ import annotations

import random
import re
import sys

import pytest
from conftest import PAGES, REPO, SHARED, needs_shared

from pipelines import patterns as scan_module
from pipelines.boilerplate import default_patterns
from pipelines.clean import clean_page
from pipelines.errors import PageError
from pipelines.patterns import LineScan, _required_chars, _scan, either

SEED = SHARED / "seeds" / "000_31e30dd63c086f7e.txt"
REAL_PAGES = SHARED / "realpages" / "pages"

# ----------------------------------------------------------------- the reference


def reference_candidates(texts: list[str]) -> set[int] | None:
    """Every unknown-anchored pattern in one alternation after a newline, every floating one in
    another, each searched for over the joined paragraphs (the scan before patterns were left out)."""
    patterns = default_patterns()
    joined = "\n" + "\n".join(texts)
    if joined.count("\n") != len(texts):
        return None
    found: set[int] = set()
    for limit, sources in ((None, patterns.section_end.sources), (patterns.intro_max_chars, patterns.intro.sources),
                           (patterns.line_max_chars, patterns.line.sources)):
        indices = range(len(texts)) if limit is None else [i for i, t in enumerate(texts) if len(t) <= limit]
        anchored = [p[1:] for p in sources if p.startswith("^")]
        known = [p for p in anchored if scan_module._starting_chars(p) is not None]
        unknown = [p for p in anchored if scan_module._starting_chars(p) is None]
        floating = [p for p in sources if not p.startswith("^")]
        found.update(i for i in indices if any(re.match(p, texts[i], re.MULTILINE) for p in known))
        part = joined if limit is None else "\n" + "\n".join([texts[i] for i in indices])
        found |= _scan(either(unknown, re.MULTILINE, prefix="\n"), part, indices)
        found |= _scan(either(floating, re.MULTILINE), part, indices)
    return found


def assert_same(texts: list[str]) -> None:
    scan = default_patterns().scan
    assert scan is not None
    assert scan.candidates(texts) == reference_candidates(texts), texts[:20]


# ----------------------------------------------------------------- inputs: the paragraphs pages give


def paragraph_lists(pages, monkeypatch) -> list[list[str]]:
    """The paragraph lists that cleaning ``pages`` (name, bytes) scans."""
    seen: list[list[str]] = []
    candidates = LineScan.candidates
    monkeypatch.setattr(LineScan, "candidates", lambda self, texts: (seen.append(list(texts)), candidates(self, texts))[1])
    for name, data in pages:
        try:
            clean_page(data, f"file:///{name}")
        except PageError:
            pass
    monkeypatch.undo()
    return seen


def check_pages(pages, monkeypatch) -> None:
    lists = paragraph_lists(pages, monkeypatch)
    assert lists
    for texts in lists:
        assert_same(texts)


def test_fixture_pages(monkeypatch):
    check_pages([(p.name, p.read_bytes()) for p in sorted(PAGES.iterdir()) if p.suffix in (".html", ".txt")],
                monkeypatch)


@needs_shared
def test_seed_page(monkeypatch):
    check_pages([(SEED.name, SEED.read_bytes())], monkeypatch)


@needs_shared
def test_every_real_page(monkeypatch):
    pages = sorted(REAL_PAGES.iterdir())
    assert len(pages) >= 80
    check_pages([(p.name, p.read_bytes()) for p in pages], monkeypatch)


@pytest.mark.parametrize("page_set", ["generated", "seed-utf8", "seed-gbk"])
def test_generated_pages(page_set, monkeypatch):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from pagegen import PAGE_SETS
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    check_pages([(spec.path, spec.body) for spec in PAGE_SETS[page_set](12, 3)], monkeypatch)


# Lines that hit patterns of each group (and ones that nearly do), cut up and mixed below so that a
# page holds some of a pattern's characters and not others.
LINES = ["上午 9:30 发布", "张三于 下午 3:05", "阅读 1234", "12人阅读", "首页 > 作文 > 小学作文", "首页 | 日记 | 散文",
         "扫一扫分享", "手机阅读本文", "小明的博客", "作文网，面向中小学生", "春天作文网", "第3期每周一出版",
         "下载APP，阅读更多", "打开客户端看全文", "版权所有 2024", "Copyright 2024", "转载请注明出处", "ICP备12345号",
         "以下是小编整理的春天作文，欢迎阅读。", "下面小编为大家整理了几篇作文", "为大家精心整理的日记，希望喜欢",
         "仅供参考", "相关文章推荐", "更多精彩作文", "猜你喜欢", "上一篇：秋天", "**说:", "春天来了，小草绿了。",
         "我们上一篇课文", "老师说:", "由网友投稿整理", "www.example.com", "<p>", "阅读(12)", "2024-03-04 12:30",
         "点击这里给我发消息", "", "一", "网", "的"]


def random_paragraphs(rng: random.Random) -> list[str]:
    texts = []
    for _ in range(rng.randint(0, 8)):
        line = rng.choice(LINES)
        if rng.random() < 0.5 and line:  # a piece of it, or two lines run together
            a, b = sorted(rng.randint(0, len(line)) for _ in range(2))
            line = line[a:b] + (rng.choice(LINES) if rng.random() < 0.3 else "")
        texts.append(line * rng.choice((1, 1, 1, 8)))  # sometimes too long for a group's limit
    return texts


def test_random_paragraphs():
    rng = random.Random(15)
    for _ in range(3000):
        assert_same(random_paragraphs(rng))


# ----------------------------------------------------------------- what a pattern requires


@pytest.mark.parametrize("pattern, required", [
    ("ab?c", ["a", "c"]),
    ("(x|yz)w", ["xy", "w"]),
    (r"\d{1,2}:\d{2}", [":"]),          # \d matches more than ASCII digits: no requirement
    ("[^a]b[cd]", ["b", "cd"]),
    ("a{0,3}b+", ["b"]),
    ("(?=.*下面)大家", ["下", "面", "大", "家"]),
    ("(?!x)y(?:z|)", ["y"]),            # not a negative lookahead's; an alternative that can be empty: none
    ("(?i)abc", []),
    ("a(?i:b)c", ["a", "c"]),
    ("[a-z0-9]x", ["x"]),               # a class over REQUIRED_CHARS_MAX characters is no test
])
def test_required_chars(pattern, required):
    assert sorted("".join(sorted(s)) for s in _required_chars(pattern)) == sorted(required)


def test_a_pattern_whose_characters_are_missing_is_left_out():
    scan = LineScan.compile([(None, (r"^.{0,4}版权所有", r"^\S{0,4}转载请注明"))])
    assert scan is not None
    searched = scan.groups[0].anchored
    assert searched is not None
    assert [r.pattern for r in searched.in_text("\n本站版权所有")] == ["\n(?:.{0,4}版权所有)"]
    assert searched.in_text("\n春天来了") == []
    assert scan.candidates(["春天", "本站版权所有", "转载请注明"]) == {1, 2}
