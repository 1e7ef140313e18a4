"""Rules drawn from how essay, 范文, poem and diary sites lay out their pages, each on a small page
of our own text: chrome between and after the pieces, letters, verse in ``<br>`` lines."""
from __future__ import annotations

import pytest

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


LETTER = ["尊敬的家长：", "您好！寒假就要到了，为了让孩子度过一个平安的假期，请您留意下面几件事：",
          "一、外出时注意交通安全，不在马路边追逐打闹。", "二、每天读书半小时，按时完成假期作业。",
          "此致", "敬礼！"]


def test_a_letters_salutation_and_closing_are_no_piece_titles():
    """On a page an intro presents as a collection, 尊敬的家长： and 此致 are short lines over text,
    yet they frame the letter."""
    lines = ["致家长的一封信", "以下是本站为大家整理的致家长的一封信范文，欢迎阅读参考。", *LETTER]
    assert text_pieces(lines) == [(None, LETTER)]


ESSAY = ["清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。",
         "放学以后，我和妈妈去公园散步，看见湖面上有几只白鹅在慢慢地游。"]

# Chrome lines of essay sites, dropped wherever they stand.
CHROME = [
    "字号 A+ A-", "字体：大 中 小 默认", "APP内打开", "打开APP阅读全文", "打开APP，阅读体验更佳", "下载APP，看更多作文", "文档为doc格式", "文件格式：pdf",
    "更多写人作文请点击进入>>", "点击进入》》更多中秋节作文", ">>>点击进入作文大全", "【打印此页】【关闭窗口】", "TOP↑",
    "👍 12", "1.2万阅读", "« 上一篇 下一篇 »", "声明：本站所有文章来自网络", "本站所有作文均来自网友投稿",
    "QQ交流群：12345678", "客服电话：400-123-4567", "AD", "广告位招租", "推广链接", "没有更多了", "已经到底了",
    "本期编辑：小林", "图文来源：网络", "请登录后发表评论", "网友评论仅代表个人观点",
    "本文内容由互联网用户自发贡献，该文观点仅代表作者本人。",
    "如发现本站有涉嫌抄袭侵权/违法违规的内容，请发送邮件举报，一经查实，本站将立刻删除。",
    "喜欢就点个赞吧", "觉得不错就分享给朋友吧！", "如果觉得本文对你有帮助，欢迎转发分享。", "相关：春天的作文",
    "专题：春天作文", "话题：春天", "第2页", "投稿须知", "点我投稿", "顶 踩", "顶一下", "好评 差评", "打赏作者",
    "请作者喝杯咖啡", "查看作者主页", "发布于 3天前", "3小时前", "刚刚", "昨天 10:20", "百度搜索“作文小站”",
]
# Headers over the page's tail, decorated or bracketed: dropped alone above the essay, and end it below.
TAIL_HEADERS = ["【相关推荐】", "【热门作文】", "【推荐阅读】", "| 相关推荐", "▍猜你喜欢", "—— 相关推荐 ——", "◆ 热门文章",
                "※ 延伸阅读", "最新发布"]


@pytest.mark.parametrize("chrome", CHROME)
def test_a_site_chrome_line_is_dropped_above_inside_and_below_the_essay(chrome):
    for lines in ([chrome, *ESSAY], [ESSAY[0], chrome, ESSAY[1]], [*ESSAY, chrome]):
        assert text_pieces(["秋天的早晨", *lines]) == [(None, ESSAY)], lines


@pytest.mark.parametrize("header", TAIL_HEADERS)
def test_a_decorated_tail_header_ends_the_content(header):
    tail = [header, "春天的作文300字", "我的妈妈作文"]
    assert text_pieces(["秋天的早晨", header, *ESSAY, *tail]) == [(None, ESSAY)]


# Sentences of essays that name a chrome word (评论, 推荐, 阅读, 分享, 版权, 下载, 关注…): they stay.
ESSAY_SENTENCES = [
    "我最喜欢阅读童话故事，每天睡前都要读上几页。", "老师向全班推荐了一本好书，大家都抢着借来看。",
    "同学们纷纷发表评论，说这篇文章写出了大家的心里话。", "我把自己画的画分享给奶奶，她高兴得合不拢嘴。",
    "爸爸告诉我，尊重别人的版权就是尊重别人的劳动。", "哥哥从网上下载了一首歌，我们一起跟着唱。",
    "妈妈总是关注我的心情，而不只是我的分数。", "这本书的作者是一位老爷爷，他写了一辈子的童话。",
    "上一页还是晴天，下一页的故事里就下起了大雨。", "我们班的留言板上贴满了同学们写给老师的话。",
    "收藏家爷爷的柜子里摆满了各式各样的邮票。", "来源于生活的故事，往往最能打动人心。",
    "那天的阅读课上，老师给我们讲了一个有趣的故事。", "他点赞了我的作文，还在后面写了一句鼓励的话。",
    "时间过得真快，转眼间我已经上五年级了。", "我们学校的网站首页上登出了我的作文，我高兴极了。",
    "标签上写着价格，妈妈看了看又放下了。", "我想联系我们的老班长，可是找不到他的电话。",
    "关于我们家的故事，奶奶能讲上三天三夜。", "扫一扫地上的落叶，院子一下子干净了许多。",
    "热门的游戏我都不太会玩，我更喜欢下象棋。", "更多的时候，我愿意一个人安静地看书。",
    "打印机坏了，老师只好把题目写在黑板上。", "返回家乡的那天，天空下着小雨。",
    "作者在文中写道，母爱是世界上最伟大的爱。", "推荐信写好以后，老师又仔细地读了一遍。",
    "版面上的那幅画，是我们班小红画的。", "他把微信头像换成了全家福，看起来很温馨。",
    "人气最旺的摊位前排起了长长的队伍。", "留言的人越来越多，小店的名气也越来越大。",
    "编辑叔叔给我回信了，说我的稿子被录用了。", "免费的午餐是没有的，一切都要靠自己努力。",
    "喜欢一个人，就要分享他的快乐和烦恼。", "我觉得分享是一种快乐，所以常常把零食分给同学。",
    "刚刚下过雨，空气里有泥土的香味。", "顶着大太阳，爸爸还在田里干活。", "三小时前我们还在山顶看日出呢。",
    "打开APP一看，原来是妈妈给我发的消息。", "文档写完以后，我把它发给了老师。",
]


@pytest.mark.parametrize("sentence", ESSAY_SENTENCES)
def test_an_essay_sentence_naming_a_chrome_word_stays(sentence):
    for lines in ([sentence, *ESSAY], [ESSAY[0], sentence, ESSAY[1]], [*ESSAY, sentence]):
        assert text_pieces(["秋天的早晨", *lines]) == [(None, lines)], lines


POEM = ["小巷很窄", "窄得只容得下一把伞", "雨落在青石板上", "像谁在轻轻地敲门", "我站在巷口", "等一个不会来的人"]


def test_a_poems_last_line_over_its_date_line_and_the_authors_note_is_no_piece_title():
    """Title / 文/X / verse / date line / 作者简介：… is one poem: the last line of verse stands over
    the date line as a title over a byline would, but commentary, not text, follows."""
    lines = ["雨中的小巷", "文/林小溪", *POEM, "（2023年秋于杭州）", "作者简介：林小溪，某市第一中学高二学生，爱好写诗。"]
    records = clean_page("\n".join(lines), "http://x.cn/p.txt", kind="text").records
    assert [(r["title"], r["piece_title"]) for r in records] == [("雨中的小巷", None)]
    assert records[0]["text"].split("\n")[-1] in (POEM[-1], "（2023年秋于杭州）")


def test_a_numbered_list_of_diaries_and_essays_below_the_text_is_a_list_of_links():
    tail = ["1. 秋天的雨作文300字", "2. 写秋天的雨的散文", "3. 秋雨日记"]
    assert text_pieces(["秋天的雨", *ESSAY, *tail]) == [(None, ESSAY)]


# Chrome of Traditional sites and blogs, in their own words (搜尋, 彙整, 網誌存檔, 點選下載, 上午10:20…).
TRADITIONAL_CHROME = [
    "搜尋", "站內搜尋", "點選下載", "開啟APP", "文章彙整", "張貼時間：2023-05-01", "網誌存檔", "關於我", "檢視我的完整簡介",
    "技術提供：Blogger", "載入中...", "推文", "點我看更多", "看更多", "最新消息", "著作權聲明", "加入會員", "會員登入",
    "忘記密碼", "聯絡我們", "意見回饋", "常見問題", "觀看次數：123", "收藏此文", "分享此文", "發佈留言", "Email This",
    "BlogThis!", "Share to Facebook", "上午10:20", "小雨 於 上午10:20 發佈", "由 小雨 發表於 下午3:45", "全站熱搜",
    "熱門搜尋", "迴響(0)", "Posted by 小雨", "Leave a comment", "Read more", "Related posts", "Previous post",
]
TRADITIONAL_ESSAY = ["清晨的陽光照進教室，同學們開始朗讀課文，聲音清脆又響亮，老師滿意地點點頭。",
                     "放學以後，我和媽媽去公園散步，看見湖面上有幾隻白鵝在慢慢地遊。"]


@pytest.mark.parametrize("chrome", TRADITIONAL_CHROME)
def test_a_traditional_sites_chrome_line_is_dropped_below_the_essay(chrome):
    expected = text_pieces(["秋天的早晨", *TRADITIONAL_ESSAY])
    assert len(expected[0][1]) == 2
    assert text_pieces(["秋天的早晨", *TRADITIONAL_ESSAY, chrome]) == expected
    assert text_pieces(["秋天的早晨", TRADITIONAL_ESSAY[0], chrome, TRADITIONAL_ESSAY[1]]) in (expected, [(None, expected[0][1][:1])])


def test_verse_one_short_paragraph_a_line_outweighs_a_footer():
    """A poem site writes each line of verse as a <p> of its own, shorter than a paragraph."""
    body = "".join(f"<p>秋天的诗 篇{n}</p>" + "".join(f"<p>{line}</p>" for line in lines)
                   for n, (_, lines) in enumerate(POEMS, start=1))
    records = clean_page(html_page("秋天的诗（精选3首）", f"<h1>秋天的诗（精选3首）</h1><div class='text'>{body}</div>"),
                         "http://x.cn/p/4.html").records
    assert [r["text"].split("\n") for r in records] == [lines for _, lines in POEMS]


MENU = ["首页", "小学作文", "初中作文", "高中作文", "作文素材", "满分作文", "日记", "诗歌", "散文", "读后感", "更多"]


def test_a_menu_left_one_item_a_line_above_the_title_is_dropped():
    """A text dump of a page keeps its menu, one short item a line, above the headline."""
    records = clean_page("\n".join([*MENU, "钓鱼", "作者：小明", *ESSAY]), "http://x.cn/m.txt", kind="text").records
    assert [(r["title"], r["text"].split("\n")) for r in records] == [("钓鱼", ESSAY)]


def test_short_lines_of_verse_that_name_no_section_are_no_menu():
    verse = ["我写日记", "写下春天", "写下小鸟", "写下妈妈的笑"]
    assert text_pieces(["春天的诗", *verse]) == [(None, verse)]


def test_a_list_of_other_articles_above_the_text_is_no_verse():
    """Between the headline and the text a sidebar of other articles' titles, short lines naming a
    kind of article, is not the first lines of a poem."""
    sidebar = ["我的妈妈作文300字", "春天来了作文", "我的同桌作文"]
    assert text_pieces(["钓鱼", *sidebar, *ESSAY]) == [(None, ESSAY)]


SCRIPT = ["var _hmt = _hmt || [];", "(adsbygoogle = window.adsbygoogle || []).push({});",
          "document.write('<script src=\"/js/ad.js\"></script>');", "function show(){", "}"]


def test_lines_of_script_code_are_dropped():
    assert text_pieces(["钓鱼", SCRIPT[0], ESSAY[0], *SCRIPT[1:], ESSAY[1]]) == [(None, ESSAY)]


def test_work_titles_over_verse_head_pieces_without_a_claimed_count():
    """Two or more 《work》 lines (the poet after them) over verse split a page whose title claims
    no count (关于月亮的诗)."""
    poems = [("《月牙》 王小雨", ["弯弯的月牙挂天边", "像只小船水上漂", "载着星星去远方"]),
             ("《满月》 李小冬", ["圆圆的月亮照窗前", "像个玉盘亮晶晶", "奶奶讲着老故事"])]
    lines = ["关于月亮的诗", *[line for work, verse in poems for line in (work, *verse)]]
    assert text_pieces(lines) == [(work.replace(" ", ""), verse) for work, verse in poems]


@pytest.mark.parametrize("title", ["老师的微笑", "老师，您辛苦了", "作者的话", "记者的一天"])
def test_a_title_that_starts_with_a_byline_key_is_no_byline(title):
    """作者：X, 指导老师王芳, 记者王大明／台北报导 are bylines; 老师的微笑 is an essay's title."""
    records = clean_page("\n".join([title, *ESSAY]), "http://x.cn/t.txt", kind="text").records
    assert [(r["title"], r["text"].split("\n")) for r in records] == [(title, ESSAY)]


def test_poems_whose_titles_hold_a_comma_over_bylines_are_pieces():
    lines = ["写给老师的诗（精选2首）", "老师，您好", "作者：小雨", "您是一支蜡烛，", "燃烧自己，照亮别人。", "您是一盏明灯，",
             "老师的手", "作者：小林", "老师的手，", "写下一行行粉笔字；", "老师的手，"]
    assert [h for h, _ in text_pieces(lines)] == ["老师，您好", "老师的手"]
