"""HTML templates of the demo site: each returns ``(body bytes, Content-Type)``.

Templates imitate the layouts of real essay sites: a DedeCMS-like UTF-8 page (``dede``), the
same page with anti-copy junk mixed into the text (``junk``), an older GBK/GB2312 table layout
(``gbk``), a Traditional-Chinese mirror (``tw``) and a blog-like single-essay page (``plain``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape

from .content import Article, ListEntry, Site

INDENT = "\u3000\u3000"
HIDDEN_CLASS = "qz7k2"  # hidden by a rule in the page's <style> block (junk template)


@dataclass(frozen=True)
class ArticleContext:
    """Site chrome around an article: neighbours and link lists to other articles."""

    site: Site
    base_url: str
    prev: Article | None
    next: Article | None
    related: tuple[Article, ...]
    hot: tuple[Article, ...]


def _nav(site: Site, sep: str = "") -> str:
    links = ['<a href="/">首页</a>'] + [f'<a href="/{slug}/list_1.html">{escape(name)}</a>'
                                       for slug, name in site.categories]
    return sep.join(links)


def _link_list(articles: tuple[Article, ...]) -> str:
    return "".join(f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in articles)


def _prev_next(ctx: ArticleContext, sep: str) -> str:
    def link(a: Article | None) -> str:
        return f'<a href="{a.path}">{escape(a.title)}</a>' if a else "没有了"
    return f"上一篇：{link(ctx.prev)}{sep}下一篇：{link(ctx.next)}"


def _time_of(article: Article) -> str:
    return f"{8 + article.id % 10:02d}:{article.id % 60:02d}"


def _han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# Anti-copy marks a reader never sees (or barely notices), cycled through the paragraphs.
_JUNK = (
    '<span style="display:none">青藤范文网</span>',
    f'<span class="{HIDDEN_CLASS}">qtfw.example.com</span>',
    '<font class="jammer">转载请注明出处</font>',
    '<font color="#FFFFFF">本文来自青藤范文网</font>',
    "'",
    '<span style="visibility: hidden">版权所有</span>',
    ".",
)


def _junk_paragraph(text: str, seed: int) -> str:
    """Escape ``text`` and slip two anti-copy marks between Han characters."""
    cuts = []
    for start in (len(text) // 3, 2 * len(text) // 3):
        cut = next(i for i in range(max(start, 1), len(text)) if _han(text[i - 1]) and _han(text[i]))
        cuts.append(cut)
    a, b = cuts
    parts = (text[:a], _JUNK[seed % len(_JUNK)], text[a:b], _JUNK[(seed + 3) % len(_JUNK)], text[b:])
    return escape(parts[0]) + parts[1] + escape(parts[2]) + parts[3] + escape(parts[4])


def _dede_body(article: Article, junk: bool) -> list[str]:
    lines = []
    if article.intro:
        lines.append(f'<p class="intro">{escape(article.intro)}</p>')
    seed = article.id
    for piece in article.pieces:
        if piece.heading:
            lines.append(f"<p><strong>{escape(piece.heading)}</strong></p>")
        for para in piece.paragraphs:
            seed += 1
            lines.append(f"<p>{INDENT}{_junk_paragraph(para, seed) if junk else escape(para)}</p>")
    lines.append(f"<p>更多{escape(article.category_name)}范文，请关注青藤范文网{escape(article.category_name)}栏目。</p>")
    return lines


def render_dede(article: Article, ctx: ArticleContext, junk: bool = False) -> tuple[bytes, str]:
    """DedeCMS-like UTF-8 article page; ``junk`` mixes anti-copy marks into the text."""
    cat = escape(article.category_name)
    style = f"<style>.{HIDDEN_CLASS}{{display:none}} .jammer{{font-size:0}}</style>" if junk else ""
    html = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(article.title)}_{cat}_{escape(ctx.site.name)}</title>",
        f'<meta name="keywords" content="{escape(article.title)},{cat}">',
        f'<link rel="canonical" href="{ctx.base_url}{article.path}">',
        '<link rel="stylesheet" href="/static/style.css">', style,
        "<script>var _hmt = _hmt || [];</script>",
        "</head><body>",
        f'<div class="top"><a href="/">{escape(ctx.site.name)}</a> <span>设为首页</span> <span>加入收藏</span></div>',
        f'<div class="nav">{_nav(ctx.site, " | ")}</div>',
        f'<div class="place">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="/{article.category}/list_1.html">{cat}</a> &gt; 正文</div>',
        '<div class="main"><div class="article">',
        f"<h1>{escape(article.title)}</h1>",
        f'<div class="info">{article.date} {_time_of(article)}　栏目：<a href="/{article.category}/list_1.html">{cat}</a>'
        f"　来源：{escape(ctx.site.name)}　阅读：<span id=\"hits\">{article.id % 900 + 100}</span>次</div>",
        '<div class="content">', *_dede_body(article, junk), "</div>",
        f'<div class="prenext"><ul><li>{_prev_next(ctx, "</li><li>")}</li></ul></div>',
        f'<div class="relate"><h3>猜你喜欢</h3><ul>{_link_list(ctx.related)}</ul></div>',
        "</div>",
        f'<div class="side"><h3>热点阅读</h3><ul>{_link_list(ctx.hot)}</ul></div>',
        "</div>",
        f'<div class="footer"><p><a href="/about.html">关于我们</a> | 联系方式 | 免责声明</p>'
        f"<p>Copyright &copy; 2023 {escape(ctx.site.name)} 版权所有</p><p>示例ICP备00000000号</p></div>",
        "</body></html>",
    ])
    return html.encode("utf-8"), "text/html; charset=utf-8"


def render_junk(article: Article, ctx: ArticleContext) -> tuple[bytes, str]:
    """The DedeCMS-like page with hidden spans, a hidden class, jammer, white font and stray marks."""
    return render_dede(article, ctx, junk=True)


def _gbk_meta(article: Article) -> str:
    return (f'<meta http-equiv="Content-Type" content="text/html; charset={article.encoding}">'
            if article.declare == "meta" else "")


def _gbk_content_type(article: Article) -> str:
    return f"text/html; charset={article.encoding.upper()}" if article.declare == "header" else "text/html"


def _gbk_date(date: str) -> str:
    year, month, day = (int(part) for part in date.split("-"))
    return f"{year}年{month}月{day}日"


def render_gbk(article: Article, ctx: ArticleContext) -> tuple[bytes, str]:
    """An older table layout in GBK/GB2312; text lines separated by <br>, chrome inside the content."""
    cat = escape(article.category_name)
    body = [f"{INDENT}{escape(article.intro)}<br><br>"] if article.intro else []
    for piece in article.pieces:
        if piece.heading:
            body.append(f"{escape(piece.heading)}<br>")
        body += [f"{INDENT}{escape(para)}<br>" for para in piece.paragraphs]
    related = "".join(f'<a href="{a.path}">{escape(a.title)}</a><br>' for a in ctx.related)
    html = "\n".join([
        '<html><head>', _gbk_meta(article),
        f"<title>{escape(article.title)}-{cat}-{escape(ctx.site.name)}</title></head>",
        '<body><div id="header">', _nav(ctx.site, " | "), "</div>",
        f'<div class="position">您现在的位置：<a href="/">首页</a>&gt;&gt;'
        f'<a href="/{article.category}/list_1.html">{cat}</a>&gt;&gt;{escape(article.title)}</div>',
        '<table width="960" border="0" cellpadding="0" cellspacing="0"><tr><td class="left" valign="top">',
        f"<h1>{escape(article.title)}</h1>",
        f'<div class="info">更新时间：{_gbk_date(article.date)}　分类：{cat}</div>',
        '<div class="content">', *body,
        f"<br>{_prev_next(ctx, '<br>')}<br>",
        f"<br>相关推荐<br>{related}",
        "</div>",
        f'</td><td class="right" valign="top"><h3>热点阅读</h3><ul>{_link_list(ctx.hot)}</ul></td></tr></table>',
        '<div id="footer">本站文章来自网友投稿 <a href="/about.html">关于本站</a><br>示例ICP备00000001号</div>',
        "</body></html>",
    ])
    return html.encode(article.encoding), _gbk_content_type(article)


@cache
def _to_traditional():
    import opencc
    return opencc.OpenCC("s2tw").convert


def render_tw(article: Article, ctx: ArticleContext) -> tuple[bytes, str]:
    """A Traditional-Chinese mirror page; the charset is declared only in <meta>."""
    cat = escape(article.category_name)
    body = []
    for piece in article.pieces:
        if piece.heading:
            body.append(f"<h2>{escape(piece.heading)}</h2>")
        body += [f"<p>{INDENT}{escape(para)}</p>" for para in piece.paragraphs]
    year, month, day = (int(part) for part in article.date.split("-"))
    html = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-Hant"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">',
        f"<title>{escape(article.title)}_{escape(ctx.site.name)}繁体版</title>",
        f'<link rel="canonical" href="{ctx.base_url}{article.path}">',
        "</head><body>",
        f'<div class="header"><a href="/">{escape(ctx.site.name)}</a> <span>繁体版</span></div>',
        f'<div class="nav">{_nav(ctx.site, " ")}</div>',
        f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; '
        f'<a href="/{article.category}/list_1.html">{cat}</a> &gt; 正文</div>',
        '<div class="wrap">', f"<h1>{escape(article.title)}</h1>",
        f'<div class="info">发布日期：{year}/{month}/{day}　栏目：{cat}</div>',
        '<div class="content">', *body, "</div>",
        f'<div class="prenext">{_prev_next(ctx, "　")}</div>',
        f'<div class="like"><h3>猜你喜欢</h3><ul>{_link_list(ctx.related)}</ul></div>',
        "</div>",
        f'<div class="footer">{escape(ctx.site.name)} 版权所有 <a href="/about.html">关于我们</a></div>',
        "</body></html>",
    ])
    return _to_traditional()(html).encode("utf-8"), "text/html"


def render_plain(article: Article, ctx: ArticleContext) -> tuple[bytes, str]:
    """A blog-like page holding one essay, with a UTF-8 byte-order mark."""
    cat = escape(article.category_name)
    year, month, day = (int(part) for part in article.date.split("-"))
    paragraphs = ([f"<p>{escape(article.intro)}</p>"] if article.intro else []) + [
        f"<p>{escape(para)}</p>" for piece in article.pieces for para in piece.paragraphs]
    html = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(article.title)} | {escape(ctx.site.name)}</title></head><body>",
        f'<header class="site"><a class="logo" href="/">{escape(ctx.site.name)}</a>'
        f"<nav>{_nav(ctx.site)}</nav></header>",
        '<main><article class="post">', f"<h1>{escape(article.title)}</h1>",
        f'<p class="meta"><time datetime="{article.date}">{year}年{month}月{day}日</time> · '
        f'分类：<a href="/{article.category}/list_1.html">{cat}</a></p>',
        '<div class="content">', *paragraphs, "</div>",
        f'<nav class="prenext"><p>{_prev_next(ctx, "</p><p>")}</p></nav>',
        "</article>",
        f'<section class="related"><h2>相关推荐</h2><ul>{_link_list(ctx.related)}</ul></section></main>',
        f'<aside><h3>热点阅读</h3><ul>{_link_list(ctx.hot)}</ul></aside>',
        f'<footer><p>&copy; 2023 {escape(ctx.site.name)} · <a href="/about.html">关于我们</a></p></footer>',
        "</body></html>",
    ])
    return "\ufeff".encode("utf-8") + html.encode("utf-8"), "text/html; charset=utf-8"


TEMPLATES = {"dede": render_dede, "junk": render_junk, "gbk": render_gbk, "tw": render_tw, "plain": render_plain}


def render_article(article: Article, ctx: ArticleContext) -> tuple[bytes, str]:
    """Render ``article`` with its template."""
    return TEMPLATES[article.template](article, ctx)


def _page_links(page: int, pages: int) -> str:
    def link(n: int, text: str) -> str:
        return f'<a href="list_{n}.html">{text}</a>'
    parts = [link(1, "首页")]
    if page > 1:
        parts.append(link(page - 1, "上一页"))
    parts += [f"<b>{n}</b>" if n == page else link(n, str(n)) for n in range(1, pages + 1)]
    if page < pages:
        parts.append(link(page + 1, "下一页"))
    parts.append(link(pages, "末页"))
    return " ".join(parts)


def render_list(site: Site, slug: str, page: int, pages: int, entries: list[ListEntry]) -> bytes:
    """One page of a category's article list, with numbered page links (relative hrefs)."""
    name = escape(site.category_name(slug))
    items = "".join(f'<li><a href="{e.path}">{escape(e.title)}</a><span>{e.date or ""}</span></li>'
                    for e in entries)
    html = "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{name}_第{page}页_{escape(site.name)}</title></head><body>",
        f'<div class="nav">{_nav(site, " | ")}</div>',
        f'<div class="place">当前位置：<a href="/">首页</a> &gt; {name}</div>',
        f'<h2>{name}</h2><ul class="list">{items}</ul>',
        f'<div class="pages">{_page_links(page, pages)}</div>',
        "</body></html>",
    ])
    return html.encode("utf-8")


def render_index(site: Site, latest: tuple[Article, ...], featured: tuple[tuple[str, str], ...]) -> bytes:
    """The home page: category menu, latest articles and featured ``(path, title)`` links."""
    blocks = "".join(f'<div class="block"><h2><a href="/{slug}/list_1.html">{escape(name)}</a></h2></div>'
                     for slug, name in site.categories)
    featured_links = "".join(f'<li><a href="{path}">{escape(title)}</a></li>' for path, title in featured)
    html = "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(site.name)}_作文_述职报告_读后感_演讲稿</title></head><body>",
        f'<div class="nav">{_nav(site, " | ")}</div>', blocks,
        f'<div class="latest"><h3>最新文章</h3><ul>{_link_list(latest)}</ul></div>',
        f'<div class="featured"><h3>热门推荐</h3><ul>{featured_links}</ul></div>',
        '<div class="footer"><a href="/about.html">关于我们</a></div>',
        "</body></html>",
    ])
    return html.encode("utf-8")


def render_about(site: Site) -> bytes:
    """A plain page that is neither a list nor an article."""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>关于我们_{escape(site.name)}</title>'
            f"</head><body><h1>关于我们</h1><p>{escape(site.name)}是一个演示用的范文网站，"
            "所有文章均为示例文本。</p></body></html>").encode()
