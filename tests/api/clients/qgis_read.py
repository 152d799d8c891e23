"""Read the OGC API with QGIS's own OAPIF provider, headless (run by Debian's python3, which
has python3-qgis): ``qgis_read.py BASE_URL TOKEN WORKDIR [PNG]``.

Stores an authentication configuration of type Basic (user name ``qgis``, the token as
password) in a fresh QGIS authentication database under WORKDIR, loads the ``communities``,
``grids`` and ``cases`` layers through it and prints a JSON summary: validity, counts, field
names, the features inside a box (server-side bbox), and a rendered map when PNG is given.
(Without credentials QGIS would ask for them on a 401: interactive, so not tried here.)
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    base, token, workdir = sys.argv[1:4]
    png = sys.argv[4] if len(sys.argv) > 4 else None
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = os.path.join(workdir, "auth")
    os.makedirs(os.environ["QGIS_AUTH_DB_DIR_PATH"], exist_ok=True)
    from qgis.core import (
        QgsApplication,
        QgsAuthMethodConfig,
        QgsFeatureRequest,
        QgsRectangle,
        QgsVectorLayer,
    )

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    auth = QgsApplication.authManager()
    auth.setMasterPassword("gridmgr-test", True)
    config = QgsAuthMethodConfig()
    config.setName("gridmgr")
    config.setMethod("Basic")
    config.setConfig("username", "qgis")
    config.setConfig("password", token)
    stored, _ = auth.storeAuthenticationConfig(config)
    out: dict[str, object] = {"auth_stored": bool(stored)}

    def layer(name: str, authcfg: str | None) -> QgsVectorLayer:
        uri = f"url='{base}/ogc' typename='{name}' version='OGC_API_FEATURES' "
        uri += "restrictToRequestBBOX='1'"
        if authcfg:
            uri += f" authcfg='{authcfg}'"
        return QgsVectorLayer(uri, name, "OAPIF")

    layers = {}
    for name in ("communities", "grids", "cases"):
        print(f"qgis_read: loading {name}", file=sys.stderr, flush=True)
        lyr = layer(name, config.id() if name == "cases" else None)
        layers[name] = lyr
        everything = [f for f in lyr.getFeatures()] if lyr.isValid() else []
        out[name] = {
            "valid": lyr.isValid(),
            "count": lyr.featureCount(),
            "read": len(everything),
            "fields": [f.name() for f in lyr.fields()],
            "ids": sorted(str(f["code"] if name != "cases" else f.id()) for f in everything),
        }
    cases = layers["cases"]
    if cases.isValid():
        first = next(cases.getFeatures(QgsFeatureRequest().setLimit(1)), None)
        if first is not None:
            out["first_case"] = {
                k: (None if first[k] is None else str(first[k]))
                for k in ("status", "assignee_name", "flags", "location_lon")
            }
        print("qgis_read: cases in a box", file=sys.stderr, flush=True)
        box = [float(v) for v in os.environ.get("GRIDMGR_QGIS_BOX", "0,0,0,0").split(",")]
        request = QgsFeatureRequest().setFilterRect(QgsRectangle(*box))
        out["in_box"] = sorted(f.id() for f in cases.getFeatures(request))
    if png:
        render(layers, png)
        out["png"] = png
    print(json.dumps(out, ensure_ascii=False), flush=True)
    # QGIS 3.22 may crash while tearing down its network threads at exit: the summary is out,
    # so leave without the teardown.
    os._exit(0)


def render(layers: dict[str, object], png: str) -> None:
    """A map of the open cases (by status) over the grids and communities, 1200 x 900."""
    from qgis.core import (
        QgsCategorizedSymbolRenderer,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsMarkerSymbol,
        QgsRendererCategory,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    comms, grids, cases = (layers[n] for n in ("communities", "grids", "cases"))
    for lyr, fill, outline, width in (
        (grids, "255,255,255,0", "150,150,150", "0.1"),
        (comms, "255,255,255,0", "40,40,40", "0.5"),
    ):
        symbol = lyr.renderer().symbol()  # type: ignore[attr-defined]
        symbol.symbolLayer(0).setFillColor(QColor(*map(int, fill.split(","))))
        symbol.symbolLayer(0).setStrokeColor(QColor(*map(int, outline.split(","))))
        symbol.symbolLayer(0).setStrokeWidth(float(width))
    colours = {
        "reported": "#e41a1c",
        "registered": "#ff7f00",
        "dispatched": "#377eb8",
        "suspended": "#984ea3",
        "closed": "#4daf4a",
        "rejected": "#999999",
    }
    categories = []
    for status, colour in colours.items():
        marker = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "size": "1.6"})
        marker.symbolLayer(0).setStrokeStyle(0)
        categories.append(QgsRendererCategory(status, marker, status))
    cases.setRenderer(QgsCategorizedSymbolRenderer("status", categories))  # type: ignore[attr-defined]
    cases.setSubsetString("status NOT IN ('closed', 'rejected')")  # type: ignore[attr-defined]
    settings = QgsMapSettings()
    settings.setLayers([cases, grids, comms])
    settings.setBackgroundColor(QColor(255, 255, 255))
    settings.setOutputSize(QSize(1200, 900))
    settings.setDestinationCrs(comms.crs())  # type: ignore[attr-defined]
    extent = comms.extent()  # type: ignore[attr-defined]
    extent.scale(1.05)
    settings.setExtent(extent)
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "png")


if __name__ == "__main__":
    main()
