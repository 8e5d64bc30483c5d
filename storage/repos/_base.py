"""What every repository shares: the unit of work's connection, its clock, dialect-aware inserts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

Now = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Repository:
    def __init__(self, conn: AsyncConnection, now: Now = utc_now) -> None:
        self._conn = conn
        self._now = now

    def _insert(self, table: sa.Table) -> Any:
        """INSERT supporting ON CONFLICT … (both dialects spell it the same way)."""
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)
