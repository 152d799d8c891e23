"""``gridmgr`` starts fast: its command modules load on first use, yet every command is
listed with its help, and each command's own --help works."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

import api.cli
from api.cli import COMMANDS, main

# Imported only by the commands that use them (each takes a tenth of a second or more).
HEAVY = ["duckdb", "fastapi", "folium", "geopandas", "pandas", "psycopg", "pyarrow", "uvicorn"]
# Modules of api.cli that hold no command; __main__ runs the command when imported.
NOT_COMMANDS = {"__main__", "common", "lazy", "workers"}


def command_modules() -> list[str]:
    return sorted(
        f"api.cli.{m.name}"
        for m in pkgutil.iter_modules(api.cli.__path__)
        if m.name not in NOT_COMMANDS
    )


def top_level_commands() -> dict[str, click.Command]:
    """Every command the command modules define that is not a subcommand of a group."""
    defined: list[click.Command] = []
    for name in command_modules():
        module = importlib.import_module(name)
        defined += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, click.Command) and obj.callback.__module__ == name
        ]
    sub = {
        id(cmd) for obj in defined if isinstance(obj, click.Group) for cmd in obj.commands.values()
    }
    return {cmd.name: cmd for cmd in defined if id(cmd) not in sub}


def walk(group: click.Group, ctx: click.Context, path: list[str]) -> Iterator[list[str]]:
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        yield [*path, name]
        if isinstance(cmd, click.Group):
            yield from walk(cmd, ctx, [*path, name])


def modules_loaded_by(code: str) -> list[str]:
    """The HEAVY modules a fresh interpreter has imported after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_every_command_module_command_is_registered() -> None:
    defined = top_level_commands()
    assert sorted(defined) == sorted(COMMANDS)
    for name, where in COMMANDS.items():
        assert getattr(importlib.import_module(where.module), where.attribute) is defined[name]


def test_help_lists_every_command_as_click_would() -> None:
    """The listing, made without loading the commands, is what the loaded commands give."""
    eager = click.Group(
        "gridmgr", help=main.help, context_settings={"help_option_names": ["-h", "--help"]}
    )
    for cmd in top_level_commands().values():
        eager.add_command(cmd)
    expected = CliRunner().invoke(eager, ["--help"], prog_name="gridmgr")
    listed = CliRunner().invoke(main, ["--help"], prog_name="gridmgr")
    assert listed.exit_code == 0, listed.output
    assert listed.output == expected.output
    for name in COMMANDS:
        assert f"\n  {name} " in listed.output


@pytest.mark.parametrize("limit", [30, 45, 80, 200])
def test_help_lines_are_the_commands_own(limit: int) -> None:
    for name, cmd in top_level_commands().items():
        stand_in = click.Command(name, help=COMMANDS[name].help)
        assert stand_in.get_short_help_str(limit) == cmd.get_short_help_str(limit), name


def test_every_command_help_works() -> None:
    ctx = click.Context(main)
    paths = list(walk(main, ctx, []))
    assert len(paths) > len(COMMANDS)  # groups' subcommands too
    for path in paths:
        result = CliRunner().invoke(main, [*path, "--help"], prog_name="gridmgr")
        assert result.exit_code == 0, (path, result.output)
        assert result.output.startswith(f"Usage: gridmgr {' '.join(path)} "), path


def test_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_importing_the_cli_loads_no_heavy_module() -> None:
    assert modules_loaded_by("import api.cli") == []


def test_help_loads_no_heavy_module() -> None:
    code = "from api.cli import main\nmain(['--help'], prog_name='gridmgr', standalone_mode=False)"
    assert modules_loaded_by(code) == []


def test_locate_command_module_loads_no_heavy_module() -> None:
    """gridmgr locate imports its module: no web framework, server, map library, data frame
    library or database driver (each is imported where it is used)."""
    assert modules_loaded_by("import api.cli.locate") == []


def test_opening_an_embedded_store_reads_no_boundary_library(tmp_path) -> None:
    """What `gridmgr locate` imports to open the store and locate: DuckDB (whose parameter
    binding imports pandas), but not geopandas, pyproj or holidays."""
    code = (
        "from geo.store import open_store\n"
        "from geo.store.target import parse_database_url\n"
        f"s = open_store(parse_database_url('duckdb:///{tmp_path / 'g.duckdb'}'))\n"
        "s.close()\n"
        "import sys\n"
        "assert not {'geopandas', 'pyproj', 'holidays'} & set(sys.modules),"
        " sorted({'geopandas', 'pyproj', 'holidays'} & set(sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_lazy_group_checks_its_table() -> None:
    from api.cli.lazy import LazyCommand, LazyGroup

    group = LazyGroup(
        "g",
        lazy={
            "wrong-name": LazyCommand("api.cli.locate", "locate", "x"),
            "not-a-command": LazyCommand("api.cli.locate", "CRS_CHOICE", "x"),
        },
    )
    ctx = click.Context(group)
    with pytest.raises(ValueError, match="'locate', not 'wrong-name'"):
        group.get_command(ctx, "wrong-name")
    with pytest.raises(TypeError, match="not a click command"):
        group.get_command(ctx, "not-a-command")
