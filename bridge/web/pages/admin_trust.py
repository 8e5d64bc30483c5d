"""Trust roots: list (subject, validity, SHA-256), add (upload PEM/DER), remove; admins change, the monitor
reads. The same use cases as `edoc-bridge trust …` (bridge.services.trust_admin)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bridge import trust_roots as trust_admin
from bridge.services import admin
from bridge.web.common import PageUser, back, render
from bridge.web.pages.admin import changer, reader
from core.access import Role

PAGE = "/web/admin/trust"


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix=PAGE, include_in_schema=False)
    checks = bridge.settings.checks

    @r.get("")
    async def roots(request: Request, user: PageUser) -> HTMLResponse:
        reader(user)
        found = await asyncio.to_thread(trust_admin.list_roots, checks)
        return render(request, "admin_trust.html", "Chứng thư gốc tin cậy", roots=found, now=bridge.deps.clock.now(),
                      is_admin=user.role is Role.ADMIN)  # fmt: skip

    @r.post("")
    async def add(
        request: Request, user: PageUser, file: Annotated[UploadFile, File()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        changer(request, user, csrf)
        try:
            info = await trust_admin.add_root(
                bridge.deps, checks, user.username, await file.read(trust_admin.MAX_SIZE + 1)
            )
        except admin.AdminError as exc:
            return back(request, PAGE, str(exc), error=True)
        return back(request, PAGE, f"Đã thêm chứng thư gốc {info.subject} (SHA-256 {info.sha256}).")

    @r.post("/{sha256}/remove")
    async def remove(request: Request, user: PageUser, sha256: str, csrf: Annotated[str, Form()] = "") -> Response:
        changer(request, user, csrf)
        try:
            info = await trust_admin.remove_root(bridge.deps, checks, user.username, sha256)
        except admin.AdminError as exc:
            return back(request, PAGE, str(exc), error=True)
        return back(request, PAGE, f"Đã gỡ chứng thư gốc {info.subject}.")

    return r
