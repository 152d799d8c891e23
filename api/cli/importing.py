"""``gridmgr import cases FILE``: records from the hotline and patrol systems, in bulk."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from api.cli.common import configured_store, fail
from api.cli.common import settings as configured_settings
from api.cli.progress import progress
from geo.errors import GridmgrError, StoreUnavailableError
from geo.importing import import_cases, load_mapping

# Exit status when the database went away during the import (see docs/import.md).
EXIT_DATABASE_LOST = 3

CRS_NAMES = click.Choice(["wgs84", "cgcs2000", "gcj02", "bd09"], case_sensitive=False)


@click.group("import")
def import_group() -> None:
    """Import records from other systems."""


@import_group.command("cases")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--crs",
    type=CRS_NAMES,
    default=None,
    help="CRS of the coordinates where no column says (default: the mapping's, "
    "else wgs84). Phones and AMap give gcj02, Baidu bd09.",
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file mapping columns and values (see docs/import.md).",
)
@click.option("--dry-run", is_flag=True, help="Check, locate and count; write nothing.")
@click.option(
    "--update-locations",
    is_flag=True,
    help="Move cases whose row changed nothing but its position (without it they are held "
    "back, with a warning and exit status 1).",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected rows go (default: FILE.rejects.csv).",
)
def cases(
    path: Path,
    crs: str | None,
    mapping_path: Path | None,
    dry_run: bool,
    update_locations: bool,
    rejects: Path | None,
) -> None:
    """Import cases from a CSV (UTF-8 or GB18030), Excel .xlsx or GeoJSON file.

    Each row is imported, or listed with its line, column, value and reason in the rejects
    file. Rows are known by their external id (事件编号): running the same file again imports
    nothing twice, and a changed row updates its case with an audit event; a row whose only
    change is its position (say, the file read with another --crs) is held back unless
    --update-locations is given. A hotline export with no closing-time column imports its
    closed rows closed, their closing time unknown (flagged, and left out of on-time
    figures). Exit status 1 when any row was rejected or held back, 2 when the file could
    not be imported at all, 3 when the database went away during the import (run it again
    to finish).
    """
    try:
        mapping = load_mapping(mapping_path)
    except GridmgrError as exc:
        fail(str(exc))
    config = configured_settings()
    calendar = config.calendar()
    bar = progress(0, "导入 importing")  # drawn from the first chunk (after the file opened)

    def advance(done: int, estimate: int) -> None:
        bar.start().reach(done, estimate)

    with configured_store() as store:
        try:
            summary = import_cases(
                store,
                path,
                mapping=mapping,
                crs=crs,
                calendar=calendar,
                address_prefixes=config.address_prefix_list(),
                actor_id=f"import:{getpass.getuser()}",
                dry_run=dry_run,
                update_locations=update_locations,
                rejects_path=rejects,
                progress=advance if bar.shown else None,
            )
        except StoreUnavailableError as exc:
            bar.finish()
            fail(
                f"lost the database during the import ({exc}); the chunks written are "
                "kept: run the same command again to finish",
                EXIT_DATABASE_LOST,
            )
    bar.finish()
    for line in summary.lines():
        click.echo(line)
    for line in summary.moved_warning():  # on standard error too, where scripts look
        click.echo(f"gridmgr: {line}", err=True)
    if summary.counts["rejected"] or summary.counts["moved"]:
        raise SystemExit(1)
