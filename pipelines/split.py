"""Split a page's paragraphs into its numbered pieces (篇)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from .boilerplate import SENTENCE_MARK, VERSE_RUN, BoilerplatePatterns, closes_signed
from .document import Block, Piece, Split
from .layout import NAME_LINE, is_chrome, is_prose, repeats_title

# (with the financial numerals, 壹 贰 叁 …, that 范文壹 numbers with)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5,
              "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "拾": 10}
_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾"
NUM = rf"(?:\d{{1,6}}[千万]?|[{_NUMERAL_CHARS}]{{1,8}})"
MAX_HEADING_CHARS = 40


def parse_ordinal(token: str) -> int | None:
    """A number in Arabic or Chinese numerals, or both; None when it is not a number (or is zero).

    >>> [parse_ordinal(t) for t in ("12", "十二", "一百零二", "两千零二十四", "三万", "1万", "零", "篇", "叁")]
    [12, 12, 102, 2024, 30000, 10000, None, None, 3]
    """
    total = section = current = 0
    for ch in token:
        if "①" <= ch <= "⑳":  # a circled number stands alone
            current = ord(ch) - ord("①") + 1
        elif ch.isdigit():
            current = current * 10 + int(ch)
        elif ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (current or 1) * _CN_UNITS[ch]
            current = 0
        elif ch == "万":
            total += (section + current or 1) * 10000
            section = current = 0
        else:
            return None
    return total + section + current or None


# What may follow the number: nothing, or a subtitle after a separator, a space (removed between Han
# characters by normalisation) or directly.
_AFTER = r"(?:\s*[:：.、—-]+\s*|\s*)(?P<sub>.*)$"
# After a number, the subtitle must not start with a digit or numeral (else it is part of the number).
_SUBTITLE = rf"(?![\d{_NUMERAL_CHARS}])" + _AFTER

_NO_DIGIT = rf"(?![\d{_NUMERAL_CHARS}])"

# Each style: a name and a pattern over a whole heading paragraph with groups `stem` (optional) and `n`.
# Styles whose stem is kept apart group headings by stem too (one numbering per stem).
HEADING_STYLES: tuple[tuple[str, re.Pattern], ...] = (
    ("bracket", re.compile(rf"^[【\[〖]\s*(?:篇|第|范文|例文)?(?P<n>{NUM})篇?\s*[】\]〗]\s*[:：.、]?\s*(?P<sub>.*)$")),
    # (a poem, a short piece, a letter or a weekly journal counts so too: 第二首：秋叶, 第三周：球赛)
    ("ordinal", re.compile(rf"^第(?P<n>{NUM})(?:篇|首|则|封|周){_AFTER}")),
    # a title with its number after it in brackets (美丽的春天（篇一）, 美丽的春天【第2篇】): in a run of two or
    # more, as a page's title can end so
    ("titlepian", re.compile(rf"^(?P<sub>[^\s:：，。！？（）()【】]{{2,30}}?)[（(【\[](?:篇|第)(?P<n>{NUM})篇?[）)】\]]$")),
    # (a stem may hold one comma, as a title may: 那一次，我真感动 篇一)
    ("pian", re.compile(rf"^(?P<stem>(?:[^\s:：，。！？]{{1,15}}，)?[^\s:：，。！？]{{0,30}}?)篇(?P<n>{NUM}){_SUBTITLE}")),
    ("fanwen", re.compile(rf"^(?P<stem>[^\s:：，。！？]{{0,30}}?(?:范文|范本|例文|模板|作文))(?P<n>{NUM})"
                          rf"{_NO_DIGIT}(?:\s*[:：、.]\s*(?P<sub>[^，。！？]*))?$")),
    ("claim", re.compile(rf"^(?P<stem>[^\s:：，。！？]{{2,30}}?)[【\[（(][^】\]）)]{{1,10}}[】\]）)](?P<n>{NUM})$")),
    ("day", re.compile(rf"^(?P<stem>[^\s:：，。！？]{{2,30}}?)第(?P<n>{NUM})(?:天|则|首|章|节|课|回)$")),
    # (a stem may name a length: 秋天作文400字1)
    ("stem", re.compile(r"^(?P<stem>[\u4e00-\u9fff][^\s\d:：，。！？、；.,!?;（）()【】]{1,38}?(?:\d{2,4}字)?)(?P<n>\d{1,2})$")),
    # Outline numbers (一、 1. （一） 其一) also number the parts of one piece: see choose_numbering.
    # (a subtitle may hold one comma: 2.守信，从小事做起; a longer one is a sentence, see _is_sentence)
    ("bare", re.compile(rf"^(?P<n>{NUM})\s*[、.．]\s*(?P<sub>[^\d，。；]{{1,30}}(?:，[^\d，。；]{{1,14}})?)$")),
    ("paren", re.compile(rf"^[（(](?P<n>{NUM})[）)]\s*(?P<sub>[^\d，。；]{{0,30}}(?:，[^\d，。；]{{1,14}})?)$")),
    ("qi", re.compile(r"^其(?P<n>[一二三四五六七八九十]{1,3})$")),
    ("no", re.compile(r"^(?:NO|No|no)[.．:：]?\s*(?P<n>\d{1,3})(?:\s*[:：.、]?\s*(?P<sub>[^，。；]{0,30}))?$")),
    ("circled", re.compile(r"^(?P<n>[①-⑳])\s*(?P<sub>[^，。；]{0,30}(?:，[^，。；]{1,14})?)$")),
    # stem + Chinese numeral (春游感想一): many a word ends in a numeral (统一, 唯一, 国庆十一), so
    # only a run of two or more with one stem is a numbering, and one alone is no heading.
    ("cnstem", re.compile(r"^(?P<stem>[\u4e00-\u9fff][^\s\d:：，。！？、；.,!?;（）()【】《》]{1,30}?(?:\d{2,4}字)?)"
                          r"(?P<n>[一二三四五六七八九十]{1,3})$")),
    # stem + number in brackets (春游感想（一）, 春游感想(2)): a page's title can end so too (秋天（2）,
    # its second page), so it takes a run of two or more as well.
    ("stemparen", re.compile(rf"^(?P<stem>[\u4e00-\u9fff][^\s:：，。！？；（）()【】\[\]]{{1,30}}?)[（(【\[〔]"
                             rf"(?P<n>{NUM})[）)】\]〕]$")),
)
_OUTLINE_STYLES = frozenset({"bare", "paren", "qi", "no", "circled"})
_STEM_STYLES = frozenset({"stem", "pian", "fanwen", "claim", "day", "cnstem", "stemparen"})
_RUN_ONLY_STYLES = frozenset({"cnstem", "stemparen", "titlepian"})  # a heading only in a run of two or more
_LIST_PREFIX = re.compile(r"^\d{1,3}[.、．]\s*")


@dataclass(frozen=True, slots=True)
class _Heading:
    index: int
    style: str
    stem: str
    n: int
    works: bool = False       # names a work (《title》)
    opens_text: bool = False  # no line of prose above it


# Any heading style but the run-only ones, in one match (the styles without their group names).
_ANY_HEADING = re.compile("|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', p.pattern)})" for style, p in HEADING_STYLES
                                   if style not in _RUN_ONLY_STYLES))
_RUN_ONLY_ENDS = tuple("一二三四五六七八九十）)】]〕")  # how a heading of a run-only style ends
_BULLETS = frozenset("★☆■□●○◆◇▲△►▶◎※")  # a mark before a heading, not part of its number


_SUBTITLE_MAX_CHARS = 15  # a longer subtitle with a comma in it is a sentence


def _is_sentence(sub: str) -> bool:
    """What follows a heading's number is a sentence (ends one, or runs on past a comma), not a
    subtitle such as ``春天，你好`` or ``《游子吟》？作者：孟郊``."""
    return bool(re.search("[。！；]", sub)) or "，" in sub and len(sub) > _SUBTITLE_MAX_CHARS


# A title listing its pieces (发言稿篇一篇二, 日记篇1、篇2、篇3): no heading, it claims their count.
_LISTED_PIECES = re.compile(rf"(?:篇{NUM}[、，,]?){{2,}}$")


def heading_match(text: str) -> _Heading | None:
    """The numbered heading a paragraph is, if it is one (index 0)."""
    if text[:1] in _BULLETS:
        text = text[1:].lstrip()
    if len(text) > MAX_HEADING_CHARS or not (_ANY_HEADING.match(text) or text.endswith(_RUN_ONLY_ENDS)):
        return None
    if _LISTED_PIECES.search(text):
        return None
    for style, pattern in HEADING_STYLES:
        m = pattern.match(text)
        if m and _is_sentence(m.groupdict().get("sub") or ""):
            return None  # a heading glued to its text (unglue_headings)
        if m and (n := parse_ordinal(m.group("n"))):
            stem = _LIST_PREFIX.sub("", m.groupdict().get("stem") or "") if style in _STEM_STYLES else ""
            return _Heading(0, style, stem, n)
    return None


def is_heading(text: str) -> bool:
    """Whether a paragraph is a numbered heading of any style that counts alone."""
    h = heading_match(text)
    return h is not None and h.style not in _RUN_ONLY_STYLES


def _heading_candidates(blocks: list[Block]) -> list[_Heading]:
    found, prose_above = [], False
    for i, block in enumerate(blocks):
        if h := heading_match(block.text):
            found.append(replace(h, index=i, works="《" in block.text, opens_text=not prose_above))
        prose_above = prose_above or is_prose(block.text)
    return found


def _runs_in_order(headings: list[_Heading]) -> bool:
    return [h.n for h in headings] == list(range(1, len(headings) + 1))


def _is_list(group: list[_Heading], blocks: int) -> bool:
    """The numbered lines stand one under the other, or the last one ends the page: a list (of
    links, of points), not headings over pieces."""
    return group[-1].index == blocks - 1 or any(b.index - a.index == 1 for a, b in pairwise(group))


def _accepted(group: list[_Heading], claimed: int | None, collection: bool, title: str | None,
              blocks: int) -> bool:
    """A numbering runs 1..n. One heading alone counts when it opens the text, when the title
    claims several pieces and this is a 篇-style first one, or when its stem is in the title; bare
    numbers (an outline's 一、二、) count only on a page that promises several pieces, and never as
    a list (:func:`_is_list`)."""
    if not _runs_in_order(group):
        return False
    first = group[0]
    if first.style in _RUN_ONLY_STYLES:
        return len(group) >= 2
    if first.style in _OUTLINE_STYLES:
        return len(group) >= 2 and not _is_list(group, blocks) and (collection or claimed == len(group) or all(h.works for h in group))
    return (len(group) >= 2 or claimed == 1 or first.opens_text
            or (claimed or 0) > 1 and first.style != "stem"
            or len(first.stem) >= 2 and first.stem in (title or ""))


def _without_contents(group: list[_Heading]) -> list[_Heading]:
    """The headings after a table of contents: the same numbering, 1..k (two or more) on lines one
    under another, followed by the numbering from 1 again (the group itself when there is none)."""
    for k in range(1, len(group)):
        if group[k].n == 1:
            contents = group[:k]
            listed = k >= 2 and _runs_in_order(contents) and all(b.index - a.index == 1 for a, b in pairwise(contents))
            return group[k:] if listed else group
    return group


def choose_numbering(blocks: list[Block], claimed: int | None, collection: bool = False,
                     title: str | None = None) -> list[_Heading]:
    """The headings of the numbering the page uses, or [] when no style runs 1, 2, 3… cleanly.

    Candidates are grouped by style (and stem), a table of contents above the headings left out;
    a group is accepted only when its ordinals run 1..n in page order. Among accepted groups, a stemmed style beats outline numbers; then one
    matching the title's claimed count wins, then the longest.
    """
    groups: dict[tuple[str, str], list[_Heading]] = {}
    for h in _heading_candidates(blocks):
        groups.setdefault((h.style, h.stem), []).append(h)
    accepted = [g for g in map(_without_contents, groups.values()) if _accepted(g, claimed, collection, title, len(blocks))]
    if not accepted:
        return []
    return max(accepted, key=lambda g: (g[0].style not in _OUTLINE_STYLES, len(g) == claimed, len(g), -g[0].index))


RESUME_LOOKAHEAD = 12  # a heading resuming the numbering is looked for this many lines below a section end


def resumed_heading(texts: list[str], i: int) -> int | None:
    """The index of a numbered heading a few lines below line ``i`` that goes on with the numbering
    above it (the next number, same style and stem, prose under it): what stands between is an
    interlude (a 猜你喜欢 list the site put between two pieces), not the page's tail. None if none."""
    last = next((h for k in range(i - 1, -1, -1) if (h := heading_match(texts[k]))), None)
    if last is None:
        return _resumed_work(texts, i)
    for j in range(i + 1, min(i + 1 + RESUME_LOOKAHEAD, len(texts) - 1)):
        h = heading_match(texts[j])
        if h and (h.style, h.stem, h.n) == (last.style, last.stem, last.n + 1) and is_prose(texts[j + 1]):
            return j
    return None


def _is_work_heading(texts: list[str], j: int) -> bool:
    """Line ``j`` is a short ``《work》`` title with text below it: prose, or lines of verse that
    name no work."""
    verse = texts[j + 1:j + 1 + VERSE_RUN]
    return (bool(_WORK_TITLE.match(texts[j]) and _TITLE_ONLY.match(texts[j]))
            and (is_prose(texts[j + 1]) or len(verse) == VERSE_RUN and not any(_WORK_TITLE.match(t) for t in verse)))


def _resumed_work(texts: list[str], i: int) -> int | None:
    """The index of a ``《work》`` heading a few lines below line ``i`` on a page with one above it
    (a collection of poems): the list between is an interlude. None if none."""
    if not any(_is_work_heading(texts, k) for k in range(i)):
        return None
    return next((j for j in range(i + 1, min(i + 1 + RESUME_LOOKAHEAD, len(texts) - 1)) if _is_work_heading(texts, j)),
                None)


_CLAIMED = re.compile(rf"(?P<n>{NUM})(?:篇|首|则)")


def claimed_count(title: str | None) -> int | None:
    """The piece count a title claims (the last count in it), or None.

    >>> [claimed_count(t) for t in ("销售经理述职报告参考范文7篇", "秋天（精选十篇）", "日记四则", "作文1000篇", "我的老师",
    ...                             "发言稿篇一篇二")]
    [7, 10, 4, 1000, None, 2]
    """
    if not title:
        return None
    if listed := _LISTED_PIECES.search(title):
        return listed.group().count("篇")
    matches = list(_CLAIMED.finditer(title))
    return parse_ordinal(matches[-1].group("n")) if matches else None


# A numbered heading glued to the first sentence of its piece: ``stem篇1`` / ``stem1`` / ``篇一：`` + text.
_GLUED_HEADING = re.compile(rf"^(?P<head>[^\s:：，。！？]{{2,30}}?(?:篇{NUM}|\d{{1,2}})|(?:篇{NUM}|第{NUM}篇)[:：])"
                            rf"(?P<rest>[\u4e00-\u9fff“「].{{20,}})$")


def unglue_headings(blocks: list[Block]) -> list[Block]:
    """Blocks with glued headings cut off their text (``blocks`` itself when there are none)."""
    out, changed = [], False
    for block in blocks:
        m = None if is_heading(block.text) else _GLUED_HEADING.match(block.text)
        if m and is_heading(m.group("head")) and is_prose(m.group("rest")):
            out += [Block(m.group("head"), True), Block(m.group("rest"))]
            changed = True
        else:
            out.append(block)
    return out if changed else blocks


RUN_IN_MIN_CHARS = 300  # a shorter block is no page flattened into one
# A 篇 heading run into a flattened page's text (``…的一天。篇二：元旦的来历…``); the ones after the first
# follow a sentence's end.
_RUN_IN_HEADING = re.compile(rf"(?:篇(?P<n>{NUM})|第(?P<m>{NUM})篇)[:：]")
_SENTENCE_ENDS = frozenset("。！？”」…")
# The title opening a flattened page: a line that ends in its claimed count (元旦作文范文6篇…).
_LEADING_CLAIM = re.compile(rf"^[^，。！？：:]{{2,30}}?{NUM}(?:篇|首|则)(?=.)")


def _run_in_headings(text: str) -> list[re.Match]:
    """The run-in headings numbered 1, 2, 3… in ``text`` (two or more), or []."""
    found: list[re.Match] = []
    for m in _RUN_IN_HEADING.finditer(text):
        n = parse_ordinal(m.group("n") or m.group("m"))
        if n == len(found) + 1 and (not found or text[m.start() - 1] in _SENTENCE_ENDS):
            found.append(m)
    return found if len(found) >= 2 else []


def break_run_in_headings(blocks: list[Block]) -> list[Block]:
    """A page flattened into one block with its 篇一：… headings run into the text (a document
    preview) → its leading title, the text before the first heading, and each heading and its text,
    as blocks. Only a block holding most of the page's text is a flattened page (a paragraph of an
    essay listing 第一篇：… 第二篇：… is none); ``blocks`` itself when no block is so."""
    lengths = [len(b.text) for b in blocks]
    longest = max(range(len(blocks)), key=lengths.__getitem__, default=0)
    if not blocks or lengths[longest] < RUN_IN_MIN_CHARS or 2 * lengths[longest] <= sum(lengths):
        return blocks  # only one block can hold more than half of the text
    text = blocks[longest].text
    if not (found := _run_in_headings(text)):
        return blocks
    head = text[:found[0].start()]
    title = _LEADING_CLAIM.match(head)
    out = [Block(part) for part in ((title.group(), head[title.end():]) if title else (head,)) if part]
    for m, end in zip(found, [m.start() for m in found[1:]] + [len(text)], strict=True):
        out += [Block(m.group(), True), Block(text[m.end():end])]
    return blocks[:longest] + out + blocks[longest + 1:]


# A title alone on its line: no sentence mark, one comma at most inside (谢谢您，老师).
_TITLE_ONLY = re.compile(r"^(?=.{2,25}$)(?=.*[\u4e00-\u9fffA-Za-z0-9])[^，。！？；,.!?;]+(?:，[^，。！？；,.!?;]+)?$")


_WORK_TITLE = re.compile(r"^《[^》]{1,20}》")


def _over_byline(texts: list[str], i: int, patterns: BoilerplatePatterns, names: bool = False) -> bool:
    """Line ``i`` is a title over a byline (a bare name counts under a 《work》 title, and with
    ``names`` under any title when it starts with a common surname: :func:`_name_under_title`),
    with text below the byline (a byline closing a piece has none, nor one over commentary)."""
    text, below = texts[i], texts[i + 1]
    return (len(text) <= 30 and not SENTENCE_MARK.search(text) and not patterns.is_byline(text)
            and (patterns.is_byline(below) or bool(_WORK_TITLE.match(text) and NAME_LINE.match(below))
                 or names and _name_under_title(texts, i, patterns))
            and i + 2 < len(texts) and _text_follows(texts, i + 1, patterns)
            and not patterns.piece_end.hit(texts[i + 2]))


def _name_under_title(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i + 1`` is a bare author name, and line ``i + 2`` is none (that would make line
    ``i + 1`` the title)."""
    name = patterns.author_name.match
    return bool(name(texts[i + 1])) and not (i + 2 < len(texts) and name(texts[i + 2]))


def _text_follows(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Prose, or verse (short lines that are not chrome), starts below line ``i``."""
    verse = texts[i + 1:i + 1 + VERSE_RUN]
    return is_prose(texts[i + 1]) or len(verse) == VERSE_RUN and not any(
        is_chrome(line, patterns) or _TITLE_ONLY.match(line) and _WORK_TITLE.match(line) for line in verse)


def _text_above(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Prose stands right above line ``i``, or verse when line ``i`` names a 《work》 (a short
    line between lines of verse is more verse)."""
    verse = texts[max(i - VERSE_RUN, 0):i]
    return is_prose(texts[i - 1]) or bool(_WORK_TITLE.match(texts[i])) and len(verse) == VERSE_RUN and not any(
        is_chrome(line, patterns) for line in verse)


# A diary entry's date line: the date, the weekday, the weather (2024年1月20日 星期六 晴转多云).
_DIARY_DATE = re.compile(r"^(?:(?:(?:19|20)\d\d年)?\d{1,2}月\d{1,2}日|(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}) ?"
                         r"(?:(?:星期|礼拜|周)[一二三四五六日天])? ?(?:天气[:：]? ?)?[晴阴雨雪云风雾霾多转小中大暴阵雷-]{0,8}$")


def dated_entries(blocks: list[Block], patterns: BoilerplatePatterns,
                  styled_only: bool = False) -> tuple[list[Block], list[int]]:
    """On a collection of diaries (or, ``styled_only``, on any page whose markup styles the date
    lines as headings), two or more date lines with an entry below each head the pieces: the
    blocks, each date line joined to the entry's title line when one follows it, and the indices
    of those headings (none when the page has fewer than two)."""
    texts = [b.text for b in blocks]
    dated = [i for i in range(len(texts) - 1)
             if _DIARY_DATE.match(texts[i]) and (blocks[i].heading or not styled_only)
             and not closes_signed(texts, i, patterns)  # a letter's closing date
             and (_text_follows(texts, i, patterns) or _is_entry_title(texts, i + 1, patterns))]
    if len(dated) < 2:
        return blocks, []
    out: list[Block] = []
    bounds: list[int] = []
    skip = False
    for i, block in enumerate(blocks):
        if skip:
            skip = False
            continue
        if i in dated:
            bounds.append(len(out))
            if skip := _is_entry_title(texts, i + 1, patterns):
                block = Block(f"{block.text} {texts[i + 1]}")
        out.append(block)
    return out, bounds


def _is_entry_title(texts: list[str], i: int, patterns: BoilerplatePatterns) -> bool:
    """Line ``i`` is a short title with the entry's text below it."""
    return (i + 1 < len(texts) and bool(_TITLE_ONLY.match(texts[i])) and not is_prose(texts[i])
            and not is_chrome(texts[i], patterns) and _text_follows(texts, i, patterns))


_NAMES_AFTER = re.compile(r"[:：](?P<names>[^:：]+)$")
_NAME_SEPARATORS = re.compile(r"[、，,/]")


def names_in_title(title: str | None) -> frozenset[str]:
    """The pieces a title names after its colon (``散文两篇：外婆的灶台、巷口的老榕树``), two or more.

    >>> sorted(names_in_title("散文两篇：外婆的灶台、巷口的老榕树")), names_in_title("作文：我的妈妈")
    (['外婆的灶台', '巷口的老榕树'], frozenset())
    """
    m = _NAMES_AFTER.search(title or "")
    names = [name.strip(" 《》“”") for name in _NAME_SEPARATORS.split(m.group("names"))] if m else []
    return frozenset(names) if len(names) >= 2 and all(len(name) >= 2 for name in names) else frozenset()


def titled_headings(blocks: list[Block], patterns: BoilerplatePatterns, collection: bool,
                    title: str | None = None) -> list[int]:
    """Indices of headings that carry no number: a title line over a byline, or a ``《work》`` line
    (with its poet) over text (two or more on the page); or, on a page promising several pieces,
    short title lines with text below them and text (or nothing but the title shown again) above,
    or the page's markup styled as headings."""
    texts = [b.text for b in blocks]
    styled = {i for i, b in enumerate(blocks) if b.heading}
    over_byline = [i for i in range(len(texts) - 1) if _over_byline(texts, i, patterns, names=collection)]
    if len(over_byline) >= 2:
        return over_byline
    works = [i for i in range(len(texts) - 1) if _is_work_heading(texts, i) and not is_chrome(texts[i], patterns)]
    if len(works) >= 2:
        return works
    if not collection:
        return []
    repeats = next((i for i, text in enumerate(texts) if not repeats_title(text, title)), len(texts))
    named = names_in_title(title)
    alone = [i for i, text in enumerate(texts[:-1])
             if _TITLE_ONLY.match(text) and not is_heading(text) and not is_chrome(text, patterns, school=False)
             and not patterns.piece_end.hit(text) and not patterns.letter_frame.search(text)
             and (text in named or not repeats_title(text, title)) and _text_follows(texts, i, patterns)
             and (i <= repeats or i in styled or _text_above(texts, i, patterns))]
    lone_opening = alone == [0] and (is_prose(texts[1]) or bool(_WORK_TITLE.match(texts[0])))
    return alone if len(alone) >= 2 or lone_opening else []


def split_pieces(blocks: list[Block], title: str | None, patterns: BoilerplatePatterns | None = None,
                 collection: bool = False) -> Split:
    """Pieces in page order; paragraphs before the first heading (an intro) are not a piece."""
    claimed = claimed_count(title)
    collection = collection or (claimed or 0) > 1
    bounds = [h.index for h in choose_numbering(blocks, claimed, collection, title)]
    if not bounds and (unglued := unglue_headings(blocks)) is not blocks:
        if glued := [h.index for h in choose_numbering(unglued, claimed, collection, title)]:
            blocks, bounds = unglued, glued
    if patterns is not None:  # dated entries, unless numbered headings are as many
        dated_blocks, dated = dated_entries(blocks, patterns, styled_only=not collection)
        if len(dated) > len(bounds):
            blocks, bounds = dated_blocks, dated
    if not bounds and patterns is not None:
        bounds = titled_headings(blocks, patterns, collection, title)
    if not bounds:
        paragraphs = [b.text for b in blocks if b.text]
        return Split([Piece(1, None, paragraphs)] if paragraphs else [], claimed)
    bounds.append(len(blocks))
    pieces = []
    for no, (start, end) in enumerate(pairwise(bounds), start=1):
        paragraphs = [b.text for b in blocks[start + 1:end] if b.text]
        pieces.append(Piece(no, blocks[start].text, paragraphs))
    return Split(pieces, claimed)
