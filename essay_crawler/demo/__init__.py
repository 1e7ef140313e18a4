"""A bundled essay site served on 127.0.0.1, for demos and end-to-end tests without network.

``demo_server()`` returns a :class:`SiteServer` serving :func:`build_site`; :func:`expected_articles`
and :func:`expected_errors` describe exactly what crawling it must produce.
"""
from .server import NOT_FOUND, Route, SiteServer
from .site import (
                   alias_urls,
                   build_site,
                   demo_server,
                   disallowed_urls,
                   expected_articles,
                   expected_errors,
)

__all__ = ["NOT_FOUND", "Route", "SiteServer", "alias_urls", "build_site", "demo_server",
           "disallowed_urls", "expected_articles", "expected_errors"]
