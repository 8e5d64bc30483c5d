"""Who is calling: a session cookie (web, with a CSRF token per session) or a bearer API token (machines).

Scope rules: the provincial monitor and admins see every agency; a clerk or leader only documents their agency
sent or receives. Only clerks, leaders (their agency) and admins act; the monitor only reads."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Depends, HTTPException, Request

from core.access import Role, User
from core.document import Document

SESSION_COOKIE = "edoc_session"
CSRF_HEADER = "x-csrf-token"
MACHINE = User(0, "machine-token", Role.MONITOR, "", "Mã truy cập cấu hình (chỉ đọc)")


async def current_user(request: Request) -> User | None:
    """Resolves once per request; request.state.csrf is set for cookie sessions only."""
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    access = request.app.state.access
    user: User | None = None
    request.state.csrf = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        machine = request.app.state.machine_token
        user = MACHINE if machine and hmac.compare_digest(token, machine) else await access.token_user(token)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = await access.session(cookie)
        if found:
            user, request.state.csrf = found
    request.state.user = user
    return user


async def require_user(user: User | None = Depends(current_user)) -> User:
    if user is None:
        raise HTTPException(401, "Cần đăng nhập", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_roles(*roles: Role) -> Any:
    async def check(user: User = Depends(require_user)) -> User:
        if user.role not in roles:
            raise HTTPException(403, "Không có quyền thực hiện thao tác này")
        return user

    return check


def check_csrf(request: Request, submitted: str | None) -> None:
    """Cookie sessions must echo their CSRF token (form field or X-CSRF-Token); bearer tokens are not ambient."""
    expected = getattr(request.state, "csrf", None)
    if expected is None:
        return
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise HTTPException(403, "Mã chống giả mạo yêu cầu (CSRF) không hợp lệ; hãy tải lại trang")


async def csrf_header(request: Request) -> None:
    check_csrf(request, request.headers.get(CSRF_HEADER))


def organ_scope(user: User) -> str | None:
    """The agency a user is limited to, or None for every agency."""
    return user.organ_id if user.role.agency_bound else None


def can_see(user: User, doc: Document) -> bool:
    scope = organ_scope(user)
    return scope is None or str(doc.sender) == scope or any(str(r) == scope for r in doc.recipients)


def can_act(user: User, doc: Document) -> bool:
    return user.role is Role.ADMIN or (user.role.agency_bound and can_see(user, doc))


def check_organ(user: User, organ: str) -> None:
    scope = organ_scope(user)
    if scope is not None and scope != organ:
        raise HTTPException(403, "Chỉ được xem sổ của cơ quan mình")
