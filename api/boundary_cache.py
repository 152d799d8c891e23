"""Communities and grids of a generation as GeoJSON features, built once per generation.

Stored generations never change, so what is built for one stays right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import shapely

from geo import coords
from geo.cache import Cache
from geo.store import Store
from maps.inputs import Polygons

Layer = Literal["communities", "grids"]
Feature = dict[str, Any]  # a GeoJSON Feature


class Shapes:
    """Shapely geometries of one feature list, their spatial index and extent (CRS84)."""

    def __init__(self, features: list[Feature]) -> None:
        self.features = features
        self.geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
        self.tree = shapely.STRtree(self.geoms)
        self.bbox = [float(v) for v in shapely.total_bounds(self.geoms)]

    def intersecting(self, bbox: tuple[float, float, float, float]) -> list[int]:
        """Positions of the features intersecting ``bbox`` (CRS84), in list order."""
        hits = self.tree.query(shapely.box(*bbox), predicate="intersects")
        return sorted(int(i) for i in hits)


class BoundaryCache:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._features: Cache[int, tuple[list[Feature], list[Feature]]] = Cache()
        self._shapes: Cache[tuple[int, Layer], Shapes] = Cache()
        self._polygons: Cache[tuple[int, Layer], Polygons] = Cache()
        self._encoded: Cache[tuple[int, Layer], bytes] = Cache()

    def features(self, generation: int) -> tuple[list[Feature], list[Feature]]:
        """(communities, grids) of ``generation`` as GeoJSON Feature dicts (EPSG:4326)."""
        return self._features.get(generation, lambda: self._build(generation))

    def shapes(self, generation: int, layer: Layer) -> Shapes:
        """The :class:`Shapes` of ``generation``'s communities or grids, built on first use."""

        def build() -> Shapes:
            comms, grids = self.features(generation)
            return Shapes(comms if layer == "communities" else grids)

        return self._shapes.get((generation, layer), build)

    def polygons(self, generation: int, layer: Layer) -> Polygons:
        """``generation``'s communities or grids as the maps take them (shapely geometries
        and the features' properties, EPSG:4326), built once: read it, never change it."""
        shapes = self.shapes(generation, layer)
        return self._polygons.get(
            (generation, layer),
            lambda: Polygons(
                np.asarray(shapes.geoms, dtype=object),
                [f["properties"] for f in shapes.features],
            ),
        )

    def encoded(
        self, generation: int, layer: Layer, encode: Callable[[list[Feature]], bytes]
    ) -> bytes:
        """``encode(features)`` of ``generation``'s communities or grids (a whole layer's
        answer, say), made on first use and then kept as bytes."""

        def build() -> bytes:
            comms, grids = self.features(generation)
            return encode(comms if layer == "communities" else grids)

        return self._encoded.get((generation, layer), build)

    def _build(self, generation: int) -> tuple[list[Feature], list[Feature]]:
        comms = self.store.communities(generation)
        grids = self.store.grids(generation)
        names = {c.code: c.name for c in comms}
        per_comm: dict[str, int] = {}
        for g in grids:
            per_comm[g.community_code] = per_comm.get(g.community_code, 0) + 1

        def feature(fid: str, geom: Any, props: dict[str, Any]) -> Feature:
            props["area_km2"] = round(coords.geodesic_area_m2(geom) / 1e6, 4)
            props["generation"] = generation
            return {
                "type": "Feature",
                "id": fid,
                "properties": props,
                "geometry": shapely.geometry.mapping(geom),
            }

        cf = [
            feature(
                c.code,
                c.geom,
                {
                    "code": c.code,
                    "name": c.name,
                    "population": c.population,
                    "households": c.households,
                    "grids": per_comm.get(c.code, 0),
                    "illustrative": c.illustrative,
                },
            )
            for c in comms
        ]
        gf = [
            feature(
                g.code,
                g.geom,
                {
                    "code": g.code,
                    "name": g.name,
                    "community_code": g.community_code,
                    "community_name": names.get(g.community_code),
                    "population": g.population,
                    "households": g.households,
                    "illustrative": g.illustrative,
                },
            )
            for g in grids
        ]
        return cf, gf
