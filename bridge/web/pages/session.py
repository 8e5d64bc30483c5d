"""Login and logout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bridge.api.auth import SESSION_COOKIE, check_csrf
from bridge.api.monitoring import bridge_access
from bridge.web.common import PageUser, back, render


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/login")
    async def login_page(request: Request, msg: str = "") -> HTMLResponse:
        request.state.user = None
        return render(request, "login.html", "Đăng nhập", message=msg, error=bool(msg))

    @r.post("/login")
    async def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
        session = await bridge_access(bridge).accounts.login(username.strip(), password)
        if session is None:
            return back("/web/login", "Sai tên đăng nhập hoặc mật khẩu")
        resp = RedirectResponse("/web/", status_code=303)
        secure = bridge.settings.api.secure_cookies  # production: HTTPS only (the TLS reverse proxy)
        resp.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/", secure=secure)
        return resp

    @r.post("/logout")
    async def logout(request: Request, user: PageUser, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        await bridge_access(bridge).accounts.logout(request.cookies.get(SESSION_COOKIE, ""), user)
        resp = back("/web/login", "Đã đăng xuất")
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return r
