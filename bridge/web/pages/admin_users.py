"""Accounts for admins: users (create, disable, enable, new password), API tokens (issue, revoke) and locked
logins (unlock). The same use cases as `edoc-bridge users …` (bridge.services.accounts), each audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import check_csrf
from bridge.api.monitoring import bridge_access
from bridge.services.accounts import AccountError
from bridge.web.common import PageUser, back, render
from core.access import Role, User

PAGE = "/web/users"
Text = Annotated[str, Form(max_length=300)]


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    def admin(request: Request, user: User, csrf: str | None = None) -> Any:
        if user.role is not Role.ADMIN:
            raise HTTPException(403, "Chỉ quản trị quản lý người dùng")
        if csrf is not None:
            check_csrf(request, csrf)
        return bridge_access(bridge).accounts

    @r.get("/users")
    async def users(request: Request, user: PageUser, msg: str = "") -> HTMLResponse:
        accounts = admin(request, user)
        return render(
            request,
            "users.html",
            "Người dùng",
            users=await accounts.users(),
            tokens=await accounts.tokens(),
            locked=await accounts.locked_logins(),
            roles=list(Role),
            message=msg,
            new_token="",
        )

    async def act(request: Request, user: User, csrf: str, done: str, change: Any) -> Response:
        accounts = admin(request, user, csrf)
        try:
            await change(accounts)
        except AccountError as exc:
            return back(request, PAGE, str(exc), error=True)
        return back(request, PAGE, done)

    @r.post("/users/new")
    async def create(request: Request, user: PageUser, username: Text, role: Text, password: Text,
                     organ_id: Text = "", full_name: Text = "", csrf: Text = "") -> Response:  # fmt: skip
        try:
            kind = Role(role)
        except ValueError:
            return back(request, PAGE, "Vai trò không hợp lệ.", error=True)
        return await act(request, user, csrf, f"Đã tạo người dùng {username}.",
                         lambda a: a.create_user(username.strip(), password, kind, organ_id.strip(), full_name.strip(),
                                                 actor=user.username))  # fmt: skip

    @r.post("/users/{username}/disable")
    async def disable(request: Request, user: PageUser, username: str, csrf: Text = "") -> Response:
        if username == user.username:
            return back(request, PAGE, "Không tự khóa tài khoản của chính mình.", error=True)
        return await act(request, user, csrf, f"Đã khóa {username}; các phiên và mã truy cập đã bị hủy.",
                         lambda a: a.disable(username, actor=user.username))  # fmt: skip

    @r.post("/users/{username}/enable")
    async def enable(request: Request, user: PageUser, username: str, csrf: Text = "") -> Response:
        return await act(request, user, csrf, f"Đã mở lại {username}.", lambda a: a.enable(username, user.username))

    @r.post("/users/{username}/password")
    async def password(request: Request, user: PageUser, username: str, password: Text, csrf: Text = "") -> Response:
        return await act(request, user, csrf, f"Đã đổi mật khẩu của {username}.",
                         lambda a: a.set_password(username, password, actor=user.username))  # fmt: skip

    @r.post("/users/{username}/token")
    async def token(request: Request, user: PageUser, username: str, name: Text = "api", csrf: Text = "",
                    days: Annotated[float | None, Form(ge=0, le=3660)] = None) -> Response:  # fmt: skip
        accounts = admin(request, user, csrf)
        try:
            issued = await accounts.issue_token(username, name, actor=user.username, days=days)
        except AccountError as exc:
            return back(request, PAGE, str(exc), error=True)
        return render(  # shown once, never stored: not in a redirect URL
            request,
            "users.html",
            "Người dùng",
            users=await accounts.users(),
            tokens=await accounts.tokens(),
            locked=await accounts.locked_logins(),
            roles=list(Role),
            message=f"Mã truy cập mới của {username} (chỉ hiện một lần):",
            new_token=issued,
        )

    @r.post("/users/tokens/{token_id}/revoke")
    async def revoke(request: Request, user: PageUser, token_id: str, csrf: Text = "") -> Response:
        return await act(request, user, csrf, f"Đã thu hồi mã {token_id}.", lambda a: a.revoke(token_id, user.username))

    @r.post("/users/locked/unlock")
    async def unlock(request: Request, user: PageUser, key: Text, csrf: Text = "") -> Response:
        accounts = admin(request, user, csrf)
        done = await accounts.unlock(key, actor=user.username)
        return back(request, PAGE, f"Đã gỡ khóa {key}." if done else f"«{key}» không bị khóa.")

    return r
