"""Byte decoding: declared charsets are obeyed, undeclared Chinese pages are detected."""
from pipelines.decode import decode_page

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
