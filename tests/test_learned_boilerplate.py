"""Lines learned as boilerplate from how often they recur across one site's pages."""
from __future__ import annotations

import hashlib

from pipelines.learned_boilerplate import (
    RecurringLine,
    learn_boilerplate,
    recurring_lines,
    strip_lines,
)

SLOGAN = "好文章尽在示例作文网，天天更新不停歇"
SUBJECTS = ["春天", "夏夜", "秋雨", "冬雪", "老师", "母亲", "同桌", "小猫", "故乡", "书包", "雨伞", "星空"]


def record(site: str, page: int, piece_no: int, paragraphs: list[str]) -> dict:
    url = f"https://{site}/zw/{page}.html"
    text = "\n".join(paragraphs)
    return {"id": hashlib.sha1(f"{url}#{piece_no}".encode()).hexdigest()[:16], "url": url, "site": site,
            "piece_no": piece_no, "text": text, "chars": len(text),
            "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest()}


def site_records() -> list[dict]:
    """12 pages of a.example; page 0 has three pieces sharing a closing paragraph."""
    records = []
    for page, subject in enumerate(SUBJECTS):
        body = [f"我写的是{subject}，它让我想起了很多往事。", f"{subject}陪我度过了难忘的一年。"]
        extras = []
        if page < 9:
            extras.append(SLOGAN)                                   # 9 of 12 pages
        if page < 7:
            extras.append(f"本站已收录{1000 + page * 7}篇范文，欢迎投稿")  # 7 of 12, digits vary
        if page < 4:
            extras.append("作者：三年级二班")                          # 4 of 12: stays
        records.append(record("a.example", page, 1, body + extras))
    shared = "这几篇文章都写于同一个学期。"  # 3 pieces of page 0 + pages 1-5: 8 of 15 pieces, 6 of 13 pages
    records[0]["text"] += "\n" + shared
    records += [record("a.example", 0, no, [f"第{no}篇的内容各不相同，写的是第{no}个人。", shared])
                for no in (2, 3)]
    for page in range(1, 6):
        records[page]["text"] += "\n" + shared
    records.append(record("a.example", 99, 1, [SLOGAN]))           # a piece that is only the slogan
    records += [record("small.example", page, 1, [f"小站写{SUBJECTS[page]}的正文。", "小站口号每页都有"]) for page in range(5)]
    return records


def test_learns_lines_on_half_of_a_sites_pages():
    learned = learn_boilerplate(site_records())
    assert [(item.site, item.line, item.pages, item.site_pages) for item in learned] == [
        ("a.example", SLOGAN, 10, 13),
        ("a.example", "本站已收录1000篇范文，欢迎投稿", 7, 13),
    ]


def test_pages_not_pieces_are_counted():
    lines = {item.line: item.pages for item in recurring_lines(site_records(), min_pages=2)}
    assert lines["这几篇文章都写于同一个学期。"] == 6
    assert lines["作者：三年级二班"] == 4
    assert lines["小站口号每页都有"] == 5


def test_small_sites_give_no_evidence():
    learned = learn_boilerplate(site_records(), min_site_pages=5)
    assert RecurringLine("small.example", "小站口号每页都有", 5, 5) in learned
    assert "small.example" not in {item.site for item in learn_boilerplate(site_records())}


def test_strip_recomputes_fields_and_drops_emptied_records():
    records = site_records()
    stripped = strip_lines(records, learn_boilerplate(records))
    assert len(stripped) == len(records) - 1                       # the slogan-only piece
    first = stripped[0]
    assert first["text"] == "\n".join([
        "我写的是春天，它让我想起了很多往事。", "春天陪我度过了难忘的一年。", "作者：三年级二班",
        "这几篇文章都写于同一个学期。"])
    assert first["chars"] == len(first["text"])
    assert first["sha1"] == hashlib.sha1(first["text"].encode("utf-8")).hexdigest()
    assert stripped[-1] is records[-1]                              # other sites untouched
    assert all(SLOGAN not in r["text"] and "本站已收录" not in r["text"] for r in stripped)


def test_one_essay_republished_on_many_pages_is_not_boilerplate():
    essay = ["同一篇文章被转载了很多次。", "每次只换了一个标题。"]
    records = [record("c.example", page, 1, essay + ["丙站口号"]) for page in range(8)]
    records += [record("c.example", 10 + page, 1, [f"丙站原创：{SUBJECTS[page]}。", "丙站口号"]) for page in range(4)]
    learned = learn_boilerplate(records, min_site_pages=5)
    assert [(item.line, item.pages, item.site_pages) for item in learned] == [("丙站口号", 5, 5)]
