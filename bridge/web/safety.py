"""Console-wide rules: security headers on every response, Vietnamese HTML error pages for the web UI (the API
keeps JSON), and how the session cookie is set."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge.api.auth import SESSION_COOKIE

log = logging.getLogger(__name__)

# Pages, their scripts and styles come from this server only; nothing may frame them.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
]
ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    405: "Thao tác không được phép",
    409: "Không thể thực hiện",
    422: "Dữ liệu không hợp lệ",
    500: "Lỗi hệ thống",
}
INVALID_INPUT = "Giá trị nhập vào không hợp lệ (ngày tháng, số trang …); hãy sửa rồi thử lại."
ERROR_TEXTS = {
    403: "Tài khoản của bạn không có quyền xem trang hoặc thực hiện thao tác này.",
    404: "Trang hoặc văn bản bạn tìm không có, hoặc bạn không có quyền xem.",
    500: "Hệ thống gặp lỗi khi xử lý yêu cầu. Lỗi đã được ghi lại; hãy thử lại sau ít phút.",
}


@dataclass
class Console:
    """Per-process console state kept on app.state.console."""

    demo: bool = False
    secure_cookies: bool = True
    message_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class SecurityHeaders:
    """Pure ASGI middleware (streams untouched): adds the headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def is_page(request: Request) -> bool:
    """Web UI pages get HTML errors; /api, /metrics, health and everything else keep JSON."""
    return request.url.path == "/web" or request.url.path.startswith("/web/")


def error_page(request: Request, status: int, detail: str = "") -> Response:
    from bridge.web.common import render

    if not hasattr(request.state, "user"):
        request.state.user = None
    title = ERROR_TITLES.get(status, "Không thể thực hiện")
    text = detail if status not in (404, 500) and detail else ERROR_TEXTS.get(status, detail or title)
    return render(request, "error.html", title, status=status, code=status, text=text, message="")


def install_safety(app: Any, console: Console) -> None:
    app.state.console = console
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_page(request) and exc.status_code >= 400:
            detail = exc.detail if isinstance(exc.detail, str) else ""
            return error_page(request, exc.status_code, detail)
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> Response:
        if is_page(request):
            return error_page(
                request, 422, "Giá trị nhập vào không hợp lệ (ngày tháng, số trang …); hãy sửa rồi thử lại."
            )
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("lỗi khi xử lý %s %s", request.method, request.url.path, exc_info=exc)
        if is_page(request):
            return error_page(request, 500)
        return JSONResponse({"detail": "Lỗi hệ thống; đã ghi lại để kiểm tra."}, status_code=500)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Secure when configured (the default outside the demo) or when the request itself came over https."""
    console: Console = request.app.state.console
    secure = console.secure_cookies or request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=secure, samesite="strict", path="/")
