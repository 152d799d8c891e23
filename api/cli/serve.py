"""``gridmgr serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import click
import uvicorn

from api.admin import door
from api.app import create_app
from api.cli.common import configured_store
from api.cli.common import settings as configured_settings
from api.cli.workers import serve_processes
from api.settings import Settings


def run_server(settings: Settings, host: str, port: int) -> None:
    """Serve in this process until stopped. On a DuckDB file, the other commands reach this
    server through its admin door (api.admin) while it runs. No access log: query strings can
    carry an Open311 api_key."""
    with door(settings, host, port) as keeper:
        app = create_app(settings)
        app.state.admin_door = keeper
        uvicorn.run(app, host=host, port=port, access_log=False)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Processes (PostGIS only; the embedded DuckDB file allows one).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the API, the console and the maps at http://HOST:PORT."""
    settings = configured_settings()
    if workers > 1 and settings.database().backend != "postgis":
        raise click.UsageError("--workers > 1 needs PostGIS (GRIDMGR_DATABASE_URL=postgresql://…)")
    if settings.database().backend == "duckdb":
        with configured_store():  # another process holding the file: a sentence, not a trace
            pass
    click.echo(
        f"gridmgr: serving on http://{host}:{port} ({settings.database().backend})", err=True
    )
    if workers > 1:  # a socket per process (see api.cli.workers), not uvicorn's shared one
        try:
            status = serve_processes(host, port, workers)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
        if status:
            raise click.ClickException("a server process ended by itself: stopped them all")
    else:
        run_server(settings, host, port)
