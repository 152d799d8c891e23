"""Re-fetch the map pages' (and API docs') scripts, stylesheets and images into data/assets/.

Run ``python -m maps.vendor_assets`` (needs ``npm`` and ``pip``, and the npm registry and
PyPI). Every file comes from one pinned package release: the npm registry (``npm pack
NAME@VERSION``) or PyPI (``pip download NAME==VERSION``); nothing is taken from a CDN. The
script writes the files, ``manifest.json`` (package, version, registry, source path, SHA-256)
and the table in ``README.md``. The pages never fetch anything at run time: gridmgr serves
these files itself (maps.assets) or inlines them into the page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from maps.assets import MANIFEST, asset_dir


@dataclass(frozen=True)
class Source:
    registry: str  # "npm" or "pypi"
    package: str
    version: str
    files: dict[str, str]  # path inside the package -> path under data/assets
    note: str = ""


class ManifestEntry(TypedDict):
    """One file of manifest.json: where it lives under data/assets and where it came from."""

    file: str  # path under data/assets
    package: str
    version: str
    registry: str
    source: str  # path inside the package
    sha256: str
    bytes: int


SOURCES = (
    Source(
        "npm",
        "leaflet",
        "1.9.3",
        {
            "package/dist/leaflet.js": "leaflet/leaflet.js",
            "package/dist/leaflet.css": "leaflet/leaflet.css",
            "package/dist/images/layers.png": "leaflet/images/layers.png",
            "package/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "package/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "package/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "package/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
            "package/LICENSE": "leaflet/LICENSE",
        },
        "folium 0.20's Leaflet; the same bytes as PyPI xstatic-leaflet 1.9.3.0",
    ),
    Source(
        "npm",
        "leaflet.markercluster",
        "1.5.3",
        {
            "package/dist/leaflet.markercluster.js": (
                "leaflet.markercluster/leaflet.markercluster.js"
            ),
            "package/dist/MarkerCluster.css": "leaflet.markercluster/MarkerCluster.css",
            "package/dist/MarkerCluster.Default.css": (
                "leaflet.markercluster/MarkerCluster.Default.css"
            ),
            "package/MIT-LICENCE.txt": "leaflet.markercluster/MIT-LICENCE.txt",
        },
        "folium.plugins.MarkerCluster / FastMarkerCluster",
    ),
    Source(
        "npm",
        "leaflet.fullscreen",
        "3.0.0",
        {
            "package/Control.FullScreen.js": "leaflet.fullscreen/Control.FullScreen.js",
            "package/Control.FullScreen.css": "leaflet.fullscreen/Control.FullScreen.css",
            "package/icon-fullscreen.svg": "leaflet.fullscreen/icon-fullscreen.svg",
            "package/LICENSE": "leaflet.fullscreen/LICENSE",
        },
        "folium.plugins.Fullscreen (the version folium 0.20 names)",
    ),
    Source(
        "npm",
        "leaflet-search",
        "2.9.7",
        {
            "package/dist/leaflet-search.min.js": "leaflet-search/dist/leaflet-search.min.js",
            "package/dist/leaflet-search.min.css": "leaflet-search/dist/leaflet-search.min.css",
            "package/images/search-icon.png": "leaflet-search/images/search-icon.png",
            "package/images/loader.gif": "leaflet-search/images/loader.gif",
            "package/license.txt": "leaflet-search/license.txt",
        },
        "folium.plugins.Search (the version folium 0.20 names)",
    ),
    Source(
        "npm",
        "d3",
        "3.5.17",
        {
            "package/d3.min.js": "d3/d3.min.js",
            "package/LICENSE": "d3/LICENSE",
        },
        "branca's colormap legend (d3 v3 API; branca names 3.5.5)",
    ),
    Source(
        "pypi",
        "folium",
        "0.20.0",
        {
            "folium/templates/leaflet_heat.min.js": "leaflet.heat/leaflet-heat.min.js",
            "folium-0.20.0.dist-info/licenses/LICENSE.txt": "leaflet.heat/LICENSE.folium.txt",
        },
        "folium.plugins.HeatMap: Leaflet.heat 0.2.0 with folium's weights patch",
    ),
    Source(
        "npm",
        "leaflet.heat",
        "0.2.0",
        {
            "package/LICENSE": "leaflet.heat/LICENSE",
        },
        "licence of Leaflet.heat, whose code folium's copy is",
    ),
    Source(
        "npm",
        "swagger-ui-dist",
        "5.36.0",
        {
            "package/swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
            "package/swagger-ui.css": "swagger-ui/swagger-ui.css",
            "package/favicon-32x32.png": "swagger-ui/favicon-32x32.png",
            "package/LICENSE": "swagger-ui/LICENSE",
            "package/NOTICE": "swagger-ui/NOTICE",
            "package/swagger-ui-bundle.js.LICENSE.txt": (
                "swagger-ui/swagger-ui-bundle.js.LICENSE.txt"
            ),
        },
        "the API's interactive docs at /docs (api.apidocs)",
    ),
    Source(
        "npm",
        "redoc",
        "2.5.4",
        {
            "package/bundles/redoc.standalone.js": "redoc/redoc.standalone.js",
            "package/LICENSE": "redoc/LICENSE",
        },
        "the API's reference at /redoc (api.apidocs)",
    ),
)


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr.strip()}")


def _tar_member(tar: tarfile.TarFile, path: str) -> bytes:
    """The bytes of the regular file ``path`` in ``tar``."""
    member = tar.extractfile(path)
    if member is None:
        raise SystemExit(f"{path} in the package is not a regular file")
    return member.read()


def _fetch(source: Source, work: Path) -> dict[str, bytes]:
    """The wanted files of one package release, by their path inside the package."""
    spec = f"{source.package}@{source.version}"
    if source.registry == "npm":
        _run(["npm", "pack", "--silent", spec], work)
        name = source.package.replace("@", "").replace("/", "-")
        with tarfile.open(work / f"{name}-{source.version}.tgz") as tar:
            return {path: _tar_member(tar, path) for path in source.files}
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(work),
            f"{source.package}=={source.version}",
        ],
        work,
    )
    wheel = next(work.glob(f"{source.package.replace('-', '_')}-{source.version}-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        return {path: zf.read(path) for path in source.files}


def _readme(entries: list[ManifestEntry]) -> str:
    lines = [
        "# Map assets",
        "",
        "Scripts, stylesheets and images of the map pages (maps/) and of the API's docs",
        "(`/docs`, `/redoc`), served by gridmgr at `/static/maps/`, or inlined into a map",
        "written with `inline=True`. Each file is",
        "unchanged from the package release named; the licence files are the packages' own.",
        "Re-fetch them all with `python -m maps.vendor_assets` (npm and pip); `manifest.json`",
        "holds the SHA-256 of every file, checked by tests/maps.",
        "",
        "| package | version | registry | file | source (path in the package) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        lines.append(
            f"| {e['package']} | {e['version']} | {e['registry']} | `{e['file']}` "
            f"| `{e['source']}` |"
        )
    lines += ["", "## Why each package", ""]
    for s in SOURCES:
        lines.append(f"- {s.package} {s.version} ({s.registry}): {s.note}.")
    return "\n".join(lines) + "\n"


def vendor(dest: Path) -> list[ManifestEntry]:
    """Fetch every source into ``dest``; write manifest.json and README.md; return entries."""
    entries: list[ManifestEntry] = []
    with tempfile.TemporaryDirectory(prefix="gridmgr-assets-") as tmp:
        for i, source in enumerate(SOURCES):
            work = Path(tmp) / str(i)
            work.mkdir()
            for inner, data in _fetch(source, work).items():
                target = dest / source.files[inner]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                entries.append(
                    {
                        "file": source.files[inner],
                        "package": source.package,
                        "version": source.version,
                        "registry": source.registry,
                        "source": inner,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                )
    entries.sort(key=lambda e: e["file"])
    (dest / MANIFEST).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    (dest / "README.md").write_text(_readme(entries), encoding="utf-8")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dest", type=Path, default=asset_dir(), help="target directory (default: data/assets)"
    )
    parser.add_argument(
        "--clean",
        action="store_true",
        help="remove the target's files first (README.md is rewritten anyway)",
    )
    args = parser.parse_args(argv)
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed (Debian: apt-get install npm)")
    if args.clean and args.dest.exists():
        shutil.rmtree(args.dest)
    args.dest.mkdir(parents=True, exist_ok=True)
    entries = vendor(args.dest)
    print(f"{len(entries)} files, {sum(e['bytes'] for e in entries):,} bytes in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
