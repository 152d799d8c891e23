"""The ``gridmgr`` command. Each command family lives in its own module."""

from __future__ import annotations

import click

from api.cli.boundaries import check_boundaries, synth
from api.cli.categories import categories
from api.cli.demo import demo
from api.cli.facilities import facilities
from api.cli.gazetteer import gazetteer
from api.cli.importing import import_group
from api.cli.locate import locate, locate_file
from api.cli.maps import map_
from api.cli.report import report
from api.cli.serve import serve
from api.cli.store import boundaries, init
from api.cli.tokens import token


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """gridmgr: grid management for urban community governance (网格化管理)."""


main.add_command(check_boundaries)
main.add_command(synth)
main.add_command(demo)
main.add_command(init)
main.add_command(categories)
main.add_command(facilities)
main.add_command(gazetteer)
main.add_command(import_group)
main.add_command(boundaries)
main.add_command(locate)
main.add_command(locate_file)
main.add_command(map_)
main.add_command(report)
main.add_command(serve)
main.add_command(token)
