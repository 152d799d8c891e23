"""Loading on first use: command modules (:class:`LazyGroup`) and libraries (:class:`LazyModule`).

Most commands need pandas, geopandas, DuckDB or FastAPI, which take seconds together to
import; ``gridmgr --help`` and ``gridmgr locate`` need none of them. So the ``gridmgr`` group
imports a command's module only when that command runs (or its own ``--help`` is asked for),
and lists the commands from one-line help texts it holds itself.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import click

# What a command does while a server holds the embedded DuckDB file (see api.cli.door):
# "door" hands its work to that server, "refuse" stops with a message (it would hold the file
# itself), "open" is for commands that open no database.
WhileServed = Literal["door", "refuse", "open"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives (module and attribute) and its help line for the listing.

    ``help`` is the command's docstring's first sentence, as the listing shows it;
    tests/api/test_cli_startup.py checks it against the command itself. ``while_served``:
    see :data:`WhileServed`.
    """

    module: str
    attribute: str
    help: str
    while_served: WhileServed = "open"


class LazyGroup(click.Group):
    """A group whose commands are imported when first asked for by name.

    ``lazy`` maps each command name to its :class:`LazyCommand`. The group's ``--help`` lists
    them from their help lines without importing anything.
    """

    def __init__(
        self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})
        # The server loads commands from several threads: each is loaded and wrapped once.
        self._loading = threading.Lock()

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            with self._loading:
                if cmd_name not in self.commands:
                    self.add_command(self.load(cmd_name))
        return super().get_command(ctx, cmd_name)

    def load(self, cmd_name: str) -> click.Command:
        """Import the command ``cmd_name`` (TypeError/ValueError if the table is wrong)."""
        where = self.lazy[cmd_name]
        command = getattr(importlib.import_module(where.module), where.attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where.module}.{where.attribute} is not a click command")
        if command.name != cmd_name:
            raise ValueError(
                f"{where.module}.{where.attribute} is {command.name!r}, not {cmd_name!r}"
            )
        if where.while_served != "open":
            from api.cli import door

            if where.while_served == "door":
                door.through_door(command, cmd_name)
            else:
                door.refused_while_served(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their help lines, as click lists them, without loading them."""
        rows: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            if loaded is None:  # a stand-in that shortens the help line as click would
                loaded = click.Command(name, help=self.lazy[name].help)
            if not loaded.hidden:
                rows.append((name, loaded))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


class LazyModule:
    """A module imported when one of its attributes is first read.

    ``pd = LazyModule("pandas")`` at the top of a module makes ``pd.read_csv`` work as after
    ``import pandas as pd``, but pandas is imported only when a function reads it.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute in ("_name", "_module"):  # not set: an instance made without __init__
            raise AttributeError(attribute)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<LazyModule {self._name!r} ({state})>"
