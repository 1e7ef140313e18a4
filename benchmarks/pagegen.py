"""Deterministic generator of realistic essay-site (范文/作文) pages for benchmarks.

Every page is a full HTML document of 60–120 KB, the size of real essay-site pages: a big
``<head>`` (meta tags, inline scripts, a style block), a header with a long navigation bar, a
breadcrumb, the article (title ``…N篇``, date/栏目 line, optional 小编 intro, N numbered pieces),
anti-copy junk inside the text, 上一篇/下一篇 links, 猜你喜欢/热点阅读/相关推荐 lists, sidebars and
a footer with an ICP line.  Pages use one of several layouts and encodings (mostly UTF-8, some
GBK with a declared charset, some GBK without one).  All text is assembled from the word lists
below; the same seed always yields the same bytes.

Public API::

    generate_pages(n, seed=0) -> list[tuple[str, bytes]]       # (relative path, body)
    generate_page_specs(n, seed=0) -> list[PageSpec]            # the same pages + expectations
    generate_site(n_articles, seed=0) -> dict[str, bytes]       # a linked site for crawling
    write_site(root, n_articles, seed=0) -> dict[str, dict]     # writes it, returns the manifest
    generate_seed_like_specs(n, seed=0, encoding="utf-8")       # pages shaped like the seed page
    PAGE_SETS[name](n, seed) -> list[PageSpec]                  # every benchmark page set by name

Seed-like pages are written the way the seed page (``../shared/seeds/``) and real pages write
Chinese: ASCII ``, ! ? : ; ( )`` between Han characters throughout, and long content (15–30k
characters, ~200 paragraphs, in 3–7 pieces). Their paragraphs are the seed page's own, read when
the pages are generated (nothing of it is stored here); without the seed, generated paragraphs
written with ASCII punctuation stand in.
"""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field, replace
from functools import cache, partial
from html import escape
from pathlib import Path

# --------------------------------------------------------------------------- word lists

SITE_NAMES = ("高中作文网", "学优作文网", "中学范文网", "第一范文站", "好作文大全", "书香范文网",
              "优秀作文网", "范文先生站")
SITE_HOSTS = ("www.gzzwdemo.example", "www.xyzwdemo.example", "www.zxfwdemo.example",
              "www.dyfwdemo.example", "www.hzwdqdemo.example", "www.sxfwdemo.example",
              "www.yxzwdemo.example", "www.fwxsdemo.example")

CATEGORIES = (
    # (slug, 栏目, register, topics)
    ("bangong", "办公资料", "work", ("销售经理述职报告", "年度工作总结", "个人工作计划", "部门工作汇报",
                                  "试用期转正申请", "员工辞职报告", "行政主管述职报告", "财务工作总结")),
    ("xinde", "心得体会", "work", ("读书心得体会", "军训心得体会", "培训学习心得", "社会实践心得",
                                "党课学习心得", "教师师德心得", "安全教育心得")),
    ("yanjiang", "演讲稿", "speech", ("国旗下讲话稿", "竞选班长演讲稿", "感恩父母演讲稿", "青春励志演讲稿",
                                   "爱岗敬业演讲稿", "环保主题演讲稿")),
    ("gaozhong", "高中作文", "story", ("我的老师作文", "秋天的校园作文", "难忘的一件事作文", "成长的烦恼作文",
                                   "家乡的变化作文", "我的梦想作文", "那一刻我长大了作文")),
    ("chuzhong", "初中作文", "story", ("我的妈妈作文", "美丽的春天作文", "一次有意义的活动作文", "我的同桌作文",
                                   "温暖的瞬间作文", "我喜欢的季节作文")),
    ("shenqing", "申请书", "work", ("入党申请书", "助学金申请书", "加薪申请书", "调岗申请书", "贫困补助申请书")),
)

TITLE_FORMS = ("热门关于{topic}参考范文{n}篇", "实用关于{topic}参考范文{n}篇", "精选{topic}范文{n}篇",
               "{topic}{n}篇", "关于{topic}模板锦集{n}篇", "{topic}范文（精选{n}篇）",
               "有关{topic}汇总{n}篇", "最新{topic}参考模板{n}篇")

CN_DIGITS = "零一二三四五六七八九"

STORY_SUBTITLES = ("我的老师", "秋天的落叶", "雨中的小巷", "难忘的那一天", "家乡的小河", "奶奶的菜园",
                   "一次失败的尝试", "窗外的风景", "成长的足迹", "温暖的手", "那盏灯", "最美的风景",
                   "我和书的故事", "春天的脚步", "一碗热汤面", "老街的记忆", "夏夜的星空", "路边的小花",
                   "外公的竹椅", "放学路上", "一封没寄出的信", "跑道上的汗水", "冬日的阳光", "妈妈的手艺")
WORK_SUBTITLES = ("个人述职报告", "年度工作回顾", "销售部门总结", "新员工心得", "工作中的收获与不足",
                  "来年工作打算", "岗位职责履行情况", "团队建设体会", "学习提高的体会", "立足岗位谈成长")

STORY = {
    "time": ("那年秋天", "小时候", "每当夜深人静的时候", "放学的路上", "一个周末的早晨", "记得上初二那年",
             "去年冬天", "考试前的那个晚上", "暑假里的一天", "清明节回老家时", "那天傍晚", "开学第一天"),
    "person": ("妈妈", "爷爷", "奶奶", "班主任王老师", "同桌小李", "爸爸", "邻居张阿姨", "外公", "表姐",
               "语文老师", "我的好朋友", "门口卖早点的大叔"),
    "adv": ("轻轻地", "默默地", "悄悄地", "认真地", "耐心地", "一遍又一遍地", "不慌不忙地", "笑着",
            "小心翼翼地", "一声不吭地"),
    "action": ("为我披上一件外衣", "把热好的牛奶放在桌上", "帮我检查作业里的错字", "给花坛里的月季浇水",
               "在灯下缝补我的书包", "陪我在操场上练习跑步", "把雨伞塞进我的手里", "讲起他年轻时的故事",
               "教我包饺子", "把最后一块蛋糕让给了我", "在黑板上写下一行工整的字", "蹲下来系好我的鞋带"),
    "scene": ("窗外的梧桐树", "天边的晚霞", "一场绵绵细雨", "校园里的桂花", "远处的青山", "河边的柳枝",
              "满地金黄的落叶", "夜空中的星星", "清晨的薄雾", "院子里的老槐树", "街角的路灯", "田野里的麦浪"),
    "detail": ("微风吹过，树叶沙沙作响", "空气里弥漫着淡淡的花香", "雨点打在窗户上，发出清脆的声音",
               "阳光透过树叶洒下斑驳的光影", "几只麻雀在枝头叽叽喳喳地叫着", "远处传来几声悠长的汽笛",
               "小河的水清澈见底，鱼儿在石缝间穿梭", "炊烟从屋顶袅袅升起", "操场上传来同学们的欢笑声",
               "路边的小草悄悄探出了脑袋"),
    "feeling": ("心里暖洋洋的", "久久不能平静", "鼻子一酸，眼泪差点掉下来", "忽然明白了许多",
                "心中充满了感激", "觉得自己是世界上最幸福的人", "既惭愧又感动", "不由得笑出了声"),
    "saying": ("做人要像竹子一样，有节有骨气", "只要肯努力，就没有过不去的坎", "吃得苦中苦，方为人上人",
               "书是人类进步的阶梯", "一分耕耘一分收获", "失败是成功之母", "帮助别人就是帮助自己"),
    "realize": ("才真正懂得了爱的分量", "终于明白了坚持的意义", "第一次感到自己长大了",
                "明白了什么叫责任", "懂得了珍惜眼前的一切", "体会到了劳动的快乐"),
    "plant": ("窗外的梧桐树", "河边的柳枝", "院子里的老槐树", "田野里的麦浪", "路边的野花", "山坡上的竹林"),
    "simile": ("一幅淡雅的水墨画", "一首轻柔的歌", "一位慈祥的老人在低声诉说", "一个刚睡醒的孩子",
               "给大地披上了一件新衣裳", "一条闪着光的丝带"),
    "season": ("春天", "夏天", "秋天", "冬天", "雨后", "黄昏"),
    "place": ("校园", "小镇", "公园", "老街", "田野", "江边", "山村"),
    "adj": ("格外美丽", "安静而温柔", "热闹非凡", "充满生机", "朴素而亲切", "宁静祥和"),
    "change": ("老房子变成了高楼", "小路铺上了柏油", "我已经比妈妈还高了", "那棵小树长成了大树",
               "当年的同学各奔东西", "爷爷的头发全白了"),
    "memory": ("那份温暖", "那段时光", "那句叮嘱", "那个背影", "那些欢笑"),
    "insight": ("爱就藏在生活的点点滴滴里", "成长就是学会承担", "只有经历风雨才能看见彩虹",
                "平凡的日子里也有动人的光芒", "真正的勇敢是面对失败不退缩", "陪伴是最长情的告白"),
    "gift": ("收获", "启示", "感动", "力量", "温暖"),
}

WORK = {
    "time": ("这一年来", "过去的半年里", "自入职以来", "在今年的工作中", "回首这段时光", "任职期间",
             "本季度", "在领导的关心和同事们的帮助下", "自去年三月以来", "在公司快速发展的一年里"),
    "subj": ("我", "我们部门", "本人", "我们团队", "全体员工", "销售部", "我和同事们"),
    "adv": ("认真", "始终", "积极", "努力", "主动", "扎扎实实地", "一丝不苟地", "坚持不懈地", "及时"),
    "action": ("学习业务知识", "完成领导交办的各项任务", "总结工作经验", "改进工作方法", "走访重点客户",
               "整理和归档各类资料", "制定月度工作计划", "参加公司组织的培训", "落实安全生产责任",
               "跟进订单的执行情况", "加强与各部门的沟通协调", "开拓新的市场渠道", "规范财务报销流程",
               "提高服务质量", "配合做好年终盘点工作"),
    "result": ("取得了明显的进步", "得到了领导的肯定", "积累了丰富的经验", "各项指标均超额完成",
               "工作效率有了较大提高", "客户满意度稳步上升", "为公司创造了良好的效益",
               "个人能力得到了全面锻炼", "顺利通过了年度考核"),
    "field": ("业务能力", "团队协作", "客户管理", "时间管理", "理论学习", "制度执行", "市场开拓",
              "沟通技巧", "创新意识"),
    "activity": ("这次培训", "半年来的实践", "一系列的学习活动", "深入基层调研", "与客户的多次交流",
                 "参与重点项目"),
    "lack": ("不足", "差距", "短板", "需要改进的地方"),
    "target": ("再上一个新台阶", "全面完成年度目标", "把工作做得更细更实", "为公司发展贡献更大力量",
               "实现销售额稳步增长"),
    "period": ("一年", "半年", "三年", "一个季度", "试用期"),
    "feel": ("感触颇深", "收获很大", "深感责任重大", "体会颇多"),
    "goal": ("加强市场推广和宣传力度", "健全营销网络", "服从大局，团结协作", "完善客户回访制度",
             "加强学习，提高自身素质", "严格遵守公司的各项规章制度", "做好成本控制", "提升服务意识"),
    "saying": ("三人行必有我师", "细节决定成败", "态度决定一切", "不积跬步，无以至千里",
               "千里之行，始于足下", "工欲善其事，必先利其器"),
    "problem": ("对新产品的了解还不够深入", "工作中有时急于求成", "与其他部门的配合还不够默契",
                "理论学习缺乏系统性", "对市场变化的反应不够及时"),
}

STORY_TEMPLATES = (
    "{time}，{person}{adv}{action}，{detail}。",
    "看着{scene}，我{feeling}。",
    "{person}常对我说：“{saying}。”这句话我一直记在心里。",
    "我{adv}望着{person}，{detail}，{person}却什么也没有说。",
    "那一刻，我{realize}。",
    "{plant}在风中轻轻摇晃，{detail}，仿佛{simile}。",
    "{season}的{place}总是{adj}，{detail}。",
    "如今，{change}，但{memory}依然留在我的心底。",
    "原来，{insight}。",
    "我想，{insight}，这就是这段经历带给我的{gift}。",
    "{time}，我和{person}一起来到{place}，{detail}，我们都{feeling}。",
    "我多么希望时间能停在那一刻啊！",
    "{person}的话像一盏明灯，照亮了我前行的路。",
)
WORK_TEMPLATES = (
    "{time}，{subj}{adv}{action}，{result}。",
    "在{field}方面，{subj}{adv}{action}，{result}。",
    "通过{activity}，{subj}{result}，同时也认识到自己在{field}上还存在{lack}。",
    "在今后的工作中，{subj}将继续{action}，力争{target}。",
    "回顾{period}来的工作，{subj}{feel}，现将有关情况汇报如下：",
    "一是{action}；二是{action}；三是{action}。",
    "俗话说：“{saying}。”{subj}{adv}{action}，不敢有丝毫懈怠。",
    "当然，{subj}在{field}上还有不少{lack}，比如{problem}。",
    "{year}年共完成销售额{num}万元，比上年增长{pct}%，{result}。",
    "针对{problem}的问题，{subj}{adv}{action}，情况有所改善。",
)
SPEECH_OPENERS = ("尊敬的各位领导、老师，亲爱的同学们：", "各位评委、各位同事：", "亲爱的同学们：",
                  "尊敬的老师们，同学们，大家好！")
SPEECH_CLOSERS = ("我的演讲完毕，谢谢大家！", "谢谢大家！", "最后，祝大家学习进步，身体健康！")

INTRO_LINES = ("在日常学习、工作或生活中，大家总少不了接触范文吧，范文能够给我们带来许多启示。",
               "在平日的学习和生活中，许多人都写过文章，写好一篇文章并不容易。")
EDITOR_LINES = ("下面是小编为大家整理的{topic}，希望对大家有所帮助。",
                "以下是小编精心收集整理的{topic}，欢迎阅读与收藏。",
                "小编为你整理了{n}篇{topic}，供大家参考借鉴，希望可以帮助到有需要的朋友。")
TAIL_LINES = ("更多{topic}相关内容请关注{site}。", "更多精彩范文请访问{site}。")

NAV_MAIN = ("首页", "小学作文", "初中作文", "高中作文", "话题作文", "满分作文", "英语作文", "日记大全",
            "读后感", "观后感", "工作总结", "工作计划", "心得体会", "演讲稿", "述职报告", "辞职报告",
            "实习报告", "申请书", "检讨书", "策划书", "合同范本", "祝福语", "名人名言", "教案", "思想汇报",
            "自我介绍", "求职信", "致辞", "主持词", "倡议书", "邀请函", "通知", "证明", "承诺书")
NAV_GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三",
              "高一", "高二", "高三")
NAV_WORDS = ("100字", "200字", "300字", "400字", "500字", "600字", "800字", "1000字")
NAV_KINDS = ("写人", "记事", "写景", "状物", "想象", "议论文", "记叙文", "散文", "诗歌")

JS_WORDS = ("init", "load", "render", "slot", "track", "config", "banner", "page", "item", "view",
            "scroll", "lazy", "share", "copy", "push", "data", "user", "click", "ready", "menu")

LAYOUTS = ("classic", "table", "html5", "divs")
ENCODINGS = (("utf-8", "declared"),) * 14 + (("gbk", "declared"),) * 3 + (("gbk", "undeclared"),) * 3
STYLES = ("stem_pian", "bracket", "di_pian", "fanwen", "stem_num")

# --------------------------------------------------------------------------- data records


@dataclass(frozen=True)
class Link:
    """A hyperlink target with its visible text."""

    href: str
    text: str


@dataclass
class Article:
    """The content of one article page before it is rendered to HTML."""

    path: str
    title: str
    topic: str
    cat_slug: str
    category: str
    register: str
    published: str
    time_text: str
    style: str
    headings: list[tuple[str, str]]  # (printed, normalised)
    pieces: list[list[str]]
    claimed: int | None
    intro: list[str] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    neighbour_line: str | None = None


@dataclass(frozen=True)
class PageSpec:
    """A generated page with what a correct cleaner should find in it."""

    path: str
    body: bytes
    kind: str  # "article" | "list" | "index" | "other"
    layout: str
    encoding: str
    charset_declared: bool
    title: str | None = None
    category: str | None = None
    published: str | None = None
    pieces: int = 0
    piece_titles: tuple[str, ...] = ()
    claimed: int | None = None
    url: str | None = None

    def expectation(self) -> dict:
        """The spec without the body, as JSON-ready data."""
        data = asdict(self)
        del data["body"]
        data["piece_titles"] = list(self.piece_titles)
        data["bytes"] = len(self.body)
        return data


# --------------------------------------------------------------------------- numerals and text


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (1 ≤ n ≤ 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "")


def fill_template(rng: random.Random, template: str, words: dict) -> str:
    """Replace every ``{slot}`` of ``template`` with a random entry of ``words[slot]``."""
    extra = {"year": str(rng.randint(2015, 2023)), "num": f"{rng.randint(20, 900)}.{rng.randint(1, 99)}",
             "pct": str(rng.randint(3, 45))}
    out, i = [], 0
    while (start := template.find("{", i)) != -1:
        end = template.index("}", start)
        out.append(template[i:start])
        slot = template[start + 1:end]
        out.append(extra[slot] if slot in extra else rng.choice(words[slot]))
        i = end + 1
    out.append(template[i:])
    return "".join(out)


def make_paragraph(rng: random.Random, register: str) -> str:
    """One paragraph of 1–5 generated sentences in the register's voice."""
    words, templates = (STORY, STORY_TEMPLATES) if register == "story" else (WORK, WORK_TEMPLATES)
    return "".join(fill_template(rng, rng.choice(templates), words) for _ in range(rng.randint(1, 5)))


def make_piece(rng: random.Random, register: str) -> list[str]:
    """The 5–20 paragraphs of one piece; work pieces may carry numbered goals, speeches a greeting."""
    paragraphs = [make_paragraph(rng, register) for _ in range(rng.randint(5, 20))]
    if register == "work" and rng.random() < 0.5:
        at = rng.randint(1, len(paragraphs) - 1)
        goals = rng.sample(WORK["goal"], rng.randint(2, 4))
        paragraphs[at:at] = [f"{i}、{g}。" for i, g in enumerate(goals, 1)]
    if register == "speech":
        paragraphs[0] = rng.choice(SPEECH_OPENERS)
        paragraphs.append(rng.choice(SPEECH_CLOSERS))
    return paragraphs


def make_headings(rng: random.Random, style: str, topic: str, register: str, n: int) -> list[tuple[str, str]]:
    """The n heading paragraphs of a page in one numbering style, numbered 1..n.

    Each entry is (text as printed, text after normalisation): an ASCII ":" between Han
    characters becomes "：" and a space between Han characters disappears.
    """
    subtitles = rng.sample(STORY_SUBTITLES if register == "story" else WORK_SUBTITLES, n)
    arabic = rng.random() < 0.5
    with_sub = rng.random() < 0.6
    sep = rng.choice(("：", "：", ":", " "))
    normal_sep = {":": "：", " ": ""}.get(sep, sep)

    def num(i: int) -> str:
        return str(i) if arabic else chinese_numeral(i)

    def sub(i: int, printed_sep: str) -> str:
        return printed_sep + subtitles[i - 1] if with_sub else ""

    if style == "stem_pian":
        return [(f"{topic}篇{i}",) * 2 for i in range(1, n + 1)]
    if style == "bracket":
        return [(f"【篇{chinese_numeral(i)}】{sub(i, '')}",) * 2 for i in range(1, n + 1)]
    if style == "di_pian":
        return [(f"第{num(i)}篇{sub(i, sep)}", f"第{num(i)}篇{sub(i, normal_sep)}") for i in range(1, n + 1)]
    if style == "fanwen":
        return [(f"范文{num(i)}{sub(i, '：')}",) * 2 for i in range(1, n + 1)]
    return [(f"{topic}{i}",) * 2 for i in range(1, n + 1)]  # stem_num


def make_title(rng: random.Random, topic: str, n: int) -> tuple[str, int | None]:
    """A headline with its claimed piece count (``…7篇`` / ``…七篇``; a few titles claim nothing)."""
    if rng.random() < 0.08:
        return rng.choice(("{topic}范文大全", "{topic}精选范文")).format(topic=topic), None
    count = chinese_numeral(n) if rng.random() < 0.15 else str(n)
    return rng.choice(TITLE_FORMS).format(topic=topic, n=count), n


def random_date(rng: random.Random) -> tuple[str, str]:
    """(YYYY-MM-DD, the way the page prints it)."""
    y, m, d = rng.randint(2016, 2024), rng.randint(1, 12), rng.randint(1, 28)
    iso = f"{y:04d}-{m:02d}-{d:02d}"
    printed = rng.choice((iso, f"{y}/{m}/{d}", f"{y}年{m}月{d}日",
                          f"{iso} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"))
    return iso, printed


def make_article(rng: random.Random, path: str, category: tuple, neighbour_titles: tuple[str, str]) -> Article:
    """Draw the full content of one article page."""
    slug, cat_name, register, topics = category
    topic = rng.choice(topics)
    n = rng.randint(3, 10)
    style = rng.choice(STYLES)
    title, claimed = make_title(rng, topic, n)
    iso, printed = random_date(rng)
    intro: list[str] = []
    if rng.random() < 0.5:
        intro.append(rng.choice(INTRO_LINES))
    if rng.random() < 0.6:
        intro.append(rng.choice(EDITOR_LINES).format(topic=topic, n=n))
    tail = [rng.choice(TAIL_LINES).format(topic=topic, site="本站")] if rng.random() < 0.3 else []
    neighbour = " ".join(neighbour_titles) if rng.random() < 0.35 else None
    return Article(path=path, title=title, topic=topic, cat_slug=slug, category=cat_name,
                   register=register, published=iso, time_text=printed, style=style,
                   headings=make_headings(rng, style, topic, register, n),
                   pieces=[make_piece(rng, register) for _ in range(n)], claimed=claimed,
                   intro=intro, tail=tail, neighbour_line=neighbour)


def random_link_title(rng: random.Random) -> str:
    """A plausible title for a link to another article."""
    _, _, register, topics = rng.choice(CATEGORIES)
    if rng.random() < 0.3:
        sub = rng.choice(STORY_SUBTITLES if register == "story" else WORK_SUBTITLES)
        return f"{sub}{rng.choice(('作文600字', '作文800字', '范文', '（通用版）'))}"
    return make_title(rng, rng.choice(topics), rng.randint(2, 12))[0]


# --------------------------------------------------------------------------- anti-copy junk


def junk_chars(rng: random.Random, k: int) -> str:
    """k random characters typical of anti-copy filler."""
    pool = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
    return "".join(rng.choice(pool) for _ in range(k))


def jam_text(rng: random.Random, text: str, hidden_class: str) -> str:
    """HTML for ``text`` with anti-copy junk that a cleaner must drop (escaped, junk tags added)."""
    if len(text) < 12 or rng.random() < 0.45:
        return escape(text, quote=False)
    cuts = sorted(rng.sample(range(1, len(text) - 1), min(len(text) - 2, rng.randint(1, 3))))
    out, prev = [], 0
    for cut in cuts:
        out.append(escape(text[prev:cut], quote=False))
        junk = junk_chars(rng, rng.randint(2, 6))
        out.append(rng.choice((
            f'<span style="display:none">{junk}</span>',
            f'<span style="display: none;">{junk}</span>',
            f'<span class="{hidden_class}">{junk}</span>',
            f'<font class="jammer">{junk}</font>',
            f'<span class="jammer">{junk}</span>',
            f'<font color="#FFFFFF">{junk}</font>',
            f'<font color="white">{junk}</font>',
            f'<span style="visibility:hidden">{junk}</span>',
        )))
        prev = cut
    out.append(escape(text[prev:], quote=False))
    return "".join(out)


# --------------------------------------------------------------------------- page chrome


def nav_links(rng: random.Random) -> list[Link]:
    """50–150 header navigation links."""
    links = [Link("/", "首页")] + [Link(f"/{i:02d}/", name) for i, name in enumerate(NAV_MAIN[1:], 1)]
    extra = [f"{g}作文" for g in NAV_GRADES] + [f"{w}作文" for w in NAV_WORDS] + \
            [f"{k}作文" for k in NAV_KINDS] + [f"{g}{w}作文" for g in NAV_GRADES for w in NAV_WORDS]
    want = rng.randint(50, 150) - len(links)
    picks = rng.sample(extra, min(want, len(extra)))
    return links + [Link(f"/z{abs(hash_text(p)) % 9000 + 1000}/", p) for p in picks]


def hash_text(text: str) -> int:
    """A small stable hash (Python's ``hash`` is salted per process)."""
    h = 0
    for ch in text:
        h = (h * 131 + ord(ch)) & 0xFFFFFFFF
    return h


def css_block(rng: random.Random, hidden_class: str, rules: int) -> str:
    """A site stylesheet block, including the rule that hides the anti-copy class."""
    props = ("margin:0", "padding:0", "font-size:14px", "line-height:1.8", "color:#333", "color:#666",
             "float:left", "float:right", "width:100%", "overflow:hidden", "text-align:center",
             "border-bottom:1px solid #e5e5e5", "background:#f7f7f7", "display:block",
             "font-weight:bold", "height:36px", "text-indent:2em", "list-style:none")
    names = ("header", "nav", "main", "left", "right", "footer", "content", "title", "info", "list",
             "crumb", "sidebar", "box", "hot", "ad", "logo", "search", "pages", "related", "copy")
    out = []
    for _ in range(rules):
        sel = f".{rng.choice(names)} {rng.choice(('li', 'a', 'p', 'h2', 'span', 'ul', 'div'))}"
        out.append(sel + "{" + ";".join(rng.sample(props, rng.randint(2, 5))) + "}")
    out.insert(rng.randint(0, len(out)), f".{hidden_class}{{display:none}}")
    return "\n".join(out)


def filler_script(rng: random.Random, size: int) -> str:
    """Minified-looking inline JavaScript of about ``size`` characters (ads, analytics, helpers)."""
    parts: list[str] = []
    total = 0
    while total < size:
        kind = rng.random()
        a, b = rng.choice(JS_WORDS), rng.choice(JS_WORDS)
        if kind < 0.25:
            chunk = (f'var _hmt=_hmt||[];(function(){{var hm=document.createElement("script");'
                     f'hm.src="/js/{rng.getrandbits(64):016x}.js";var s=document.getElementsByTagName'
                     f'("script")[0];s.parentNode.insertBefore(hm,s);}})();')
        elif kind < 0.5:
            slots = ",".join(f'{{id:"s{rng.randint(100, 999)}",w:{rng.choice((300, 336, 728, 960))},'
                             f'h:{rng.choice((90, 250, 280))},pos:"{rng.choice(JS_WORDS)}"}}'
                             for _ in range(rng.randint(3, 8)))
            chunk = f"window.{a}Cfg={{slots:[{slots}],ver:{rng.randint(1, 99)}}};"
        elif kind < 0.75:
            chunk = (f"function {a}{b.title()}{rng.randint(0, 99)}(e,t){{var n=e||{{}},r=t||[];"
                     f"for(var i=0;i<r.length;i++){{if(r[i]&&r[i].{b})n[r[i].id]=r[i].{a};}}"
                     f"return n.{b}?n:null}}")
        else:
            chunk = (f'document.write(\'<div class="ad-{a}" id="ad{rng.randint(1, 99)}"></div>\');'
                     f'$(function(){{$(".{a}").on("click",function(){{$(this).toggleClass("{b}")}})}});')
        parts.append(chunk)
        total += len(chunk)
    return "\n".join(parts)


def link_list(links: list[Link], cls: str) -> str:
    """A <ul> of links."""
    items = "".join(f'<li><a href="{escape(link.href)}" target="_blank">{escape(link.text)}</a></li>'
                    for link in links)
    return f'<ul class="{cls}">{items}</ul>'


def titled_box(title: str, links: list[Link], cls: str) -> str:
    """A boxed link list such as 猜你喜欢 / 热点阅读 / 相关推荐."""
    return f'<div class="box {cls}"><div class="box-title"><h3>{title}</h3></div>{link_list(links, "list")}</div>'


def meta_block(rng: random.Random, title: str, site: str, charset: str | None, canonical: str | None) -> str:
    """Head meta tags; the charset meta is left out for undeclared pages."""
    out = []
    if charset:
        out.append(rng.choice((f'<meta charset="{charset}">',
                               f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />')))
    out += [f'<title>{escape(title)}{rng.choice(("_", " - ", "|", "——"))}{site}</title>',
            f'<meta name="keywords" content="{escape(title)},范文,作文,{site}" />',
            f'<meta name="description" content="{escape(title)}，{site}为您精心整理，供您参考。" />',
            '<meta name="viewport" content="width=device-width, initial-scale=1.0" />',
            '<meta http-equiv="Cache-Control" content="no-transform" />',
            '<meta name="applicable-device" content="pc" />',
            '<link rel="stylesheet" href="/static/css/style.css" type="text/css" />']
    if canonical:
        out.append(f'<link rel="canonical" href="{canonical}" />')
    return "\n".join(out)


def breadcrumb(article: Article, sep: str) -> str:
    """当前位置：首页 > 栏目 > 正文."""
    return (f'当前位置：<a href="/">首页</a> {sep} <a href="/{article.cat_slug}/">{article.category}</a>'
            f' {sep} 正文')


def info_line(rng: random.Random, article: Article) -> str:
    """The date / 栏目 line under the headline."""
    label = rng.choice(("栏目", "所属栏目", "分类"))
    cat = f'<a href="/{article.cat_slug}/">{article.category}</a>' if rng.random() < 0.5 else article.category
    extra = rng.choice(("", " 作者：佚名", f' 阅读：<span id="hits">{rng.randint(100, 99999)}</span>'))
    date_label = rng.choice(("", "发布时间：", "时间："))
    return f"{date_label}{article.time_text} {label}：{cat}{extra}"


# --------------------------------------------------------------------------- article body


def heading_html(rng: random.Random, text: str, para_mode: str) -> str:
    """One heading in one of the markups essay sites use."""
    t = escape(text, quote=False)
    if para_mode == "br":
        return rng.choice((f"<strong>{t}</strong>", f"<b>{t}</b>", t))
    return rng.choice((f"<p><strong>{t}</strong></p>", f"<h2>{t}</h2>", f"<h3>{t}</h3>",
                       f'<p style="text-align:center"><b>{t}</b></p>', f"<p>{t}</p>",
                       f'<div class="subtitle">{t}</div>'))


def paragraph_html(rng: random.Random, text: str, para_mode: str, hidden_class: str) -> str:
    """One paragraph, indented the way the page does it, with anti-copy junk."""
    indent = rng.choice(("", "　　", "&nbsp;&nbsp;&nbsp;&nbsp;", " "))
    body = indent + jam_text(rng, text, hidden_class)
    if para_mode == "p":
        return f"<p>{body}</p>"
    if para_mode == "div":
        return f"<div>{body}</div>"
    return body


def content_html(rng: random.Random, article: Article, hidden_class: str, para_mode: str) -> str:
    """The article's content block: intro, numbered pieces, neighbour line and tail."""
    parts = [paragraph_html(rng, p, para_mode, hidden_class) for p in article.intro]
    for (heading, _), paragraphs in zip(article.headings, article.pieces, strict=True):
        parts.append(heading_html(rng, heading, para_mode))
        parts += [paragraph_html(rng, p, para_mode, hidden_class) for p in paragraphs]
        if rng.random() < 0.1:
            parts.append("<!-- 分页广告 -->" if para_mode == "br" else '<div class="ad-inline"></div>')
    if article.neighbour_line:
        parts.append(paragraph_html(rng, article.neighbour_line, para_mode, hidden_class))
    parts += [paragraph_html(rng, t, para_mode, hidden_class) for t in article.tail]
    joiner = "<br />\n" if para_mode == "br" else "\n"
    if para_mode == "br":
        parts = [p for p in parts if not p.startswith("<!--")]
    return joiner.join(parts)


def prev_next_html(prev: Link | None, nxt: Link | None) -> str:
    """上一篇 / 下一篇 links."""
    def one(label: str, link: Link | None) -> str:
        return f'<li>{label}：<a href="{escape(link.href)}">{escape(link.text)}</a></li>' if link \
            else f"<li>{label}：没有了</li>"
    return f'<ul class="prenext">{one("上一篇", prev)}{one("下一篇", nxt)}</ul>'


# --------------------------------------------------------------------------- layouts


@dataclass
class Chrome:
    """Everything around the article: site identity, links and filler."""

    site: str
    host: str
    hidden_class: str
    nav: list[Link]
    related: dict[str, list[Link]]
    sidebar: dict[str, list[Link]]
    prev: Link | None
    nxt: Link | None
    canonical: str | None
    css_rules: int
    scripts: list[str]
    tail_script: str


def header_html(chrome: Chrome, tag: str = "div") -> str:
    """Logo, search form and the navigation bar."""
    nav = link_list(chrome.nav, "navlist")
    return (f'<{tag} class="header"><div class="logo"><a href="/">{chrome.site}</a></div>'
            f'<form class="search" action="/search.php" method="get"><input type="text" name="q" '
            f'placeholder="搜索范文" /><input type="submit" value="搜索" /></form>'
            f'<div class="nav">{nav}</div></{tag}>')


def sidebar_html(chrome: Chrome) -> str:
    """Sidebar boxes of link lists and an ad slot."""
    boxes = "".join(titled_box(t, links, "side") for t, links in chrome.sidebar.items())
    return boxes + '<div class="ad" id="ad_side"><script>showAd("side");</script></div>'


def footer_html(chrome: Chrome, tag: str = "div") -> str:
    """Footer links, copyright and ICP line."""
    return (f'<{tag} class="footer"><p><a href="/about.html">关于我们</a> | <a href="/contact.html">联系我们</a>'
            f' | <a href="/sitemap.html">网站地图</a> | <a href="/disclaimer.html">免责声明</a></p>'
            f'<p>Copyright &copy; 2012-2024 {chrome.host} {chrome.site} 版权所有</p>'
            f'<p><a href="https://beian.miit.gov.cn/" rel="nofollow">京ICP备{hash_text(chrome.host) % 90000000 + 10000000}号-1</a></p>'
            f'</{tag}>')


def related_html(chrome: Chrome) -> str:
    """猜你喜欢 / 热点阅读 / 相关推荐 boxes."""
    return "".join(titled_box(t, links, "rel") for t, links in chrome.related.items())


def head_html(rng: random.Random, title: str, chrome: Chrome, charset: str | None) -> str:
    """The whole <head>."""
    scripts = "\n".join(f'<script type="text/javascript">\n{s}\n</script>' for s in chrome.scripts)
    return (f"<head>\n{meta_block(rng, title, chrome.site, charset, chrome.canonical)}\n"
            f'<style type="text/css">\n{css_block(rng, chrome.hidden_class, chrome.css_rules)}\n</style>\n'
            f'<script src="/static/js/jquery.min.js"></script>\n{scripts}\n</head>')


def render_classic(rng: random.Random, a: Article, c: Chrome) -> str:
    """Two-column div layout like most essay sites."""
    return (f'<body>\n{header_html(c)}\n<div class="main"><div class="left">'
            f'<div class="crumb">{breadcrumb(a, "&gt;")}</div>'
            f'<div class="article"><h1>{escape(a.title)}</h1><div class="info">{info_line(rng, a)}</div>'
            f'<div class="content" id="content">\n{content_html(rng, a, c.hidden_class, "p")}\n</div>'
            f'{prev_next_html(c.prev, c.nxt)}</div>{related_html(c)}</div>'
            f'<div class="right">{sidebar_html(c)}</div></div>\n{footer_html(c)}\n'
            f'<script>\n{c.tail_script}\n</script>\n</body>')


def render_table(rng: random.Random, a: Article, c: Chrome) -> str:
    """Old table layout whose article is one cell with <br> paragraphs."""
    return (f'<body>\n<table width="960" align="center"><tr><td>{header_html(c)}</td></tr></table>\n'
            f'<table width="960" align="center" cellpadding="0" cellspacing="0"><tr>'
            f'<td class="crumb" colspan="2">{breadcrumb(a, "&raquo;")}</td></tr><tr>'
            f'<td width="700" valign="top"><h1>{escape(a.title)}</h1><div class="info">{info_line(rng, a)}</div>'
            f'<div id="article">\n{content_html(rng, a, c.hidden_class, "br")}\n</div>'
            f'{prev_next_html(c.prev, c.nxt)}{related_html(c)}</td>'
            f'<td width="260" valign="top">{sidebar_html(c)}</td></tr></table>\n'
            f'<table width="960" align="center"><tr><td>{footer_html(c)}</td></tr></table>\n'
            f'<script>\n{c.tail_script}\n</script>\n</body>')


def render_html5(rng: random.Random, a: Article, c: Chrome) -> str:
    """Semantic HTML5 layout (header/nav/main/article/aside/footer)."""
    return (f'<body>\n{header_html(c, "header")}\n<main class="wrap">'
            f'<nav class="crumbs">{breadcrumb(a, ">")}</nav>'
            f'<article class="post"><h1 class="post-title">{escape(a.title)}</h1>'
            f'<p class="post-meta">{info_line(rng, a)}</p>'
            f'<section class="article-body">\n{content_html(rng, a, c.hidden_class, "p")}\n</section>'
            f'<div class="pager">{prev_next_html(c.prev, c.nxt)}</div></article>'
            f'<section class="more">{related_html(c)}</section>'
            f'<aside class="sidebar">{sidebar_html(c)}</aside></main>\n{footer_html(c, "footer")}\n'
            f'<script>\n{c.tail_script}\n</script>\n</body>')


def render_divs(rng: random.Random, a: Article, c: Chrome) -> str:
    """Layout whose paragraphs are bare <div>s inside nested wrappers."""
    return (f'<body>\n<div id="wrapper">{header_html(c)}<div class="position">{breadcrumb(a, ">")}</div>'
            f'<div id="container"><div class="sidebar-left">{sidebar_html(c)}</div>'
            f'<div class="article-main"><div class="title"><h1>{escape(a.title)}</h1></div>'
            f'<div class="meta"><span>{info_line(rng, a)}</span></div>'
            f'<div class="art-con"><div class="con-inner">\n{content_html(rng, a, c.hidden_class, "div")}\n'
            f'</div></div>{prev_next_html(c.prev, c.nxt)}{related_html(c)}</div></div>'
            f'{footer_html(c)}</div>\n<script>\n{c.tail_script}\n</script>\n</body>')


RENDERERS = {"classic": render_classic, "table": render_table, "html5": render_html5, "divs": render_divs}

# --------------------------------------------------------------------------- assembling pages


def make_chrome(rng: random.Random, site_index: int, link_pool, prev: Link | None, nxt: Link | None,
                canonical: str | None) -> Chrome:
    """Draw the page furniture; ``link_pool(k)`` returns k links to other articles."""
    related = {name: link_pool(rng.randint(8, 16)) for name in
               rng.sample(("猜你喜欢", "热点阅读", "相关推荐", "相关文章", "推荐阅读"), rng.randint(2, 3))}
    sidebar = {name: link_pool(rng.randint(10, 30)) for name in
               rng.sample(("最新更新", "热门排行", "栏目导航", "本周热门", "精彩专题"), rng.randint(2, 3))}
    return Chrome(site=SITE_NAMES[site_index], host=SITE_HOSTS[site_index],
                  hidden_class=f"c{rng.getrandbits(24):06x}", nav=nav_links(rng), related=related,
                  sidebar=sidebar, prev=prev, nxt=nxt, canonical=canonical,
                  css_rules=rng.randint(40, 160), scripts=[], tail_script="")


def render_document(rng: random.Random, title: str, body_of, chrome: Chrome, encoding: str,
                    declared: bool, target: int) -> bytes:
    """Render head + body, padding the inline scripts until the page is about ``target`` bytes."""
    charset = None if not declared else (rng.choice(("gbk", "gb2312")) if encoding == "gbk" else
                                         rng.choice(("utf-8", "UTF-8")))
    state = rng.getstate()
    bare = head_html(random.Random(0), title, chrome, charset) + body_of(chrome)
    spare = max(target - len(encode(bare, encoding)) - 200, 1500)
    shares = [rng.random() + 0.3 for _ in range(rng.randint(4, 7))]
    sizes = [int(spare * s / sum(shares)) for s in shares]
    chrome.scripts = [filler_script(rng, k) for k in sizes[:-1]]
    chrome.tail_script = filler_script(rng, sizes[-1])
    rng.setstate(state)
    body_html = body_of(chrome)
    doc = f'<!DOCTYPE html>\n<html lang="zh-CN">\n{head_html(rng, title, chrome, charset)}\n{body_html}\n</html>\n'
    return encode(doc, encoding)


def encode(text: str, encoding: str) -> bytes:
    """Encode, turning characters the encoding lacks into numeric references."""
    return text.encode(encoding, errors="xmlcharrefreplace")


def article_spec(rng: random.Random, article: Article, chrome: Chrome, layout: str, encoding: str,
                 declared: bool) -> PageSpec:
    """Render one article page and record what it should clean to."""
    target = rng.randint(60_000, 120_000)
    renderer = RENDERERS[layout]
    body = render_document(rng, article.title, lambda c: renderer(rng, article, c), chrome, encoding,
                           declared, target)
    return PageSpec(path=article.path, body=body, kind="article", layout=layout, encoding=encoding,
                    charset_declared=declared, title=article.title, category=article.category,
                    published=article.published, pieces=len(article.pieces),
                    piece_titles=tuple(h[1] for h in article.headings), claimed=article.claimed,
                    url=chrome.canonical)


def random_links(rng: random.Random, k: int) -> list[Link]:
    """k links to fictitious articles."""
    return [Link(f"/{rng.choice(CATEGORIES)[0]}/{rng.randint(10000, 99999)}.html", random_link_title(rng))
            for _ in range(k)]


def generate_page_specs(n: int, seed: int = 0) -> list[PageSpec]:
    """n independent article pages with their expectations; page i depends only on (seed, i)."""
    specs = []
    for i in range(n):
        rng = random.Random(f"pagegen:{seed}:{i}")
        category = rng.choice(CATEGORIES)
        site_index = rng.randrange(len(SITE_NAMES))
        path = f"{category[0]}/{rng.randint(100000, 999999)}_{i}.html"
        neighbours = (random_link_title(rng), random_link_title(rng))
        article = make_article(rng, path, category, neighbours)
        canonical = f"https://{SITE_HOSTS[site_index]}/{path}" if rng.random() < 0.5 else None
        prev, nxt = (Link(f"/{category[0]}/{rng.randint(10000, 99999)}.html", t) for t in neighbours)
        chrome = make_chrome(rng, site_index, partial(random_links, rng), prev, nxt, canonical)
        encoding, how = rng.choice(ENCODINGS)
        specs.append(article_spec(rng, article, chrome, rng.choice(LAYOUTS), encoding, how == "declared"))
    return specs


def generate_pages(n: int, seed: int = 0) -> list[tuple[str, bytes]]:
    """n article pages as (relative path, body bytes)."""
    return [(s.path, s.body) for s in generate_page_specs(n, seed)]


# --------------------------------------------------------------------------- whole site


def list_page_html(rng: random.Random, site: str, cat: tuple, page: int, pages: int,
                   items: list[tuple[Link, str]], nav: list[Link], charset: str | None) -> str:
    """One paginated category list page (list_N.html) with numbered and 下一页 links."""
    slug, name = cat[0], cat[1]
    def href(p: int) -> str:
        return f"/{slug}/list_{p}.html"
    nums = "".join(f"<b>{p}</b>" if p == page else f'<a href="{href(p)}">{p}</a>'
                   for p in range(max(1, page - 4), min(pages, page + 4) + 1))
    pager = (f'<a href="{href(1)}">首页</a>' + (f'<a href="{href(page - 1)}">上一页</a>' if page > 1 else "")
             + nums + (f'<a href="{href(page + 1)}">下一页</a>' if page < pages else "")
             + f'<a href="{href(pages)}">尾页</a><span>共{pages}页</span>')
    rows = "".join(f'<li><a href="{escape(link.href)}" target="_blank">{escape(link.text)}</a><span>{d}</span>'
                   f'<p>{escape(summary_of(rng))}</p></li>' for link, d in items)
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{meta}<title>{name}_第{page}页_{site}</title>'
            f'<script>\n{filler_script(rng, 4000)}\n</script></head><body>'
            f'<div class="header">{link_list(nav, "navlist")}</div>'
            f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; {name}</div>'
            f'<div class="list"><ul>{rows}</ul></div><div class="pages">{pager}</div>'
            f'<div class="footer">{site} 版权所有</div></body></html>\n')


def summary_of(rng: random.Random) -> str:
    """A one-sentence teaser for list pages."""
    register = rng.choice(("story", "work"))
    words, templates = (STORY, STORY_TEMPLATES) if register == "story" else (WORK, WORK_TEMPLATES)
    return fill_template(rng, rng.choice(templates), words)[:60] + "…"


def index_html(site: str, cats: list[tuple], latest: list[Link], nav: list[Link], charset: str | None) -> str:
    """The site's home page linking every category's first list page and the latest articles."""
    meta = f'<meta charset="{charset}">' if charset else ""
    boxes = "".join(f'<div class="box"><h2><a href="/{c[0]}/list_1.html">{c[1]}</a></h2></div>' for c in cats)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{meta}<title>{site}_优秀范文与作文大全</title></head>'
            f'<body><div class="header">{link_list(nav, "navlist")}</div>{boxes}'
            f'{titled_box("最新更新", latest, "latest")}<div class="footer">{site} 版权所有</div></body></html>\n')


FOOTER_PAGES = (("about.html", "关于我们"), ("contact.html", "联系我们"), ("sitemap.html", "网站地图"),
                ("disclaimer.html", "免责声明"))


def simple_page_html(site: str, name: str, nav: list[Link], charset: str | None) -> str:
    """A small footer page (关于我们 and the like)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head>{meta}<title>{name}_{site}</title></head><body>'
            f'<div class="header">{link_list(nav, "navlist")}</div><h1>{name}</h1>'
            f'<p>{site}是一个免费的范文与作文学习网站，内容均来自网友投稿，仅供学习参考。</p>'
            f'<div class="footer">{site} 版权所有</div></body></html>\n')


def sample_links(rng: random.Random, links: list[Link], k: int) -> list[Link]:
    """k distinct links of ``links`` (all of them when there are fewer)."""
    return rng.sample(links, min(k, len(links)))


def generate_site_specs(n_articles: int, seed: int = 0, base_url: str | None = None,
                        per_list_page: int = 20) -> dict[str, PageSpec]:
    """A linked site: index.html, ``{cat}/list_N.html`` (and ``{cat}/index.html``), ``{cat}/{id}.html``.

    The whole site shares one layout and encoding; articles link their category neighbours
    (上一篇/下一篇) and other real articles of the site, and every site-internal link resolves to
    a generated page.  ``base_url`` adds canonical links.
    """
    rng = random.Random(f"site:{seed}")
    site_index = rng.randrange(len(SITE_NAMES))
    site = SITE_NAMES[site_index]
    layout = rng.choice(LAYOUTS)
    encoding, how = rng.choice(ENCODINGS)
    declared = how == "declared"
    charset = ("gbk" if encoding == "gbk" else "utf-8") if declared else None
    cats = list(CATEGORIES)
    stubs = []  # (path, category, title seed rng state)
    for i in range(n_articles):
        cat = cats[i % len(cats)]
        stubs.append((f"{cat[0]}/{1000 + i}.html", cat))
    articles = []
    for i, (path, cat) in enumerate(stubs):
        arng = random.Random(f"site:{seed}:article:{i}")
        articles.append((arng, make_article(arng, path, cat, ("", ""))))
    by_cat: dict[str, list[Article]] = {}
    for _, a in articles:
        by_cat.setdefault(a.cat_slug, []).append(a)
    nav = [Link("/", "首页")] + [Link(f"/{c[0]}/list_1.html", c[1]) for c in cats]
    nav += [Link(f"/{cats[hash_text(link.text) % len(cats)][0]}/list_1.html", link.text) for link in nav_links(rng)[1:]]
    specs: dict[str, PageSpec] = {}
    all_links = [Link(f"/{a.path}", a.title) for _, a in articles]
    for arng, a in articles:
        siblings = by_cat[a.cat_slug]
        k = siblings.index(a)
        prev = Link(f"/{siblings[k - 1].path}", siblings[k - 1].title) if k > 0 else None
        nxt = Link(f"/{siblings[k + 1].path}", siblings[k + 1].title) if k + 1 < len(siblings) else None
        a.neighbour_line = " ".join(link.text for link in (prev, nxt) if link) if a.neighbour_line and (prev or nxt) else None
        canonical = f"{base_url.rstrip('/')}/{a.path}" if base_url else None
        chrome = make_chrome(arng, site_index, partial(sample_links, arng, all_links),
                             prev, nxt, canonical)
        chrome.nav = nav
        specs[a.path] = article_spec(arng, a, chrome, layout, encoding, declared)
    for cat in cats:
        members = by_cat.get(cat[0], [])
        pages = max(1, -(-len(members) // per_list_page))
        for p in range(1, pages + 1):
            chunk = members[(p - 1) * per_list_page:p * per_list_page]
            items = [(Link(f"/{a.path}", a.title), a.published) for a in reversed(chunk)]
            prng = random.Random(f"site:{seed}:list:{cat[0]}:{p}")
            html = list_page_html(prng, site, cat, p, pages, items, nav, charset)
            path = f"{cat[0]}/list_{p}.html"
            specs[path] = PageSpec(path=path, body=encode(html, encoding), kind="list", layout="list",
                                   encoding=encoding, charset_declared=declared)
            if p == 1:  # "/cat/" (breadcrumbs, info lines) serves the first list page
                specs[f"{cat[0]}/index.html"] = replace(specs[path], path=f"{cat[0]}/index.html")
    for path, name in FOOTER_PAGES:
        html = simple_page_html(site, name, nav, charset)
        specs[path] = PageSpec(path=path, body=encode(html, encoding), kind="other", layout="other",
                               encoding=encoding, charset_declared=declared)
    latest = [Link(f"/{a.path}", a.title) for _, a in articles[-20:]]
    specs["index.html"] = PageSpec(path="index.html", body=encode(index_html(site, cats, latest, nav, charset),
                                                                   encoding),
                                   kind="index", layout="index", encoding=encoding, charset_declared=declared)
    return specs


def generate_site(n_articles: int, seed: int = 0, base_url: str | None = None) -> dict[str, bytes]:
    """path → body for a whole crawlable site (see ``generate_site_specs``)."""
    return {path: spec.body for path, spec in generate_site_specs(n_articles, seed, base_url).items()}


def write_site(root: str | Path, n_articles: int, seed: int = 0, base_url: str | None = None,
               manifest: str | Path | None = None) -> dict[str, dict]:
    """Write the site under ``root``; return (and optionally save as JSON) path → expectations."""
    root = Path(root)
    specs = generate_site_specs(n_articles, seed, base_url)
    for path, spec in specs.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(spec.body)
    data = {path: spec.expectation() for path, spec in specs.items()}
    if manifest:
        Path(manifest).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return data


def write_pages(root: str | Path, specs: list[PageSpec], manifest: str | Path | None = None) -> list[Path]:
    """Write standalone pages under ``root`` (and their expectations as JSON); return the files."""
    root = Path(root)
    files = []
    for spec in specs:
        target = root / spec.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(spec.body)
        files.append(target)
    if manifest:
        Path(manifest).write_text(json.dumps({s.path: s.expectation() for s in specs}, ensure_ascii=False,
                                             indent=1), encoding="utf-8")
    return files


# --------------------------------------------------------------------------- seed-like pages

SEED_PAGE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_31e30dd63c086f7e.txt"
# Full-width marks as pages with half-width punctuation write them (。、“”《》 stay full-width).
TO_ASCII_PUNCT = str.maketrans("，！？：；（）", ",!?:;()")
SEED_LIKE_CHARS = (15_000, 30_000)  # characters of content per page
SEED_LIKE_PIECES = (3, 7)


@cache
def seed_blocks(path: Path = SEED_PAGE) -> tuple[tuple[str, ...], ...]:
    """The seed page's pieces as runs of its raw paragraphs (punctuation as written): the lines
    whose normalised form is a line of a cleaned piece. Empty when the seed cannot be read."""
    from pipelines import clean_page
    from pipelines.normalize import normalize_text

    try:
        data = path.read_bytes()
    except OSError:
        return ()
    raw = [line.strip() for line in data.decode("utf-8").splitlines() if line.strip()]
    blocks = []
    for record in clean_page(data, path.as_uri()).records:
        wanted = set(record["text"].split("\n"))
        blocks.append(tuple(line for line in raw if normalize_text(line) in wanted))
    return tuple(b for b in blocks if b)


def generated_blocks(rng: random.Random, k: int = 12) -> list[tuple[str, ...]]:
    """Stand-ins for the seed's pieces: generated work pieces written with ASCII punctuation."""
    return [tuple(p.translate(TO_ASCII_PUNCT) for p in make_piece(rng, "work")) for _ in range(k)]


def seed_like_piece(rng: random.Random, blocks, chars: int) -> list[str]:
    """Paragraphs of whole blocks, drawn at random, until the piece has about ``chars`` characters."""
    paragraphs: list[str] = []
    while sum(map(len, paragraphs)) < chars:
        paragraphs += rng.choice(blocks)
    return paragraphs


def make_seed_like_article(rng: random.Random, path: str, category: tuple, blocks) -> Article:
    """An article like the seed page: 3–7 long pieces of seed paragraphs, ASCII punctuation throughout."""
    slug, cat_name, register, topics = category
    topic = rng.choice(topics)
    n = rng.randint(*SEED_LIKE_PIECES)
    chars = rng.randint(*SEED_LIKE_CHARS)
    style = rng.choice(STYLES)
    title, claimed = make_title(rng, topic, n)
    iso, printed = random_date(rng)
    intro = [rng.choice(EDITOR_LINES).format(topic=topic, n=n).translate(TO_ASCII_PUNCT)] if rng.random() < 0.6 else []
    return Article(path=path, title=title, topic=topic, cat_slug=slug, category=cat_name, register=register,
                   published=iso, time_text=printed, style=style,
                   headings=make_headings(rng, style, topic, register, n),
                   pieces=[seed_like_piece(rng, blocks, chars // n) for _ in range(n)], claimed=claimed,
                   intro=intro)


def generate_seed_like_specs(n: int, seed: int = 0, encoding: str = "utf-8",
                             seed_page: Path = SEED_PAGE) -> list[PageSpec]:
    """n seed-like article pages in ``encoding`` (GBK pages: half declare their charset)."""
    blocks = seed_blocks(seed_page) or tuple(generated_blocks(random.Random(f"seedlike:{seed}")))
    specs = []
    for i in range(n):
        rng = random.Random(f"seedlike:{seed}:{encoding}:{i}")
        category = rng.choice(CATEGORIES)
        site_index = rng.randrange(len(SITE_NAMES))
        path = f"{category[0]}/{rng.randint(100000, 999999)}_{i}.html"
        article = make_seed_like_article(rng, path, category, blocks)
        canonical = f"https://{SITE_HOSTS[site_index]}/{path}" if rng.random() < 0.5 else None
        prev, nxt = (Link(f"/{category[0]}/{rng.randint(10000, 99999)}.html", random_link_title(rng))
                     for _ in range(2))
        chrome = make_chrome(rng, site_index, partial(random_links, rng), prev, nxt, canonical)
        declared = encoding == "utf-8" or rng.random() < 0.5
        specs.append(article_spec(rng, article, chrome, rng.choice(LAYOUTS), encoding, declared))
    return specs


#: Every page set the benchmarks know, by name: n, seed → specs.
PAGE_SETS = {
    "generated": generate_page_specs,
    "seed-utf8": partial(generate_seed_like_specs, encoding="utf-8"),
    "seed-gbk": partial(generate_seed_like_specs, encoding="gbk"),
}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write generated essay-site pages or a whole site.")
    parser.add_argument("root")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site", action="store_true", help="write a linked site instead of loose pages")
    parser.add_argument("--set", choices=list(PAGE_SETS), default="generated", help="page set of loose pages")
    args = parser.parse_args()
    if args.site:
        write_site(args.root, args.n, args.seed, manifest=Path(args.root) / "manifest.json")
    else:
        write_pages(args.root, PAGE_SETS[args.set](args.n, args.seed), Path(args.root) / "manifest.json")
