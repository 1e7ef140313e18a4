"""A small threaded HTTP/1.1 server on 127.0.0.1 that serves a fixed table of routes.

Usage::

    with SiteServer({"/a.html": Route.page(b"<p>hi</p>")}) as srv:
        urllib.request.urlopen(srv.url("/a.html"))

Routes may be added after construction (``srv.routes[path] = route``): the port is bound
in ``__init__``, so ``srv.base_url`` is known before any page is rendered.

Besides pages, routes can misbehave the way real sites do, for fault-handling tests:
:meth:`Route.redirect`, :meth:`Route.hang`, :meth:`Route.stall`, :meth:`Route.reset`,
:meth:`Route.truncated`, :meth:`Route.unsized` and :meth:`Route.sequence` (a different answer
per attempt, e.g. two 500s and then the page).
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

#: A custom responder: receives the request handler and writes the whole response itself
#: (status line, headers, body), or misbehaves on purpose (drop the connection, stall, …).
Responder = Callable[[BaseHTTPRequestHandler], None]


@dataclass(frozen=True)
class Route:
    """What the server answers for one path."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering
    handler: Responder | None = None  # when set, replaces status/headers/body

    @classmethod
    def page(cls, body: bytes, content_type: str = "text/html; charset=utf-8", *,
             status: int = 200, delay: float = 0.0) -> Route:
        """A route answering ``body`` with the given Content-Type."""
        return cls(status=status, headers={"Content-Type": content_type}, body=body, delay=delay)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Route:
        """A redirect to ``location`` (two of these pointing at each other make a loop)."""
        return cls(status=status, headers={"Location": location, "Content-Type": "text/html"})

    @classmethod
    def hang(cls, seconds: float) -> Route:
        """Accept the request, send nothing for ``seconds``, then drop the connection."""
        def responder(req: BaseHTTPRequestHandler) -> None:
            time.sleep(seconds)
            req.close_connection = True
        return cls(handler=responder)

    @classmethod
    def stall(cls, body: bytes, seconds: float, content_type: str = "text/html; charset=utf-8") -> Route:
        """Send the headers and the first half of ``body``, then nothing for ``seconds``."""
        def responder(req: BaseHTTPRequestHandler) -> None:
            _send_head(req, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
            req.wfile.write(body[: len(body) // 2])
            req.wfile.flush()
            time.sleep(seconds)
            req.close_connection = True
        return cls(handler=responder)

    @classmethod
    def reset(cls) -> Route:
        """Read the request, then abort the connection with a TCP RST (SO_LINGER 0) and no answer."""
        def responder(req: BaseHTTPRequestHandler) -> None:
            req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            req.connection.close()
            req.close_connection = True
        return cls(handler=responder)

    @classmethod
    def truncated(cls, body: bytes, missing: int, content_type: str = "text/html; charset=utf-8") -> Route:
        """Declare ``len(body) + missing`` bytes in Content-Length, send ``body`` and close."""
        def responder(req: BaseHTTPRequestHandler) -> None:
            _send_head(req, 200, {"Content-Type": content_type, "Content-Length": str(len(body) + missing)})
            req.wfile.write(body)
            req.close_connection = True
        return cls(handler=responder)

    @classmethod
    def unsized(cls, body: bytes, content_type: str = "text/html; charset=utf-8") -> Route:
        """Send ``body`` without Content-Length; its end is the connection closing."""
        def responder(req: BaseHTTPRequestHandler) -> None:
            _send_head(req, 200, {"Content-Type": content_type, "Connection": "close"})
            req.wfile.write(body)
            req.close_connection = True
        return cls(handler=responder)

    @classmethod
    def sequence(cls, *routes: Route) -> Route:
        """Answer the n-th request like ``routes[n]``; the last route answers every later request."""
        served = iter(range(len(routes) - 1))

        def responder(req: BaseHTTPRequestHandler) -> None:
            serve(req, routes[next(served, len(routes) - 1)])
        return cls(handler=responder)


NOT_FOUND = Route.page(
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
    "<body><h1>404 Not Found</h1><p>页面不存在。</p></body></html>".encode(),
    status=404,
)


def _send_head(req: BaseHTTPRequestHandler, status: int, headers: Mapping[str, str]) -> None:
    req.send_response(status)
    for name, value in headers.items():
        req.send_header(name, value)
    req.end_headers()


def serve(req: BaseHTTPRequestHandler, route: Route) -> None:
    """Answer the request being handled by ``req`` as ``route`` says (no body for HEAD)."""
    if route.delay:
        time.sleep(route.delay)
    if route.handler is not None:
        route.handler(req)
        return
    _send_head(req, route.status, {**route.headers, "Content-Length": str(len(route.body))})
    if req.command != "HEAD":
        req.wfile.write(route.body)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "essay-crawler-site/1"

    def do_GET(self) -> None:
        self._answer()

    do_HEAD = do_GET

    def _answer(self) -> None:
        site: SiteServer = self.server.site  # type: ignore[attr-defined]
        site.requests.append(self.path)
        serve(self, site.route_for(self.path))

    def log_message(self, format: str, *args) -> None:  # the stdlib signature
        """Stay quiet."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a crawler opens many connections at once; the default 5 drops some

    def handle_error(self, request, client_address) -> None:
        """Ignore clients that hang up mid-response; nothing else is expected to fail."""


class SiteServer:
    """Serve ``routes`` (path → :class:`Route`) on ``host`` at an ephemeral port in a thread.

    A request target is looked up with its query string first, then by path alone; unknown
    targets get :data:`NOT_FOUND`. Every request target is appended to ``requests``.
    """

    def __init__(self, routes: Mapping[str, Route] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0):
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[str] = []
        self._httpd = _QuietServer((host, port), _Handler)
        self._httpd.site = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        host, port = self._httpd.server_address[:2]
        assert isinstance(host, str)  # getsockname() of an AF_INET socket gives the host as a str
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of a root-relative ``path``."""
        return self.base_url + path

    def route_for(self, target: str) -> Route:
        """The route answering a request target (``/path?query``)."""
        if target in self.routes:
            return self.routes[target]
        return self.routes.get(urlsplit(target).path, NOT_FOUND)

    def start(self) -> SiteServer:
        """Start answering requests in a background thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="site-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
