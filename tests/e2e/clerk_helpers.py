"""Helpers of the clerk/official journeys (issue 16): a dashboard session on the running service's database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from core.access import Role

PASSWORD = "mật-khẩu-văn-thư-1"


async def add_user(database_url: str, username: str, role: Role, organ: str, clock: Any = None) -> None:
    """A dashboard user, created as `edoc-bridge users add` does, on the service's database."""
    from bridge.services.accounts import Accounts
    from bridge.services.audit import AuditLog
    from bridge.services.deps import SystemClock
    from storage.access import AccessStore
    from storage.engine import make_engine

    engine = make_engine(database_url)
    try:
        store = AccessStore(engine)
        clock = clock or SystemClock()
        await Accounts(store, AuditLog(store, clock), clock).create_user(username, PASSWORD, role, organ)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def web_session(base: str, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in browser-like client (session cookie)."""
    async with httpx.AsyncClient(base_url=base, timeout=15) as c:
        r = await c.post("/web/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 303 and r.headers["location"] == "/web/", r.text
        yield c
