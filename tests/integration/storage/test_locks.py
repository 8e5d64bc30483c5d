"""Leader locks: one holder per name across connections (processes) on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from storage.locks import leader_lock


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_only_one_holder_per_name(engine: AsyncEngine, db_url: str) -> None:
    other_process = make_engine(db_url)
    try:
        async with leader_lock(engine, "imap:vanthu@bridge.gov.vn") as held:
            assert held
            async with leader_lock(other_process, "imap:vanthu@bridge.gov.vn") as second:
                assert not second
            async with leader_lock(other_process, "imap:congvan@bridge.gov.vn") as other_name:
                assert other_name
        async with leader_lock(other_process, "imap:vanthu@bridge.gov.vn") as after_release:
            assert after_release
    finally:
        await other_process.dispose()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_sqlite_is_single_process_so_always_held(engine: AsyncEngine) -> None:
    async with leader_lock(engine, "imap:x") as held:
        assert held
