"""PatternSet.first_hit: one search over a piece's joined lines finds the line that a line-by-line
check would."""
from __future__ import annotations

import random

import pytest

from pipelines.boilerplate import default_patterns
from pipelines.patterns import LineScan, PatternSet, ScanGroup

LINES = ["清晨的阳光照进教室，同学们开始朗读课文。", "点评：文章写得很真切。", "作者简介：一位老师",
         "放学以后我和妈妈去公园散步", "译文", "赏析：", "参考资料", "【作者简介】", "2021年3月4日",
         "版权所有", "", "老师点评", "上一篇：秋天", "欢迎阅读这篇短文", "小编为大家整理了三篇短文",
         "三年级二班", "城南实验学校"]


def test_a_floating_hit_before_an_anchored_one():
    patterns = PatternSet.compile(["^(?:点评|评语)[:：]", "版权所有"])
    assert patterns.first_hit(["开头的一行", "本站版权所有", "点评：好"]) == 1
    assert patterns.first_hit(["开头的一行", "点评：好", "本站版权所有"]) == 1
    assert patterns.first_hit(["开头的一行", "他说点评：好"]) is None  # anchored: only at a line's start


def test_the_start_and_the_first_line():
    patterns = PatternSet.compile(["^点评[:：]", "^(?:译文|注释)$"])
    lines = ["点评：首行", "正文一行", "译文"]
    assert patterns.first_hit(lines) == 0
    assert patterns.first_hit(lines, start=1) == 2
    assert patterns.first_hit(lines, start=3) is None
    assert patterns.first_hit(["译文之后还有字"]) is None  # "$" at the line's end


def test_a_lookbehind_is_searched_in_the_lines_as_they_stand():
    patterns = PatternSet.compile(["^(?:点评)", "(?<=本站)版权"])
    assert patterns.first_hit(["版权在首行", "本站版权所有"]) == 1
    assert patterns.first_hit(["版权在首行"]) is None


def test_no_patterns():
    assert PatternSet.compile([]).first_hit(["点评："]) is None


# (Not school_line: its negated classes, [^，。！？]{0,24}, reach over a newline into the next line.)
@pytest.mark.parametrize("name", ["section_end", "intro", "line", "byline", "piece_end"])
def test_first_hit_is_the_first_line_that_hits(name):
    patterns = getattr(default_patterns(), name)
    rng = random.Random(name)
    hits = 0
    for _ in range(400):
        lines = [rng.choice(LINES) for _ in range(rng.randint(1, 6))]
        start = rng.randint(0, 2)
        expected = next((i for i in range(start, len(lines)) if patterns.hit(lines[i])), None)
        assert patterns.first_hit(lines, start) == expected, lines
        hits += expected is not None
    assert hits


def test_a_scan_compiles_only_the_first_characters_it_meets():
    """Start-up: the per-first-character regexes are built when a paragraph starting with that
    character is met, once for all the characters sharing them, and find what the patterns find."""
    group = ScanGroup.compile(None, ("^(?:上一篇|下一篇)[:：]", "^上传于", "^版权所有"))
    assert group.by_first_char.compiled() == 0
    scan = LineScan((group,))
    assert scan.candidates(["上一篇：春天", "我们上一篇课文", "放学了"]) == {0}
    assert group.by_first_char.compiled() == 1  # 上 (放 and 我 start no pattern)
    assert scan.candidates(["下一篇：秋天", "版权所有", "上传于昨天"]) == {0, 1, 2}
    assert group.by_first_char.compiled() == 3  # 下 (its own set), 版; 上 was already built
