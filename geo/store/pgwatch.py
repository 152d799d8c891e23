"""Cutting PostgreSQL connections stuck on a server that no longer answers.

A server that is frozen (stopped, swapped out, a network that drops packets silently) never
answers a statement, and its own statement timeout cannot fire: libpq then waits forever. The
watchdog looks at connections busy for longer than the statement timeout; if the server then
refuses a new connection within the connect timeout, it shuts their sockets down, so the
waiting call fails (as a lost connection) instead of hanging its request or command.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

log = logging.getLogger("gridmgr.store")


class StuckConnectionWatchdog:
    """Watches connections between :meth:`start` and :meth:`stop`; ``answers()`` says whether
    the server is alive (it may take up to the connect timeout); ``after_s`` is how long, in
    seconds, a connection may be busy before the server is asked."""

    def __init__(
        self, answers: Callable[[], bool], *, after_s: float, interval_s: float = 0.5
    ) -> None:
        self._answers = answers
        self._after_s = after_s
        self._interval_s = interval_s
        self._busy: dict[int, tuple[Any, float]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, conn: Any) -> None:
        with self._lock:
            self._busy[id(conn)] = (conn, time.monotonic())
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="gridmgr-pg-watchdog", daemon=True
                )
                self._thread.start()

    def stop(self, conn: Any) -> None:
        with self._lock:
            self._busy.pop(id(conn), None)

    def close(self) -> None:
        self._closed.set()

    def _overdue(self) -> list[tuple[int, float]]:
        now = time.monotonic()
        with self._lock:
            return [(k, t) for k, (_, t) in self._busy.items() if now - t > self._after_s]

    def _run(self) -> None:
        while not self._closed.wait(self._interval_s):
            overdue = self._overdue()
            if not overdue or self._answers():
                continue
            with self._lock:
                cut = 0
                for key, started in overdue:
                    entry = self._busy.get(key)
                    if entry is not None and entry[1] == started:  # still the same transaction
                        cut += _shut_down(entry[0])
            if cut:
                log.error("database not answering: cut %d stuck connection(s)", cut)


def _shut_down(conn: Any) -> int:
    """Shut the connection's socket down (both ways); 1 if done, 0 if it was already gone."""
    with suppress(Exception):
        sock = socket.socket(fileno=os.dup(conn.fileno()))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
        return 1
    return 0
