"""Exact records for every fixture page: piece boundaries, normalised text and page metadata."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import pytest
from conftest import PAGES, expected_records, validate_records

from pipelines import PageError, clean_page


@dataclass(frozen=True)
class Case:
    file: str
    url: str  # the url argument given to clean_page
    record_url: str  # the url records carry (canonical link wins)
    title: str | None
    category: str | None
    published: str | None
    claimed: int | None
    pieces: list[tuple[str | None, list[str]]]
    mismatch: bool = False

    def expected(self) -> list[dict]:
        return expected_records(url=self.record_url, title=self.title, category=self.category,
                                published=self.published, claimed=self.claimed, pieces=self.pieces)


P01 = Case(
    file="p01_dede_utf8.html",
    url="http://www.zuowen-a.cn/zuowen/1234.html",
    record_url="https://m.zuowen-a.cn/zuowen/1234.html",
    title="我的家乡作文3篇", category="家乡作文", published="2023-03-15", claimed=3,
    pieces=[
        ("我的家乡作文篇1", [
            "我的家乡在江南的一个小镇上，镇子不大，一条小河从中间穿过，把小镇分成了南北两半。",
            "春天，河岸边的柳树抽出了嫩芽，远远望去像一层淡淡的绿烟。我最喜欢和小伙伴们在岸边放风筝，"
            "风筝飞得高高的，我们的笑声也飞得高高的！",
            "夏天的夜晚，外婆搬出竹椅坐在院子里乘凉。她摇着蒲扇，给我讲牛郎织女的故事。我数着天上的星星，"
            "不知不觉就睡着了。",
            "我爱我的家乡，爱它的小河，爱它的柳树，更爱家乡那些朴实善良的人们。",
        ]),
        ("我的家乡作文篇2", [
            "我的家乡是北方的一座工业城市，这里冬天很冷，常常下起鹅毛大雪。",
            "每到周末，爸爸就带我去人民公园滑冰。冰面又光又滑，我一开始总是摔跤，后来慢慢掌握了窍门，"
            "能像小燕子一样在冰上飞来飞去。",
            "这几年，城市变得越来越漂亮了：新修了地铁，建了图书馆，河边还有了长长的步道。",
            "我为我的家乡感到骄傲。",
        ]),
        ("我的家乡作文篇3", [
            "我的家乡在大山深处，那里有连绵的青山和清澈的泉水。",
            "家乡的秋天最美。漫山遍野的枫叶红得像火，果园里的苹果压弯了枝头。爷爷说，今年的收成比去年多了3成。",
            "以前进山要走两个小时的山路，现在通了公路，坐车只要二十分钟。",
            "我长大了一定要回到家乡，把它建设得更加美好。",
        ]),
    ],
)

P02 = Case(
    file="p02_table_gbk.html",
    url="http://www.shuxiang-a.com/duhougan/biji/2019/0603/5120.htm",
    record_url="http://www.shuxiang-a.com/duhougan/biji/2019/0603/5120.htm",
    title="读《城南旧事》有感三篇", category="读书笔记", published="2019-06-03", claimed=3,
    pieces=[
        ("篇一", [
            "《城南旧事》是林海音写的一本小说，书中的小英子用一双孩子的眼睛，看着老北京城南的人和事。",
            "读完这本书，我最难忘的是秀贞和妞儿。她们的命运让我心里酸酸的，也让我明白了，"
            "大人的世界并不像我想的那样简单。",
            "小英子最后长大了，爸爸的花儿落了，她也不再是小孩子了。合上书，我想：我也要珍惜现在的每一天。",
        ]),
        ("篇二", [
            "暑假里，我读了《城南旧事》。这本书分为五个小故事，每个故事的结尾，都有一个人离开了小英子。",
            "我最喜欢《驴打滚儿》这一篇。宋妈为了照顾别人的孩子，离开了自己的家，最后却失去了自己的孩子。"
            "读到这里，我的眼泪忍不住流了下来。",
            "这本书告诉我，离别是成长的一部分，我们要学会面对。",
        ]),
        ("篇三", [
            "林海音的文字很朴素，却像一杯淡淡的茶，越品越有味道。",
            "书中写到的骆驼队、井窝子、胡同里的叫卖声，都是我从来没有见过的。妈妈告诉我，那是一百年前北京的样子。",
            "读了这本书，我更想去北京的胡同里走一走，看一看。",
        ]),
    ],
)

P03 = Case(
    file="p03_article_utf8bom.html",
    url="https://qingmiao-a.net/p/102.html",
    record_url="https://qingmiao-a.net/p/102.html",
    title="关于老师的作文3篇", category="初中作文", published="2021-10-09", claimed=3,
    pieces=[
        ("【篇一】我的语文老师", [
            "我的语文老师姓王，戴着一副黑框眼镜，说话的声音不大，却总能让整个教室安静下来。",
            "王老师上课从不照着课本念。讲《背影》那一课时，她先给我们讲了她父亲送她上大学的故事，讲着讲着，"
            "眼圈就红了。那节课，很多同学都哭了。",
            "她常说：“读书要用心，写作文要说真话。”这句话我一直记在心里。",
        ]),
        ("【篇二】严厉的数学老师", [
            "初一的时候，我们班换了一位数学老师，他姓李，同学们私下里都叫他“李铁面”。",
            "李老师对作业要求非常严格，一道题写错了，要订正三遍。他还教我们用AB两种方法检查答案。"
            "有一次我的作业本上写满了红叉，我委屈得想哭。",
            "后来我才发现，正是因为他的严格，我的数学成绩从72分提高到了95分。期末考试，我们班的平均分在全年级排第1。",
        ]),
        ("【篇三】老师，谢谢您", [
            "时间过得真快，转眼间我就要毕业了。",
            "三年来，老师们像园丁一样照顾着我们。我们生病时，是您送来热水和药片；我们迷茫时，是您耐心地为我们指路。",
            "老师，谢谢您！我会带着您的教诲，勇敢地走向新的人生。",
        ]),
    ],
)

P04 = Case(
    file="p04_br_gb2312.html",
    url="http://www.kuaile-zw.cn/xj/2018/1020.html",
    record_url="http://www.kuaile-zw.cn/xj/2018/1020.html",
    title="描写秋天的作文三篇", category="写景作文", published="2018-10-20", claimed=3,
    pieces=[
        ("第一篇：秋天的落叶", [
            "秋天来了，树上的叶子一片一片地落下来，像一只只蝴蝶在空中飞舞。",
            "我捡起一片枫叶，它红红的，像一只小手掌。我把它夹在书里，做成了一张漂亮的书签。",
            "落叶铺满了小路，踩上去沙沙作响，好像在给秋天唱歌。",
        ]),
        ("第二篇：秋天的果园", [
            "星期天，我和妈妈去乡下的果园摘果子。",
            "一走进果园，一股香甜的气味就扑面而来。苹果红着脸，梨子黄澄澄的，葡萄一串一串地挂在架子上，"
            "像一颗颗紫色的珍珠。",
            "我一口气摘了满满一篮子，妈妈笑着说：“今天你可是大丰收啊！”",
        ]),
        # "第三篇 秋雨": the space between two Han characters is removed by normalisation.
        ("第三篇秋雨", [
            "一场秋雨一场寒。下了一夜的雨，早上6:30我起床时，空气凉凉的。",
            "雨点打在窗户上，滴滴答答，像是在弹奏一首轻柔的曲子。",
            "秋雨过后，天空格外蓝，我深深地吸了一口气，感觉整个人都清爽了。",
        ]),
    ],
)

P05 = Case(
    file="p05_divs_gbk_undeclared.html",
    url="http://www.yucai-fw.com/fayangao/jiazhanghui/77.html",
    record_url="http://www.yucai-fw.com/fayangao/jiazhanghui/77.html",
    title="家长会上的发言稿范文", category="家长会发言稿", published="2017-03-02", claimed=None,
    pieces=[
        ("范文一：班主任发言稿", [
            "尊敬的各位家长：",
            "大家好！首先感谢各位在百忙之中来参加这次家长会。我是三年级二班的班主任，"
            "今天想和大家聊一聊孩子们这学期的学习和生活。",
            "这学期，全班同学在学习习惯上有了很大的进步。大多数孩子能够按时完成作业，上课发言也越来越积极了。",
            "希望各位家长多陪伴孩子，每天抽出半小时和孩子一起读书。家校携手，孩子们一定会越来越棒！",
        ]),
        ("范文二：家长代表发言稿", [
            "各位老师、各位家长：",
            "大家好！我是王小明的妈妈，很荣幸能作为家长代表在这里发言。",
            "我想和大家分享一点小经验：孩子做作业时，我们不要一直坐在旁边盯着，而要学会放手，"
            "让孩子自己去发现问题、解决问题。",
            "最后，感谢老师们的辛勤付出，谢谢大家！",
        ]),
        ("范文三：学生代表发言稿", [
            "亲爱的叔叔阿姨们：",
            "大家好！我是三年级二班的李小红。今天我代表全班同学，向爸爸妈妈们说几句心里话。",
            "这学期我们学会了很多新知识，也懂得了很多道理。我们会继续努力，用好成绩回报老师和家长。谢谢！",
        ]),
    ],
)

P06 = Case(
    file="p06_trad_pinyin_utf8.html",
    url="https://www.haowen-a.tw/p/88",
    record_url="https://www.haowen-a.tw/p/88",
    title="教师年度述职报告2篇", category="述职报告", published="2020-01-06", claimed=2,
    pieces=[
        ("教师述职报告1", [
            "转眼间，一个学年又结束了。回顾这一年的工作，我始终把教书育人放在第一位，认真完成学校安排的各项任务。",
            "在教学上，我认真备课，努力提高课堂效率。本学年我所教班级的语文成绩稳步提升，学生的阅读兴趣明显增强，"
            "家长的满意度也有所提高。",
            "在绩效考核中，我获得了「优秀」的评价。这既是对我的肯定，也是对我的鞭策。",
            "新的一年，我将继续努力，争取取得更好的成绩。",
        ]),
        ("教师述职报告2", [
            "各位领导、各位老师：",
            "本学期我担任高一（3）班的班主任，同时教两个班的语文。面对刚刚升入高中的学生，"
            "我首先帮助他们适应新的学习环境。",
            "我每周和学生谈心，及时了解他们的想法。我还学会了用电脑软体制作课件，让课堂更加生动。",
            "当然，我的工作中也存在一些不足，例如对个别学生的辅导还不够细致。今后我会不断改进，做一名让学生喜欢的老师。",
        ]),
    ],
)

CN = "一 二 三 四 五 六 七 八 九 十 十一 十二".split()
DIARY = [
    ["今天是星期一，天气晴。早上升旗的时候，我站得笔直，心里特别自豪。", "放学后，我把这件事写进了日记里。"],
    ["今天下雨了。我没有带伞，同桌小丽把她的伞分给我一半，我们一起走回了家。"],
    ["今天妈妈教我包饺子。我包的饺子歪歪扭扭的，可是吃起来特别香。"],
    ["今天我们去植物园参观。那里的花五颜六色，我认识了郁金香和月季。"],
    ["今天我的小金鱼死了，我难过了一整天。爸爸说，我们可以再养两条。"],
    ["今天学校开运动会，我参加了跳绳比赛，得了第二名。"],
    ["今天我帮奶奶浇花。奶奶说，花儿喝饱了水，明天会开得更漂亮。"],
    ["今天我读完了《安徒生童话》，最喜欢的是《丑小鸭》这个故事。"],
    ["今天放学路上，我看见一位老爷爷摔倒了，我赶紧跑过去把他扶了起来。"],
    ["今天是我的生日，爸爸妈妈给我买了一个大蛋糕，我许了一个愿望。"],
    ["今天我和同学们一起打扫教室，大家分工合作，教室变得干干净净。"],
    ["今天老师表扬了我，说我的字写得越来越工整了。我要继续加油！", "晚上，我把这件事告诉了妈妈，妈妈也夸我了。"],
]
P07 = Case(
    file="p07_twelve_pieces.html",
    url="https://www.tongxin-rj.cn/riji/2024/0401.html",
    record_url="https://www.tongxin-rj.cn/riji/2024/0401.html",
    title="小学生日记十二篇", category="日记", published="2024-04-01", claimed=12,
    pieces=[(f"小学生日记篇{CN[i]}", paras) for i, paras in enumerate(DIARY)],
)

P08 = Case(
    file="p08_single_essay.html",
    url="http://www.xes-zw.cn/chuzhong/jixu/8001.html",
    record_url="http://www.xes-zw.cn/chuzhong/jixu/8001.html",
    title="难忘的一次旅行", category="记叙文", published="2020-05-08", claimed=None,
    pieces=[(None, [
        "去年暑假，爸爸妈妈带我去了一趟青海湖。这是我第一次看到那么大的湖，至今想起来还觉得很激动。",
        "车子在草原上开了很久，窗外是一望无际的绿色，成群的牛羊在低头吃草。远处的雪山在阳光下闪闪发光，美得像一幅画。",
        "到了湖边，我被眼前的景色惊呆了：湖水蓝得发亮，和天空连成了一片，分不清哪里是水，哪里是天。"
        "我用爸爸的 Canon 相机拍了好多照片。",
        "傍晚，起风了，气温一下子降了下来。我只穿了一件短袖，冻得直发抖。一位藏族阿姨把她的披肩借给了我，"
        "还给我倒了一碗热乎乎的酥油茶。",
        "这次旅行让我看到了美丽的风景，也让我感受到了陌生人的温暖。那碗酥油茶的味道，我永远也忘不了。",
    ])],
)

P09 = Case(
    file="p09_numbering_gap.html",
    url="https://xiaoshufang-a.org/zuowen/chuntian.html",
    record_url="https://xiaoshufang-a.org/zuowen/chuntian.html",
    title="描写春天的作文", category=None, published=None, claimed=None,
    pieces=[(None, [
        "春天的作文篇1",
        "春天来了，小草从地下探出头来，好奇地打量着这个世界。",
        "桃花开了，粉红粉红的，像小姑娘的脸蛋。",
        "春天的作文篇2",
        "春雨沙沙地下着，田野里的麦苗喝足了水，一天比一天绿。",
        "春天的作文篇4",
        "春天的公园里，放风筝的人可多了，天上的风筝有老鹰、蝴蝶，还有长长的蜈蚣。",
    ])],
)

P10 = Case(
    file="p10_claim_mismatch.html",
    url="http://www.jieri-zw.com/jr/1001.html",
    record_url="http://www.jieri-zw.com/jr/1001.html",
    title="国庆节作文5篇", category="节日作文", published="2019-10-08", claimed=5, mismatch=True,
    pieces=[
        ("范文一", [
            "国庆节到了，街道两旁挂满了鲜艳的五星红旗。",
            "爸爸带我去广场看升旗仪式。国歌响起的时候，我和周围的人一起唱了起来，心里充满了自豪。",
        ]),
        ("范文二", [
            "今年国庆节，我们一家去外婆家过节。",
            "外婆做了一大桌好吃的菜，有红烧鱼、糖醋排骨，还有我最爱吃的炸春卷。",
        ]),
        ("范文三", [
            "国庆假期，我在家里看了阅兵式的回放。",
            "看着整齐的方阵走过天安门，我暗暗下决心：长大了也要为祖国做贡献！",
        ]),
    ],
)

P11 = Case(
    file="p11_big5_declared.html",
    url="https://shuchong-a.blogspot.com/2016/12/blog-post_25.html",
    record_url="https://shuchong-a.blogspot.com/2016/12/blog-post_25.html",
    title="《小王子》读后感2篇", category="读后感", published="2016-12-25", claimed=2,
    pieces=[
        ("【篇一】", [
            "《小王子》是一本写给大人的童话。小王子离开了自己的星球，去拜访了许多奇怪的大人。",
            "我最喜欢狐狸说的话：「真正重要的东西，用眼睛是看不见的。」这句话让我想了很久。",
        ]),
        ("【篇二】", [
            "读完《小王子》，我明白了什么是责任。小王子的玫瑰花只有一朵，可是对他来说，却是世界上独一无二的。",
            "我们也要好好珍惜身边的人，因为我们在他们身上花费了时间。",
        ]),
    ],
)

DUMP01 = Case(
    file="dump01_text.txt",
    url="http://www.shuxiang-zw.com/changyishu/2021/0605.html",
    record_url="http://www.shuxiang-zw.com/changyishu/2021/0605.html",
    title="关于环保的倡议书范文2篇", category="倡议书", published="2021-06-05", claimed=2,
    pieces=[
        ("篇1", [
            "亲爱的同学们：",
            "地球是我们共同的家园。可是，随着人口的增加，垃圾越来越多，河水也变得越来越脏。保护环境，已经成为每个人的责任。",
            "为此，我们向全校同学发出如下倡议：",
            "1、节约每一滴水，用完水及时关紧水龙头。",
            "2、不乱扔垃圾，学会垃圾分类。",
            "3、少用一次性筷子和塑料袋，出门多步行、骑自行车。",
            "同学们，让我们从现在做起，从身边的小事做起，共同守护我们美丽的家园！",
            "倡议人：六年级一班",
        ]),
        ("篇2", [
            "各位居民朋友：",
            "近年来，我们小区的环境越来越好，这离不开每一位居民的努力。但是，楼道里乱堆杂物、草坪上随手丢垃圾的现象仍然存在。",
            "在这里，我们倡议：爱护花草树木，不践踏草坪；垃圾定时定点投放；文明养宠物，及时清理宠物粪便。",
            "环境靠大家，美丽你我他。让我们携手行动起来，共建绿色家园！",
        ]),
    ],
)

CASES = [P01, P02, P03, P04, P05, P06, P07, P08, P09, P10, P11, DUMP01]

#: Site chrome and anti-copy text that must never reach a record.
CHROME = ["作文之家", "zuowen", "小编", "猜你喜欢", "热点阅读", "相关推荐", "相关文章", "延伸阅读", "上一篇", "下一篇",
          "版权", "ICP", "分享到", "更多", "书香作文网", "育才范文网", "实用关于节约用水", "Copyright", "首页", "部落格", "留言"]


def clean_case(case: Case, **kwargs):
    return clean_page((PAGES / case.file).read_bytes(), case.url, **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_page_yields_exact_records(case: Case):
    result = clean_case(case)
    validate_records(result.records)
    expected = case.expected()
    assert [r["piece_title"] for r in result.records] == [r["piece_title"] for r in expected]
    for got, want in zip(result.records, expected, strict=True):
        assert got["text"].split("\n") == want["text"].split("\n"), f"piece {want['piece_no']}"
    assert result.records == expected


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_claimed_count_and_mismatch(case: Case):
    result = clean_case(case)
    assert result.claimed == case.claimed
    assert result.mismatch is case.mismatch


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_no_chrome_in_records(case: Case):
    for record in clean_case(case).records:
        for field in ("title", "category", "piece_title", "text"):
            for junk in CHROME:
                assert junk not in (record[field] or ""), (field, junk)


def test_numbering_gap_keeps_heading_lines_as_text():
    (record,) = clean_case(P09).records
    assert record["piece_title"] is None and record["piece_total"] == 1
    assert "春天的作文篇4" in record["text"].split("\n")


def test_mismatch_still_writes_found_pieces():
    result = clean_case(P10)
    assert result.mismatch is True
    assert [(r["piece_no"], r["piece_total"], r["piece_total_claimed"]) for r in result.records] == [
        (1, 3, 5), (2, 3, 5), (3, 3, 5)]


def test_str_input_gives_same_records_as_bytes():
    text = (PAGES / P01.file).read_bytes().decode("utf-8")
    assert clean_page(text, P01.url).records == P01.expected()


def test_declared_encoding_matches_sniffed_gbk():
    data = (PAGES / P05.file).read_bytes()
    assert clean_page(data, P05.url, declared_encoding="gbk").records == P05.expected()


def test_explicit_kind_matches_auto():
    assert clean_case(DUMP01, kind="text").records == DUMP01.expected()
    assert clean_case(P02, kind="html").records == P02.expected()


def test_convert_none_keeps_traditional():
    result = clean_case(P06, convert="none")
    validate_records(result.records)
    assert result.records[0]["title"] == "教師年度述職報告2篇"
    assert [r["piece_title"] for r in result.records] == ["教師述職報告1", "教師述職報告2"]
    assert result.records[0]["text"].split("\n") == [
        "轉眼間，一個學年又結束了。回顧這一年的工作，我始終把教書育人放在第一位，認真完成學校安排的各項任務。",
        "在教學上，我認真備課，努力提高課堂效率。本學年我所教班級的語文成績穩步提升，學生的閱讀興趣明顯增強，"
        "家長的滿意度也有所提高。",
        "在績效考核中，我獲得了「優秀」的評價。這既是對我的肯定，也是對我的鞭策。",
        "新的一年，我將繼續努力，爭取取得更好的成績。",
    ]


def test_convert_tw2sp_uses_mainland_phrases():
    result = clean_case(P06, convert="tw2sp")
    validate_records(result.records)
    assert "我每周和学生谈心，及时了解他们的想法。我还学会了用电脑软件制作课件，让课堂更加生动。" in (
        result.records[1]["text"].split("\n"))


NO_CONTENT_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>用户登录_作文之家</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/a/">小学作文</a> <a href="/b/">初中作文</a></div>
<form action="/login"><input name="u"><input name="p" type="password"><button>登录</button></form>
<div class="footer">作文之家 版权所有</div></body></html>""".encode()


def test_page_without_essay_text_is_no_content():
    with pytest.raises(PageError) as info:
        clean_page(NO_CONTENT_PAGE, "http://x.cn/login.html")
    assert info.value.reason == "no_content"


@pytest.mark.parametrize("data", [b"", bytes(range(256)) * 8], ids=["empty", "binary"])
def test_unusable_bytes_raise_page_error(data: bytes):
    with pytest.raises(PageError) as info:
        clean_page(data, "http://x.cn/bad.html")
    assert info.value.reason in {"bad_encoding", "not_a_page", "no_content"}


def test_fixture_files_match_their_source():
    """The committed page bytes are what make_pages.py writes (edit the source, then regenerate)."""
    spec = importlib.util.spec_from_file_location("make_pages", PAGES / "make_pages.py")
    make_pages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_pages)
    assert {f.name for f in PAGES.iterdir() if f.suffix in (".html", ".txt")} == set(make_pages.PAGES)
    for name, (text, encoding) in make_pages.PAGES.items():
        assert (PAGES / name).read_bytes() == text.encode(encoding), name
    assert {c.file for c in CASES} == set(make_pages.PAGES)


@pytest.mark.parametrize("data", [b"<html><body><p>x</p></body></html>", "<html><body><p>x</p></body></html>"],
                         ids=["bytes", "text"])
def test_unknown_kind_is_a_value_error(data):
    with pytest.raises(ValueError, match="kind must be one of"):
        clean_page(data, "http://x.cn/a.html", kind="xml")
