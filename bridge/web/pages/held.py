"""Held documents waiting for a clerk: the ones this user's agency decides (core.access), accept after a
confirmation, reject with a reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import may_act_here
from bridge.reports.dashboard import held_documents
from bridge.web.common import PageUser, render
from bridge.web.review import decide


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/held")
    async def held(request: Request, user: PageUser) -> HTMLResponse:
        docs = await held_documents(bridge.deps.uow, user)
        deciding = {d.id for d in docs if may_act_here(bridge, user, d)}
        return render(request, "held.html", "Văn bản chờ duyệt", docs=docs, deciding=deciding)

    @r.post("/held/{doc_id}/accept")
    async def accept(request: Request, user: PageUser, doc_id: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await decide(bridge, request, user, doc_id, csrf, None, "/web/held")

    @r.post("/held/{doc_id}/reject")
    async def reject(
        request: Request, user: PageUser, doc_id: str, reason: Annotated[str, Form()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        return await decide(bridge, request, user, doc_id, csrf, reason, "/web/held")

    return r
