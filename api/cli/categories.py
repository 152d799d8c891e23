"""``gridmgr categories load|list``: the case category catalogue."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.common import configured_store, fail
from geo.cases.categories import read_catalogue
from geo.errors import GridmgrError


@click.group()
def categories() -> None:
    """The catalogue of case categories (classes, subclasses, time limits)."""


@categories.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(path: Path) -> None:
    """Replace the catalogue with the CSV at PATH (checked first; a bad file changes nothing)."""
    try:
        cats = read_catalogue(path)
    except GridmgrError as exc:
        fail(str(exc), code=1)
    with configured_store() as store, store.case_tx() as tx:
        tx.replace_categories(cats)
    click.echo(f"loaded {len(cats)} categories in {len({c.class_code for c in cats})} classes")


@categories.command("list")
def list_() -> None:
    """Print the catalogue: code, class/name, time limit, duplicate radius and 公开 (public)
    for categories whose cases anonymous readers may see (GRIDMGR_PUBLIC_READ)."""
    with configured_store() as store, store.case_tx() as tx:
        cats = tx.categories()
    for c in cats:
        click.echo(
            f"{c.code:<32}{c.class_zh}/{c.name_zh} ({c.name_en})  "
            f"{c.time_limit}  {c.duplicate_radius_m:g} m" + ("  公开 public" if c.public else "")
        )
