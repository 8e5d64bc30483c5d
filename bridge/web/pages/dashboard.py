"""The overview: traffic, status funnel, agencies, mailboxes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bridge.api.auth import organ_scope
from bridge.mailboxes import mailbox_views
from bridge.reports.dashboard import dashboard, pollers_health
from bridge.reports.svg import funnel_svg, traffic_svg
from bridge.services.outbox_view import alert_lines, describe
from bridge.web.common import PageUser, render


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/")
    async def home(request: Request, user: PageUser, days: int = 30) -> HTMLResponse:
        now = bridge.deps.clock.now()
        d = await dashboard(bridge.deps.uow, now, organ_scope(user), max(1, min(days, 366)))
        pollers = pollers_health(mailbox_views(bridge), now) if organ_scope(user) is None else None
        failing = await describe(bridge.deps.uow, await bridge.queue.failing())
        return render(
            request,
            "dashboard.html",
            "Tổng quan",
            d=d,
            pollers=pollers,
            traffic_svg=traffic_svg(d.days, d.series),
            funnel_svg=funnel_svg(d.funnel),
            alerts=alert_lines(failing, organ_scope(user)),  # undelivered relays and other failing work
        )

    return r
