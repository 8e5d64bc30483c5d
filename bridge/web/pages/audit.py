"""The audit log (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from bridge.api.monitoring import bridge_access
from bridge.web.common import PageUser, render
from core.access import Role


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/audit")
    async def audit(request: Request, user: PageUser) -> HTMLResponse:
        if user.role is not Role.ADMIN:
            raise HTTPException(403, "Chỉ quản trị xem nhật ký kiểm toán")
        acc = bridge_access(bridge)
        return render(
            request, "audit.html", "Nhật ký", v=await acc.audit.verify(), entries=await acc.store.recent_audit(200)
        )

    return r
