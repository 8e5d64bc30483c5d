"""The outbox queue and its dead letters (admins and the monitor)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import check_csrf
from bridge.services.outbox_view import describe
from bridge.web.common import PageUser, back, render
from core.access import Role
from core.records import OutboxState


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/outbox")
    async def outbox(request: Request, user: PageUser) -> HTMLResponse:
        if user.role not in (Role.ADMIN, Role.MONITOR):
            raise HTTPException(403, "Chỉ quản trị và giám sát xem hàng đợi")
        stats = await bridge.queue.stats()
        counts = {s.value: n for s, n in stats.counts.items()}
        dead = await bridge.queue.list(state=OutboxState.DEAD, limit=200)
        todo = await bridge.queue.list(state=OutboxState.TODO, limit=200)
        about = {v.id: v for v in await describe(bridge.deps.uow, [*dead, *todo])}  # the document, who, why
        return render(
            request,
            "outbox.html",
            "Hàng đợi",
            stats={"counts": counts},
            dead=dead,
            todo=todo,
            about=about,
            is_admin=user.role is Role.ADMIN,
        )

    @r.post("/outbox/{job_id}/requeue")
    async def requeue(request: Request, user: PageUser, job_id: int, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        if user.role is not Role.ADMIN:
            raise HTTPException(403, "Chỉ quản trị được đưa lại thư chết")
        audit = bridge.deps.audit.recording(user.username, "outbox.requeue", str(job_id))
        if not await bridge.queue.requeue(job_id, audit=audit):  # the change and its audit entry together
            return back(request, "/web/outbox", "Không tìm thấy thư chết này", error=True)
        bridge.wake.set()
        return back(request, "/web/outbox", f"Đã đưa việc {job_id} trở lại hàng đợi")

    return r
