"""Settings from the environment (prefix ``GRIDMGR_``), read when asked, never at import.

``GRIDMGR_DATABASE_URL`` chooses the store: ``postgresql://…`` for PostGIS,
``duckdb:///relative.duckdb`` or ``duckdb:////absolute.duckdb`` for the embedded database;
unset means ``gridmgr.duckdb`` in the working directory (see :mod:`geo.store.target`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.store.target import DatabaseTarget, parse_database_url


class Settings(BaseSettings):
    """gridmgr's configuration; every field can be set as ``GRIDMGR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="GRIDMGR_", extra="ignore")

    database_url: str | None = None

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        parse_database_url(value)
        return value

    def database(self, *, cwd: Path | None = None) -> DatabaseTarget:
        """The store this configuration points at."""
        return parse_database_url(self.database_url, cwd=cwd)
