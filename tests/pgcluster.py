"""A private PostgreSQL + PostGIS cluster that a test may stop, restart, freeze and thaw.

The suite's shared server (``scripts/with-postgis``) must keep running, so fault tests make
their own the same way: ``initdb`` in a temporary directory, ``pg_ctl`` on a free port of
127.0.0.1 with trust authentication, run as the ``postgres`` user when the tests run as root.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg2
import pytest

PG_BINDIR = Path(os.environ.get("PG_BINDIR", "/usr/lib/postgresql/15/bin"))
DB_NAME = "gridmgr_faults"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateCluster:
    """One cluster in a temporary directory of its own (under /tmp, which the ``postgres``
    user can reach); :meth:`close` stops it (also when frozen) and removes the directory."""

    def __init__(self, *, standby_of: PrivateCluster | None = None) -> None:
        """A new primary; or, with ``standby_of``, a streaming-replication standby of that
        cluster (``pg_basebackup -R``: its databases, extensions and data as they are)."""
        if not (PG_BINDIR / "initdb").exists():
            if os.environ.get("GRIDMGR_REQUIRE_POSTGIS"):
                pytest.fail(f"PostgreSQL server binaries not found in {PG_BINDIR}")
            pytest.skip(f"PostgreSQL server binaries not found in {PG_BINDIR}")
        self.root = os.geteuid() == 0
        workdir = Path(tempfile.mkdtemp(prefix="gridmgr-pgfaults.", dir="/tmp"))
        self.workdir = workdir
        self.data = workdir / "data"
        self.log = workdir / "server.log"
        if self.root:
            os.chown(workdir, *_postgres_ids())
        if standby_of is not None:
            self._owner(
                PG_BINDIR / "pg_basebackup", "-D", self.data, "-R", "-X", "stream",
                "-h", "127.0.0.1", "-p", standby_of.port, "-U", "postgres", "--no-sync",
                "--checkpoint=fast",
            )  # fmt: skip
            with (self.data / "postgresql.conf").open("a") as conf:
                conf.write(f"\nunix_socket_directories = '{workdir}'\n")
            self.port = _free_port()
            self.start()
            return
        self._owner(
            PG_BINDIR / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{workdir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 40\n"
            )
        self.port = _free_port()
        self.start()
        admin = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {DB_NAME}")
        admin.close()
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=DB_NAME)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION postgis")
        conn.close()

    @property
    def url(self) -> str:
        # libpq's shortest connect timeout: the fault tests wait for it several times.
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DB_NAME}?connect_timeout=2"

    def _owner(self, *args: object) -> None:
        cmd = [str(a) for a in args]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, cwd=self.workdir, capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        self._owner(
            PG_BINDIR / "pg_ctl", "-D", self.data, "-l", self.log, "-o", f"-p {self.port}",
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._owner(PG_BINDIR / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")

    def promote(self) -> None:
        """Make a standby the primary (waits until it takes writes)."""
        self._owner(PG_BINDIR / "pg_ctl", "-D", self.data, "-w", "-t", "30", "promote")

    def sql(self, statement: str, dbname: str = DB_NAME) -> list[tuple[object, ...]]:
        """Run one statement (autocommit) as the superuser; its rows (none if it has none)."""
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
                return list(cur.fetchall()) if cur.description else []
        finally:
            conn.close()

    def pids(self) -> list[int]:
        """The postmaster and its children (every process of this cluster)."""
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        found = [main]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == main:
                found.append(int(stat.parent.name))
        return found

    def freeze(self) -> None:
        """SIGSTOP every process of the cluster: it accepts TCP connections (the kernel does)
        but answers nothing."""
        for pid in self.pids():
            with suppress(ProcessLookupError):  # a backend that has just ended
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.pids():
            with suppress(ProcessLookupError):  # a backend that has just ended
                os.kill(pid, signal.SIGCONT)

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.thaw()
                self.stop("immediate")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@contextmanager
def initialised_cluster() -> Iterator[PrivateCluster]:
    """A private cluster whose database is initialised as the suite's are (bundled
    boundaries as generation 1, roster, catalogue); stopped and removed afterwards."""
    from geo.bootstrap import initialise
    from geo.store import open_store, parse_database_url

    made = PrivateCluster()
    try:
        store = open_store(parse_database_url(made.url))
        try:
            initialise(store)
        finally:
            store.close()
        yield made
    finally:
        made.close()
