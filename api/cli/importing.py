"""``gridmgr import cases FILE``: records from the hotline and patrol systems, in bulk."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.common import configured_store, fail
from api.cli.common import settings as configured_settings
from geo.errors import GridmgrError, StoreUnavailableError
from geo.importing import import_cases, load_mapping

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns

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
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where rejected rows go (default: FILE.rejects.csv).",
)
def cases(
    path: Path, crs: str | None, mapping_path: Path | None, dry_run: bool, rejects: Path | None
) -> None:
    """Import cases from a CSV (UTF-8 or GB18030), Excel .xlsx or GeoJSON file.

    Each row is imported, or listed with its line, column, value and reason in the rejects
    file. Rows are known by their external id (事件编号): running the same file again imports
    nothing twice, and a changed row updates its case with an audit event. Exit status 1 when
    any row was rejected, 2 when the file could not be imported at all, 3 when the database
    went away during the import (run it again to finish).
    """
    try:
        mapping = load_mapping(mapping_path)
    except GridmgrError as exc:
        fail(str(exc))
    config = configured_settings()
    calendar = config.calendar()
    # The progress bar, started with the first chunk (after the file opened).
    bars: list[ProgressBar[int]] = []

    def progress(done: int, estimate: int) -> None:
        if not bars:
            bars.append(
                click.progressbar(
                    length=max(estimate, done, 1), label="导入 importing", file=sys.stderr
                )
            )
            bars[0].__enter__()
        bar = bars[0]
        bar.length = max(estimate, done, 1)
        bar.update(done - bar.pos)

    try:
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
                    rejects_path=rejects,
                    progress=progress,
                )
            except StoreUnavailableError as exc:
                if bars:
                    bars[0].__exit__(None, None, None)
                    bars.clear()
                fail(
                    f"lost the database during the import ({exc}); the chunks written are "
                    "kept: run the same command again to finish",
                    EXIT_DATABASE_LOST,
                )
    finally:
        if bars:
            bars[0].__exit__(None, None, None)
    for line in summary.lines():
        click.echo(line)
    if summary.counts["rejected"]:
        raise SystemExit(1)
