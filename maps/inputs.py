"""The data the maps are handed, brought to one shape. Maps never query the store.

Polygons come as a GeoDataFrame (EPSG:4326, e.g. from geo.boundaries.read.read_boundary_set), a
GeoJSON FeatureCollection or a list of GeoJSON Features (EPSG:4326, as api.boundary_cache
builds them). Points (cases, facilities, sites) are WGS84 lon, lat degrees. Nothing handed
in is changed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely


@dataclass
class Polygons:
    """Geometries (WGS84 shapely array) and their properties (plain dicts), in input order."""

    geoms: np.ndarray
    props: list[dict]

    def __len__(self) -> int:
        return len(self.props)

    def subset(self, keep) -> Polygons:
        keep = np.asarray(keep, dtype=bool)
        return Polygons(self.geoms[keep], [p for p, k in zip(self.props, keep, strict=True) if k])


def plain(value: Any) -> Any:
    """A numpy scalar as a Python one, NaN as None; anything else as it is."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def polygons(data: Any) -> Polygons:
    """Polygons from a GeoDataFrame, a FeatureCollection, a Feature or a list of Features;
    a :class:`Polygons` is taken as it is (maps read it, never change it)."""
    if isinstance(data, Polygons):
        return data
    if hasattr(data, "geometry") and hasattr(data, "columns"):  # a GeoDataFrame
        if data.crs is not None and data.crs != "EPSG:4326":
            data = data.to_crs("EPSG:4326")
        columns = [c for c in data.columns if c != data.geometry.name]
        props = [
            {k: plain(v) for k, v in zip(columns, row, strict=True)}
            for row in data[columns].itertuples(index=False, name=None)
        ]
        return Polygons(np.asarray(data.geometry.values, dtype=object), props)
    if isinstance(data, Mapping):
        if data.get("type") == "FeatureCollection":
            data = data["features"]
        elif data.get("type") == "Feature":
            data = [data]
        else:
            raise TypeError("expected a GeoJSON Feature or FeatureCollection")
    features = [f for f in data if f.get("geometry")]  # nothing to draw without one
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    props = [{**(f.get("properties") or {})} for f in features]
    for f, p in zip(features, props, strict=True):
        if "code" not in p and f.get("id") is not None:
            p["code"] = str(f["id"])
    return Polygons(geoms, props)


def as_dict(row: Any) -> dict:
    """A report row, a dataclass (WorkloadRow, Facility...) or a mapping as a plain dict."""
    if isinstance(row, Mapping):
        return dict(row)
    if hasattr(row, "as_dict"):
        return row.as_dict()
    if dataclasses.is_dataclass(row) and not isinstance(row, type):
        return dataclasses.asdict(row)
    raise TypeError(f"cannot read a row from {type(row).__name__}")


def rows_by_code(rows: Mapping[str, Any] | Iterable[Any] | None) -> dict[str, dict]:
    """Workload rows by code, from a mapping code -> row or an iterable of rows with ``code``."""
    if rows is None:
        return {}
    if isinstance(rows, Mapping):
        if "rows" in rows and isinstance(rows["rows"], list):  # a whole workload report
            rows = rows["rows"]
        else:
            return {str(code): as_dict(row) for code, row in rows.items()}
    out = {}
    for row in rows:
        d = as_dict(row)
        out[str(d["code"])] = d
    return out


def point_rows(items: Iterable[Any] | None) -> list[dict]:
    """Facilities or sites as dicts with float ``lon`` and ``lat`` (WGS84 degrees).

    Each item is a dict or dataclass with lon and lat, or a GeoJSON Point Feature (its
    properties, with lon and lat from the geometry). Items without a location are dropped.
    """
    out = []
    for item in items or ():
        if isinstance(item, Mapping) and item.get("type") == "Feature":
            lon, lat = item["geometry"]["coordinates"][:2]
            d = {**(item.get("properties") or {}), "lon": lon, "lat": lat}
            if item.get("id") is not None:
                d.setdefault("id", item["id"])
        else:
            d = as_dict(item)
        if d.get("lon") is None or d.get("lat") is None:
            continue
        d["lon"], d["lat"] = float(d["lon"]), float(d["lat"])
        out.append(d)
    return out


def case_rows(cases: Iterable[Mapping] | None) -> list[dict]:
    """Case views (api.views.case_view) that have a location, with lon and lat added."""
    out = []
    for case in cases or ():
        loc = case.get("location") or {}
        lon, lat = loc.get("lon", case.get("lon")), loc.get("lat", case.get("lat"))
        if lon is None or lat is None:
            continue
        out.append({**case, "lon": float(lon), "lat": float(lat)})
    return out


def worker_names(workers: Mapping[str, Any] | Iterable[Any] | None) -> dict[str, str]:
    """Grid code -> worker name(s) joined by "、"; from a mapping (code -> name or list of
    names) or from worker records with ``home_grid_code`` and ``name``."""
    if workers is None:
        return {}
    if isinstance(workers, Mapping):
        pairs = [(code, names) for code, names in workers.items()]
    else:
        pairs = []
        for w in workers:
            d = as_dict(w)
            if d.get("home_grid_code"):
                pairs.append((d["home_grid_code"], d.get("name")))
    out: dict[str, list[str]] = {}
    for code, names in pairs:
        names = [names] if isinstance(names, str) or names is None else list(names)
        out.setdefault(str(code), []).extend(str(n) for n in names if n)
    return {code: "、".join(names) for code, names in out.items()}
