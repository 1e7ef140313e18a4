"""Line decisions on text dumps of our own writing: title, header, chrome, bylines, headings.

Each page is a template real essay sites use; the expected pieces are what a careful editor keeps."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import clean_page


def pieces(text: str) -> list[tuple[str | None, list[str]]]:
    return [(r["piece_title"], r["text"].split("\n")) for r in clean_page(text, "http://x.cn/a.html", kind="text").records]


def title(text: str) -> str | None:
    return clean_page(text, "http://x.cn/a.html", kind="text").records[0]["title"]


ESSAY = ["清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。",
         "放学以后，我和妈妈去公园散步，看见湖面上有几只白鹅在慢慢地游。"]


def test_metadata_block_breadcrumb_and_tail_are_dropped():
    page = "\n".join([
        "雨后的小路-四年级写景作文400字", "手机版", "当前位置：首页>作文>四年级作文",
        "来源：示例作文网 2023-05-06 10:11:12", "字数：400字", "阅读（1234）",
        "雨后的小路", *ESSAY, "作文话题：雨 小路 四年级", "上一篇作文：春天的早晨", "猜你喜欢", "夏天的夜晚"])
    assert title(page) == "雨后的小路"  # the headline under the breadcrumb, not the <title> line above it
    assert pieces(page) == [(None, ESSAY)]


def test_bylines_before_and_credits_after_the_essay_are_dropped():
    page = "\n".join(["我的外婆", "示例市实验小学三（2）班 李小明", *ESSAY,
                      "（指导老师：王老师）", "（本栏责编：赵编辑）"])
    assert pieces(page) == [(None, ESSAY)]


def test_commentary_after_the_essay_is_cut():
    page = "\n".join(["我的外婆", *ESSAY, "名师点评", "这篇作文写得真实感人，语言朴素。"])
    assert pieces(page) == [(None, ESSAY)]


def test_a_signature_closes_a_proposal_and_stays():
    page = "\n".join(["爱护校园倡议书", "亲爱的同学们：", *ESSAY, "倡议人：五年级二班"])
    assert pieces(page)[0][1][-1] == "倡议人：五年级二班"


def test_a_tail_marker_above_the_essay_is_only_a_header_line():
    page = "\n".join(["童诗：月亮船", "标签：", "童诗", "月亮船", "月亮船",
                      "弯弯的月亮像小船", "载着星星去远航", "我坐在船头唱歌", "标签：童诗 月亮"])
    assert pieces(page) == [(None, ["月亮船", "弯弯的月亮像小船", "载着星星去远航", "我坐在船头唱歌"])]


def test_verse_without_punctuation_starts_after_the_byline():
    page = "\n".join(["小河-童诗", "小河", "文/张小红", "小河弯弯向东流", "唱着歌儿不回头", "一路欢笑到海口"])
    assert pieces(page) == [(None, ["小河弯弯向东流", "唱着歌儿不回头", "一路欢笑到海口"])]


def test_a_first_line_of_prose_is_not_a_title():
    page = "\n".join(ESSAY)
    assert title(page) is None and pieces(page) == [(None, ESSAY)]


@pytest.mark.parametrize("first, want_title, want_first", [
    ("【雨后的小路作文】" + ESSAY[0], "雨后的小路作文", ESSAY[0]),
    ("雨后的小路作文300字-四年级：" + ESSAY[0] + "我们一起读书。", "雨后的小路作文300字-四年级",
     ESSAY[0] + "我们一起读书。"),
])
def test_a_title_glued_to_the_first_sentence_is_cut_off(first, want_title, want_first):
    page = "\n".join([first, ESSAY[1]])
    assert title(page) == want_title and pieces(page) == [(None, [want_first, ESSAY[1]])]


def test_titles_over_bylines_head_pieces():
    page = "\n".join(["小河", "文/张小红（示例小学二年级）", ESSAY[0],
                      "白鹅", "文/李小明（示例小学三年级）", ESSAY[1]])
    assert title(page) is None
    assert pieces(page) == [("小河", [ESSAY[0]]), ("白鹅", [ESSAY[1]])]


def test_title_headings_on_a_collection_page():
    page = "\n".join(["写秋天的日记大全", "以下是小编为大家整理的写秋天的日记，欢迎阅读。",
                      "捡落叶", ESSAY[0], "看菊花", ESSAY[1]])
    assert pieces(page) == [("捡落叶", [ESSAY[0]]), ("看菊花", [ESSAY[1]])]


def test_subheadings_of_one_essay_are_not_pieces():
    page = "\n".join(["我眼中的秋天", "落叶", ESSAY[0], "菊花", ESSAY[1]])
    assert len(pieces(page)) == 1


@pytest.mark.parametrize("headings", [
    ["秋天的心得体会范本一", "秋天的心得体会范本二"],
    ["秋天写景作文300字作文一：", "秋天写景作文300字作文二："],
    ["观察蚕宝宝的第一天", "观察蚕宝宝的第二天"],
    ["一、《静夜思》作者：李白", "二、《春晓》作者：孟浩然"],
    ["（一）秋天的田野", "（二）秋天的果园"],
    ["其一", "其二"],
])
def test_heading_styles(headings):
    page = "\n".join(["秋天合集", headings[0], ESSAY[0], headings[1], ESSAY[1]])
    assert pieces(page) == [(headings[0], [ESSAY[0]]), (headings[1], [ESSAY[1]])]


def test_an_outline_inside_a_plan_is_not_a_numbering():
    page = "\n".join(["班级读书活动方案", "一、活动目的", ESSAY[0], "二、活动安排", ESSAY[1]])
    assert pieces(page) == [(None, ["一、活动目的", ESSAY[0], "二、活动安排", ESSAY[1]])]


def test_one_heading_opening_the_text_is_a_heading():
    page = "\n".join(["秋天的作文（精选8篇）", "以下是小编整理的秋天的作文，希望对大家有所帮助。",
                      "秋天的作文（精选8篇）", "秋天的作文篇1", *ESSAY])
    assert pieces(page) == [("秋天的作文篇1", ESSAY)]


def test_a_page_flattened_into_one_line_is_split_into_its_lines():
    verse = ["小河弯弯向东流，", "唱着歌儿不回头，", "一路欢笑到海口，", "大海张开手臂迎。"]
    line = " ".join(["童诗两首大全", "1、小河", *verse * 3, "2、大海", *verse * 3])
    got = pieces(line)
    assert [h for h, _ in got] == ["1、小河", "2、大海"] and got[0][1] == verse * 3


def test_leftover_tags_do_not_make_a_text_dump_markup():
    page = "\n".join(['<nav id="x"></nav>', "导航栏 ×", "秋天", *ESSAY])
    assert title(page) == "秋天" and pieces(page) == [(None, ESSAY)]


def test_the_first_of_several_claimed_pieces_is_a_heading_below_an_intro():
    page = "\n".join(["秋天的作文（精选5篇）", "秋天到了，很多同学都喜欢写秋天，这里有几篇写得很好的作文，一起来读一读吧。",
                      "秋天的作文篇1", *ESSAY])
    assert pieces(page) == [("秋天的作文篇1", ESSAY)]


def test_headings_glued_to_their_first_sentence_are_cut_off():
    page = "\n".join(["秋天的作文", "秋天的作文1" + ESSAY[0], "秋天的作文2" + ESSAY[1]])
    assert pieces(page) == [("秋天的作文1", [ESSAY[0]]), ("秋天的作文2", [ESSAY[1]])]


@pytest.mark.parametrize("marker", ["……阅读全文", "…（此处隐藏1200个字）……", "查看全文>>", "（未完待续）", "（未完，待续）",
                                    "\n展开阅读全文∨", "\n剩余3页未读，继续阅读", "\n还剩2页未读", "\n免费阅读已结束，点击下载阅读编辑剩下的内容",
                                    "\n试读已结束，如需继续阅读请下载"])
def test_a_piece_the_site_cut_short_is_marked_and_the_marker_dropped(marker):
    page = "\n".join(["秋天", ESSAY[0], ESSAY[1] + marker])
    record, = clean_page(page, "http://x.cn/a.html", kind="text").records
    assert record["truncated"] is True and record["text"].split("\n") == ESSAY


def test_a_whole_piece_is_not_marked_truncated():
    record, = clean_page("\n".join(["秋天", *ESSAY]), "http://x.cn/a.html", kind="text").records
    assert "truncated" not in record


def test_a_teaser_above_the_text_is_dropped():
    teaser = ESSAY[0][:20] + "……"
    page = "\n".join(["秋天", teaser, teaser, *ESSAY])
    assert pieces(page) == [(None, ESSAY)]


def test_a_site_name_after_the_title_does_not_make_it_text():
    page = "\n".join(["四年级作文：秋天来了。 - 示例作文网", "示例作文网", *ESSAY])
    # the site's name, a line of its own, is cut from the title line
    assert title(page) == "四年级作文：秋天来了。" and pieces(page) == [(None, ESSAY)]


def test_a_long_school_grade_and_counter_line_is_a_byline():
    page = "\n".join(["秋天来了", "示例市新城区第一实验小学 3年级 / 王小明 1024 0 0", *ESSAY])
    assert pieces(page) == [(None, ESSAY)]


VERSE = ["床前的月光白又白", "好像地上结了霜", "抬头看看天上的月", "低头想起我的家"]


def test_work_titles_over_poets_head_the_poems_of_a_collection():
    page = "\n".join(["思乡的古诗大全", "《月夜》", "【唐】李白", *VERSE, "《夜思》", "张小明", *VERSE[::-1]])
    assert pieces(page) == [("《月夜》", VERSE), ("《夜思》", VERSE[::-1])]


def test_work_titles_over_verse_head_the_poems_of_a_collection():
    page = "\n".join(["儿童诗两首", "《月亮》", *VERSE, "《星星》", *VERSE[::-1]])
    assert pieces(page) == [("《月亮》", VERSE), ("《星星》", VERSE[::-1])]


def test_a_short_line_between_lines_of_verse_is_verse():
    page = "\n".join(["儿童诗两首", *VERSE, "星星", *VERSE])
    assert pieces(page) == [(None, [*VERSE, "星星", *VERSE])]


@pytest.mark.parametrize("junk", ["</p>", "/p>", "`", "（示例作文网 www.example.cn）", '<span class="x">'])
def test_injected_junk_is_cut_out_of_the_line(junk):
    page = "\n".join(["秋天", ESSAY[0][:10] + junk + ESSAY[0][10:], ESSAY[1], "x7Gk2Lq9Zp3w"])
    assert pieces(page) == [(None, ESSAY)]


@pytest.mark.parametrize("chrome", [
    "#小学生作文# #写景作文#", "咨询电话：13912345678", "加微信号：essay_2024 领取资料", "首页 上一页 1 2 3 下一页 尾页",
    "作文 作文大全 优秀作文 满分作文 小学作文 初中作文",
])
def test_tag_promo_pager_and_keyword_lines_are_dropped(chrome):
    page = "\n".join(["秋天", ESSAY[0], chrome, ESSAY[1], chrome])
    assert pieces(page) == [(None, ESSAY)]


@pytest.mark.parametrize("token, value", [
    ("12", 12), ("十二", 12), ("二十一", 21), ("一百零二", 102), ("1000", 1000), ("2024", 2024),
    ("两千零二十四", 2024), ("一千", 1000), ("三万", 30000), ("1万", 10000), ("一万两千", 12000), ("0", None), ("甲", None),
])
def test_numerals_of_any_size(token, value):
    from pipelines.split import parse_ordinal
    assert parse_ordinal(token) == value


@pytest.mark.parametrize("title, claimed", [("作文1000篇", 1000), ("范文2024篇", 2024), ("日记四则", 4), ("古诗十首", 10),
                                            ("优秀作文两千篇", 2000)])
def test_claimed_counts_of_any_size(title, claimed):
    from pipelines.split import claimed_count
    assert claimed_count(title) == claimed


def test_headings_above_999_are_headings():
    page = "\n".join(["作文大全"] + [line for n in range(1, 1003) for line in (f"作文篇{n}", f"{ESSAY[0]}{n}")])
    got = pieces(page)
    assert len(got) == 1002 and got[998] == ("作文篇999", [f"{ESSAY[0]}999"]) and got[-1] == ("作文篇1002", [f"{ESSAY[0]}1002"])


DUMPS = Path(__file__).parent / "fixtures" / "dumps"
# Text dumps of our own writing in the templates of other kinds of sites: file → (title, pieces).
TEMPLATES = {
    "dede_collection.txt": ("我家的小花猫作文（精选3篇）", [
        ("我家的小花猫作文篇一", 3, "我家有一只小花猫", "我爱我家的小花猫。"),
        ("我家的小花猫作文篇二", 2, "去年冬天", "一动也不动。"),
        ("我家的小花猫作文篇三", 2, "小花猫是我的好朋友", "“看，我多能干！”")]),
    "wechat_article.txt": ("春天的早晨", [(None, 3, "春天的早晨，太阳公公", "心里美滋滋的。")]),
    "poems_with_notes.txt": ("静夜思、春晓等古诗赏析（3首）", [
        ("《静夜思》", 2, "床前明月光", "低头思故乡。"), ("《春晓》", 2, "春眠不觉晓", "花落知多少。"),
        ("《登鹳雀楼》", 2, "白日依山尽", "更上一层楼。")]),
    "qa_answer.txt": ("我的理想", [(None, 3, "我的理想是当一名医生", "做一个有用的人。")]),
    "blog_post.txt": ("我的妈妈", [(None, 3, "我的妈妈是一名护士", "妈妈，我爱你！")]),
}


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_site_templates(name):
    records = clean_page((DUMPS / name).read_bytes(), f"http://x.cn/{name}", kind="text").records
    want_title, want = TEMPLATES[name]
    got = [(r["piece_title"], len(r["text"].split("\n")), r["text"].split("\n")[0][:len(w[2])],
            r["text"].split("\n")[-1][-len(w[3]):]) for r, w in zip(records, want, strict=False)]
    assert len(records) == len(want) and {r["title"] for r in records} == {want_title} and got == want


def test_a_piece_too_long_is_reported_not_written():
    from pipelines.clean import MAX_PIECE_CHARS
    from pipelines.errors import PageError
    page = "\n".join(["秋天", *[ESSAY[0]] * (MAX_PIECE_CHARS // len(ESSAY[0]) + 1)])
    with pytest.raises(PageError) as err:
        clean_page(page, "http://x.cn/a.html", kind="text")
    assert err.value.reason == "piece_too_long"


def test_a_byline_closing_a_poem_does_not_make_its_last_line_a_heading():
    page = "\n".join(["月亮", "月亮", "文/张小红", *VERSE, "我们多快乐啊", "（作者系示例小学四年级学生）"])
    assert pieces(page) == [(None, [*VERSE, "我们多快乐啊"])]


def test_a_title_naming_a_grade_heads_a_piece_of_a_collection():
    page = "\n".join(["我的家乡（通用10篇）", "小学四年级作文：我的家乡", *ESSAY])
    assert pieces(page) == [("小学四年级作文：我的家乡", ESSAY)]


SPRING = ["除夕的晚上，家家户户都贴上了红红的春联，门口挂起了大红灯笼，街上到处是放鞭炮的小朋友。",
          "我们一家人围坐在桌边吃年夜饭，爷爷给我发了一个大红包，我高兴得一蹦三尺高。"]
# More templates of other kinds of sites, each piece checked whole: file → (title, [(heading, paragraphs)]).
# What they hold: a Traditional mirror of a school site (TW navigation and metadata), numbered headings
# after digit lines, a blog's comment form and footer, titles over 作者： lines, a portal's banner, menus,
# search bar and link list, a <title>-style first line, a forum thread with replies, poems under bare
# author names.
EXACT_TEMPLATES = {
    "tw_school_site.txt": ("校园里的大榕树", [(None, [
        "我们学校的操场边有一棵大榕树，听老师说，它已经有一百多岁了。",
        "大榕树的树干很粗，要三个小朋友手拉手才能抱住。它的胡须垂到地上，像老爷爷的长胡子。",
        "下课的时候，同学们最喜欢在树下玩游戏，有的跳绳，有的捉迷藏，笑声传得好远好远。",
        "我爱这棵大榕树，它是我们最好的朋友。"])]),
    "digit_line_collection.txt": ("关于春节的作文", [
        ("新年感想一", SPRING),
        ("新年感想二", ["大年初一，妈妈给我换上新衣服，带我去外婆家拜年。", "外婆做了一大桌好吃的菜，还给我包了饺子，我一口气吃了十几个。"]),
        ("新年感想三", ["春节最热闹的是逛庙会。庙会上有舞龙舞狮，有捏面人的，还有卖糖葫芦的。",
                    "我拉着爸爸的手挤在人群里，看得眼睛都不够用了，真希望天天都过年！"])]),
    "wordpress_blog.txt": ("一次难忘的旅行", [(None, [
        "暑假里，爸爸妈妈带我去海边旅行。那是我第一次看见大海，海水蓝蓝的，一眼望不到边。",
        "我在沙滩上捡贝壳，还堆了一座大大的沙堡。一个浪花打过来，沙堡就不见了，我却一点也不难过。",
        "傍晚，我们坐在礁石上看日落，太阳像一个红彤彤的大火球，慢慢地沉进了海里。", "这次旅行让我永远难忘。"])]),
    "byline_collection.txt": ("关于秋天的散文", [
        ("秋天的果园", ["秋天到了，果园里的苹果红了，梨子黄了，葡萄紫了，一串串，一个个，挂满了枝头。",
                    "我跟着爷爷去摘果子，爷爷说，这是一年里最快乐的时候。"]),
        ("落叶", ["一阵秋风吹过，树叶纷纷落下来，像一只只金色的蝴蝶在空中飞舞。", "我捡起一片叶子，夹在书里，想把秋天留住。"])]),
    "portal_page.txt": ("我家的小菜园", [(None, [
        "奶奶在院子里开了一块小菜园，里面种着青菜、萝卜和西红柿。", "每天放学回家，我都要去菜园里看一看，帮奶奶浇浇水、拔拔草。",
        "到了秋天，西红柿红了，萝卜也长大了，奶奶笑得合不拢嘴。", "我爱我家的小菜园，也爱勤劳的奶奶。"])]),
    "title_tag_page.txt": ("雨后的彩虹", [(None, [
        "下午下了一场大雨，雨停以后，天空中出现了一道美丽的彩虹。",
        "彩虹有红、橙、黄、绿、青、蓝、紫七种颜色，像一座弯弯的彩桥挂在天边。",
        "我赶紧叫来妹妹，我们站在阳台上看了好久，直到它慢慢消失。"])]),
    "forum_thread.txt": ("晚自习的灯光", [(None, [
        "晚自习的教室里很安静，只能听见翻书和写字的沙沙声。", "头顶的灯光白白的，照在每个同学的脸上，大家都低着头，认真地做着作业。",
        "我抬起头，看见窗外的星星一闪一闪，好像也在陪我们学习。", "那一刻，我觉得这样的夜晚很美。"])]),
    "named_poems.txt": ("春天的小诗三首", [
        ("春雨", ["春雨沙沙地下", "落在小草的头上", "小草笑着", "伸了一个懒腰"]),
        ("燕子", ["燕子从南方飞回来", "在屋檐下做窝", "它叽叽喳喳", "好像在说春天好"]),
        ("柳树", ["柳树姑娘", "梳着长长的辫子", "风一吹", "辫子就飘起来"])]),
}


@pytest.mark.parametrize("name", sorted(EXACT_TEMPLATES))
def test_more_site_templates_exactly(name):
    records = clean_page((DUMPS / name).read_bytes(), f"http://x.cn/{name}", kind="text").records
    want_title, want = EXACT_TEMPLATES[name]
    assert [(r["title"], r["piece_title"], r["text"].split("\n")) for r in records] == [
        (want_title, heading, paragraphs) for heading, paragraphs in want]


@pytest.mark.parametrize("tail", [
    ["上一篇", "下一篇"], ["← 前一篇：我的小书房", "后一篇：学游泳 →"], ["上一则", "下一则"],
    ["相关作文推荐", "秋天的作文400字"], ["与“秋天”相关的作文：", "1.秋天的果园"], ["诗歌推荐", "写太阳的诗歌"],
    ["评论（3）"], ["暂无评论，快来抢沙发吧"], ["关于我们 | 联系我们 | 网站地图"], ["本文由作文网整理，转载请注明出处。"],
    ["投稿邮箱：tougao@example.com"], ["回上页 | 列印 | 转寄"], ["网友留言", "写得真好！"], ["沙发", "写得真好！"],
    ["（完）"], ["排版：小周"], ["图片来源于网络"], ["作者简介：张小明，四年级学生，爱好读书。"],
    ["【点评】", "小作者观察细致，语言生动。"], ["本版编辑：李红"], ["（摘自《少年文艺》）"], ["共3页: 1 2 3 下一页"],
    ["【收藏】【打印】【关闭】"], ["本文已影响1234人"], ["下载word版"], ["微信扫一扫"], ["觉得好看，请点赞！"],
])
def test_trailing_chrome_after_the_essay_is_dropped(tail):
    assert pieces("\n".join(["秋天", *ESSAY, *tail])) == [(None, ESSAY)]


@pytest.mark.parametrize("head", [
    ["晨读文学社"], ["首页 小学作文 初中作文 高中作文"], ["登录 | 注册"], ["热门搜索：春天 母爱 老师"],
    ["作文大全 › 写景作文 › 秋天"], ["点阅数：1024 更新日期：2023-05-12"], ["2023-04-01 来源：原创"], ["发布者：小明"],
])
def test_chrome_above_the_title_is_dropped(head):
    page = "\n".join([*head, "秋天", *ESSAY, "晨读文学社 版权所有"])
    assert clean_page(page, "http://x.cn/a.html", kind="text").records[0]["title"] == "秋天"
    assert pieces(page) == [(None, ESSAY)]


def test_a_site_name_is_the_title_unless_a_copyright_line_names_it():
    assert title("\n".join(["晨读文学社", *ESSAY])) == "晨读文学社"
    assert title("\n".join(["晨读文学社", "秋天", *ESSAY, "© 2024 晨读文学社"])) == "秋天"


def test_a_title_tag_line_gives_its_headline_when_the_headline_stands_below_it():
    assert title("\n".join(["秋天_四年级作文_晴空作文站", "秋天", *ESSAY])) == "秋天"
    assert title("\n".join(["秋天 - 四年级作文", *ESSAY])) == "秋天 - 四年级作文"


@pytest.mark.parametrize("text", ["快乐的十一", "心中的唯一", "祖国统一"])
def test_a_stem_with_a_chinese_numeral_alone_is_no_heading(text):
    from pipelines.split import is_heading
    assert not is_heading(text)
    assert pieces("\n".join([text, *ESSAY])) == [(None, ESSAY)] and title("\n".join([text, *ESSAY])) == text


def test_short_first_lines_of_verse_are_verse_not_names():
    verse = ["秋风吹", "黄叶飘", "树叶黄了", "田野金黄", "高粱红了脸", "谷子弯了腰"]
    assert pieces("\n".join(["秋天的儿歌大全", *verse])) == [(None, verse)]


def test_one_bare_name_above_the_text_is_dropped():
    assert pieces("\n".join(["秋天", "张小红", *ESSAY])) == [(None, ESSAY)]
    assert pieces("\n".join(["秋天", "◎张小红", *VERSE])) == [(None, VERSE)]


def test_short_lines_above_the_title_shown_again_are_header():
    page = "\n".join(["儿童诗：月亮船", "标签：", "儿童", "诗歌", "月亮船", "月亮船", *VERSE])
    assert pieces(page) == [(None, ["月亮船", *VERSE])]


@pytest.mark.parametrize("intro", ["【导语】秋天是收获的季节，下面是几篇写秋天的作文。", "温馨提示：本文适合三年级同学阅读"])
def test_bracketed_and_non_xiaobian_intros_are_dropped(intro):
    assert pieces("\n".join(["秋天", intro, *ESSAY])) == [(None, ESSAY)]


@pytest.mark.parametrize("links", [
    ["我家的菜园", "奶奶的菜园作文300字", "小菜园"],
    ["秋天的果园", "果园里的苹果红了，我和爷爷一起去摘苹果，爷爷说今年的收成特别好……", "落叶"],
])
def test_a_list_of_links_below_the_essay_is_dropped(links):
    assert pieces("\n".join(["秋天", *ESSAY, *links])) == [(None, ESSAY)]


@pytest.mark.parametrize("tail", [
    ["附件：", "报名表", "日程表"],                          # below a label, not below the text
    ["我期待着明年的秋天……"],                                 # the essay's own last line
    ["田野里的风"],                                          # one short line alone
])
def test_what_is_no_list_of_links_stays(tail):
    assert pieces("\n".join(["秋天", *ESSAY, *tail])) == [(None, [*ESSAY, *tail])]


@pytest.mark.parametrize("head", [[":::", "跳到主要內容區塊"], ["繁體 | 简体 | English"], ["【記者王大明／台北報導】"], ["文／林小溪"]])
def test_traditional_site_header_lines_are_dropped(head):
    page = "\n".join(["秋天", *head, *ESSAY])
    assert pieces(page) == [(None, ESSAY)]


POEM = ["月亮弯弯挂天上", "像只小船轻轻晃", "载着星星去远航", "一直开到我梦乡"]


@pytest.mark.parametrize("tail", [
    ["热门诗歌", "星星", "太阳"], ["相关诗歌", "星星"], ["编辑推荐", "星星", "太阳"], ["更多儿童诗", "星星", "太阳"],
    ["沙发", "写得真美！"], ["回复", "小雨点 2023-10-05 20:13", "写得真美！", "快乐星球 2023-10-06 08:01", "好诗！"],
    ["《星星》", "《太阳》", "《小河》"], ["《星星》 李小明", "《太阳》 王小红"],
    ["2023.10.5于北京"], ["写于2023年秋"], ["（2023年10月）"], ["（原创首发）"], ["儿童诗歌网"], ["注：本诗选自《童诗集》"],
])
def test_a_short_poem_ends_where_its_tail_starts(tail):
    assert pieces("\n".join(["月亮船", *POEM, *tail])) == [(None, POEM)]


@pytest.mark.parametrize("lines", [["相关诗歌", *POEM], [*POEM, "2023年的第一场雪", "落在我的小窗上"]])
def test_a_header_above_a_short_poem_or_a_dated_line_of_it_stays(lines):
    assert pieces("\n".join(["月亮船", *lines])) == [(None, [line for line in lines if line != "相关诗歌"])]


@pytest.mark.parametrize("byline", ["〔作者：李小明〕", "文 | 李小明", "李小明/文", "李小明 / 文"])
@pytest.mark.parametrize("where", ["above", "below"])
def test_a_byline_in_another_form_is_dropped_at_the_edges(byline, where):
    lines = [byline, *ESSAY] if where == "above" else [*ESSAY, byline]
    assert pieces("\n".join(["秋天", *lines])) == [(None, ESSAY)]


GRASS = ["小草从土里", "探出了小脑袋", "它看看蓝天", "又看看白云"]
WILLOW = ["柳树姑娘", "梳着长长的辫子", "风一吹", "辫子就飘了起来"]
SWALLOW = ["燕子飞回来了", "在屋檐下做窝", "一家人叽叽喳喳", "像在开一个会"]


def test_a_list_between_two_works_of_a_collection_is_an_interlude():
    page = ["春天的儿童诗（精选3首）", "《小草》", *GRASS, "猜你喜欢", "夏天的儿童诗", "秋天的儿童诗", "《柳树》", *WILLOW,
            "《燕子》", *SWALLOW]
    assert pieces("\n".join(page)) == [("《小草》", GRASS), ("《柳树》", WILLOW), ("《燕子》", SWALLOW)]


def test_a_list_between_two_untitled_poems_of_a_collection_loses_no_verse():
    page = ["春天的儿童诗（精选3首）", "小草", *GRASS, "相关推荐", "夏天的儿童诗", "柳树", *WILLOW, "燕子", *SWALLOW]
    kept = [line for _, text in pieces("\n".join(page)) for line in text]
    assert [line for line in kept if line in GRASS + WILLOW + SWALLOW] == GRASS + WILLOW + SWALLOW


@pytest.mark.parametrize("closing", [["倡议人：五年级二班", "2024年3月5日"], ["申请人：王小明", "2024-03-05"],
                                     ["示例市第一实验小学少先队大队部", "2024年3月"], ["述职人：XX", "XX年3月5日"]])
def test_the_date_under_a_signature_closes_the_letter_and_stays(closing):
    page = "\n".join(["爱护校园倡议书", *ESSAY, *closing, "上一篇：节约用水倡议书"])
    assert pieces(page) == [(None, [*ESSAY, *closing])]


def test_a_date_line_under_prose_is_still_dropped():
    page = "\n".join(["爱护校园倡议书", *ESSAY, "2024年3月5日", "上一篇：节约用水倡议书"])
    assert pieces(page) == [(None, ESSAY)]


def test_a_salutation_naming_a_school_opens_the_letter():
    page = "\n".join(["助学金申请书", "尊敬的学校领导、老师：", *ESSAY, "申请人：王小明", "2024年3月5日"])
    assert pieces(page) == [(None, ["尊敬的学校领导、老师：", *ESSAY, "申请人：王小明", "2024年3月5日"])]


def test_a_plans_first_outline_item_opens_its_text():
    page = "\n".join(["班级春游活动方案", "2024-03-05 09:12 作者：编辑部", ">>>点击领取:最新活动方案模板大全(可编辑)<<<",
                      "一、活动目的", ESSAY[0], "二、活动安排", ESSAY[1]])
    assert pieces(page) == [(None, ["一、活动目的", ESSAY[0], "二、活动安排", ESSAY[1]])]

