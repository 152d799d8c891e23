"""Throttling of failed sign-ins per client address.

Every refused credential (an API request answered 401, a console sign-in with an unknown or
revoked token) counts against the client's address. An address with ``limit`` failures in the
last ``window_s`` seconds is answered 429 with ``Retry-After`` (seconds until its oldest
failure leaves the window) before its credentials are even looked up. Valid requests add
nothing and wait for nothing: a dictionary look-up under a lock.

The counters live in each server process: with ``gridmgr serve --workers N`` an address may
fail up to N times ``limit`` times per window before every process refuses it. Behind a
reverse proxy the address is the proxy's unless uvicorn is told to trust its
``X-Forwarded-For`` (``--forwarded-allow-ips``), and all clients behind one address share
its budget.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.errors import problem

FAILURES = 20  # failed attempts an address may make per window
WINDOW_S = 60.0  # the window, in seconds
ADDRESSES_KEPT = 10_000  # addresses remembered at most (the least recently failed go first)


class Throttled(Exception):
    """Too many failed attempts from this address; retry after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed sign-ins from this address; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class Throttle:
    """Failure counters per client address over a sliding window (thread-safe)."""

    def __init__(
        self,
        limit: int = FAILURES,
        window_s: float = WINDOW_S,
        *,
        max_addresses: int = ADDRESSES_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_addresses = max_addresses
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float] | None:
        times = self._failures.get(address)
        if times is None:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[address]
            return None
        return times

    def retry_after(self, address: str) -> int | None:
        """Seconds ``address`` must wait (whole, at least 1), or None when it may try."""
        with self._lock:
            now = self.clock()
            times = self._recent(address, now)
            if times is None or len(times) < self.limit:
                return None
            return max(1, math.ceil(times[-self.limit] + self.window_s - now))

    def check(self, address: str) -> None:
        """Raise Throttled when ``address`` has failed too often lately."""
        wait = self.retry_after(address)
        if wait is not None:
            raise Throttled(wait)

    def failed(self, address: str) -> None:
        """Count a failed attempt from ``address``."""
        with self._lock:
            now = self.clock()
            times = self._recent(address, now) or deque(maxlen=self.limit)
            times.append(now)
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)


def client_address(request: Request) -> str:
    """The address a request came from (as the server saw it)."""
    return request.client.host if request.client else "unknown"


def install(app: FastAPI) -> None:
    """Answer Throttled with 429, ``Retry-After`` and a problem document."""

    @app.exception_handler(Throttled)
    async def throttled(_: Request, exc: Exception) -> JSONResponse:
        wait = exc.retry_after_s if isinstance(exc, Throttled) else 60
        answer = problem(429, "too-many-failures", "Too many failed sign-ins", str(exc))
        answer.headers["Retry-After"] = str(wait)
        return answer
