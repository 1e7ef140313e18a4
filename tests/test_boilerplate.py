"""Boilerplate stripping: what is dropped, and that the all-paragraphs scan drops exactly what a
paragraph-by-paragraph check drops."""
from pipelines.boilerplate import default_patterns, strip_boilerplate
from pipelines.document import Block

PARAGRAPHS = [
    "以下是小编整理的春天的作文，欢迎阅读。",
    "春天来了，小草从土里探出头来。",
    "更多春天作文请关注本站。",
    "Copyright 2024 春天作文网",
    "桃花开了，一片粉红。",
    "编辑：小李",
    "猜你喜欢",
    "夏天的作文",
]


def blocks(texts):
    return [Block(t) for t in texts]


def texts(blocks_):
    return [b.text for b in blocks_]


def paragraph_by_paragraph(paragraphs, patterns):
    """The rule strip_boilerplate implements, checked one paragraph at a time."""
    kept = []
    for text in paragraphs:
        if patterns.section_end.hit(text):
            break
        if not patterns.is_boilerplate_line(text) and not patterns.is_intro(text):
            kept.append(text)
    return kept


def test_intro_lines_and_tail_dropped():
    assert texts(strip_boilerplate(blocks(PARAGRAPHS))) == ["春天来了，小草从土里探出头来。", "桃花开了，一片粉红。"]


def test_scan_agrees_with_paragraph_checks_including_first_and_last_paragraph():
    patterns = default_patterns()
    assert patterns.scan is not None
    for paragraphs in (PARAGRAPHS, PARAGRAPHS[2:4], PARAGRAPHS[5:], ["编辑：小李"], [], PARAGRAPHS[1:2] * 3):
        assert texts(strip_boilerplate(blocks(paragraphs))) == paragraph_by_paragraph(paragraphs, patterns)


def test_long_paragraph_with_a_line_pattern_is_kept():
    long = "春天的作文" * 20 + "版权所有"
    assert texts(strip_boilerplate(blocks([long]))) == [long]


def test_profile_pattern_with_string_anchor_checks_each_paragraph():
    patterns = default_patterns().extended({"line": [r"\A本站口号\Z"]})
    assert patterns.scan is None
    assert texts(strip_boilerplate(blocks(["本站口号", "正文一段，写春天。"]), patterns)) == ["正文一段，写春天。"]


def test_paragraph_holding_a_newline_checks_each_paragraph():
    kept = strip_boilerplate(blocks(["正文第一段，写春天。\n更多春天作文请关注本站", "更多春天作文请关注本站"]))
    assert texts(kept) == ["正文第一段，写春天。\n更多春天作文请关注本站"]


def _first_ops(source: str):
    """The first operation of each top-level alternative of a regex source."""
    import re._constants as C
    import re._parser as P
    parsed = P.parse(source)
    if len(parsed) and parsed[0][0] is C.BRANCH:
        return [branch[0][0] if len(branch) else None for branch in parsed[0][1][1]]
    return [parsed[0][0] if len(parsed) else None]


def test_patterns_searched_anywhere_start_with_a_literal():
    """The floating patterns are joined into one alternation, which the regex engine skips through
    quickly only when every alternative starts with a literal character (see the data file)."""
    import re._constants as C
    patterns = default_patterns()
    floating = [s for s in patterns.section_end.sources + patterns.intro.sources + patterns.note.sources
                + patterns.line.sources
                if not s.startswith("^")]
    slow = [s for s in floating if any(op is not C.LITERAL for op in _first_ops(s))]
    assert slow == []


def test_anchored_patterns_get_a_lookahead_for_their_first_characters():
    from pipelines.patterns import _first_chars_first
    assert _first_chars_first("(上一篇|下一篇)[:：]") == "(?=[上下])(上一篇|下一篇)[:：]"
    assert _first_chars_first("[（(]?(来源|作者)[:：]") == "(?=[\\(作来（])[（(]?(来源|作者)[:：]"
    assert _first_chars_first("\\d{1,3}下一页$") == "(?=[0123456789])\\d{1,3}下一页$"
    # any Han character, any character, or an empty match: no lookahead
    for pattern in ("[\u4e00-\u9fff]{2,4}$", ".{0,6}(扫一扫)", "(文|作者)?$"):
        assert _first_chars_first(pattern) == pattern


def test_the_lookahead_changes_no_decision():
    import re
    import tomllib
    from importlib import resources

    from pipelines.patterns import _anchored_scan, _first_chars_first
    data = tomllib.loads(resources.files("pipelines").joinpath("data/boilerplate.toml").read_text("utf-8"))
    lines = ["上一篇：秋天", "（来源：晚报）", "3下一页", "首页 > 作文 > 秋天", "关于我们 | 联系我们", "点阅数：12",
             "秋天来了，树叶黄了。", "评论（3）", "沙发", "回上页 | 列印", "1", "作者：张三", "【导语】秋天到了"]
    for group in ("section_end", "intro", "note", "line", "byline", "piece_end"):
        sources = [p[1:] for p in data[group] if p.startswith("^")]
        for source in sources:
            plain, fast = re.compile(source), re.compile(_first_chars_first(source))
            assert [bool(plain.match(t)) for t in lines] == [bool(fast.match(t)) for t in lines], source
        plain, fast = re.compile("|".join(sources)), re.compile("|".join(_anchored_scan(data[group])))
        assert [bool(plain.match(t)) for t in lines] == [bool(fast.match(t)) for t in lines], group
