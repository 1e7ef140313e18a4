"""Fast link extraction from raw page bytes (no parse), and URL classification."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

# The href attribute of an <a> tag: quoted attribute values before it are skipped whole (they may hold
# ">" or "href="), and "data-href" and the like do not count. Matched only from an "<a " found by
# _A_START and within MAX_TAG_BYTES of it, and an unquoted "<" ends the tag: every match attempt is
# bounded, so a page of unclosed "<a x" tags costs linear time, not quadratic.
_A_START = re.compile(rb"<a\s", re.IGNORECASE)
_HREF = re.compile(rb"""<a\s(?:[^<>"']|"[^"]*"|'[^']*')*?(?<=[\s"'])href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                   re.IGNORECASE)
_BASE = re.compile(rb"""<base\s[^<>]{0,2048}?\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
#: Bounds on link finding per page: bytes of one <a> tag looked at, and <a> tags looked at.
MAX_TAG_BYTES = 2048
MAX_ANCHORS = 20_000
# Character references a browser decodes in an href: &amp; and numeric ones. Named references such as
# "&copy" are left alone; in a query string ("?a=1&copy=2") they are parameter names, not characters.
_CHAR_REF = re.compile(r"&(?:amp;|#(\d{1,7});?|#[xX]([0-9a-fA-F]{1,6});?)")
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")
SKIP_EXTENSIONS = frozenset(
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".ico", ".svg", ".css", ".js", ".json", ".xml", ".pdf", ".zip", ".rar", ".7z", ".gz", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".mp3", ".mp4", ".avi", ".flv", ".swf", ".exe", ".apk", ".dmg", ".iso", ".woff", ".woff2", ".ttf"])


def _decode(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding).strip()
    except (UnicodeDecodeError, LookupError):
        return raw.decode("utf-8", "replace").strip()


def _char(m: re.Match) -> str:
    if m.group(1) is None and m.group(2) is None:
        return "&"
    code = int(m.group(1), 10) if m.group(1) is not None else int(m.group(2), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def unescape_href(href: str) -> str:
    """An href as the browser reads it: ``&amp;`` and numeric character references decoded."""
    return _CHAR_REF.sub(_char, href) if "&" in href else href


def raw_hrefs(body: bytes) -> list[bytes]:
    """The raw href values of the first :data:`MAX_ANCHORS` ``<a>`` tags, in page order."""
    hrefs = []
    for n, start in enumerate(_A_START.finditer(body)):
        if n == MAX_ANCHORS:
            break
        m = _HREF.match(body, start.start(), start.start() + MAX_TAG_BYTES)
        if m:
            hrefs.append(m.group(1) or m.group(2) or m.group(3) or b"")
    return hrefs


def extract_links(body: bytes, page_url: str, encoding: str = "utf-8") -> list[str]:
    """Absolute http(s) URLs of the ``<a href>`` links in a page, fragment removed, in page order,
    without static assets (bounded work per page: see :func:`raw_hrefs`)."""
    base = _BASE.search(body)
    base_url = urljoin(page_url, unescape_href(_decode(base.group(1), encoding))) if base else page_url
    seen: set[str] = set()
    links = []
    hrefs = dict.fromkeys(raw_hrefs(body))
    for raw in hrefs:
        href = unescape_href(_decode(raw, encoding))
        if not href or href.lower().startswith(SKIP_SCHEMES):
            continue
        parts = urlsplit(urljoin(base_url, href))
        if parts.scheme not in ("http", "https"):
            continue
        path = parts.path.lower()
        if path[path.rfind("."):] in SKIP_EXTENSIONS and "." in path.rsplit("/", 1)[-1]:
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        if url not in seen:
            seen.add(url)
            links.append(url)
    return links


DEFAULT_PORTS = {"http": 80, "https": 443}


def host_and_port(url: str) -> str:
    """``host``, or ``host:port`` when the URL names a port other than its scheme's: a site (another
    port is another site).

    >>> [host_and_port(u) for u in ("http://WWW.Example.cn/a", "http://127.0.0.1:8737/", "https://x.cn:443/")]
    ['www.example.cn', '127.0.0.1:8737', 'x.cn']
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    return f"{host}:{port}" if port and port != DEFAULT_PORTS.get(parts.scheme) else host


def host_with_port(url: str) -> str:
    """``host:port`` of a URL, its scheme's port when it names none (for :func:`host_allowed`).

    >>> host_with_port("https://www.example.cn/a")
    'www.example.cn:443'
    """
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"


def host_allowed(url: str, domains: tuple[str, ...]) -> bool:
    """Whether a URL's host is one of ``domains`` or a subdomain of one. A domain given with a port
    (``127.0.0.1:8000``, as a start URL's netloc) allows that port only; one without, any port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    for domain in domains:
        name, _, wanted = domain.rpartition(":") if domain.rpartition(":")[2].isdigit() else (domain, "", "")
        if (host == name or host.endswith("." + name)) and (not wanted or int(wanted) == port):
            return True
    return False
