"""Who may act on a document (core.access.may_act), tried on every action route as every role, by session and
by token, on documents of the user's own agency, of an agency they are a recipient of, and of a stranger.

Documents (all held): `own_a` A → province; `b_to_a` B → A (A is only a recipient); `own_b` B → province;
`incoming_a` axis → A (decided by A, answered with a status, so release refuses with 409 after the rule)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bridge.bootstrap import access
from core.document import Direction, ProcessingState
from core.organ_id import OrganId
from tests.fixtures.dashboard import AGENCY_A, AGENCY_B, PROVINCE, Seeded, document

ROLES = ("admin", "giamsat", "vanthu_a", "lanhdao_a", "vanthu_b")
DOCS = ("own_a", "b_to_a", "own_b", "incoming_a")
# who may decide each document, with admins not deciding (the production default)
DECIDES = {
    "own_a": {"vanthu_a", "lanhdao_a"},
    "b_to_a": {"vanthu_b"},
    "own_b": {"vanthu_b"},
    "incoming_a": {"vanthu_a", "lanhdao_a"},
}
SEES = {  # everyone else who sees the document gets 403; those who do not see it get 404
    "own_a": {"admin", "giamsat", "vanthu_a", "lanhdao_a"},
    "b_to_a": {"admin", "giamsat", "vanthu_b"},  # held: not yet A's to read (core.access.agency_may_see)
    "own_b": {"admin", "giamsat", "vanthu_b"},
    "incoming_a": {"admin", "giamsat", "vanthu_a", "lanhdao_a"},
}
ROUTES = ("api-accept", "api-reject", "web-accept", "web-reject")


async def add_documents(seeded: Seeded) -> dict[str, str]:
    now = datetime.now(UTC)
    held = ProcessingState.HELD
    docs = {
        "own_a": seeded.docs["a_held"],
        "own_b": seeded.docs["b_held"],
    }
    b_to_a = document("doc-b3", AGENCY_B, "9/CV-UBND", "Công văn gửi xã A", held, now - timedelta(hours=1))
    b_to_a.recipients = [OrganId(AGENCY_A)]
    incoming = document("doc-in1", PROVINCE, "20/QĐ-UBND", "Quyết định của tỉnh", held, now - timedelta(minutes=5))
    incoming.direction, incoming.recipients = Direction.INCOMING, [OrganId(AGENCY_A)]
    async with seeded.bridge.deps.uow() as u:
        for d in (b_to_a, incoming):
            await u.documents.add(d)
        await u.commit()
    return {**docs, "b_to_a": b_to_a.id, "incoming_a": incoming.id}


async def csrf_of(c: httpx.AsyncClient) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', (await c.get("/web/held")).text)
    assert m
    return m.group(1)


async def attempt(c: httpx.AsyncClient, csrf: str | None, route: str, doc_id: str) -> int:
    kind, verb = route.split("-")
    if kind == "api":
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        return (await c.post(f"/api/documents/{doc_id}/{verb}", json={"reason": "thử"}, headers=headers)).status_code
    return (await c.post(f"/web/held/{doc_id}/{verb}", data={"csrf": csrf or "", "reason": "thử"})).status_code


async def state_of(seeded: Seeded, doc_id: str) -> ProcessingState:
    async with seeded.bridge.deps.uow() as u:
        doc = await u.documents.get(doc_id)
    assert doc is not None
    return doc.state


@pytest.mark.parametrize("by", ["session", "token"])
async def test_every_role_on_every_action_route(seeded: Seeded, client_for, by: str) -> None:  # type: ignore[no-untyped-def]
    ids = await add_documents(seeded)
    clients: dict[str, tuple[httpx.AsyncClient, str | None]] = {}
    for role in ROLES:
        if by == "session":
            c = await client_for(role)
            clients[role] = (c, await csrf_of(c))
        else:
            c = await client_for(None)
            token = await access(seeded.bridge).accounts.issue_token(role, "thử")
            c.headers["Authorization"] = f"Bearer {token}"
            clients[role] = (c, None)
    routes = ROUTES if by == "session" else ("api-accept", "api-reject")
    for name in DOCS:
        doc_id = ids[name]
        # every refusal first: the document must stay held through all of them
        for role in ROLES:
            if role in DECIDES[name]:
                continue
            c, csrf = clients[role]
            for route in routes:
                got = await attempt(c, csrf, route, doc_id)
                assert got == (403 if role in SEES[name] else 404), (role, name, route, got)
        assert await state_of(seeded, doc_id) is ProcessingState.HELD, name
        # then the agency that decides: past the rule (incoming documents are answered by status: 409)
        role = sorted(DECIDES[name])[0]
        c, csrf = clients[role]
        got = await attempt(c, csrf, routes[1], doc_id)
        if name == "incoming_a":
            assert got == 409 if routes[1].startswith("api") else got == 303, (role, name, got)
            assert await state_of(seeded, doc_id) is ProcessingState.HELD
        else:
            assert got in (200, 303), (role, name, got)
            assert await state_of(seeded, doc_id) is ProcessingState.REJECTED


async def test_admins_decide_only_when_configured(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    ids = await add_documents(seeded)
    c = await client_for("admin")
    csrf = await csrf_of(c)
    assert await attempt(c, csrf, "api-accept", ids["own_b"]) == 403
    assert all(not d["may_act"] for d in (await c.get("/api/held")).json())
    seeded.bridge.settings.security.admins_decide_documents = True
    assert all(d["may_act"] for d in (await c.get("/api/held")).json())
    assert await attempt(c, csrf, "api-reject", ids["own_b"]) == 200
    assert await state_of(seeded, ids["own_b"]) is ProcessingState.REJECTED


async def test_held_lists_show_only_what_the_user_may_decide(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    ids = await add_documents(seeded)
    expected = {role: {ids[n] for n in DOCS if role in DECIDES[n]} for role in ("vanthu_a", "lanhdao_a", "vanthu_b")}
    for role, want in expected.items():
        c = await client_for(role)
        listed = (await c.get("/api/held")).json()
        assert {d["id"] for d in listed} == want, role
        assert all(d["may_act"] for d in listed)
        page = (await c.get("/web/held")).text
        for other in set(ids.values()) - want:
            assert f"held-{other}" not in page, (role, other)
    monitor = await client_for("giamsat")
    listed = (await monitor.get("/api/held")).json()
    assert {d["id"] for d in listed} == set(ids.values()) and not any(d["may_act"] for d in listed)
    assert 'class="accept"' not in (await monitor.get("/web/held")).text
