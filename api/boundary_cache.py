"""Communities and grids of a generation as GeoJSON features, built once per generation.

Stored generations never change, so what is built for one stays right.
"""

from __future__ import annotations

import threading

import shapely

from geo import coords
from geo.store import Store


class BoundaryCache:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._built: dict[int, tuple[list[dict], list[dict]]] = {}

    def features(self, generation: int) -> tuple[list[dict], list[dict]]:
        """(communities, grids) of ``generation`` as GeoJSON Feature dicts (EPSG:4326)."""
        with self._lock:
            if generation not in self._built:
                self._built[generation] = self._build(generation)
            return self._built[generation]

    def _build(self, generation: int) -> tuple[list[dict], list[dict]]:
        comms = self.store.communities(generation)
        grids = self.store.grids(generation)
        names = {c.code: c.name for c in comms}
        per_comm: dict[str, int] = {}
        for g in grids:
            per_comm[g.community_code] = per_comm.get(g.community_code, 0) + 1

        def feature(fid: str, geom, props: dict) -> dict:
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
                },
            )
            for g in grids
        ]
        return cf, gf
