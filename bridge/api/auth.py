"""Who is calling: a session cookie (web, with a CSRF token per session) or a bearer API token (machines).

Scope rules (core.access): the provincial monitor and admins see every agency; a clerk or leader only documents
their agency sent or receives. Who acts on a document is core.access.may_act, asked through `may_act_here`."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Depends, HTTPException, Request

from core.access import Role, User, may_act, may_see, organ_scope
from core.document import Document

__all__ = ["may_see", "organ_scope"]

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
        user = MACHINE if machine and same(token, machine) else await access.token_user(token)
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


def same(given: str, expected: str) -> bool:
    """Constant-time comparison of secrets as bytes: any text a client sends (non-ASCII too) is a plain no."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def check_csrf(request: Request, submitted: str | None) -> None:
    """Cookie sessions must echo their CSRF token (form field or X-CSRF-Token); bearer tokens are not ambient."""
    expected = getattr(request.state, "csrf", None)
    if expected is None:
        return
    if not submitted or not same(submitted, expected):
        raise HTTPException(403, "Mã chống giả mạo yêu cầu (CSRF) không hợp lệ; hãy tải lại trang")


async def csrf_header(request: Request, _: User | None = Depends(current_user)) -> None:
    """Depends on current_user so the session (and its CSRF token) is known whatever order FastAPI resolves in."""
    check_csrf(request, request.headers.get(CSRF_HEADER))


def may_act_here(bridge: Any, user: User, doc: Document) -> bool:
    """core.access.may_act with this installation's setting for admins."""
    return may_act(user, doc, admins_act=bridge.settings.security.admins_decide_documents)


def acting_on(bridge: Any, user: User, doc: Document | None) -> Document:
    """The document if the user may act on it; 404 if they may not even see it, else 403."""
    if doc is None or not may_see(user, doc):
        raise HTTPException(404, "Không tìm thấy văn bản")
    if not may_act_here(bridge, user, doc):
        raise HTTPException(403, "Chỉ cơ quan của văn bản được quyết định về văn bản này")
    return doc


def check_organ(user: User, organ: str) -> None:
    scope = organ_scope(user)
    if scope is not None and scope != organ:
        raise HTTPException(403, "Chỉ được xem sổ của cơ quan mình")
