"""Rules drawn from how essay, 范文, poem and diary sites lay out their pages, each on a small page
of our own text: chrome between and after the pieces, letters, verse in ``<br>`` lines."""
from __future__ import annotations

from pipelines import clean_page


def text_pieces(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    records = clean_page("\n".join(lines), "http://x.cn/a.txt", kind="text").records
    return [(r["piece_title"], r["text"].split("\n")) for r in records]


def html_page(title: str, body: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>{title}_诗歌网</title></head><body>{body}"
            "<div class='foot'><p>关于我们 | 联系我们 | 网站地图 | 广告服务</p>"
            "<p>Copyright © 2024 诗歌网 京ICP备12345678号-1</p></div></body></html>").encode()


POEMS = [("月亮船", ["弯弯的月亮", "像一只小船", "载着星星", "在天上游玩", "游到天亮", "停在山后"]),
         ("雪花", ["雪花飘飘", "像白色的蝴蝶", "落在手心", "变成一滴水", "落在屋顶", "盖上白被子"]),
         ("秋风", ["谁也没见过风", "树叶在摇", "小草在点头", "风就在那里"])]


def test_verse_in_br_lines_outweighs_a_footer_of_longer_lines():
    """Each line of a poem broken by <br> is shorter than a paragraph, yet the poems are the content."""
    body = "".join(f"<p style='text-align:center'><b>{t}</b></p><p>{'<br>'.join(lines)}</p>" for t, lines in POEMS)
    records = clean_page(html_page("儿童诗两首", f"<h1>儿童诗两首</h1><div class='text'>{body}</div>"),
                         "http://x.cn/p/1.html").records
    assert [(r["piece_title"], r["text"].split("\n")) for r in records] == POEMS


def test_headings_the_markup_styles_split_a_collection_of_poems():
    """Centred or all-bold title lines between poems head pieces on a page that promises several."""
    for style in ("<p style='text-align:center'>{}</p>", "<p><strong>{}</strong></p>", "<center>{}</center>"):
        body = "".join(style.format(t) + f"<p>{'<br>'.join(lines)}</p>" for t, lines in POEMS)
        records = clean_page(html_page("儿童诗三首", f"<h1>儿童诗三首</h1><div class='text'>{body}</div>"),
                             "http://x.cn/p/2.html").records
        assert [(r["piece_title"], r["text"].split("\n")) for r in records] == POEMS, style


def test_bold_subheadings_of_one_essay_stay_in_its_text():
    """On a page that promises one piece, bold lines are the essay's own subheadings."""
    body = "".join(f"<p><b>{t}</b></p><p>{'，'.join(lines)}。</p>" for t, lines in POEMS)
    records = clean_page(html_page("我写的儿童诗", f"<h1>我写的儿童诗</h1><div class='text'>{body}</div>"),
                         "http://x.cn/p/3.html").records
    assert len(records) == 1 and "\n雪花\n" in records[0]["text"] and "\n秋风\n" in records[0]["text"]
