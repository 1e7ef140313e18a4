"""Line rules on chrome, intros and essay sentences of our own writing: each chrome line is dropped
above, inside and below an essay; each essay sentence that names 推荐, 下载, 标签… stays, and so does
everything after it."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import clean_page

ESSAY = ["清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。",
         "放学以后，我和妈妈去公园散步，看见湖面上有几只白鹅在慢慢地游。"]


def pieces(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    records = clean_page("\n".join(lines), "http://x.cn/a.html", kind="text").records
    return [(r["piece_title"], r["text"].split("\n")) for r in records]


CHROME = [
    "复制全文", "点击复制全文", "复制本文链接", "评分：", "我要评分", "更多>>", "查看更多 »", "1/3 下一页",
    "点赞 收藏 分享", "打赏 转发", "有用(0) 无用(0)", "喜欢 (12)", "▲返回顶部", "返回顶部↑", "手机访问", "手机扫码阅读",
    "微信扫码", "全文阅读已结束，如果需要下载本文请点击", "下载这篇文档", "想要下载本文？", "此文档下载收益归作者所有",
    "本文共计600字，预计阅读时间2分钟", "精彩图文推荐", "相关专题：秋天作文", "作文标签：秋天 落叶", "收藏本站", "网站地图",
    "联系我们", "声明：本文由网友投稿，不代表本站观点", "作文小站 公众号", "欢迎来到作文小站，本文题目：秋天",
    "作文分类：写景作文", "本文标题：秋天的落叶", "文档格式：doc", "文档大小：25KB", "页数：3页", "友情提示：请勿抄袭",
    "猜你感兴趣", "本周热门", "返回栏目", "返回作文小站首页", "进入作文频道", "更多秋天作文", "更多关于秋天的作文", "查看全部",
    "本文目录", "在线投稿", "点此投稿", "分享给朋友", "一键分享", "赞一个", "好文章，赞一下", "写得不错，打赏一下", "赞助商链接",
    "开通VIP", "本文为会员专享内容", "立即下载", "加载中...", "正在加载...", "第1页/共3页", "上页 下页", "上一章 目录 下一章",
    "请输入评论内容", "提交评论", "网友评论仅供其表达个人看法，并不表明本站同意其观点或证实其描述", "Powered by DedeCMS",
    "本站由示例云提供计算服务", "查看原文", "展开剩余内容", "点击展开全文", "发表于 2023-09-01", "本文由作文小站原创",
    "电脑版 | 手机版", "推荐度：★★★★☆", "字号：大 中 小", "【字体：大 中 小】", "点击次数：1234",
    "本文来自作文小站用户投稿，不代表作文小站立场", "文章来自作文小站", "相关热词搜索：秋天 落叶", "本文关键词：秋天，落叶",
    "共有0条评论", "点击排行", "阅读排行榜", "本类推荐", "栏目推荐", "大家喜欢", "看了该文章的网友还看了", "感谢您的阅读",
    "谢谢阅读！", "喜欢这篇作文吗？点个赞吧", "觉得本文不错？记得分享哦", "本文转载自作文小站", "来自：作文小站", "内容来源：网络",
    "整理编辑：小明", "点击进入作文小站首页", "作文体裁：记叙文", "作文主题：秋天", "投稿时间：2023-09-01",
    "【推荐】秋天作文大全", "推荐：秋天的作文", "↓↓↓点击下载完整版↓↓↓", "（点击图片查看大图）", "本文共3页，当前第1页",
    "本页是第1页，共3页", "作文小站提醒您：请勿抄袭", ">>点击查看更多秋天作文", "→点击进入下一页", "第一页 第二页 第三页",
    "文章录入：小明", "信息来源：作文小站", "转发本文", "« 上一页 1 2 3 下一页 »", "« 秋天的雨 | 冬天的雪 »",
    "原文链接：作文小站", "永久链接：作文小站秋天栏目", "如需转载，请注明出处。", "欢迎转载，请保留作者署名", "下载 打印 收藏",
    "【下载】【打印】【收藏】", "（共有450字）", "（450字）", "浏览量：1234", "这篇作文对你有帮助吗？", "作文小站", "美文之家",
    "推荐阅读：冬天的雪作文", "延伸阅读：写秋天的好词好句", "更多秋天作文：", "查看更多关于秋天的作文：",
    "帖子 123 积分 456", "本主题由 管理员 于 2023-10-05 审核通过", "赞(12) | 评论(5)", "点击这里给我发消息", "(本文来源：作文小站)",
    "回目录", "返回", "原创作品，转载请联系作者", "声明：本文为作者原创", "你的点赞是我最大的动力", "欢迎留言交流", "欢迎在评论区留言",
    "已有0人评论", "0 评论", "12人喜欢", "举报文章", "更多", "MORE+", "分享本文", "微信分享", "链接已复制", "二维码",
    "最后更新：2023-10-05", "文章评论", "网友点评", "读者点评", "往期精彩", "往期文章", "相关搜索：秋天", "推荐给你", "最近更新",
    "本类最新", "关于秋天的作文：", "与秋天有关的作文：", "写秋天的作文还有：", "点击播放 语音朗读", "00:00 / 03:25",
    "（记叙文）", "【记叙文】", "作文题目：秋天", "作文要求：以秋天为题写一篇作文，不少于400字。",
    "看了关于秋天的句子的人还看了：", "读了这篇作文的同学还喜欢", "小雨的部落格", "下载积分：2", "VIP免费下载", "文档页数：3页",
    "需要金币：1000", "很赞哦！(12)", "感谢阅读，欢迎分享！", "投诉建议", "相关下载", "Word文档下载", "全文共1200字，阅读大约需要3分钟",
    "打开微信，点击底部的“发现”", "使用“扫一扫”即可将网页分享至朋友圈。",
]


@pytest.mark.parametrize("where", ["above", "inside", "below"])
@pytest.mark.parametrize("chrome", CHROME)
def test_a_chrome_line_is_dropped_wherever_it_stands(chrome, where):
    lines = {"above": [chrome, *ESSAY], "inside": [ESSAY[0], chrome, ESSAY[1]], "below": [*ESSAY, chrome]}[where]
    assert pieces(["秋天", *lines]) == [(None, ESSAY)]


INTROS = [
    "本文是一篇关于秋天的作文，欢迎阅读。",
    "秋天是一个美丽的季节，很多同学都写过秋天的作文。下面是我们精心挑选的几篇，供大家学习参考。",
    "这里为大家整理了几篇秋天作文，欢迎阅读！",
    "下面是关于秋天的作文，欢迎大家阅读参考。",
    "作文小站为大家带来的秋天作文，希望大家喜欢！",
    "我们为您精选了秋天作文，快来看看吧！",
    "秋天作文范文（精选5篇）由网友投稿整理，希望对你有所帮助。",
    "相信大家都写过秋天的作文，下面就为大家分享几篇，一起来看看吧。",
    "写作思路：先写秋天的景色，再写自己的感受。",
    "秋天是一个美丽的季节，很多同学都写过它。以下是一篇关于秋天的作文，欢迎阅读。",
    "为了帮助同学们写好作文，本站特意整理了秋天作文，希望对大家有所启发。",
    "【写作指导】先写秋天的景色，再写自己的感受。",
    "下文是关于秋天的作文，欢迎阅读参考。",
    "作文网精选了关于秋天的作文，希望大家喜欢。",
    "秋天的作文你会写吗？快来看看这3篇范文吧！",
    "一起来看看吧。",
]


@pytest.mark.parametrize("intro", INTROS)
def test_an_intro_without_xiaobian_is_dropped(intro):
    assert pieces(["秋天", intro, *ESSAY]) == [(None, ESSAY)]


SENTENCES = [
    "老师向我们推荐了一本好书，名叫《草房子》，我一口气就读完了。",
    "爸爸从网上下载了一首歌，我们一边听一边唱，开心极了。",
    "妈妈给每个罐子贴上标签，写着糖、盐和茶叶，厨房一下子整齐了。",
    "标签上写着“易碎品”，我小心地把箱子抱了起来。",
    "上一页写的是春天，下一页写的是夏天，我最喜欢秋天那一页。",
    "上一篇课文讲的是小蝌蚪找妈妈，下一篇讲的是乌鸦喝水。",
    "大家都在看烟花，只有我在看天上的月亮。",
    "来源于生活的故事，往往最动人。",
    "关注公众号的人越来越多了，表姐每天都要更新文章。",
    "妈妈为大家准备了一桌好菜，希望大家吃得开心。",
    "评分结束了，我们班得了第一名，大家高兴得跳了起来。",
    "复制全文这种事，老师说绝对不能做，作文要自己写。",
    "收藏是爷爷最大的爱好，他收藏了很多邮票。",
    "联系我们的老师很热情，她说欢迎我们再来。",
    "推荐阅读的书目里，我最喜欢《西游记》。",
    "妈妈笑着说：“写得不错，值得赞一个！”",
    "返回家乡的路上，我看见了金黄的稻田。",
    "更多的同学加入了我们的读书小组，大家一起读书、一起讨论。",
    "进入校园，首先看到的是一面鲜艳的五星红旗。",
    "我把作文投稿到了少年报，没想到真的发表了！",
    "目录上写着二十个故事的名字，我最喜欢第一个。",
    "谢谢你，妈妈，是你让我懂得了坚持。",
    "喜欢这篇文章的同学可以去图书馆借这本书。",
    "整理书包的时候，我发现了一张旧照片。",
    "来自远方的客人带来了家乡的特产。",
    "老师点评了我的作文，说我写得很生动。",
    "点评完同学们的作文，老师笑着走出了教室。",
    "评语写得很长，妈妈看了一遍又一遍。",
    "老师评语里说我进步了，我高兴极了。",
    "总评成绩出来了，我考了全班第三名。",
    "下载完游戏，弟弟就迫不及待地玩了起来。",
    "推荐给我这本书的是班主任王老师。",
    "链接两座山的是一座长长的吊桥。",
    "相关的资料我都查过了，可还是没有找到答案。",
    "网友评论说这座桥是全市最美的桥。",
    "以下是我和妹妹的对话，你们听听谁有道理。",
    "我们整理了教室里的图书角，希望同学们都来看书。",
    "学校门口新开了一家文具店。",
    "今天为大家准备了一个惊喜，妈妈说完就端出了蛋糕。",
    "接下来为大家表演的是小品，大家掌声欢迎！",
    "网上整理了很多资料，我选了几篇文章读给爷爷听。",
]


@pytest.mark.parametrize("links", [
    ["1. 秋天的落叶作文400字", "2. 美丽的秋天作文300字", "3. 秋天来了作文"],
    ["· 秋天的落叶作文", "· 美丽的秋天日记"],
])
def test_a_numbered_or_dotted_list_of_links_below_the_essay_is_dropped(links):
    assert pieces(["秋天", *ESSAY, *links]) == [(None, ESSAY)]


def test_a_numbered_list_closing_the_essay_stays():
    points = ["1、早睡早起", "2、按时完成作业", "3、每周读完一本书"]
    assert pieces(["我的暑假计划", *ESSAY, *points]) == [(None, [*ESSAY, *points])]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_an_essay_sentence_naming_chrome_words_stays_with_the_text_after_it(sentence):
    assert pieces(["秋天", ESSAY[0], sentence, ESSAY[1]]) == [(None, [ESSAY[0], sentence, ESSAY[1]])]


@pytest.mark.parametrize("tail", [
    ["全部评论(2)", "游客：写得真好，我也喜欢秋天！", "小红：文笔很好，加油！"],
    ["网友留言 3条", "写得真好，我也喜欢秋天！"],
    ["关于作者", "李小明，示例小学五年级学生，喜欢读书和画画。"],
    ["【作文字数：400字】"],
    ["本文档由用户上传，仅供学习交流"],
    ["评语：", "文章语言生动，感情真挚。"],
    ["指导老师点评：文章语言生动，感情真挚。"],
    ["【总评】文章语言生动，感情真挚。"],
    ["专家点评", "文章语言生动，感情真挚。"],
    ["评委点评：文章语言生动，结尾点题。"],
    ["写作点拨：", "本文抓住了秋天的特点来写。"],
    ["【名师导评】本文抓住了秋天的特点来写。"],
    ["老师寄语：愿你像秋天的果实一样饱满。"],
    ["【小作者简介】李小明，示例小学五年级学生，喜欢画画。"],
    # a comment thread without a header: user names and times, two within a few lines
    ["小雨点 2023-10-05 20:13", "写得真好，我也喜欢秋天！", "回复", "快乐星球 2023-10-06 08:01", "文笔不错，继续加油。"],
    ["游客 3天前", "写得真好！", "热心读者 5小时前", "我也喜欢秋天。"],
    ["小雨点 发表于 2023-10-05 20:13", "写得真好！", "快乐星球 发表于 2023-10-06 08:01", "文笔不错。"],
    ["网友 61.135.*.* 说：", "写得真好，我也喜欢秋天！"],
])
def test_a_block_below_the_essay_ends_it(tail):
    assert pieces(["秋天", *ESSAY, *tail]) == [(None, ESSAY)]


# Chrome of Traditional mirrors (Taiwan and Hong Kong blogs and school sites), matched once converted.
TRADITIONAL_CHROME = [
    "網友回應", "張貼者：小明 於 上午10:00", "檢舉", "字級：小 中 大", "部落格", "訂閱文章", "回覆", "【本文作者】李小明",
    "你可能也會喜歡", "訪客留言", "發表意見", "我要回應", "按讚", "加入 LINE 好友", "追蹤我們", "Facebook 粉絲專頁",
    "原文連結：作文小站", "讚(3) | 留言(0)", "網友點評", "建議使用Chrome瀏覽器，最佳瀏覽解析度1024x768", "訪客人數：123456",
    "發表人：小明", "推到 Plurk", "發佈單位：教務處", "最後更新日期：2023-10-05", "網站導覽", "隱私權政策 | 資訊安全政策", "列印本文",
    "轉寄給好友", "收藏文章", "五年甲班 王小明",
]


@pytest.mark.parametrize("chrome", TRADITIONAL_CHROME)
def test_a_traditional_chrome_line_below_the_essay_is_dropped(chrome):
    assert pieces(["秋天", *ESSAY, chrome]) == [(None, ESSAY)]


@pytest.mark.parametrize("tail", [["上一主题", "冬天的雪"], ["发表我的看法", "写得真好！"]])
def test_a_forum_tail_ends_the_essay(tail):
    assert pieces(["秋天", *ESSAY, *tail]) == [(None, ESSAY)]


# Sentences that open with the words of a chrome line but go on as prose: neither they nor the text
# after them are dropped.
OPENERS = [
    "你可能喜欢这本书，但我更喜欢那本有插图的。",
    "你也许会喜欢上这个安静的小镇，我就是这样。",
    "您可能想看看窗外，那里的晚霞美极了。",
    "读了这篇课文后，我还看了很多关于大海的书。",
    "看了这篇文章，我也看到了自己的影子。",
    "没有留言的日子里，我常常一个人发呆。",
    "快速回复老师的问题，是我最近的新目标。",
    "文章分类整理好以后，书架一下子变得整齐了。",
    "留下评论的人很多，大家都说这家店的面好吃。",
    "版权声明这几个字，我是第一次在书上看到。",
    "分享给朋友们的糖果，很快就被吃光了。",
    "分享到最后，大家都哭了。",
    "扫一扫桌上的灰尘，屋子里就亮堂多了。",
    "广告里的小女孩笑得真甜，我也想去那个地方看看。",
    "文章来自生活，这是老师常说的一句话。",
    "欢迎来到我们班的元旦联欢会！",
    "欢迎光临二年级的新年晚会，我是主持人小雨。",
    "友情提示：演出期间请大家保持安静，手机调成静音。",
    "下面为大家带来的是舞蹈《春天在哪里》，掌声有请！",
]


@pytest.mark.parametrize("sentence", OPENERS)
def test_a_sentence_opening_with_chrome_words_stays(sentence):
    assert pieces(["秋天", ESSAY[0], sentence, ESSAY[1]]) == [(None, [ESSAY[0], sentence, ESSAY[1]])]


DUMPS = Path(__file__).parent / "fixtures" / "dumps"
# Whole pages of our own writing in two more templates: a 范文 document site (banner, breadcrumb,
# metadata, an intro without 小编, `stem（N）` headings, a related list between two pieces, buttons,
# pager and reading time below) and a Traditional blog (部落格 banner, 张贴者 line, widgets, LINE promo).
PAGES = {
    "docsite_collection.txt": ("读书心得体会（精选3篇）", [
        ("读书心得体会（一）", ["寒假里，我读完了一本关于星星的书。书里说，我们看到的星光，有的是几千年前发出的，这让我觉得宇宙真是太奇妙了。",
                        "读完以后，我每天晚上都要到阳台上看一会儿星星，还学会了认北斗七星。"]),
        ("读书心得体会（二）", ["以前我不爱读书，总觉得书里的字密密麻麻，看一会儿就想睡觉。",
                        "后来妈妈给我买了一本有趣的童话书，我一下子就被迷住了，从那以后，书成了我最好的朋友。"]),
        ("读书心得体会（三）", ["老师说，读书要做笔记。我准备了一个小本子，把书中好的词语和句子都抄下来。",
                        "现在我的小本子已经写满了，写作文的时候，我常常翻一翻，总能找到好词好句。"])]),
    "tw_blog_post.txt": ("外婆的菜园", [(None, [
        "外婆家的后院有一块小菜园，种了青菜、萝卜和番茄。每到暑假，我最喜欢跟外婆去菜园里浇水。",
        "外婆说，菜和人一样，要用心照顾才会长得好。我蹲在菜园边，看那绿油油的叶子，觉得外婆说得真对。"])]),
    # a 栏目 line above the headline, a ——subtitle, school/teacher lines, a teacher's comment, a word count, a
    # download row, prev/next, a 与X有关的作文： list and a comment thread without a header below the essay
    "zuowen_comment_thread.txt": ("雨后的小池塘", [(None, [
        "一场大雨过后，小区后面的池塘变得格外热闹。水面涨高了，荷叶上滚着一颗颗亮晶晶的水珠，风一吹，水珠就滑进了池塘里。",
        "几只青蛙蹲在石头上，鼓着白白的肚皮呱呱地叫，好像在比谁的嗓门大。我蹲在岸边看了很久，连妈妈叫我吃饭都没听见。",
        "天快黑的时候，池塘上飞来了几只蜻蜓，它们一会儿点一下水面，一会儿又飞得高高的。我想，雨后的池塘真是一个小小的音乐会呀！"])]),
    # a Traditional mirror: the title shown again and a banner between pieces, 指导老师点评, 原文连结, counters,
    # a comment thread (发表于 + time)
    "tw_mirror_collection.txt": ("读书心得3篇", [
        ("【篇一】", ["暑假里，我读了一本讲述海洋生物的书。书中说，深海里住著会发光的鱼，牠们在黑暗中像一盏盏小灯笼。",
                   "读完以后，我常常想像自己坐著潜水艇去海底探险，和发光的鱼一起游泳。"]),
        ("【篇二】", ["以前我觉得读书很无聊，直到有一天，姊姊送给我一本关于恐龙的图画书。",
                   "我一页一页地翻，看见了长著长脖子的梁龙，也看见了头上长角的三角龙，从此我爱上了读书。"]),
        ("【篇三】", ["老师告诉我们，读书要一边读一边想。我试著在书上写下自己的问题，再去书里找答案。",
                   "慢慢地，我发现自己的问题越来越多，懂得的道理也越来越多了。"])]),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_whole_page_of_a_template_is_exact(name):
    records = clean_page((DUMPS / name).read_bytes(), f"http://x.cn/{name}", kind="text").records
    title, want = PAGES[name]
    assert [(r["title"], r["piece_title"], r["text"].split("\n")) for r in records] == [(title, h, text) for h, text in want]


@pytest.mark.parametrize("header", [["——记一次难忘的秋游"], ["姓名：李小明"], ["参赛选手：李小明"]])
def test_a_subtitle_or_name_lines_above_the_essay_are_dropped(header):
    assert pieces(["秋天", *header, *ESSAY]) == [(None, ESSAY)]


def test_a_name_and_time_line_above_the_essay_is_no_comment_thread():
    assert pieces(["秋天", "李小明 2023-10-05 20:13", *ESSAY]) == [(None, ESSAY)]


@pytest.mark.parametrize("stamps", [["10月5日 8:00", "10月5日 12:00"], ["星期六 10月5日 8:00", "星期六 10月5日 12:00"]])
def test_timed_entries_of_a_diary_are_no_comment_thread(stamps):
    lines = ["观察日记", "今天我在花盆里种下了三粒绿豆，浇了一点水，希望它们快快发芽。", stamps[0], ESSAY[0], stamps[1], ESSAY[1]]
    assert pieces(lines) == [(None, lines[1:])]


@pytest.mark.parametrize("epigraph", [["题记：秋天是一首诗，写在每一片落叶上。"], ["【题记】", "秋天是一首诗，写在每一片落叶上。"]])
def test_an_epigraph_above_the_essay_is_part_of_it(epigraph):
    assert pieces(["秋天", *epigraph, *ESSAY]) == [(None, [*epigraph, *ESSAY])]


@pytest.mark.parametrize("marked", [
    "清晨的阳光照进教室，同学们开始朗读课文，zuowen.cn声音清脆又响亮，老师满意地点点头。",
    "清晨的阳光照进教室，同学们开始朗读课文，【作文小站 zuowen.cn】声音清脆又响亮，老师满意地点点头。",
    "清晨的阳光照进教室，同学们开始朗读课文，（作文小站zuowen.cn/a.html）声音清脆又响亮，老师满意地点点头。",
    "清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。本文来自zuowen.cn",
    "清晨的阳光照进教室，同学们开始朗读课文，声音清脆又响亮，老师满意地点点头。来源：作文小站 www.zuowen.cn",
])
def test_a_watermark_naming_a_domain_is_cut_out_of_the_sentence(marked):
    assert pieces(["秋天", marked, ESSAY[1]]) == [(None, ESSAY)]


def test_a_sentence_with_a_site_name_before_an_injected_domain_is_kept():
    (_, text), = pieces(["秋天", "清晨的阳光照进教室，作文小站www.zuowen.cn同学们开始朗读课文，声音清脆又响亮。", ESSAY[1]])
    assert text == ["清晨的阳光照进教室，作文小站同学们开始朗读课文，声音清脆又响亮。", ESSAY[1]]
