"""Role isolation on every route: a clerk of agency A neither reads nor acts on agency B's documents."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import httpx

from bridge.bootstrap import access
from tests.fixtures.dashboard import AGENCY_A, AGENCY_B, Seeded


async def csrf_of(c: httpx.AsyncClient) -> str:
    page = (await c.get("/web/held")).text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


async def test_anonymous_gets_nothing_but_health(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for(None)
    for path in ["/api/documents", f"/api/documents/{seeded.docs['a_held']}", "/api/held", "/api/dashboard",
                 f"/api/register/{AGENCY_A}/di", "/api/outbox", "/api/reports/period", "/api/audit"]:  # fmt: skip
        assert (await c.get(path)).status_code == 401, path
    assert (await c.get("/web/")).headers["location"] == "/web/login"
    assert (await c.get("/healthz")).status_code == 200
    assert (await c.get("/metrics")).status_code == 401


async def test_clerk_of_a_cannot_read_or_act_on_b(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    b_doc, a_doc = seeded.docs["b_held"], seeded.docs["a_held"]
    listed = {d["id"] for d in (await c.get("/api/documents")).json()}
    assert listed == {seeded.docs["a_registered"], a_doc}
    assert {d["id"] for d in (await c.get("/api/held")).json()} == {a_doc}
    assert (await c.get(f"/api/documents/{b_doc}")).status_code == 404
    assert (await c.get(f"/api/documents/{a_doc}")).status_code == 200
    assert (await c.get(f"/api/register/{AGENCY_B}/di")).status_code == 403
    assert (await c.get(f"/api/register/{AGENCY_B}/di/export?format=csv")).status_code == 403
    assert (await c.get(f"/web/register?organ={AGENCY_B}")).status_code == 403
    assert (await c.get("/api/outbox")).status_code == 403
    assert (await c.get("/web/outbox")).status_code == 403
    assert (await c.get("/api/audit")).status_code == 403
    search = (await c.get("/web/search", params={"q": "thiên tai"})).text
    assert "Kế hoạch phòng chống thiên tai" not in search
    agencies = {a["organ_id"] for a in (await c.get("/api/dashboard")).json()["agencies"]}
    assert agencies <= {AGENCY_A}
    report = (await c.get("/api/reports/period", params={"from": "2000-01-01", "to": "2100-01-01"})).json()
    assert report["total"]["documents"] == 1 and report["held"] == 1
    assert {a["organ_id"] for a in report["by_sender"]} == {AGENCY_A}
    token = await csrf_of(c)
    hdr = {"X-CSRF-Token": token}
    for verb in ("accept", "reject"):
        r = await c.post(f"/api/documents/{b_doc}/{verb}", json={"reason": "thử"}, headers=hdr)
        assert r.status_code == 404, r.text
        r = await c.post(f"/web/held/{b_doc}/{verb}", data={"csrf": token, "reason": "thử"})
        assert r.status_code == 404  # not even visible to A: the same answer as the API
    assert (await c.post(f"/api/outbox/{seeded.dead_job}/requeue", headers=hdr)).status_code == 403
    assert (await c.post(f"/web/outbox/{seeded.dead_job}/requeue", data={"csrf": token})).status_code == 403
    async with seeded.bridge.deps.uow() as u:
        assert (await u.documents.get(b_doc)).state.value == "held"  # type: ignore[union-attr]


async def test_forms_need_the_csrf_token(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    r = await c.post(f"/web/held/{seeded.docs['a_held']}/reject", data={"csrf": "sai", "reason": "x"})
    assert r.status_code == 403
    r = await c.post(f"/api/documents/{seeded.docs['a_held']}/reject", json={"reason": "x"})
    assert r.status_code == 403


async def test_clerk_acts_on_own_agency_and_the_audit_log_says_so(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    token = await csrf_of(c)
    r = await c.post(f"/web/held/{seeded.docs['a_held']}/reject", data={"csrf": token, "reason": "Thiếu chữ ký"})
    assert r.status_code == 303 and "Đã từ chối" in unquote_plus(r.headers["location"])
    entries = await access(seeded.bridge).store.recent_audit()
    actions = [(e.actor, e.action, e.target) for e in entries]
    assert ("vanthu_a", "document.reject", seeded.docs["a_held"]) in actions
    assert ("vanthu_a", "login", "vanthu_a") in actions


async def test_monitor_reads_everything_but_acts_on_nothing(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("giamsat")
    assert len((await c.get("/api/documents")).json()) == 4
    assert (await c.get(f"/api/register/{AGENCY_B}/di")).status_code == 200
    assert (await c.get("/api/outbox")).status_code == 200
    token = await csrf_of(c)
    r = await c.post(f"/api/documents/{seeded.docs['b_held']}/accept", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    assert (await c.post(f"/web/outbox/{seeded.dead_job}/requeue", data={"csrf": token})).status_code == 403


async def test_admin_requeues_a_dead_letter(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("admin")
    token = await csrf_of(c)
    r = await c.post(f"/web/outbox/{seeded.dead_job}/requeue", data={"csrf": token})
    assert r.status_code == 303
    assert (await seeded.bridge.queue.get(seeded.dead_job)).state.value == "todo"  # type: ignore[union-attr]
    verify = (await c.get("/api/audit/verify")).json()
    assert verify["ok"] and verify["checked"] >= 7
