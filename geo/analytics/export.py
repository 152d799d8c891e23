"""Report exports: CSV in UTF-8 with a BOM (so Excel reads Chinese names), and GeoJSON with
each row's figures on its community or grid polygon (EPSG:4326). Reports carry no personal
data, so neither do their exports. In the CSV, every text cell (names, codes, the header)
that a spreadsheet would run as a formula gets a leading ``'`` (see :mod:`geo.csv_safety`);
numbers are written as they are."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from geo.csv_safety import neutralise, neutralise_cell


def write_csv(rows: Sequence[Mapping[str, object]], path: Path | str) -> None:
    """Rows (dicts with the same keys) to ``path`` as CSV, UTF-8 with a BOM; text cells that
    would be read as formulas are neutralised."""
    rows = list(rows)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        if not rows:
            return
        keys = list(rows[0])
        writer = csv.writer(fh)
        writer.writerow([neutralise(str(k)) for k in keys])
        writer.writerows([neutralise_cell(row[k]) for k in keys] for row in rows)


def write_geojson(
    rows: Sequence[Mapping[str, object]],
    geometries: Mapping[Any, Mapping[str, object]],
    path: Path | str,
    *,
    key: str = "code",
) -> None:
    """A FeatureCollection: each row's figures as properties of ``geometries[row[key]]``
    (GeoJSON geometry dicts; rows without one get a null geometry). The keys of
    ``geometries`` are the rows' ``key`` values, of whatever type they are (codes, ranks)."""
    features = [
        {
            "type": "Feature",
            "id": row[key],
            "properties": dict(row),
            "geometry": geometries.get(row[key]),
        }
        for row in rows
    ]
    Path(path).write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
