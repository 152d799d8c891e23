"""Progress bars for long commands: drawn on standard error when it is a terminal, nothing
at all otherwise (a pipe, a log file, cron), so that scripts read only the results.

Built on :func:`click.progressbar`. A command asks for one with :func:`progress` (used as
a context manager, or started with :meth:`Progress.start`) and moves it with
:meth:`Progress.advance` (steps done since the last call) or :meth:`Progress.reach` (steps
done so far, of a total that may be re-estimated).
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar  # what click.progressbar returns


def on_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default: standard error) is a terminal a bar can be drawn on."""
    stream = stream if stream is not None else sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class Progress:
    """A bar of ``total`` steps labelled ``label``; inert when ``stream`` is no terminal.

    Use as a context manager: the bar is drawn on entry and finished on exit.
    ``total`` may be 0 when unknown yet (see :meth:`reach`).
    """

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.shown = on_terminal(self.stream)
        self.total = total
        self.label = label
        self.done = 0
        self._bar: ProgressBar[int] | None = None

    def __enter__(self) -> Progress:
        if self.shown:
            self._bar = click.progressbar(
                length=max(self.total, 1), label=self.label, file=self.stream
            )
            self._bar.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(exc_type, exc, tb)
            self._bar = None

    def start(self) -> Progress:
        """Draw the bar now (outside a ``with`` block); it is finished by :meth:`finish`, or
        when the running command ends, however it ends. Starting a started bar does nothing."""
        if self._bar is not None or not self.shown:
            return self
        self.__enter__()
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.call_on_close(self.finish)
        return self

    def finish(self) -> None:
        """End the bar's line (once; later calls do nothing)."""
        self.__exit__(None, None, None)

    def advance(self, steps: int) -> None:
        """``steps`` more done."""
        self.reach(self.done + steps)

    def reach(self, done: int, total: int | None = None) -> None:
        """``done`` steps done so far, of ``total`` (if given, the new estimate)."""
        if total is not None:
            self.total = total
        step = done - self.done
        self.done = done
        if self._bar is not None:
            self._bar.length = max(self.total, done, 1)
            if step > 0:
                self._bar.update(step)


def progress(total: int, label: str, stream: TextIO | None = None) -> Progress:
    """A :class:`Progress` bar on standard error (or ``stream``); see the module doc."""
    return Progress(total, label, stream)
