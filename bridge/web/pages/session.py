"""Login and logout. The login page shows only messages it knows by code (never text from the link)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bridge.api.auth import SESSION_COOKIE, check_csrf
from bridge.api.monitoring import bridge_access
from bridge.services.accounts import LoginThrottled
from bridge.web.common import PageUser, render
from bridge.web.safety import set_session_cookie

# code → (text, is an error)
LOGIN_NOTICES = {
    "wrong": ("Sai tên đăng nhập hoặc mật khẩu.", True),
    "locked": ("Đăng nhập sai quá nhiều lần; tài khoản tạm khóa, hãy thử lại sau ít phút.", True),
    "logged_out": ("Đã đăng xuất.", False),
    "expired": ("Phiên làm việc đã hết hạn; hãy đăng nhập lại.", False),
}


def to_login(code: str) -> RedirectResponse:
    return RedirectResponse(f"/web/login?msg={code}", status_code=303)


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    @r.get("/login")
    async def login_page(request: Request, msg: str = "") -> HTMLResponse:
        request.state.user = None
        notice, is_error = LOGIN_NOTICES.get(msg, ("", False))
        return render(request, "login.html", "Đăng nhập", message="", notice=notice, notice_error=is_error)

    @r.post("/login")
    async def login(request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
        address = request.client.host if request.client else ""
        try:
            session = await bridge_access(bridge).accounts.login(username.strip(), password, address)
        except LoginThrottled as exc:  # too many failures: 429 with when to try again (Vietnam time)
            request.state.user = None
            page = render(
                request, "login.html", "Đăng nhập", status=429, message="", notice=str(exc), notice_error=True
            )
            page.headers["Retry-After"] = str(max(1, int((exc.until - bridge.deps.clock.now()).total_seconds())))
            return page
        if session is None:
            return to_login("wrong")
        resp = RedirectResponse("/web/", status_code=303)
        set_session_cookie(request, resp, session.token)
        return resp

    @r.post("/logout")
    async def logout(request: Request, user: PageUser, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        await bridge_access(bridge).accounts.logout(request.cookies.get(SESSION_COOKIE, ""), user)
        resp = to_login("logged_out")
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    return r
