"""Web archives: the pages a WARC file (1.0 or 1.1, gzipped or not) holds, and an append-only WARC
file that a killed writer leaves readable. Built on warcio; imports no Scrapy.

Reading keeps ``response`` records whose HTTP status is 2xx and whose ``Content-Type`` is a page
(HTML, XHTML, or none given); every other record is counted by what it is. An archive
that ends inside a record (a copy cut short, a crawl killed mid-write) gives the records before it
and then :class:`WarcError` ``truncated``.

warcio (and fsspec, which it imports) is loaded when an archive is first read or written, so a
``clean`` over loose files does not wait for it.
"""
from __future__ import annotations

import hashlib
import io
import os
import zlib
from base64 import b32encode
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .decode import header_charset
from .jsonl import append_whole

WARC_SUFFIXES = (".warc", ".warc.gz")
#: Media types of pages: plain text is not one here (in an archive it is robots.txt, sitemaps, feeds).
PAGE_TYPES = frozenset(("text/html", "application/xhtml+xml", ""))
SNIFF_BYTES = 64
#: zlib's default: warcio's own gzip writer uses 9, which costs half as much time again for 1 % less.
GZIP_LEVEL = 6
#: Hop-by-hop framing the HTTP client has already undone: the stored body is not chunked.
FRAMING_HEADERS = frozenset(("transfer-encoding",))


class WarcError(Exception):
    """A WARC file that cannot be read (on): ``reason`` is ``bad_warc`` or ``truncated``."""

    def __init__(self, reason: str, message: str):
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class WarcPage:
    """One archived page: its target URI, HTTP body (content encodings undone), the charset its
    ``Content-Type`` header declares, and when it was fetched (``WARC-Date``)."""

    url: str
    body: bytes
    declared_encoding: str | None
    date: str | None


@dataclass(slots=True)
class WarcCounts:
    """What the records of the archives read were: pages, responses that are no page (not 2xx, not
    HTML) and records of other types (``request``, ``revisit``, ``metadata``, ``warcinfo``…)."""

    files: int = 0
    records: int = 0
    pages: int = 0
    not_ok: int = 0
    not_html: int = 0
    other: Counter = field(default_factory=Counter)

    def line(self) -> str:
        """One summary line: ``warc: 1 file, 9 records: 5 pages, 1 response not 2xx, …``."""
        parts = [f"{self.pages} page{'s' * (self.pages != 1)}"]
        if self.not_ok:
            parts.append(f"{self.not_ok} response{'s' * (self.not_ok != 1)} not 2xx")
        if self.not_html:
            parts.append(f"{self.not_html} response{'s' * (self.not_html != 1)} not HTML")
        if self.other:
            parts.append("skipped " + ", ".join(f"{n} {kind}" for kind, n in sorted(self.other.items())))
        return (f"warc: {self.files} file{'s' * (self.files != 1)}, {self.records} record"
                f"{'s' * (self.records != 1)}: " + ", ".join(parts))


def is_warc_name(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def check_start(fh) -> None:
    """:class:`WarcError` ``bad_warc`` unless ``fh`` begins a WARC record (gzipped or not)."""
    head = fh.read(SNIFF_BYTES)
    start = head
    if head.startswith(b"\x1f\x8b"):
        inflate = zlib.decompressobj(wbits=31)
        try:
            start = inflate.decompress(head)
            while len(start) < len(b"WARC/") and (more := fh.read(SNIFF_BYTES)) and not inflate.eof:
                start += inflate.decompress(more)
        except zlib.error:
            start = b""
    fh.seek(0)
    if not start.startswith(b"WARC/"):
        shown = repr(start[:16]) if start else "nothing"
        raise WarcError("bad_warc", f"not a WARC file (it begins with {shown})")


def read_pages(path: Path, counts: WarcCounts) -> Iterator[WarcPage]:
    """The pages of the WARC file ``path`` (see :func:`read_archive`); ``OSError`` when it cannot be read."""
    with open(path, "rb") as fh:
        yield from read_archive(fh, counts)


def read_archive(fh: BinaryIO, counts: WarcCounts) -> Iterator[WarcPage]:
    """The pages of the WARC file open as ``fh`` (seekable), in archive order, counting every record in
    ``counts``.

    :class:`WarcError` when the file is not a WARC (``bad_warc``, before any page), or when it ends
    inside a record or a record cannot be parsed (``truncated`` / ``bad_warc``, after the pages
    before it).
    """
    from warcio.archiveiterator import ArchiveIterator

    check_start(fh)
    counts.files += 1
    records = ArchiveIterator(fh)
    number = end = 0
    while True:
        try:
            record = next(records, None)
            if record is None:
                break
            number += 1
            page = page_of(record, counts)
            end = records.get_record_offset() + records.get_record_length()
        except Truncated:
            raise WarcError("truncated", f"the archive ends inside record {number} (at byte "
                                         f"{records.get_record_offset()}); {read_before(number - 1)}") from None
        except Exception as exc:  # warcio raises whatever its parser met on a damaged record
            raise WarcError("bad_warc", f"record {number + 1} cannot be read ({type(exc).__name__}: {exc}); "
                                        f"{read_before(number)}") from None
        if page is not None:
            yield page
    fh.seek(end)
    if fh.read().strip(b"\r\n"):  # warcio stops quietly at a record cut in its headers
        raise WarcError("truncated", f"the archive ends inside record {number + 1} (at byte {end}); "
                                     f"{read_before(number)}")


def read_before(number: int) -> str:
    return f"the {number} record{'s' * (number != 1)} before it {'were' if number != 1 else 'was'} read"


def page_of(record, counts: WarcCounts) -> WarcPage | None:
    """The page a whole record holds, or None (counted by what it is instead)."""
    if record.rec_type != "response" or record.http_headers is None:
        record.raw_stream.read()
        check_complete(record)
        counts.records += 1
        counts.other[record.rec_type] += 1
        return None
    content_type = record.http_headers.get_header("Content-Type")
    status = record.http_headers.get_statuscode() or ""
    body = record.content_stream().read()
    check_complete(record)
    counts.records += 1
    if not status.startswith("2"):
        counts.not_ok += 1
        return None
    if media_type(content_type) not in PAGE_TYPES:
        counts.not_html += 1
        return None
    counts.pages += 1
    return WarcPage(record.rec_headers.get_header("WARC-Target-URI") or "", body, header_charset(content_type),
                    record.rec_headers.get_header("WARC-Date"))


class Truncated(Exception):
    """The archive ended before a record's Content-Length."""


def check_complete(record) -> None:
    if record.raw_stream.limit:
        raise Truncated


# writing ------------------------------------------------------------------------------------


def payload_digest(body: bytes) -> str:
    """``sha1:<base32>``, as ``WARC-Payload-Digest`` is written."""
    return "sha1:" + b32encode(hashlib.sha1(body).digest()).decode("ascii")


def complete_members(path: Path) -> tuple[int, set[tuple[str, str]]]:
    """Where the last whole record of a gzipped WARC file ends, and ``(target URI, payload digest)``
    of its response records. A record cut short, or a gzip member without its end, is not whole."""
    from warcio.archiveiterator import ArchiveIterator

    end = 0
    keys: set[tuple[str, str]] = set()
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        try:
            for record in records:
                record.raw_stream.read()
                if record.raw_stream.limit:
                    break
                offset, length = records.get_record_offset(), records.get_record_length()
                fh_pos = fh.tell()
                fh.seek(offset)
                whole = gzip_member_ends(fh.read(length))
                fh.seek(fh_pos)
                if not whole:
                    break
                end = offset + length
                if record.rec_type == "response":
                    keys.add((record.rec_headers.get_header("WARC-Target-URI"),
                              record.rec_headers.get_header("WARC-Payload-Digest")))
        except Exception:  # a damaged tail: what came before it stays
            pass
    return end, keys


def gzip_member_ends(data: bytes) -> bool:
    """``data`` is one whole gzip member (its trailer included)."""
    inflate = zlib.decompressobj(wbits=31)
    try:
        inflate.decompress(data)
    except zlib.error:
        return False
    return inflate.eof


class WarcAppender:
    """A gzipped WARC file appended to one record per ``write(2)`` (each record its own gzip
    member). Reopened after a kill, it is cut after its last whole record; a response whose target
    URI and payload are already in it is not written again, so a resumed crawl repeats no record. A
    write that fails (disk full) is cut back, then raised."""

    def __init__(self, path: str | Path, software: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.keys: set[tuple[str, str]] = set()
        if self.path.exists():
            end, self.keys = complete_members(self.path)
            os.truncate(self.path, end)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0
        if os.lseek(self._fd, 0, os.SEEK_END) == 0:
            self._append(lambda writer: writer.create_warcinfo_record(
                self.path.name.removesuffix(".partial"), {"software": software, "format": "WARC File Format 1.1"}))

    def write_response(self, url: str, status: int, reason: str, headers: list[tuple[str, str]], body: bytes,
                       date: str) -> bool:
        """Append one response record (False, and nothing written, when it is there already)."""
        from warcio.statusandheaders import StatusAndHeaders

        key = (url, payload_digest(body))
        if key in self.keys:
            return False
        http = StatusAndHeaders(f"{status} {reason}".strip(),
                                [(k, v) for k, v in headers if k.lower() not in FRAMING_HEADERS], protocol="HTTP/1.1")
        self._append(lambda writer: writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict={"WARC-Date": date}))
        self.keys.add(key)
        self.count += 1
        return True

    def _append(self, make_record) -> None:
        from warcio.warcwriter import WARCWriter

        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False, warc_version="1.1")
        writer.write_record(make_record(writer))
        gzip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # one gzip member for the record
        append_whole(self._fd, gzip.compress(buffer.getvalue()) + gzip.flush())

    def close(self) -> None:
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1

