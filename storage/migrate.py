"""Run the Alembic migrations programmatically (CLI `edoc-bridge migrate`, bootstrap, test fixtures)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import make_engine

SCRIPT_LOCATION = str(Path(__file__).with_name("migrations"))
# Several processes may start at once on one PostgreSQL: only one migrates, the others wait.
_PG_MIGRATION_LOCK = 0x65D0C_0001


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def heads() -> tuple[str, ...]:
    """Features add their tables as branches off the initial schema, so there may be several heads."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config()).get_heads()))


async def upgrade(url: str, revision: str = "heads") -> None:
    await _with_connection(url, _upgrade, revision)


async def downgrade(url: str, revision: str) -> None:
    await _with_connection(url, _downgrade, revision)


async def current(url: str) -> tuple[str, ...]:
    """The revisions the database is at, empty when it was never migrated."""
    return await _with_connection(url, _current)


async def is_up_to_date(url: str) -> bool:
    return await current(url) == heads()


async def _with_connection(url: str, fn: Any, *args: Any) -> Any:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            return await conn.run_sync(fn, *args)
    finally:
        await engine.dispose()


def _configured(connection: Connection) -> Config:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(_configured(connection), revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(_configured(connection), revision)


def _current(connection: Connection) -> tuple[str, ...]:
    return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
