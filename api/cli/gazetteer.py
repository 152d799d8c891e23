"""``gridmgr gazetteer import FILE``: the district's standard addresses."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from api.cli.common import configured_store, fail
from api.cli.locate import CRS_CHOICE
from geo.errors import InputError
from geo.gazetteer import Entry
from geo.importing.readers import detect_encoding
from geo.point_input import parse_points


@click.group()
def gazetteer() -> None:
    """The gazetteer of standard addresses (address -> point)."""


@gazetteer.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--crs", type=CRS_CHOICE, default="wgs84", show_default=True)
def import_(path: Path, crs: str) -> None:
    """Replace the gazetteer with a CSV of ``address, lon, lat`` (UTF-8 or GB18030). Rows with
    a bad point or no address are reported; if any is, nothing is replaced."""
    try:
        encoding = detect_encoding(path)
    except InputError as exc:
        fail(str(exc))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
    missing = [c for c in ("address", "lon", "lat") if c not in frame.columns]
    if missing:
        fail(
            f"{path}: missing column(s) {', '.join(missing)}; the columns are "
            f"{', '.join(frame.columns)}"
        )
    parsed = parse_points(frame["lon"], frame["lat"], crs.lower())
    bad = [
        f"line {i + 2}: {parsed.error[i] or 'address is empty'}"
        for i in range(len(frame))
        if not parsed.valid[i] or not frame["address"].iloc[i].strip()
    ]
    if bad:
        for line in bad:
            click.echo(f"rejected {line}", err=True)
        fail(f"{len(bad)} row(s) rejected; the gazetteer was left as it was", code=1)
    entries = [
        Entry(a.strip(), float(x), float(y))
        for a, x, y in zip(frame["address"], parsed.lon, parsed.lat, strict=True)
    ]
    with configured_store() as store:
        n = store.replace_gazetteer(entries)
    click.echo(f"gazetteer: {n} addresses")
