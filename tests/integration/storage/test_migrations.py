"""Migrations build the schema from nothing, match storage.tables, and go down and up again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from storage import access, deliveries, officials, operations, reply_tokens, search  # noqa: F401  (feature branches' tables join the metadata)
from storage.engine import make_engine
from storage.migrate import current, downgrade, heads, is_up_to_date, upgrade
from storage.tables import metadata
from tests.fixtures.databases import Kind, fresh_database_url, pg_server

CORE_TABLES = {
    "agencies", "agency_emails", "inbound", "documents", "document_recipients", "attachments",
    "register_entries", "register_counters", "status_events", "outbox",
}  # fmt: skip
TABLES = set(metadata.tables) | {"alembic_version"}


def test_feature_branches_add_to_the_core_schema() -> None:
    assert CORE_TABLES < set(metadata.tables)
    assert {"users", "audit_log", "deliveries", "officials", "notices"} <= set(metadata.tables)


def _schema_drift(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(ctx, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(sa.inspect(conn).get_table_names())


@pytest.fixture
async def empty_url(db_kind: Kind) -> AsyncIterator[str]:
    """A database never migrated."""
    if db_kind == "sqlite":
        yield await fresh_database_url("sqlite", migrated=False)
        return
    url = await pg_server().create_database(migrated=False)
    yield url
    await pg_server().drop_database(url)


async def test_upgrade_from_empty_matches_the_tables_module(empty_url: str) -> None:
    assert await current(empty_url) == ()
    await upgrade(empty_url)
    assert await current(empty_url) == heads() and await is_up_to_date(empty_url)
    engine = make_engine(empty_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == TABLES
            assert await conn.run_sync(_schema_drift) == []
    finally:
        await engine.dispose()
    await upgrade(empty_url)  # running it again is harmless


async def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    await upgrade(empty_url)
    await downgrade(empty_url, "base")
    assert await current(empty_url) == ()
    engine = make_engine(empty_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == {"alembic_version"}
    finally:
        await engine.dispose()
    await upgrade(empty_url)
    assert await is_up_to_date(empty_url)


async def test_sqlite_engine_is_durable_and_enforces_foreign_keys() -> None:
    url = await fresh_database_url("sqlite")
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            pragmas = {p: (await conn.exec_driver_sql(f"PRAGMA {p}")).scalar() for p in
                       ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")}  # fmt: skip
            assert pragmas == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 30000}
            with pytest.raises(sa.exc.IntegrityError):
                await conn.exec_driver_sql(
                    "INSERT INTO attachments (document_id, position, sha256, filename, content_type, size)"
                    " VALUES ('không-có', 0, 'x', 'a.pdf', 'application/pdf', 1)"
                )
    finally:
        await engine.dispose()
