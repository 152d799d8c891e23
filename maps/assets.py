"""The pages' scripts and stylesheets, served by gridmgr or inlined: never from a CDN.

folium and branca link Leaflet, its plugins and d3 from CDNs. ``localize(m)`` points every
link of one map at gridmgr's own copies in data/assets/ (see its README.md; fetched from
pinned npm and PyPI releases by ``python -m maps.vendor_assets``):

* ``asset_base="/static/maps"`` (default): ``<script src="/static/maps/leaflet/leaflet.js">``;
  the server mounts ``asset_dir()`` there (``StaticFiles``); ``asset_files()`` lists the files.
* ``inline=True``: the files' text goes into the page (images in stylesheets as data: URIs),
  so a page written to disk opens with no server and no network.

Only the map instance's and each plugin instance's ``default_js``/``default_css`` lists are
replaced, never the classes' shared lists. The map itself keeps only Leaflet: the pages use
no jQuery, Bootstrap, Font Awesome or awesome-markers (no popups, no ``folium.Icon``). A link
added while rendering (branca's colormap adds d3 under the header name "d3") is replaced in
a last pass over the page header, which also refuses any link it has no local copy for.
"""

from __future__ import annotations

import base64
import functools
import json
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin

from geo.bundled import DATA_DIR

ASSET_BASE = "/static/maps"
MANIFEST = "manifest.json"

# The header names folium 0.20 and branca 0.8 give their links -> our file for each.
LOCAL_FILES = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "markerclusterjs": "leaflet.markercluster/leaflet.markercluster.js",
    "markerclustercss": "leaflet.markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/MarkerCluster.Default.css",
    "leaflet-heat.js": "leaflet.heat/leaflet-heat.min.js",
    "Control.Fullscreen.js": "leaflet.fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
    "Leaflet.Search.js": "leaflet-search/dist/leaflet-search.min.js",
    "Leaflet.Search.css": "leaflet-search/dist/leaflet-search.min.css",
    "d3": "d3/d3.min.js",
}
MAP_JS = ("leaflet",)  # what the map itself needs: no jQuery, Bootstrap or awesome-markers
MAP_CSS = ("leaflet_css",)
INLINE_ATTR = "data-gridmgr-asset"  # marks an inlined file's <script> or <style>
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def asset_dir() -> Path:
    """The directory holding the asset files (data/assets/), to mount at ``ASSET_BASE``."""
    return DATA_DIR / "assets"


@functools.cache
def manifest() -> tuple[dict, ...]:
    """Entries of data/assets/manifest.json: file, package, version, registry, source, sha256."""
    with open(asset_dir() / MANIFEST, encoding="utf-8") as fh:
        return tuple(json.load(fh))


def asset_files() -> list[str]:
    """Paths (relative to ``asset_dir()``, "/"-separated) of every file the pages may load."""
    return [entry["file"] for entry in manifest()]


def asset_url(name: str, asset_base: str = ASSET_BASE) -> str:
    """URL of the local copy of the link folium or branca calls ``name``."""
    try:
        return f"{asset_base.rstrip('/')}/{LOCAL_FILES[name]}"
    except KeyError:
        raise ValueError(f"page asset {name!r} has no local copy in data/assets") from None


class RawHtml(Element):
    """Text put into the page as it is (not read as a Jinja template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


@functools.cache
def _file_text(rel: str) -> str:
    return (asset_dir() / rel).read_text(encoding="utf-8")


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@functools.cache
def inline_html(name: str) -> str:
    """The local copy of ``name`` as a ``<script>`` or ``<style>`` element."""
    rel = LOCAL_FILES[name]
    text = _file_text(rel)
    if rel.endswith(".js"):
        code = text.replace("</script", "<\\/script")
        return f'<script {INLINE_ATTR}="{rel}">\n{code}\n</script>'
    folder = PurePosixPath(rel).parent

    def embed(match: re.Match) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")) or "://" in target:
            return match.group(0)
        return f'url("{_data_uri(asset_dir() / (folder / target).as_posix())}")'

    return f'<style {INLINE_ATTR}="{rel}">\n{_CSS_URL.sub(embed, text)}\n</style>'


def _elements(root):
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        stack.extend(element._children.values())


def figure_of(element: Element) -> Figure:
    """The branca Figure (the page) ``element`` belongs to; TypeError if it has none."""
    figure = element.get_root()
    if not isinstance(figure, Figure):
        raise TypeError(f"{type(element).__name__} must belong to a branca Figure")
    return figure


class _LocalAssets(Element):
    """Last step of rendering: every header link becomes a local link or an inlined file."""

    def __init__(self, inline: bool, asset_base: str) -> None:
        super().__init__()
        self._name = "LocalAssets"
        self.inline = inline
        self.asset_base = asset_base

    def render(self, **kwargs) -> str:
        header = figure_of(self).header
        for name, child in list(header._children.items()):
            if not isinstance(child, JavascriptLink | CssLink):
                continue
            if self.inline:
                header._children[name] = RawHtml(inline_html(name))
            elif isinstance(child, JavascriptLink):
                header._children[name] = JavascriptLink(asset_url(name, self.asset_base))
            else:
                header._children[name] = CssLink(asset_url(name, self.asset_base))
        return ""


def localize(m: folium.Map, *, inline: bool = False, asset_base: str = ASSET_BASE) -> folium.Map:
    """Make ``m``'s page load its scripts and stylesheets from gridmgr only (see module doc).

    Call it once the map has all its layers and plugins (elements added later are still
    covered by the last pass, but keep their CDN names in their own lists). Returns ``m``.
    """
    for element in _elements(m):
        if isinstance(element, folium.Popup | folium.Icon):
            raise ValueError(
                f"{type(element).__name__} needs jQuery or awesome-markers, which "
                "the map pages do not load; use a Tooltip or a DivIcon"
            )
        names_js: Sequence[str]
        names_css: Sequence[str]
        if isinstance(element, folium.Map):
            names_js, names_css = MAP_JS, MAP_CSS
        elif isinstance(element, JSCSSMixin):
            names_js = [name for name, _ in element.default_js]
            names_css = [name for name, _ in element.default_css]
        else:
            continue
        element.default_js = [(name, asset_url(name, asset_base)) for name in names_js]
        element.default_css = [(name, asset_url(name, asset_base)) for name in names_css]
    figure_of(m).add_child(_LocalAssets(inline, asset_base), name="gridmgr_local_assets")
    return m
