"""Byte decoding: declared charsets are obeyed, undeclared Chinese pages are detected."""
import pytest

from pipelines.decode import decode_page, header_charset

TRADITIONAL = "這是我們的學校，他們在這裡學習，時間過得很快。"


def page(charset: str | None, text: str) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>"


def test_declared_charset_is_obeyed_when_another_encoding_reads_more_common_characters():
    # Big5 bytes are also valid GBK; the page says gbk, and a declaration beats a guess.
    data = page("gbk", TRADITIONAL).encode("big5")
    text, encoding = decode_page(data)
    assert encoding == "gb18030"
    assert text == data.decode("gb18030")


def test_undeclared_big5_is_told_apart_from_gbk_by_common_characters():
    data = page(None, TRADITIONAL).encode("big5")
    assert decode_page(data) == (page(None, TRADITIONAL), "big5hkscs")


def test_mislabelled_utf8_falls_through_to_utf8():
    data = page("big5", "这是一篇文章，字数不少。").encode("utf-8")
    assert decode_page(data) == (page("big5", "这是一篇文章，字数不少。"), "utf-8")


def test_header_encoding_comes_before_the_meta_declaration():
    data = page("big5", "简体中文的页面内容").encode("gbk")
    assert decode_page(data, "gbk")[1] == "gb18030"


# UTF-8 pages go to the HTML parser undecoded; these pages must come out exactly as when the page
# is decoded first (clean_page given text, not bytes, takes that path).
ESSAY = "".join(f"<p>{line}</p>" for line in (
    "清晨的校园格外安静，操场边的梧桐树在微风里轻轻摇晃，几只麻雀在树枝间跳来跳去。",
    "我背着书包走进教室，发现同桌早已坐在座位上，正认真地读着一本厚厚的童话书。",
    "上课铃响了，老师走上讲台，微笑着说今天我们要一起写一篇关于秋天的作文。",
))
LONG_HEAD = "<style>" + ".nav a{color:#333;margin:0 4px}\n" * 400 + "</style>"  # over 8 KB of ASCII


def essay_page(charset: str | None, head: str = "", body: str = ESSAY) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}{head}<title>秋天的校园</title></head><body><h1>秋天的校园</h1>{body}</body></html>"


def same_as_decoded_first(data: bytes, encoding: str):
    from pipelines import clean_page

    result = clean_page(data, "http://example.cn/a.html")
    decoded = clean_page(data.decode(encoding), "http://example.cn/a.html")
    assert result.records == decoded.records and result.records
    return result


def test_utf8_page_read_undecoded_gives_the_same_records():
    for charset in ("utf-8", None):
        assert same_as_decoded_first(essay_page(charset).encode(), "utf-8").encoding == "utf-8"


def test_undeclared_gbk_with_an_ascii_head_longer_than_the_utf8_check_is_still_gbk():
    data = essay_page(None, LONG_HEAD).encode("gbk")
    assert data[:8192].isascii()
    assert same_as_decoded_first(data, "gb18030").encoding == "gb18030"


def test_gbk_page_labelled_utf8_with_an_ascii_head_falls_back_to_gbk():
    data = essay_page("utf-8", LONG_HEAD).encode("gbk")
    assert same_as_decoded_first(data, "gb18030").encoding == "gb18030"


def test_utf8_page_with_a_byte_order_mark_or_xml_declaration_is_decoded_first():
    bom = b"\xef\xbb\xbf" + essay_page(None).encode()
    assert same_as_decoded_first(bom, "utf-8-sig").encoding == "utf-8"
    xml = ('<?xml version="1.0" encoding="utf-8"?>' + essay_page(None)).encode()
    assert same_as_decoded_first(xml, "utf-8").encoding == "utf-8"


def test_pages_cleaned_in_threads_are_each_decoded_by_their_own_bytes():
    """Cleaning from several threads at once (each thread parses with a parser of its own, which lets
    lxml parse in parallel): GBK pages labelled UTF-8 still come out as GBK, UTF-8 pages as UTF-8."""
    from concurrent.futures import ThreadPoolExecutor

    from pipelines import clean_page

    utf8 = essay_page("utf-8", LONG_HEAD).encode()
    mislabelled = essay_page("utf-8", LONG_HEAD).encode("gbk")
    expected = clean_page(utf8, "http://example.cn/a.html").records
    pages = [utf8, mislabelled] * 200
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda data: clean_page(data, "http://example.cn/a.html"), pages))
    assert [r.encoding for r in results] == ["utf-8", "gb18030"] * 200
    assert all(r.records == expected for r in results)


def test_bytes_the_parser_takes_as_utf8_are_exactly_those_python_decodes():
    """Invalid sequences (overlong, surrogate, beyond U+10FFFF, stray continuation, truncated) in the
    body of a page labelled UTF-8, after a head too long for the first check: read undecoded or
    decoded first, the page comes out the same."""
    import pytest

    from pipelines import PageError, clean_page

    good = essay_page("utf-8", LONG_HEAD).encode()
    at = good.index("上课铃响了".encode())
    assert at > 8192
    for bad in (b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xff", b"\xe4\xb8", b"\xf5\x80\x80\x80"):
        data = good[:at] + bad + good[at:]
        try:
            text, encoding = decode_page(data)
        except PageError as exc:
            with pytest.raises(PageError) as info:
                clean_page(data, "http://example.cn/a.html")
            assert info.value.reason == exc.reason
            continue
        assert encoding != "utf-8"
        result = clean_page(data, "http://example.cn/a.html")
        assert result.encoding == encoding
        assert result.records == clean_page(text, "http://example.cn/a.html").records


@pytest.mark.parametrize(("content_type", "charset"), [
    ("text/html; charset=GBK", "gbk"), ('text/html; charset="gb2312"', "gb2312"),
    ("text/html; charset=utf-8; boundary=x", "utf-8"), ("text/html", None), (None, None), ("text/html; charset=", None)])
def test_header_charset(content_type, charset):
    assert header_charset(content_type) == charset
