"""Search over the register."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bridge.api.auth import organ_scope
from bridge.reports.dashboard import agency_names
from bridge.web.common import PageUser, render


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)
    uow = bridge.deps.uow

    @r.get("/search")
    async def search(
        request: Request,
        user: PageUser,
        q: str = "",
        organ: str = "",
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
    ) -> HTMLResponse:
        scope = organ_scope(user) or organ or None
        names = await agency_names(uow)
        async with uow() as u:
            docs = await u.documents.search(text=q or None, organ=scope, date_from=start, date_to=end, limit=200)
        agencies = [] if organ_scope(user) else sorted(names.items(), key=lambda x: x[1])
        return render(
            request,
            "search.html",
            "Tra cứu",
            docs=docs,
            q=q,
            organ=organ,
            start=start,
            end=end,
            names=names,
            agencies=agencies,
        )

    return r
