"""Line decisions around the essay: the title among a text dump's first lines, the header above a
piece's text, and the bylines, credits and commentary around it.

Each decision uses what a reader sees in a line: its length, its sentence punctuation, whether it
repeats the title, and the boilerplate patterns (``data/boilerplate.toml``)."""
from __future__ import annotations

import re

from .boilerplate import SENTENCE_MARK, VERSE_RUN, BoilerplatePatterns, closes_signed, is_prose
from .document import Block, Piece

TITLE_MAX_CHARS = 50      # a longer first line is text, not a title
TITLE_LOOKAHEAD = 12      # the title is looked for among this many first lines
SITE_NAME_MAX_CHARS = 16  # a longer line is no site name
TEASER_LOOKAHEAD = 6      # teasers are looked for among a piece's first lines
_ELLIPSES = ("…", "...")
_TEASER = re.compile(r"(?P<tail>[^…]{12})(?:……|…|\.\.\.)$")
LINK_RUN_MIN = 2          # this many punctuation-free short lines below the text are a list of links
SUMMARY_MAX_CHARS = 150   # a longer line cut off with an ellipsis is no summary in a list of links
_LINK_LINE = re.compile(r"^[^，。！？；、,.!?;：:“”\"「」『』（）()]{2,30}$")
_LIST_NUMBER = re.compile(r"^(?:\d{1,3} ?[.、．]|[·•]) ?")  # before a link in a numbered or dotted list
_SENTENCE_END = re.compile(r"[。！？!?…”」』]$")
NAME_LINE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")  # a bare author name under a heading

_SITE_SUFFIX = re.compile(r"\s*(?:_|\||｜| - | — )\s*[^，。！？_|｜]{2,12}$")
_TITLE_PARTS = re.compile(r"_|\||｜| - | — ")
_BRACKET_SUFFIX = re.compile(r"[（(【\[][^）)】\]]{0,12}[）)】\]]$")
_UNFINISHED = re.compile("[，、；：,:]$")
_EDGE_PUNCT = re.compile(r"^[\s《【“\"]+|[\s》】”\"。！？!?.…]+$")
# A first line that glues the title to the first sentence: ``【title】text`` or ``title作文N字…：text``.
_GLUED_TITLE = (
    re.compile(r"^【(?P<title>[^】]{2,30})】(?P<rest>.{8,})$"),
    re.compile(r"^(?P<title>[^，。！？：]{2,30}(?:作文|\d+字)[^，。！？：]{0,8})：(?P<rest>[^：]{20,})$"),
)


def is_title_like(text: str) -> bool:
    """Short, at most one comma, no sentence inside it (a site-name or bracketed suffix aside; a
    final 。 only without a comma), and not cut off mid-clause."""
    core = _BRACKET_SUFFIX.sub("", _SITE_SUFFIX.sub("", text))
    commas = text.count("，")
    return (len(text) <= TITLE_MAX_CHARS and commas <= 1 and not _UNFINISHED.search(text)
            and not SENTENCE_MARK.search(core[:-1] if not commas else core))


def is_chrome(text: str, patterns: BoilerplatePatterns, school: bool = True) -> bool:
    """A line the boilerplate patterns drop, or a byline (``school``: also a school or grade line)."""
    return (patterns.is_boilerplate_line(text) or patterns.is_intro(text)
            or patterns.is_byline(text, school) or patterns.section_end.hit(text))


def _core(text: str) -> str:
    return _EDGE_PUNCT.sub("", text)


def repeats_title(text: str, title: str | None) -> bool:
    """The line shows the title again (whole, or the part of it a headline shows)."""
    core = _core(text)
    return bool(title) and len(text) <= TITLE_MAX_CHARS and len(core) >= 2 and core in _core(title or "")


def site_lines(blocks: list[Block], patterns: BoilerplatePatterns) -> list[str]:
    """The page's short lines that name the site (``© 2024 X``, ``X 版权所有``, ``来源：X``), found
    by one search over the joined lines."""
    joined = "\n".join(b.text for b in blocks)
    found, pos = [], 0
    while m := patterns.site_line.search(joined, pos):
        start, end = joined.rfind("\n", 0, m.start()) + 1, joined.find("\n", m.end())
        end = len(joined) if end < 0 else end
        if end - start <= patterns.line_max_chars:
            found.append(joined[start:end])
        pos = end + 1
    return found


def is_site_name(text: str, sites: list[str]) -> bool:
    """A short line that comes again inside one of the page's ``sites`` lines: the site's name."""
    return len(text) <= SITE_NAME_MAX_CHARS and any(text in line and text != line for line in sites)


_TITLE_KEY = re.compile(r"^(?:标题|题目|作文题目|文章标题|本文标题|作文标题)[:：]\s*(?P<title>[^:：]{2,40})$")
# A line saying when, by whom or from where (the metadata line under a headline).
_META_WORDS = re.compile(r"(?:19|20)\d\d[-/.年]\d{1,2}|作者|来源|发布|时间|日期|浏览|阅读|点击")
_CRUMB = re.compile(r" ?(?:[>»›＞→]{1,2}|/) ?")
# A category line (写人作文, 三年级日记, 作文大全); a title such as 我的妈妈作文 is none.
_CATEGORY_LINE = re.compile(r"^(?:[一二三四五六七八九]年级|初[一二三]|高[一二三]|小学|初中|高中|中考|高考|写人|写景|写物|记事|叙事|"
                            r"状物|抒情|议论|话题|想象|应用|优秀|满分|英语)?(?:作文|范文|日记|散文|诗歌|美文|随笔)(?:大全|精选)?$")
CONFIRM_LOOKAHEAD = 3  # a headline is looked for this many lines below a first title-like line


def _confirmed(blocks: list[Block], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is shown as the page's headline: a breadcrumb among the first lines ends with it,
    or a metadata line stands right under it (and it names no mere category)."""
    text, below = blocks[i].text, blocks[i + 1].text if i + 1 < len(blocks) else ""
    return (any(len(parts := _CRUMB.split(b.text)) >= 3 and parts[-1] == text for b in blocks[:TITLE_LOOKAHEAD])
            or patterns.is_boilerplate_line(below) and bool(_META_WORDS.search(below)) and not _CATEGORY_LINE.match(text))


def _headline_below(blocks: list[Block], i: int, patterns: BoilerplatePatterns) -> int:
    """The index of the headline a few lines below the first title-like line ``i`` when that line is
    not shown as one (a site's banner above the real headline); ``i`` otherwise."""
    if _confirmed(blocks, i, patterns):
        return i
    for j in range(i + 1, min(i + 1 + CONFIRM_LOOKAHEAD, len(blocks), TITLE_LOOKAHEAD)):
        text = blocks[j].text
        if is_prose(text) or not is_title_like(text):
            return i
        if (not is_chrome(text, patterns) and not patterns.author_name.match(text) and not text.startswith(("—", "-"))
                and _confirmed(blocks, j, patterns)):
            return j
    return i


_DATED = re.compile(r"(?:19|20)\d\d[-/.年]|\d{1,2}月\d{1,2}日")


def _category_above_headline(blocks: list[Block], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` names a mere category (``写景作文``) and a title-like line stands right below it:
    the 栏目 above the headline."""
    below = blocks[i + 1].text if i + 1 < len(blocks) else ""
    return (bool(_CATEGORY_LINE.match(blocks[i].text)) and is_title_like(below) and not is_prose(below)
            and not is_chrome(below, patterns) and not _CATEGORY_LINE.match(below) and not _DATED.search(below))


_MASTHEAD = re.compile(r"^[\u4e00-\u9fff]{2,10}报$")
_PAPER_PAGE = re.compile(r"第 ?[A-Za-z]?\d{1,3} ?版")


def _masthead(blocks: list[Block], i: int) -> bool:
    """Line ``i`` is a newspaper's name over the line of its date and page (第A11版)."""
    return bool(_MASTHEAD.match(blocks[i].text)) and i + 1 < len(blocks) and bool(_PAPER_PAGE.search(blocks[i + 1].text))


def _is_banner(text: str, names: frozenset[str], sites: list[str]) -> bool:
    """A ``site - slogan`` line: its first part is the site's name."""
    head, *rest = title_parts(text)
    return bool(rest) and (head in names or is_site_name(head, sites))


def title_parts(text: str) -> list[str]:
    """The parts of a ``<title>``-style line (``headline_栏目_site``, ``site - slogan``)."""
    return [part.strip() for part in _TITLE_PARTS.split(text)]


def named_sites(blocks: list[Block], sites: list[str]) -> frozenset[str]:
    """Names the first lines give the site: the last part of a ``<title>``-style line when it is
    named in a footer line (``sites``), stands as a line of its own or heads another line."""
    parted = [title_parts(b.text) for b in blocks]
    heads = {parts[0] for parts in parted} | {b.text for b in blocks}
    return frozenset(parts[-1] for parts in parted if len(parts) >= 2 and len(parts[-1]) >= 2
                     and (parts[-1] in heads - {parts[0]} or is_site_name(parts[-1], sites)))


def headline_of(text: str, blocks: list[Block], names: frozenset[str] = frozenset()) -> tuple[str, frozenset[str]]:
    """A ``<title>``-style line gives its headline when that stands on a line of its own below it
    or its last part is one of the site's ``names``, and its other parts (the site, the 栏目); any
    other line is its own headline."""
    head, *rest = title_parts(text)
    if rest and len(head) >= 2 and (any(b.text == head for b in blocks[:TITLE_LOOKAHEAD]) or rest[-1] in names):
        return head, frozenset(rest)
    return text, frozenset()


# A breadcrumb: three or more parts between arrows (or spaced slashes), or a 当前位置 key.
_CRUMB_LINE = re.compile(r"^(?:(?:当前位置|您的位置|你的位置|您现在的位置|你现在的位置|位置)[:：]"
                         r"|[^>»›＞→/]{1,20}(?: ?[>»›＞]{1,2} ?[^>»›＞→]{1,30}| / [^/]{1,30}){2,}$"
                         r"|[^→，。！？]{0,10}(?:网|站|首页|主页|作文|范文|文库|之家) ?(?:→ ?[^→，。！？]{1,30}){2,}$)")


def _header_above_crumb(blocks: list[Block], patterns: BoilerplatePatterns, is_heading) -> int:
    """The number of first lines that are the site's header (banner, menu, breadcrumb): those up
    to a breadcrumb with no sentence above it and, as its next line that is no chrome, a title-like
    line that is no piece heading (the headline sits under the breadcrumb); 0 when there is none."""
    for c, block in enumerate(blocks):
        if SENTENCE_MARK.search(block.text) or len(block.text) > TITLE_MAX_CHARS:
            return 0
        if _CRUMB_LINE.match(block.text):
            below = next((b.text for b in blocks[c + 1:] if not is_chrome(b.text, patterns, school=False)), "")
            shown = is_title_like(below) and not is_prose(below) and not is_heading(below)
            return c + 1 if shown else 0
    return 0


def above_page_tail(blocks: list[Block], patterns: BoilerplatePatterns) -> list[Block]:
    """The lines above the first section end (上一篇, 相关文章…) that has prose above it: the
    titles of other articles listed below are no piece headings."""
    prose = False
    for i, block in enumerate(blocks):
        if prose and patterns.section_end.hit(block.text):
            return blocks[:i]
        prose = prose or is_prose(block.text)
    return blocks


def take_title(blocks: list[Block], patterns: BoilerplatePatterns, is_heading,
               piece_titles: frozenset[int] = frozenset()) -> tuple[str | None, list[Block]]:
    """A text dump's title: its first line that is neither chrome nor text nor a piece heading
    (``is_heading``, or an index in ``piece_titles``), nor the site's name.

    A first line gluing the title to the first sentence is cut in two. Site names, and the other
    parts of a ``<title>``-style line, are dropped from the first lines."""
    sites = site_lines(blocks, patterns)
    names = named_sites(blocks[:TITLE_LOOKAHEAD], sites)
    header = _header_above_crumb(blocks[:TITLE_LOOKAHEAD], patterns, is_heading)
    drop = {i for i, b in enumerate(blocks[:TITLE_LOOKAHEAD]) if is_site_name(b.text, sites) or i < header}
    for i, block in enumerate(blocks[:TITLE_LOOKAHEAD]):
        text = block.text
        if i < header:
            continue
        if is_heading(text) or i in piece_titles:
            break
        if key := _TITLE_KEY.match(text):
            return key.group("title"), _without(blocks, drop | {i})
        if i in drop or is_chrome(text, patterns, school=False):
            continue
        for glued in _GLUED_TITLE:
            if (m := glued.match(text)) and is_prose(m.group("rest")):
                return m.group("title"), _without(blocks[:i], drop) + [Block(m.group("rest"))] + _without(
                    blocks[i + 1:], {j - i - 1 for j in drop})
        if not is_title_like(text):
            break
        if _category_above_headline(blocks, i, patterns) or _is_banner(text, names, sites) or _masthead(blocks, i):
            drop.add(i)
            continue
        if (j := _headline_below(blocks, i, patterns)) != i and j not in piece_titles and not is_heading(blocks[j].text):
            drop |= set(range(i, j))
            i, text = j, blocks[j].text
        title, parts = headline_of(text, blocks[i + 1:], names)
        drop |= {j for j, b in enumerate(blocks[:TITLE_LOOKAHEAD]) if b.text in parts}
        return title, _without(blocks, drop | {i})
    return None, _without(blocks, drop)


def _without(blocks: list[Block], indices: set[int]) -> list[Block]:
    return [b for i, b in enumerate(blocks) if i not in indices] if indices else blocks


# The first item of a document's outline (一、活动背景), when a second one (二、…) follows.
_OUTLINE_FIRST = re.compile(r"^一[、.．] ?[^，。！？、]{2,15}$")
_OUTLINE_SECOND = re.compile(r"^二[、.．] ?[^，。！？、]{2,15}$")


def _starts_text(lines: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` opens the text: prose, a letter's salutation or a document's first outline item
    over prose, or the first of a run of short lines (verse), unless most of the short lines
    around it name a kind of article (``春天来了作文``: a list of other articles)."""
    if is_prose(lines[i]):
        return True
    if i + 1 < len(lines) and is_prose(lines[i + 1]) and not is_chrome(lines[i], patterns) and (
            lines[i].endswith(("：", ":")) or _OUTLINE_FIRST.match(lines[i])
            and any(_OUTLINE_SECOND.match(line) for line in lines[i + 2:])):
        return True
    run = lines[i:i + VERSE_RUN]
    if len(run) < VERSE_RUN or any(is_chrome(line, patterns) for line in run):
        return False
    begin = next((k + 1 for k in range(i - 1, -1, -1) if is_prose(lines[k])), 0)
    end = next((k for k in range(i, len(lines)) if is_prose(lines[k])), len(lines))
    return end - begin < LINK_RUN_MIN or 2 * sum(bool(patterns.link_hint.search(line)) for line in lines[begin:end]) < end - begin


def is_teaser(line: str, later: list[str]) -> bool:
    """A summary cut off with an ellipsis whose words come again further down."""
    m = _TEASER.search(line)
    return m is not None and any(m.group("tail") in other for other in later)


def shows_title(line: str, title: str | None) -> bool:
    """The line shows the title again: its end (as in ``儿童诗：title``) or at least half of it."""
    whole, core = _core(title or ""), _core(line)
    return repeats_title(line, title) and (whole.endswith(core) or 2 * len(core) >= len(whole))


def _header_above_title_repeat(lines: list[str], title: str | None) -> int:
    """How many short lines stand above the title shown again at the top of the text (tags, a
    category): the header ends where the title comes again with text below it, with no prose
    above and fewer lines than a run of verse (a poem may end in its title)."""
    for j, line in enumerate(lines[:min(TEASER_LOOKAHEAD, VERSE_RUN)]):
        if is_prose(line):
            break
        if j and shows_title(line, title) and j + 1 < len(lines):
            return j
    return 0


def is_bare_name(lines: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is an author's bare name above the text: a short all-Han line that starts with a
    common surname or stands over prose (a short first line of verse is verse)."""
    return (i + 1 < len(lines) and bool(NAME_LINE.match(lines[i]))
            and (bool(patterns.author_name.match(lines[i])) or is_prose(lines[i + 1])))


def trim_piece_start(lines: list[str], title: str | None, patterns: BoilerplatePatterns) -> list[str]:
    """Drop what stands above a piece's text: teasers, title repeats, bylines, one bare author name,
    and isolated short lines before the first line of prose or verse. A title line shown twice in
    a row is kept once (a poem whose first line is its title)."""
    head = lines[:TEASER_LOOKAHEAD]
    if any(line.endswith(_ELLIPSES) for line in head):
        lines = [line for i, line in enumerate(head) if not is_teaser(line, lines[i + 1:])] + lines[TEASER_LOOKAHEAD:]
    lines = lines[_header_above_title_repeat(lines, title):]
    start, named = 0, False
    while start < len(lines):
        line = lines[start]
        name = not named and is_bare_name(lines, start, patterns)
        if repeats_title(line, title) or patterns.is_byline(line) or name:
            named = named or name
            start += 1
            if start < len(lines) and lines[start] == line:
                break  # shown twice: the second is the text's first line
            continue
        break
    rest = lines[start:]
    first = next((i for i in range(len(rest)) if _starts_text(rest, i, patterns)), 0)
    return rest[first:]


_BANNER = re.compile(r"^【[^】，。！？；]{2,24}】$")  # a bracketed banner line, as sites put between pieces


def _is_tail_line(lines: list[str], patterns: BoilerplatePatterns, title: str | None) -> bool:
    """The last line is chrome (not the signature of a letter or proposal, nor the date under it),
    a bracketed banner, or (``title``: a piece that another follows) the page title shown again,
    where the next piece's header starts."""
    line = lines[-1]
    return (is_chrome(line, patterns) and not patterns.signature.match(line)
            and not closes_signed(lines, len(lines) - 1, patterns) or bool(_BANNER.match(line))
            or title is not None and not is_prose(line) and shows_title(line, title))


def trim_piece_end(lines: list[str], patterns: BoilerplatePatterns, title: str | None = None) -> list[str]:
    """Drop commentary from its first marker line on, then trailing bylines, credits, banners and
    (``title``: a piece that another follows) title repeats, then a trailing list of links."""
    cut = patterns.piece_end.first_hit(lines, start=1)
    lines = lines[:cut]
    while len(lines) > 1 and _is_tail_line(lines, patterns, title):
        lines.pop()
    if closes_signed(lines, len(lines) - 1, patterns):  # a dated closing is no list of links
        return lines
    return lines[:len(lines) - (trailing_works(lines) or trailing_links(lines, patterns))]


_WORK_LINK = re.compile(r"^《[^》]{1,20}》[^，。！？；]{0,12}$")  # another poem's title (and poet) as a link


def trailing_works(lines: list[str]) -> int:
    """How many lines at the end are a list of other works: two or more 《title》 lines (with a
    poet) below the text, verse or prose."""
    run = 0
    while run < len(lines) - 1 and _WORK_LINK.match(lines[-1 - run]):
        run += 1
    return run if run >= LINK_RUN_MIN else 0


def _is_link(line: str, patterns: BoilerplatePatterns | None) -> bool:
    """Another article's title: a short line without punctuation, or one after a list number or dot
    that names a kind of article (``1. 秋天的落叶作文400字``; a numbered list of an essay's own
    points names none)."""
    if _LINK_LINE.match(line):
        return True
    numbered = _LIST_NUMBER.match(line)
    rest = line[numbered.end():] if numbered else ""
    return bool(numbered and patterns and _LINK_LINE.match(rest) and patterns.link_hint.search(rest))


def trailing_links(lines: list[str], patterns: BoilerplatePatterns | None = None) -> int:
    """How many lines at the end are a list of links left by the page: two or more lines, each a
    short one without punctuation (another article's title, :func:`_is_link`) or a summary cut off
    with an ellipsis, at least one a title, below a line of prose that ends a sentence."""
    if not lines:
        return 0
    run = titles = 0
    while run < len(lines) - 1 and ((link := _is_link(lines[-1 - run], patterns)) or _is_summary(lines[-1 - run])):
        titles += link
        run += 1
    above = lines[-1 - run]
    return run if run >= LINK_RUN_MIN and titles and is_prose(above) and _SENTENCE_END.search(above) else 0


def _is_summary(line: str) -> bool:
    return len(line) <= SUMMARY_MAX_CHARS and line.endswith(_ELLIPSES)


def cut_site_truncation(lines: list[str], patterns: BoilerplatePatterns) -> tuple[list[str], bool]:
    """Remove the site's own "read the rest" markers from the last lines (``…阅读全文`` and a login
    wall below it); whether there was one."""
    cut = False
    while lines and (m := patterns.truncation.search(lines[-1])):
        last, cut = lines[-1][:m.start()].rstrip(), True
        lines = lines[:-1] + [last] if last else lines[:-1]
        if last:
            break
    return lines, cut


def trim_pieces(pieces: list[Piece], title: str | None, patterns: BoilerplatePatterns) -> list[Piece]:
    """Each piece's text without what stands above and below it (below a piece that another
    follows, the page title shown again too)."""
    for n, piece in enumerate(pieces, start=1):
        lines, piece.truncated = cut_site_truncation(piece.paragraphs, patterns)
        lines = trim_piece_end(trim_piece_start(lines, title, patterns), patterns, title if n < len(pieces) else None)
        piece.paragraphs = lines
    return pieces
