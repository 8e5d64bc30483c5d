"""The period report (Điều 24)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bridge.api.monitoring import period_report
from bridge.reports.export import _breakdowns
from bridge.reports.period import ratio
from bridge.web.common import PageUser, render


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/report")
    async def report(
        request: Request,
        user: PageUser,
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
    ) -> HTMLResponse:
        rep = await period_report(bridge, user, start, end)
        return render(
            request,
            "report.html",
            "Báo cáo",
            r=rep,
            start=rep.start.isoformat(),
            end=rep.end.isoformat(),
            breakdowns=_breakdowns(rep.total),
            ratio=ratio,
        )

    return r
