"""Async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg), tuned for durable acknowledgements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _json(value: Any) -> str:
    # Vietnamese stays readable in the database; odd values (datetimes in trail data) become text.
    return json.dumps(value, ensure_ascii=False, default=str)


def normalise_url(url: str) -> str:
    """Accept plain `sqlite:///…` / `postgresql://…` and pick the async drivers."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Engine for the URL; a SQLite file's directory is created. Extra kwargs go to create_async_engine."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)  # survive a database restart under a long-running service
    elif parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, json_serializer=_json, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself instead of pysqlite's deferred BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # WAL: readers never block the writer. FULL: a commit survives power loss before we say 250.
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            # accepted mail rides in its row until the pipeline moves it out: checkpoint every ~40 MB of
            # WAL instead of every 4 MB, so commits on the accept path rarely pay for a checkpoint
            "wal_autocheckpoint=10000",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Take the write lock up front: concurrent writers queue on busy_timeout instead of failing
        # with SQLITE_BUSY when a deferred read transaction tries to upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
