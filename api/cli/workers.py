"""Several server processes on one port, each listening on a socket of its own.

uvicorn's ``--workers`` shares one listening socket among its processes. The process that
wakes first accepts every connection waiting. So a client that opens its connections at once
(a proxy's pool, a load generator) can land nearly all of them on one process, while the other
idles and one core does the work of two. Measured here: 64 connections at 400 POST /cases per
second left one process at 56 % of a core and the other at 21 %.

Here each process binds the same address with ``SO_REUSEPORT``, and the kernel spreads new
connections over the processes' sockets by a hash of each connection. The parent only starts
the processes and waits. When it is told to stop, or when one process ends, it stops them all
and exits: with status 0 when told to stop, 1 when a process ended by itself, so a service
manager restarts the whole server.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
from multiprocessing.connection import wait
from types import FrameType
from typing import NoReturn

import uvicorn

GRACE_S = 15.0  # how long stopping processes get to finish their requests


class _Stop(Exception):
    """SIGINT or SIGTERM reached the parent."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) that other processes may bind too (SO_REUSEPORT);
    OSError when the address is taken by a socket without it, or cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve_one(host: str, port: int) -> None:
    """One server process: the app (built from the environment's settings) on its own
    socket. No access log: query strings can carry an Open311 api_key."""
    config = uvicorn.Config("api.app:create_app", factory=True, access_log=False)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve_processes(host: str, port: int, count: int) -> int:
    """Run ``count`` server processes on (host, port) until SIGINT or SIGTERM (0) or until
    one of them ends (1); every process is stopped before this returns."""
    listening_socket(host, port).close()  # a taken address fails here, before any start
    os.environ["GRIDMGR_PROCESSES"] = str(count)  # each sizes its connection pool by it
    ctx = multiprocessing.get_context("spawn")
    processes = [
        ctx.Process(target=_serve_one, args=(host, port), name=f"gridmgr-{i}") for i in range(count)
    ]

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise _Stop

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    status = 1
    try:
        for p in processes:
            p.start()
        wait([p.sentinel for p in processes])
    except _Stop:
        status = 0
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for p in processes:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes the requests in progress
        for p in processes:
            p.join(GRACE_S)
            if p.is_alive():
                p.kill()
                p.join()
    return status
