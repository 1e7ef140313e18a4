"""The tails sites put under an essay, on pages of our own writing: comment headers with their
count, "more related" headers and the author's other works, the site's closing line, a line of its
name and domain, an article's place in the site's lists and a login wall under the cut marker never
reach the records; essay sentences with the same words stay whole."""
from __future__ import annotations

import pytest

from pipelines import clean_page

HEADER = ["青藤作文网", "首页 > 散文 > 抒情", "院子里的石榴树", "作者：林木  2023-06-01  阅读：120"]
ESSAY = ["外婆家的院子里有一棵石榴树，是外公年轻时亲手种下的。",
         "每年五月，树上开满火红的花，远远看去像一团团跳动的火苗。",
         "秋天一到，石榴裂开了嘴，露出一颗颗晶莹的籽，外婆总会挑最大的一个留给我。"]


def records(lines: list[str]) -> list[dict]:
    return clean_page("\n".join(lines), "http://example.cn/a.html", kind="text").records


@pytest.mark.parametrize("tail", [
    ["读者留言（12）", "小鹿 2023-06-02 10:11", "写得真好，我也想起了外婆。"],
    ["全部回复", "阿青 发表于 2023-06-02 10:11", "好文，收藏了。"],
    ["更多推荐：", "写给外婆的信", "我家的小院"],
    ["更多相关：抒情散文 外婆 石榴"],
    ["作者的其他作品：《故乡的河》《母亲的围裙》"],
    ["以上就是青藤作文网为大家整理的抒情散文，更多精彩请关注本站散文栏目。"],
    ["【青藤作文网 www.qingteng-zw.cn 整理】"],
    ["本文已被收录于：散文精选·六年级"],
    ["分享此文：", "微信", "微博", "QQ空间"],
    ["分享本文：微信 | 微博 | QQ空间 | Facebook"],
    ["散文的写法：", "1.选好一个小切口。", "2.写出真情实感。"],
    ["【写作技巧】", "写景时按一定的顺序观察，再写出自己的感受。"],
    [">>更多精彩散文，请进入散文大全栏目<<"],
    ["图：外婆院子里的石榴树"],
    ["＊本文经作者同意刊登，版权属作者所有，请勿转载。"],
    ["3 则回响", "小鹿：写得真好。"],
])
def test_a_tail_under_the_essay_is_dropped(tail):
    [record] = records([*HEADER, *ESSAY, *tail, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == ESSAY


def test_a_login_wall_under_the_cut_marker_goes_with_it_and_the_piece_is_cut():
    lines = [*HEADER, *ESSAY[:2], ESSAY[2] + "……阅读全文", "登录后即可查看全文，还能收藏本文", "上一篇：老街的早晨"]
    [record] = records(lines)
    assert record["text"].split("\n") == ESSAY and record["truncated"] is True


@pytest.mark.parametrize("sentence", [
    "以上就是我对外婆的全部回忆，它们像石榴籽一样藏在我心里。",
    "更多的时候，外婆只是坐在树下，看着我们玩。",
    "评论家说，这棵树见证了一个家庭的悲欢。",
    "作者的心情和我一样，都想念远方的亲人。",
    "微信里，外婆发来一张石榴花的照片。",
    "分享是一种快乐，外婆常把石榴分给邻居。",
    "外婆说，做人的写法和写字一样，要一笔一画。",
])
def test_an_essay_sentence_with_the_same_words_stays(sentence):
    [record] = records([*HEADER, *ESSAY, sentence, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == [*ESSAY, sentence]


@pytest.mark.parametrize("tail", [
    ["（本文由网友投稿，若有侵权请来信告知，我们将及时删除）"],
    ["【本篇系会员原创投稿】"],
])
def test_a_bracketed_reprint_notice_is_dropped(tail):
    [record] = records([*HEADER, *ESSAY, *tail, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == ESSAY


def test_a_document_sites_remaining_pages_notice_cuts_the_piece():
    [record] = records([*HEADER, *ESSAY, "（剩余2页未读，点击查看全文）", "相关文档"])
    assert record["text"].split("\n") == ESSAY and record["truncated"] is True


def test_a_newspaper_pages_date_and_page_line_is_no_title():
    lines = ["东江晚报", "2026年01月09日 星期五 第A11版：副刊", "院子里的石榴树", "□ 林木", *ESSAY, "责任编辑：王青"]
    [record] = records(lines)
    assert (record["title"], record["text"].split("\n")) == ("院子里的石榴树", ESSAY)


def test_the_sites_name_injected_between_two_sentences_is_cut():
    injected = ESSAY[1] + "青藤作文网" + ESSAY[2]
    lines = ["青藤作文网 qingteng-zw.cn", *HEADER[1:], ESSAY[0], injected, "青藤作文网 版权所有"]
    [record] = records(lines)
    assert record["text"].split("\n") == [ESSAY[0], ESSAY[1] + ESSAY[2]]


def test_an_essay_naming_a_site_after_a_sentence_keeps_it_when_no_header_starts_with_it():
    line = ESSAY[1] + "青禾作文网上有很多好文章，我常常去看。"
    [record] = records([*HEADER, ESSAY[0], line, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == [ESSAY[0], line]


# Essay lines shaped like the new chrome rules, each of which once cut or dropped essay text.
@pytest.mark.parametrize("lines", [
    ["我站在村口的老槐树下，望着远方。",
     "风吹过田野，麦浪一层接着一层，天边的云彩一朵接着一朵，慢慢地飘向远方的山顶，山顶上的夕阳把一切都染红了。我站在那里，很久很久都没有动，直到太阳落山。"],
    ["我们社区的王奶奶每天都在楼下种花。",
     "她种的月季开得很艳，红的像火，粉的像霞，白的像雪，一朵接着一朵开满了整个花坛，引来了许多蜜蜂和蝴蝶。我们社区的孩子放学后都喜欢去看，还常常帮她浇水。"],
    ["这是一篇讲述父爱的文章，适合每一个做儿女的人细细品读。朱自清写的是父亲的背影。"],
    ["下面这些照片是我精心挑选的，希望你喜欢。"],
    ["小妙招：先把杯子泡在醋里，再用牙膏擦一擦，杯子就干净了。"],
    ["以上是我为你准备的近况汇报，盼你回信。"],
    ["种子→发芽→开花→结果"],
])
def test_essay_lines_shaped_like_chrome_stay(lines):
    [record] = records([*HEADER, *ESSAY, *lines, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == [*ESSAY, *lines]


def test_a_task_label_above_an_essay_that_ends_in_a_commentary_drops_only_the_label():
    lines = ["作文之家", "【作文题目】", "成长", *ESSAY, "【教师点评】", "本文语言流畅。"]
    [record] = records(lines)
    assert record["text"].split("\n") == ESSAY


def test_a_reading_essay_with_numbered_points_under_a_this_sentence_is_one_piece():
    lines = ["读《草房子》有感", "这三篇课文我都很喜欢，但最喜欢的是《草房子》。",
             "1.桑桑的调皮", ESSAY[0], "2.秃鹤的自尊", ESSAY[1], "3.纸月的温柔", ESSAY[2]]
    [record] = records(lines)
    assert record["text"].split("\n") == lines[1:]


def test_signed_letters_of_a_collection_keep_their_closing_dates():
    letters = []
    for n, name in enumerate(["王小明", "李小红", "赵小刚"], start=1):
        letters += [f"入队申请书{n}", "亲爱的少先队组织：", *ESSAY, f"申请人：{name}", "2024年3月2日"]
    got = records(["入队申请书（精选3篇）", *letters])
    assert [(r["piece_title"], r["text"].split("\n")[-2:]) for r in got] == [
        (f"入队申请书{n}", [f"申请人：{name}", "2024年3月2日"]) for n, name in enumerate(["王小明", "李小红", "赵小刚"], start=1)]


@pytest.mark.parametrize("credits", [["文 | 林木", "图 | 网络"], ["摄影：王青"], ["配图/小禾"]])
def test_text_and_picture_credits_above_the_essay_are_dropped(credits):
    [record] = records([*HEADER, *credits, *ESSAY, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == ESSAY


def test_a_school_papers_previous_and_next_issue_lines_end_the_text():
    [record] = records([*HEADER, *ESSAY, "上一期：第85期", "下一期：第87期", "青山中学校报编辑部"])
    assert record["text"].split("\n") == ESSAY


def test_a_sentence_about_the_next_issue_stays():
    line = "下一期的黑板报由我来画，我想画一棵石榴树。"
    [record] = records([*HEADER, *ESSAY, line, "上一篇：老街的早晨"])
    assert record["text"].split("\n") == [*ESSAY, line]


LETTER = ["敬爱的李老师：", "您好！", "转眼间我们就要毕业了，三年来您像一位大姐姐一样陪着我们，教我们读书，也教我们做人。",
          "无论将来走到哪里，我们都会记得您的叮嘱，做一个善良、正直的人。", "此致", "敬礼！"]


@pytest.mark.parametrize("signer", ["您的学生：张小雨", "学生：周航", "学生家长：刘子墨妈妈"])
def test_a_letters_signer_and_date_close_it(signer):
    [record] = records([*HEADER[:2], "写给老师的感谢信", *LETTER, signer, "2024年6月18日", "上一篇：老街的早晨"])
    assert record["text"].split("\n") == [*LETTER, signer, "2024年6月18日"]
