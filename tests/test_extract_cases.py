"""Layout details of the automatic extractor, each on a small page of its own."""
import pytest

from pipelines import clean_page

PARAGRAPHS = [f"这是第{n}段文字，写的是秋天的校园，落叶铺满了小路，同学们在操场上奔跑，笑声传得很远很远。" for n in "一二三四"]
ESSAY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


def page(head: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


def test_compact_info_line_does_not_run_into_the_content():
    html = page("<title>秋天的校园_作文网</title>",
                '<div class="art"><h1>秋天的校园</h1><div class="info">2021-10-08 栏目：写景作文</div>'
                f'<div class="content">{ESSAY}</div></div>')
    [record] = clean_page(html, "http://x.cn/a/1.html").records
    assert (record["title"], record["category"], record["published"]) == ("秋天的校园", "写景作文", "2021-10-08")
    assert record["text"].startswith("这是第一段文字")


def test_logo_h1_with_the_site_name_is_not_the_title():
    html = page("<title>秋天的校园_作文网</title>",
                '<div class="top"><h1 class="logo"><a href="/">作文网</a></h1></div>'
                '<div class="art"><h1>秋天的校园</h1><div class="info">发布时间：2021-10-08</div>'
                f'<div class="content">{ESSAY}</div></div>')
    [record] = clean_page(html, "http://x.cn/a/1.html").records
    assert record["title"] == "秋天的校园"
    assert record["published"] == "2021-10-08"


def test_a_heading_with_no_text_under_it_gives_no_record():
    html = page("<title>秋天三篇</title>",
                f'<h1>秋天三篇</h1><div class="content"><p>篇一</p>{ESSAY}<p>篇二</p><p>篇三</p>{ESSAY}</div>')
    result = clean_page(html, "http://x.cn/a/2.html")
    assert [(r["piece_no"], r["piece_title"], r["piece_total"]) for r in result.records] == [(1, "篇一", 2), (2, "篇三", 2)]
    assert (result.claimed, result.mismatch) == (3, True)


def test_ordinal_headings_whose_subtitle_starts_with_a_numeral():
    """第二篇一封信: the subtitle 一封信 starts with 一, which is not part of the number."""
    html = page("<title>书信三篇</title>",
                f'<h1>书信三篇</h1><div class="content"><p>第一篇 春天的信</p>{ESSAY}<p>第二篇 一封没寄出的信</p>'
                f'{ESSAY}<p>第三篇：一次远行</p>{ESSAY}</div>')
    result = clean_page(html, "http://x.cn/a/3.html")
    assert [r["piece_title"] for r in result.records] == ["第一篇春天的信", "第二篇一封没寄出的信", "第三篇：一次远行"]
    assert not result.mismatch


def test_profile_remove_selectors_drop_elements_but_keep_the_text_after_them():
    from pipelines import SiteProfile

    profile = SiteProfile.from_dict({"name": "t", "selectors": {"remove": ["div.share", "span.ad"]}})
    html = page("<title>秋天的校园</title>",
                '<h1>秋天的校园</h1><div class="content"><p>这是第一段文字，写的是秋天的校园，落叶铺满了小路。'
                '<span class="ad">点击领取优惠券</span>同学们在操场上奔跑，笑声传得很远很远。</p>'
                f'<div class="share">分享到微信朋友圈和微博</div>{ESSAY}</div>')
    [record] = clean_page(html, "http://x.cn/a/4.html", profile=profile).records
    first, *rest = record["text"].split("\n")
    assert first == "这是第一段文字，写的是秋天的校园，落叶铺满了小路。同学们在操场上奔跑，笑声传得很远很远。"
    assert "分享" not in record["text"] and len(rest) == 4


def test_markup_inside_scripts_does_not_end_them():
    """A script ends at ``</script``, not at the first ``</`` inside a string (``</p>``, ``</div>``)."""
    html = page("<title>秋天的校园</title><script>var s = '</div><p>脚本里的假段落，不是正文内容，一共二十多个字。</p>';</script>",
                '<h1>秋天的校园</h1><div class="content">'
                "<SCRIPT>document.write('</div></div><p>另一段写进页面的脚本文字，也不算正文。</p>');</SCRIPT>"
                f'{ESSAY}</div>')
    assert [r["text"] for r in clean_page(html, "http://x.cn/a/5.html").records] == ["\n".join(PARAGRAPHS)]


TEXT = PARAGRAPHS[0] + PARAGRAPHS[1][:20]     # 65 characters of essay text
LINKS = "".join(f'<a href="/z/{n}.html">{PARAGRAPHS[2][:20]}</a>' for n in range(5))  # 100 of link text


def test_content_that_is_mostly_link_text_is_no_content():
    import pytest

    from pipelines import PageError

    with pytest.raises(PageError, match="mostly links") as info:
        clean_page(page("<title>链接</title>", f'<div class="box"><p>{TEXT}{LINKS}</p></div>'), "http://x.cn/l.html")
    assert info.value.reason == "no_content"


def test_link_text_is_weighed_again_after_hidden_junk_inside_links_is_dropped():
    """Before junk is dropped the links outweigh the text; without the junk they do not."""
    hidden = '<span style="display:none">' + "隐藏的防复制文字" * 3 + "</span>"
    links = "".join(f'<a href="/z/{n}.html">{PARAGRAPHS[2][:8]}{hidden}</a>' for n in range(5))
    [record] = clean_page(page("<title>链接</title>", f'<div class="box"><p>{TEXT}{links}</p></div>'),
                          "http://x.cn/j.html").records
    assert record["text"] == TEXT + PARAGRAPHS[2][:8] * 5


def test_weights_of_a_parent_beside_a_child_add_up_to_the_parent_weights():
    """Growing the content block weighs a parent as its child plus the rest; on every element of the
    fixture pages that must equal weighing the parent whole."""
    from pathlib import Path

    from pipelines.decode import decode_page
    from pipelines.html import content as X
    from pipelines.html.parse import parse_html

    pages = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
    assert len(pages) >= 10
    checked = 0
    for path in pages:
        root = parse_html(decode_page(path.read_bytes())[0])
        for child in root.iter():
            parent = child.getparent()
            if parent is None:
                continue
            assert X._text_weight(child) + X._text_weight_beside(parent, child) == X._text_weight(parent)
            assert X._link_weight(child) + X._link_weight_beside(parent, child) == X._link_weight(parent)
            checked += 1
    assert checked > 500


def test_content_grows_from_the_longest_piece_to_the_element_holding_all_pieces():
    """Each piece in a <div> of its own: the longest piece is found first, and the content grows to
    their common parent, which adds the other pieces' text."""
    pieces = [PARAGRAPHS * 3, PARAGRAPHS[:2], PARAGRAPHS[2:]]
    body = "".join(f'<div class="piece"><p>篇{n}</p>' + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>"
                   for n, paragraphs in zip("一二三", pieces, strict=True))
    html = page("<title>秋天的校园三篇_作文网</title>",
                '<div class="side"><ul>' + "<li><a href='/x'>链接文字很多很多</a></li>" * 20 + "</ul></div>"
                f'<div class="art"><h1>秋天的校园三篇</h1><div class="pieces">{body}</div></div>')
    records = clean_page(html, "http://x.cn/a/3.html").records
    assert [(r["piece_title"], r["text"].split("\n")) for r in records] == [
        (f"篇{n}", paragraphs) for n, paragraphs in zip("一二三", pieces, strict=True)]


def test_paragraph_blocks_from_tricky_markup():
    from lxml import etree

    from pipelines.document import Block
    from pipelines.html.blocks import content_blocks
    from pipelines.html.parse import parse_html

    root = parse_html("<html><body><div id='c'><h2></h2><p>第一段&#13;文字\x0b结束 &amp; &lt;标签&gt;</p>"
                      "<h3 class='t/x'>篇一</h3><p></p><p>第二段<br>第三段<span>续</span></p>"
                      "<img alt='a>b'><p title='x'>第四段&nbsp;</p></div></body></html>")
    container = root.find(".//div")
    assert etree.tostring(container, method="xml", encoding=str).count("&#") == 2  # the \r and the \x0b
    assert content_blocks(container) == [
        Block("第一段 文字\x00结束 & <标签>"), Block("篇一", heading=True), Block("第二段"), Block("第三段续"),
        Block("第四段\xa0")]


AUTUMN = "是一个美丽的季节，田野里的稻子黄了，果园里的苹果红了，农民伯伯脸上露出了丰收的笑容"


def test_text_after_a_link_in_a_paragraph_is_weighed():
    paras = "".join(f'<p><a href="/tag/{i}">秋天</a>{AUTUMN}{i}。</p>' for i in range(6))
    side = "".join(f"<li>这是侧栏里面的一条推荐文章的标题文字第{i}条内容</li>" for i in range(6))
    html = page("<title>秋天</title>", f'<h1>秋天</h1><div class="side"><ul>{side}</ul></div><div>{paras}</div>')
    record, = clean_page(html, "http://x.cn/1.html").records
    assert record["text"].split("\n") == [f"秋天{AUTUMN}{i}。" for i in range(6)]


@pytest.mark.parametrize("ad", [
    '<div class="ad">点击领取免费学习资料大礼包</div>',
    '<div class="gg-box">点击领取免费学习资料大礼包</div>',
    '<ins class="adsbygoogle">点击领取免费学习资料大礼包</ins>',
    '<p><a rel="sponsored" href="http://shop.example/">点击领取免费学习资料大礼包</a></p>',
    '<p><a rel="nofollow" href="http://ads.example.net/c?1">点击领取免费学习资料大礼包</a></p>',
    '<p>广告：点击领取免费学习资料大礼包</p>',
    '<div class="bdsharebuttonbox"><span>分享：</span><a class="bds_weixin">朋友</a><a class="bds_more">更多</a></div>',
    '<div class="post-share"><b>转给同学</b><ul><li>扫一扫</li><li>复制这页</li></ul></div>',
])
def test_ads_and_share_boxes_inside_the_content_never_reach_a_piece(ad):
    paras = [f"秋天{AUTUMN}{i}。" for i in range(4)]
    body = "".join(f"<p>{p}</p>" for p in paras[:2]) + ad + "".join(f"<p>{p}</p>" for p in paras[2:])
    record, = clean_page(page("<title>秋天</title>", f"<h1>秋天</h1><div>{body}</div>"), "http://x.cn/1.html").records
    assert record["text"].split("\n") == paras


SEASON_TEXTS = [["开学第一天，春风吹进教室，窗外的玉兰花开得正好，新同桌冲我笑了笑。", "放学时我们一起走过操场，约好明天早点来看花。"],
                ["夏天的午后，蝉在树上叫个不停，我们在树荫下做完了一张数学卷子。", "傍晚下了一场雷阵雨，空气里都是泥土的味道。"],
                ["秋天的运动会上，我跑了八百米，最后一圈差点没有力气，是同学们的加油声把我推到了终点。", "那天晚上我睡得特别香。"]]


def test_pieces_in_table_rows_are_one_content_block():
    rows = "".join(f'<tr><td align="center"><b>第{n}周：{title}</b></td></tr><tr><td class="zw">{text[0]}<br><br>{text[1]}</td></tr>'
                   for n, title, text in zip("一二三", ("春天", "夏天", "秋天"), SEASON_TEXTS, strict=True))
    side = "".join(f"<tr><td>·<a href='/{i}.html'>推荐周记第{i}篇</a></td></tr>" for i in range(8))
    html = page("<title>四季周记（3篇）</title>", f"<table><tr><td><table>{side}</table></td><td><table>"
                f"<tr><td><b>四季周记（3篇）</b></td></tr>{rows}</table></td></tr></table>")
    got = [(r["piece_title"], r["text"].split("\n")) for r in clean_page(html, "http://x.cn/1.html").records]
    assert got == [(f"第{n}周：{title}", text) for n, title, text in zip("一二三", ("春天", "夏天", "秋天"), SEASON_TEXTS, strict=True)]
