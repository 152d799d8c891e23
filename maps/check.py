"""Checks that a page names no outside host but its basemap's tile server.

A page's scripts and stylesheets are gridmgr's own (maps.assets); the only URLs left are
the tile templates. The text of inlined library files (marked ``data-gridmgr-asset``) is
left out of the scan: it holds namespace names (``http://www.w3.org/2000/svg``) and links in
comments, which are never fetched.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from maps.assets import INLINE_ATTR
from maps.basemaps import tile_hosts

URL = re.compile(r"""https?://[^\s"'<>()\\]+""")
_INLINED = re.compile(rf"<(script|style) {INLINE_ATTR}=\"[^\"]*\">.*?</\1>", re.S)


def without_inlined(html: str) -> str:
    """The page less the text of inlined library files (their elements are kept, empty)."""
    return _INLINED.sub(lambda m: f"<{m.group(1)}></{m.group(1)}>", html)


def page_urls(html: str) -> list[str]:
    """Every http(s) URL in the page outside inlined library files, in order."""
    return URL.findall(without_inlined(html))


def external_urls(html: str, basemap: str) -> list[str]:
    """URLs in the page whose host is not one of ``basemap``'s tile hosts (none for "none")."""
    hosts = tile_hosts(basemap)
    return [
        url
        for url in page_urls(html)
        if not any(h.fullmatch(urlsplit(url).hostname or "") for h in hosts)
    ]
