from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bridge.api.app import create_app
from tests.fixtures.dashboard import PASSWORD, Seeded, seeded_bridge


@pytest.fixture
async def seeded(db_url: str, tmp_path: Path) -> AsyncIterator[Seeded]:
    s = await seeded_bridge(db_url, tmp_path)
    yield s
    await s.bridge.close()


@pytest.fixture
async def client_for(seeded: Seeded):  # type: ignore[no-untyped-def]
    """client_for(username) → an httpx client signed in through the login form (cookie + CSRF token)."""
    app = create_app(seeded.bridge)
    clients: list[httpx.AsyncClient] = []

    async def make(username: str | None) -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        clients.append(c)
        if username:
            r = await c.post("/web/login", data={"username": username, "password": PASSWORD})
            assert r.status_code == 303 and r.headers["location"] == "/web/", r.text
        return c

    yield make
    for c in clients:
        await c.aclose()
