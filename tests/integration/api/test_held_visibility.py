"""A held (or rejected) document is still its agency's business: a recipient agency's clerk sees nothing of it —
not the API detail, the document page, the PDF, the page preview, the held lists or the search — by session or
by token, until it is released to them (SQLite and PostgreSQL). core.access.agency_may_see."""

from __future__ import annotations

import httpx
import pytest

from bridge.bootstrap import access
from core.document import ProcessingState
from tests.fixtures.console import add_full_document
from tests.fixtures.dashboard import AGENCY_B, Seeded

DOC = "doc-ab"  # agency A → agency B
DETAIL = (
    f"/api/documents/{DOC}",
    f"/web/documents/{DOC}",
    f"/web/documents/{DOC}/files/0",
    f"/web/documents/{DOC}/files/0/pages/1.png",
)
LISTS = ("/api/held", "/web/held", "/api/documents", "/web/search")


async def signed_in(client_for, seeded: Seeded, username: str, by: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    if by == "session":
        return await client_for(username)  # type: ignore[no-any-return]
    c: httpx.AsyncClient = await client_for(None)
    c.headers["Authorization"] = f"Bearer {await access(seeded.bridge).accounts.issue_token(username, 'thử')}"
    return c


async def shown(c: httpx.AsyncClient) -> dict[str, int | bool]:
    """Status of each detail route, and whether each list names the document."""
    out: dict[str, int | bool] = {p: (await c.get(p)).status_code for p in DETAIL}
    for p in LISTS:
        r = await c.get(p)
        assert r.status_code == 200, (p, r.status_code)
        out[p] = DOC in r.text
    return out


async def set_state(seeded: Seeded, state: ProcessingState) -> None:
    async with seeded.bridge.deps.uow() as u:
        doc = await u.documents.get(DOC)
        assert doc is not None
        doc.state = state
        await u.documents.update(doc)
        await u.commit()


@pytest.mark.parametrize("by", ["session", "token"])
async def test_a_recipient_sees_nothing_of_the_senders_held_document(seeded: Seeded, client_for, by: str) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, DOC, to=AGENCY_B)
    everything = {**dict.fromkeys(DETAIL, 200), **dict.fromkeys(LISTS, True)}
    nothing = {**dict.fromkeys(DETAIL, 404), **dict.fromkeys(LISTS, False)}
    users = ("vanthu_a", "vanthu_b", "giamsat")
    sender, recipient, monitor = [await signed_in(client_for, seeded, u, by) for u in users]
    assert await shown(sender) == everything  # the agency that decides
    assert await shown(monitor) == everything  # province-wide roles read everything
    assert await shown(recipient) == nothing
    await set_state(seeded, ProcessingState.REJECTED)
    assert await shown(recipient) == {**nothing, "/api/documents": False}
    await set_state(seeded, ProcessingState.REGISTERED)  # released: now it is the recipient's too
    assert await shown(recipient) == {**dict.fromkeys(DETAIL, 200), **dict.fromkeys(LISTS, True), "/api/held": False,
                                      "/web/held": False}  # fmt: skip
