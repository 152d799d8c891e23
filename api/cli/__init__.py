"""The ``gridmgr`` command. Each command family lives in its own module, imported only when
one of its commands runs (see :mod:`api.cli.lazy`): ``gridmgr --help`` imports none of them.

The last field of each entry says what the command does while ``gridmgr serve`` holds the
embedded DuckDB file: ``door`` hands the work to that server (api.cli.door), ``refuse`` stops
with a message, ``open`` (the default) opens no database.
"""

from __future__ import annotations

import click

from api.cli.lazy import LazyCommand, LazyGroup

# Command name -> where it lives and its help line (the first sentence of its docstring).
COMMANDS: dict[str, LazyCommand] = {
    "boundaries": LazyCommand(
        "api.cli.store", "boundaries", "Boundary generations: load, activate, list.", "door"
    ),
    "categories": LazyCommand(
        "api.cli.categories",
        "categories",
        "The catalogue of case categories (classes, subclasses, time limits).",
        "door",
    ),
    "check-boundaries": LazyCommand(
        "api.cli.boundaries",
        "check_boundaries",
        "Validate a boundary set (communities and grids) at PATH.",
    ),
    "demo": LazyCommand(
        "api.cli.demo",
        "demo",
        "Build (or reuse) a demo database and serve gridmgr at http://HOST:PORT.",
        "refuse",
    ),
    "facilities": LazyCommand(
        "api.cli.facilities",
        "facilities",
        "Service facilities (elderly-care stations, volunteer huts, health stations ...).",
        "door",
    ),
    "gazetteer": LazyCommand(
        "api.cli.gazetteer",
        "gazetteer",
        "The gazetteer of standard addresses (address -> point).",
        "door",
    ),
    "import": LazyCommand(
        "api.cli.importing", "import_group", "Import records from other systems.", "door"
    ),
    "init": LazyCommand(
        "api.cli.store",
        "init",
        "Create the database, load the bundled Yunyan boundaries and the roster.",
        "door",
    ),
    "locate": LazyCommand(
        "api.cli.locate", "locate", "The grid and community covering the point LON LAT.", "door"
    ),
    "locate-file": LazyCommand(
        "api.cli.locate",
        "locate_file",
        "Locate every row of INPUT_PATH (CSV, or GeoJSON/GeoPackage points).",
        "door",
    ),
    "map": LazyCommand(
        "api.cli.maps", "map_", "Write a map as a self-contained HTML file.", "door"
    ),
    "orgs": LazyCommand(
        "api.cli.party",
        "orgs",
        "Party organisations and social organisations (党组织、社会组织).",
        "door",
    ),
    "party": LazyCommand(
        "api.cli.party",
        "party",
        "The party-building grid: figures per community and grid (党建统计).",
        "door",
    ),
    "report": LazyCommand(
        "api.cli.report",
        "report",
        "Reports for planners (CSV with a BOM for Excel, or GeoJSON).",
        "door",
    ),
    "serve": LazyCommand(
        "api.cli.serve",
        "serve",
        "Serve the API, the console and the maps at http://HOST:PORT.",
        "refuse",
    ),
    "synth": LazyCommand(
        "api.cli.boundaries", "synth", "Generate illustrative data (deterministic by seed)."
    ),
    "token": LazyCommand("api.cli.tokens", "token", "API tokens.", "door"),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """gridmgr: grid management for urban community governance (网格化管理)."""
