"""A small essay site whose server misbehaves on purpose, and what a crawl of it must write.

Good article pages live under ``/ok/``; pages that are only good on a later attempt (or only
decode with the right charset) and pages that always fail live under ``/f/``. The home page links
every article (not the redirect targets). The text is written for these tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from conftest import expected_records

from essay_crawler.demo import Route

SITE_NAME = "晨读范文网"
#: Limits the crawl runs with; the oversized pages are several times MAX_SIZE.
MAX_SIZE = 64 * 1024
HANG_SECONDS = 3.0  # well past the crawl's DOWNLOAD_TIMEOUT of 1 s
RETRY_TIMES = 3  # the project default: four attempts before giving up
REDIRECT_MAX_TIMES = 5  # the project default

#: Profile for the crawl: every page under /ok/ or /f/ is an article, the home page a list.
PROFILE_TOML = """\
name = "faults"
allowed_domains = ["127.0.0.1"]
start_urls = ["/"]
article_urls = ['^/(ok|f)/[\\w-]+\\.html$']
list_urls = ['^/$']

[selectors]
title = "h1"
content = "div.content"
"""


@dataclass(frozen=True)
class Essay:
    path: str
    title: str
    category: str
    published: str
    pieces: tuple[tuple[str | None, tuple[str, ...]], ...]  # (heading, paragraphs)

    @property
    def claimed(self) -> int | None:
        return len(self.pieces) if self.title.endswith("篇") else None


ESSAYS = {
    "spring": Essay("/ok/spring.html", "春天的早晨", "作文", "2023-04-02", ((None, (
        "清晨推开窗，湿润的风带着泥土的气味扑面而来，楼下的玉兰一夜之间全开了。",
        "我背着书包走过小河边，看见柳枝垂在水面上，几只小鸭慢悠悠地划出一道道波纹。",
        "春天的早晨让人心里亮堂堂的，仿佛一年里所有的好事都在前面等着我。",
    )),)),
    "grandma": Essay("/ok/grandma.html", "外婆的菜园", "作文", "2023-05-14", ((None, (
        "外婆家的后院有一块小小的菜园，四周用竹篱笆围着，篱笆上爬满了豆角藤。",
        "每年暑假，我都跟着外婆浇水、拔草，看茄子由白花变成紫色的小灯笼。",
        "外婆说，土地从不骗人，你对它用心，它就把最好的东西交给你。",
    )),)),
    "reading": Essay("/ok/reading.html", "读书的乐趣2篇", "读后感", "2023-06-20", (
        ("读书的乐趣篇1", (
            "读书像是和一位远方的朋友聊天，他不催你，也不嫌你问得多。",
            "每读完一本好书，我都会在扉页写下日期和一句话，记住那时的心情。",
        )),
        ("读书的乐趣篇2", (
            "小时候我只爱看图画书，后来才发现文字里藏着更大的世界。",
            "一盏台灯、一杯热茶、一本旧书，就是冬夜里最好的陪伴。",
        )),
    )),
    "team": Essay("/ok/team.html", "班级运动会发言稿", "演讲稿", "2023-09-08", ((None, (
        "同学们，秋高气爽的日子里，我们迎来了一年一度的班级运动会。",
        "比赛有输有赢，但奔跑时的汗水和彼此的加油声，才是最值得珍藏的回忆。",
        "让我们赛出风格，赛出友谊，也赛出一个更团结的集体。",
    )),)),
    "moved": Essay("/ok/lantern.html", "元宵节的花灯", "作文", "2024-02-24", ((None, (
        "元宵节的晚上，街道两旁挂满了各式各样的花灯，有兔子灯、荷花灯，还有会转的走马灯。",
        "我和爸爸一边猜灯谜一边吃汤圆，热气模糊了眼镜，也暖透了手心。",
    )),)),
    "flaky500": Essay("/f/flaky500.html", "雨后的操场", "作文", "2023-07-03", ((None, (
        "一场大雨过后，操场上积起了大大小小的水洼，倒映着刚刚放晴的天空。",
        "同学们小心地绕着走，只有几个调皮鬼故意踩进去，溅起一片笑声。",
    )),)),
    "flaky429": Essay("/f/flaky429.html", "我的书桌", "作文", "2023-08-11", ((None, (
        "我的书桌靠着窗，桌角摆着一盆绿萝，藤蔓一直垂到抽屉把手上。",
        "桌面上有一道浅浅的划痕，那是我第一次学削铅笔时不小心留下的。",
    )),)),
    "flakyreset": Essay("/f/flakyreset.html", "难忘的一次旅行", "作文", "2023-10-05", ((None, (
        "去年国庆，我们一家坐火车去了海边，第一次看见大海时我激动得说不出话。",
        "傍晚的沙滩上，潮水一遍遍抹平我们的脚印，像是在和我们捉迷藏。",
    )),)),
    "gbk_as_utf8": Essay("/f/gbk-labelled-utf8.html", "家乡的小桥", "作文", "2023-11-12", ((None, (
        "家乡的村口有一座石拱桥，桥面被来来往往的脚步磨得光滑发亮。",
        "夏天的傍晚，老人们坐在桥头摇着蒲扇，讲那些听了许多遍的故事。",
    )),)),
    "utf8_as_gbk": Essay("/f/utf8-labelled-gbk.html", "年度工作总结", "述职报告", "2023-12-28", ((None, (
        "这一年里，我在部门同事的帮助下完成了三个项目的资料整理和归档工作。",
        "在今后的工作中，我将继续加强学习，提高效率，把每一件小事做细做实。",
    )),)),
}

#: Articles whose pages must become records despite the faults (the redirect target included).
RECOVERED = ("spring", "grandma", "reading", "team", "moved", "flaky500", "flaky429", "flakyreset",
             "gbk_as_utf8", "utf8_as_gbk")

#: Linked pages that never become records: path → (reason, HTTP status).
FAILING = {
    "/f/down.html": ("http_error", 500),
    "/f/hang.html": ("timeout", None),
    "/f/stall.html": ("timeout", None),
    "/f/reset.html": ("connection_error", None),
    "/f/truncated.html": ("truncated", None),
    "/f/huge.html": ("too_large", None),
    "/f/huge-unsized.html": ("too_large", None),
    "/f/loop-a.html": ("redirect_loop", None),
    "/f/chain-0.html": ("redirect_loop", None),
    "/f/refresh-a.html": ("redirect_loop", None),
}
LINKED_REDIRECT = "/f/old-lantern.html"  # a working redirect to ESSAYS["moved"]


def render_essay(essay: Essay, base_url: str, charset: str = "utf-8", *, meta: bool = True,
                 extra: str = "") -> bytes:
    """The article page in the usual essay-site layout, encoded in ``charset``."""
    paragraphs = []
    for heading, texts in essay.pieces:
        if heading:
            paragraphs.append(f"<p><strong>{escape(heading)}</strong></p>")
        paragraphs += [f"<p>\u3000\u3000{escape(t)}</p>" for t in texts]
    head_meta = f'<meta charset="{charset}">' if meta else ""
    html = "\n".join((
        f"<!DOCTYPE html><html><head>{head_meta}<title>{escape(essay.title)}_{SITE_NAME}</title>",
        f'<link rel="canonical" href="{base_url}{essay.path}"></head><body>',
        f'<div class="nav">当前位置：<a href="/">首页</a> &gt; <a href="/">{essay.category}</a> &gt; 正文</div>',
        f"<h1>{escape(essay.title)}</h1>",
        f'<div class="info">发布时间：{essay.published} 栏目：{essay.category}</div>',
        '<div class="content">', *paragraphs, extra, "</div>",
        f'<div class="footer">{SITE_NAME} 版权所有</div></body></html>',
    ))
    return html.encode(charset)


def refresh_page(target: str) -> bytes:
    """A page that sends the browser on to ``target`` at once with ``<meta http-equiv="refresh">``."""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={target}">'
            f"<title>{SITE_NAME}</title></head><body>正在跳转……</body></html>").encode()


def render_index(paths: list[str]) -> bytes:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{SITE_NAME}</title></head>'
            f"<body><h1>{SITE_NAME}</h1><ul>{links}</ul></body></html>").encode()


def fault_routes(base_url: str) -> dict[str, Route]:
    """Every route of the site served at ``base_url``."""
    page = {name: Route.page(render_essay(e, base_url)) for name, e in ESSAYS.items()}
    filler = Essay("/f/huge.html", "超长页面", "作文", "2023-01-01", ESSAYS["spring"].pieces)
    huge = render_essay(filler, base_url, extra="<p>\u3000\u3000" + "长" * (2 * MAX_SIZE) + "</p>")
    down = Route.page(b"<h1>500 Internal Server Error</h1>", status=500)
    routes = {
        "/robots.txt": Route.page(b"User-agent: *\nDisallow:\n", "text/plain"),
        "/ok/spring.html": page["spring"],
        "/ok/grandma.html": page["grandma"],
        "/ok/reading.html": page["reading"],
        "/ok/team.html": page["team"],
        "/ok/lantern.html": page["moved"],
        LINKED_REDIRECT: Route.redirect("/ok/lantern.html", 301),
        "/f/flaky500.html": Route.sequence(down, down, page["flaky500"]),
        "/f/flaky429.html": Route.sequence(
            Route(status=429, headers={"Retry-After": "0", "Content-Type": "text/html"}), page["flaky429"]),
        "/f/flakyreset.html": Route.sequence(Route.reset(), page["flakyreset"]),
        "/f/gbk-labelled-utf8.html": Route.page(render_essay(ESSAYS["gbk_as_utf8"], base_url, "gbk"),
                                                "text/html; charset=utf-8"),
        "/f/utf8-labelled-gbk.html": Route.page(render_essay(ESSAYS["utf8_as_gbk"], base_url, meta=False),
                                                "text/html; charset=gbk"),
        "/f/down.html": down,
        "/f/hang.html": Route.hang(HANG_SECONDS),
        "/f/stall.html": Route.stall(page["spring"].body, HANG_SECONDS),
        "/f/reset.html": Route.reset(),
        "/f/truncated.html": Route.truncated(page["grandma"].body, missing=500),
        "/f/huge.html": Route.page(huge),
        "/f/huge-unsized.html": Route.unsized(huge),
        "/f/loop-a.html": Route.redirect("/f/loop-b.html"),
        "/f/loop-b.html": Route.redirect("/f/loop-a.html"),
        "/f/refresh-a.html": Route.page(refresh_page("/f/refresh-b.html")),
        "/f/refresh-b.html": Route.page(refresh_page("/f/refresh-a.html")),
    }
    for n in range(REDIRECT_MAX_TIMES + 2):
        routes[f"/f/chain-{n}.html"] = Route.redirect(f"/f/chain-{n + 1}.html")
    linked = [e.path for name, e in ESSAYS.items() if name != "moved"] + [LINKED_REDIRECT, *FAILING]
    routes["/"] = Route.page(render_index(linked))
    return routes


def expected_pieces(base_url: str) -> list[dict]:
    """The records a crawl must write (without ``crawled_at``), sorted by (url, piece_no)."""
    records = []
    for name in RECOVERED:
        essay = ESSAYS[name]
        records += expected_records(
            url=base_url + essay.path, title=essay.title, category=essay.category, published=essay.published,
            claimed=essay.claimed, pieces=[(h, list(texts)) for h, texts in essay.pieces])
    return sorted(records, key=lambda r: (r["url"], r["piece_no"]))


def expected_errors(base_url: str) -> list[tuple[str, str, int | None]]:
    """``(url, reason, status)`` of the error lines a crawl must write, sorted."""
    return sorted((base_url + path, reason, status) for path, (reason, status) in FAILING.items())
