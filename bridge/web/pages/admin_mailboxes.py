"""The polled IMAP mailboxes: configuration, health of the running service's pollers, pause and resume (admins;
the monitor reads). The same use cases as `edoc-bridge mailboxes …` (bridge.services.mailbox_admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bridge.mailboxes import mailbox_views
from bridge.reports.dashboard import pollers_health
from bridge.services import admin, mailbox_admin
from bridge.web.common import PageUser, back, render
from bridge.web.pages.admin import changer, reader
from core.access import Role

PAGE = "/web/admin/mailboxes"


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix=PAGE, include_in_schema=False)

    @r.get("")
    async def mailboxes(request: Request, user: PageUser) -> HTMLResponse:
        reader(user)
        health = {h["mailbox"]: h for h in pollers_health(mailbox_views(bridge), bridge.deps.clock.now()) or []}
        rows = await mailbox_admin.list_mailboxes(bridge.deps, bridge.settings.imap)
        return render(request, "admin_mailboxes.html", "Hộp thư được thăm dò", mailboxes=rows, health=health,
                      is_admin=user.role is Role.ADMIN)  # fmt: skip

    @r.post("/{name}/pause")
    async def pause(request: Request, user: PageUser, name: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await _set(request, user, name, csrf, True)

    @r.post("/{name}/resume")
    async def resume(request: Request, user: PageUser, name: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await _set(request, user, name, csrf, False)

    async def _set(request: Request, user: Any, name: str, csrf: str, paused: bool) -> Response:
        changer(request, user, csrf)
        try:
            changed = await mailbox_admin.set_paused(bridge.deps, bridge.settings.imap, user.username, name, paused)
        except admin.AdminError as exc:
            return back(request, PAGE, str(exc), error=True)
        if not changed:
            return back(request, PAGE, f"Hộp thư {name} đã {'tạm dừng' if paused else 'chạy'} từ trước.")
        done = "Đã tạm dừng" if paused else "Đã cho chạy lại"
        return back(request, PAGE, f"{done} hộp thư {name} (có hiệu lực trong lần kiểm tra kế tiếp).")

    return r
