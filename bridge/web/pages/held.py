"""Held documents waiting for a clerk: list, accept, reject."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import acting_on, check_csrf, may_act_here
from bridge.api.monitoring import bridge_access
from bridge.reports.dashboard import held_documents
from bridge.services import checks_review
from bridge.web.common import PageUser, back, render
from core.access import User


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)
    uow = bridge.deps.uow

    @r.get("/held")
    async def held(request: Request, user: PageUser) -> HTMLResponse:
        docs = await held_documents(uow, user)
        acting = bool(docs) and may_act_here(bridge, user, docs[0])  # a user's list is all decidable or none
        return render(request, "held.html", "Văn bản chờ duyệt", docs=docs, can_act=acting)

    async def decide(request: Request, user: User, doc_id: str, csrf: str, reason: str | None) -> Response:
        check_csrf(request, csrf)
        async with uow() as u:
            acting_on(bridge, user, await u.documents.get(doc_id))  # core.access.may_act, else 404/403
        try:
            if reason is None:
                await checks_review.release_held(bridge.deps, doc_id, clerk=user.username)
            else:
                await checks_review.reject_held(bridge.deps, doc_id, clerk=user.username, reason=reason)
        except checks_review.ReviewError as exc:
            return back(request, "/web/held", str(exc), error=True)
        bridge.wake.set()
        action = "document.release" if reason is None else "document.reject"
        await bridge_access(bridge).audit.record(user.username, action, doc_id, reason=reason or "")
        return back(request, "/web/held", "Đã tiếp nhận văn bản" if reason is None else "Đã từ chối văn bản")

    @r.post("/held/{doc_id}/accept")
    async def accept(request: Request, user: PageUser, doc_id: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await decide(request, user, doc_id, csrf, None)

    @r.post("/held/{doc_id}/reject")
    async def reject(
        request: Request, user: PageUser, doc_id: str, reason: Annotated[str, Form()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        return await decide(request, user, doc_id, csrf, reason)

    return r
