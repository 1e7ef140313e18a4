"""Generated WARC files for the corpus tests and benchmark: our generated essay pages
(benchmarks/pagegen.py) as HTTP responses, with planted exact and near copies."""
from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import pagegen


@dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    charset: str | None  # the HTTP header's


def page_of(spec: pagegen.PageSpec, host: str = "www.corpus.example") -> Page:
    """A generated page served at its canonical URL (or one on ``host``), its charset in the header
    when the page declares it."""
    url = spec.url or f"https://{host}/{spec.path}"
    return Page(url, spec.body, spec.encoding if spec.charset_declared else None)


def copy_of(page: Page, url: str) -> Page:
    """The same page at another URL (pages with a canonical link would name the same URL)."""
    return Page(url, page.body, page.charset)


def near_copy_of(page: Page, url: str) -> Page:
    """The page with every other 的 written 地 (a UTF-8 page): each piece keeps 3/4 of its shingles or so."""
    parts = page.body.split("的".encode())
    body = parts[0] + b"".join(("的" if n % 2 else "地").encode() + part for n, part in enumerate(parts[1:]))
    return Page(url, body, page.charset)


def write_warc(path: Path, pages: list[Page], *, extras: bool = True) -> Path:
    """A gzipped WARC of a response record per page; with ``extras``, also a request record before
    each, an image response and a revisit record, which the reader skips."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        for number, page in enumerate(pages):
            if extras:
                request = StatusAndHeaders(f"GET /{number} HTTP/1.1", [("Host", "www.corpus.example")], is_http_request=True)
                writer.write_record(writer.create_warc_record(page.url, "request", http_headers=request))
            content_type = "text/html" + (f"; charset={page.charset}" if page.charset else "")
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body),
                                                          http_headers=headers))
            if extras and number == 0:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"{page.url}.png", "response",
                                                              payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(64)),
                                                              http_headers=image))
                writer.write_record(writer.create_revisit_record(page.url, digest="sha1:AAAA", refers_to_uri=page.url,
                                                                 refers_to_date="2026-12-01T00:00:00Z"))
    return path
