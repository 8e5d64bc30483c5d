"""Administration pages: the agency directory (list, add, edit, import), chatbot officials (list, new link code,
unlink); the polled mailboxes are in admin_mailboxes.py. Admins change, the monitor reads; every change is audited
(bridge.services.admin, the same use cases as the CLI)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import check_csrf
from bridge.api.monitoring import bridge_access
from bridge.directory import DirectoryError
from bridge.services import admin
from bridge.web.common import PageUser, back, render
from core.access import Role, User

MAX_DIRECTORY = 2 * 1024 * 1024


def reader(user: User) -> None:
    if user.role not in (Role.ADMIN, Role.MONITOR):
        raise HTTPException(403, "Chỉ quản trị và giám sát xem trang quản trị")


def changer(request: Request, user: User, csrf: str) -> None:
    check_csrf(request, csrf)
    if user.role is not Role.ADMIN:
        raise HTTPException(403, "Chỉ quản trị được thay đổi")


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web/admin", include_in_schema=False)
    deps = bridge.deps

    def audit() -> Any:
        return bridge_access(bridge).audit

    @r.get("")
    async def index(request: Request, user: PageUser) -> HTMLResponse:
        reader(user)
        return render(request, "admin_index.html", "Quản trị")

    @r.get("/agencies")
    async def agencies(request: Request, user: PageUser) -> HTMLResponse:
        reader(user)
        rows = await admin.list_agencies(deps)
        is_admin = user.role is Role.ADMIN
        return render(request, "admin_agencies.html", "Danh bạ cơ quan", agencies=rows, is_admin=is_admin)

    @r.get("/agencies/{organ_id}")
    async def agency(request: Request, user: PageUser, organ_id: str) -> HTMLResponse:
        reader(user)
        found = next((a for a in await admin.list_agencies(deps) if a.organ_id.value == organ_id), None)
        if found is None:
            raise HTTPException(404, "Không có cơ quan này")
        return render(request, "admin_agency.html", f"Cơ quan {found.name}", a=found, is_admin=user.role is Role.ADMIN)

    @r.post("/agencies")
    async def save(
        request: Request,
        user: PageUser,
        organ_id: Annotated[str, Form(max_length=40)],
        name: Annotated[str, Form(max_length=300)],
        emails: Annotated[str, Form(max_length=5000)] = "",
        parent_name: Annotated[str, Form(max_length=300)] = "",
        served: Annotated[str, Form()] = "",
        sender_policy: Annotated[str, Form()] = "directory",
        tax_codes: Annotated[str, Form(max_length=2000)] = "",
        abbreviation: Annotated[str, Form(max_length=40)] = "",
        new: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        changer(request, user, csrf)
        to = "/web/admin/agencies" if new else f"/web/admin/agencies/{organ_id.strip()}"
        try:
            a = admin.agency_from_form(organ_id, name, emails, parent_name, served == "1", sender_policy, tax_codes,
                                       abbreviation)  # fmt: skip
            await admin.save_agency(deps, audit(), user.username, a, new=bool(new))
        except admin.AdminError as exc:
            return back(request, to, str(exc), error=True)
        if bridge.addresses is not None:
            bridge.addresses.invalidate()  # SMTP accepts the new addresses at once
        return back(request, to, f"Đã lưu cơ quan {a.name} ({a.organ_id}).")

    @r.post("/agencies/import")
    async def import_file(
        request: Request, user: PageUser, file: Annotated[UploadFile, File()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        changer(request, user, csrf)
        from bridge.bootstrap import import_directory

        data = await file.read(MAX_DIRECTORY + 1)
        if len(data) > MAX_DIRECTORY:
            return back(request, "/web/admin/agencies", "Tệp danh bạ quá lớn (tối đa 2 MB).", error=True)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "danh-ba.toml"
            path.write_bytes(data)
            try:
                count = await import_directory(bridge, path, actor=user.username, source=file.filename or "")
            except (DirectoryError, ValueError, UnicodeDecodeError) as exc:
                return back(request, "/web/admin/agencies", f"Không nhập được danh bạ: {exc}", error=True)
        return back(request, "/web/admin/agencies", f"Đã nhập {count} cơ quan.")

    @r.get("/officials")
    async def officials(request: Request, user: PageUser) -> HTMLResponse:
        reader(user)
        rows = await admin.list_officials(deps)
        names = {a.organ_id.value: a.name for a in await admin.list_agencies(deps)}
        return render(request, "admin_officials.html", "Cán bộ dùng chatbot", officials=rows, names=names,
                      is_admin=user.role is Role.ADMIN)  # fmt: skip

    @r.post("/officials/{official_id}/code")
    async def code(request: Request, user: PageUser, official_id: int, csrf: Annotated[str, Form()] = "") -> Response:
        changer(request, user, csrf)
        ttl = timedelta(hours=bridge.settings.bot.link_code_hours)
        try:
            made = await admin.official_code(deps, audit(), user.username, official_id, ttl)
        except admin.AdminError as exc:
            return back(request, "/web/admin/officials", str(exc), error=True)
        return back(request, "/web/admin/officials", f"Mã liên kết mới của cán bộ số {official_id}: {made} "
                    f"(gửi cho chatbot: /start {made})")  # fmt: skip

    @r.post("/officials/{official_id}/unlink")
    async def unlink(request: Request, user: PageUser, official_id: int, csrf: Annotated[str, Form()] = "") -> Response:
        changer(request, user, csrf)
        try:
            await admin.unlink_official(deps, audit(), user.username, official_id)
        except admin.AdminError as exc:
            return back(request, "/web/admin/officials", str(exc), error=True)
        return back(request, "/web/admin/officials", f"Đã hủy liên kết chatbot của cán bộ số {official_id}.")

    return r
