"""The period report (Điều 24): the current half-year by default, the previous and next one a click away,
the figures with their totals, and the XLSX and PDF (signed when configured)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bridge.api.monitoring import period_report
from bridge.reports.official import period_title
from bridge.reports.period import next_half_year, number, percent, previous_half_year
from bridge.reports.report_text import breakdowns, intake_rows, security_rows
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
            request, "report.html", "Báo cáo định kỳ", r=rep, start=rep.start.isoformat(), end=rep.end.isoformat(),
            title_period=period_title(rep.start, rep.end), previous=previous_half_year(rep.start),
            following=next_half_year(rep.start), breakdowns=breakdowns(rep.total), intake=intake_rows(rep),
            security=security_rows(rep), percent=percent, number=number,
            signed=bool(bridge.settings.report.sign_pkcs12),
        )  # fmt: skip

    return r
