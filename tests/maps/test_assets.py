"""The vendored assets: complete, unchanged since fetched, licensed, and inlined correctly."""

from __future__ import annotations

import hashlib
import re

import folium
import pytest
from folium.plugins import MiniMap

from maps import workload_map
from maps.assets import LOCAL_FILES, asset_dir, asset_files, inline_html, localize, manifest
from maps.check import URL, external_urls

# URLs inside the vendored files that a page never fetches: XML namespace names, and links in
# licence banners and comments. Leaflet's own attribution link is replaced (plain "Leaflet").
NOT_FETCHED = re.compile(
    r"http://www\.w3\.org/[\w/.#-]*"
    r"|https://leafletjs\.com"
    r"|https://github\.com/[\w./-]+"
    r"|https://leaflet\.github\.io/Leaflet\.heat/dist/leaflet-heat\.js"
    r"|https://bugzilla\.mozilla\.org/show_bug\.cgi\?id=\d+"
    r"|http://www\.sitepoint\.com/html5-full-screen-api/"
    r"|http://labs\.easyblog\.it/[\w/-]*"
)


def test_manifest_matches_the_files():
    entries = manifest()
    assert entries, "data/assets/manifest.json is empty"
    for entry in entries:
        data = (asset_dir() / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert len(data) == entry["bytes"]
        assert entry["registry"] in ("npm", "pypi") and entry["version"][0].isdigit()


def test_every_linked_file_is_vendored_with_its_licence():
    files = set(asset_files())
    assert set(LOCAL_FILES.values()) <= files
    for rel in LOCAL_FILES.values():
        folder = rel.split("/")[0]
        assert any(
            f.startswith(folder + "/") and re.search(r"licen[cs]e", f, re.I) for f in files
        ), f"no licence file for {folder}"
    readme = (asset_dir() / "README.md").read_text(encoding="utf-8")
    for entry in manifest():
        assert f"`{entry['file']}`" in readme


def test_vendored_files_fetch_nothing():
    for rel in LOCAL_FILES.values():
        text = (asset_dir() / rel).read_text(encoding="utf-8")
        for url in URL.findall(text):
            assert NOT_FETCHED.fullmatch(url.rstrip(".")), f"{rel}: {url}"
        if rel.endswith(".css"):
            for target in re.findall(r"""url\(\s*['"]?([^'")]+)""", text):
                assert "://" not in target, f"{rel} loads {target}"


def test_inlined_stylesheets_embed_their_images():
    css = inline_html("leaflet_css")
    assert css.startswith('<style data-gridmgr-asset="leaflet/leaflet.css">')
    assert "url(images/" not in css
    assert 'url("data:image/png;base64,' in css
    search = inline_html("Leaflet.Search.css")
    assert "../images/" not in search and "data:image/png;base64," in search
    fullscreen = inline_html("Control.FullScreen.css")
    assert "data:image/svg+xml;base64," in fullscreen
    js = inline_html("leaflet")
    assert js.startswith('<script data-gridmgr-asset="leaflet/leaflet.js">')
    assert "</script" not in js[len("<script") : -len("</script>")]


def test_a_link_without_a_local_copy_is_refused():
    m = folium.Map(tiles=None)
    MiniMap().add_to(m)  # its plugin script is not vendored
    with pytest.raises(ValueError, match="no local copy"):
        localize(m)
    m = folium.Map(tiles=None)
    folium.Marker([26.58, 106.71], popup="x").add_to(m)
    with pytest.raises(ValueError, match="Popup needs jQuery"):
        localize(m)


def test_a_page_from_nothing_still_renders():
    html = workload_map([], [], {}, basemap="none").get_root().render()
    assert "L.map(" in html and external_urls(html, "none") == []
