"""API routes of the chatbot: the Telegram webhook (webhook mode) and creating officials with link codes."""

from __future__ import annotations

import hmac
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Request
from pydantic import BaseModel, Field

from bridge.api.auth import csrf_header, require_roles
from bridge.api.errors import ERRORS
from bridge.services import officials
from core.access import Role, User

ADMIN = require_roles(Role.ADMIN)  # only admins create officials
MAX_UPDATE = 1024 * 1024  # a Telegram update is a few KiB; a file is fetched separately


class NewOfficialIn(BaseModel):
    name: str = Field(max_length=200)
    organ_id: str = Field(max_length=50)
    role: str = Field(max_length=50)  # văn thư | lãnh đạo | chuyên viên | giám sát
    email: str = Field("", max_length=320)


async def capped_body(request: Request, limit: int = MAX_UPDATE) -> bytes:
    """The body, refused with 413 as soon as it is longer than `limit` (declared or actually sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, "Nội dung quá lớn")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, "Nội dung quá lớn")
    return bytes(body)


def add_chatbot_routes(app: FastAPI, bridge: Any) -> None:
    ttl = timedelta(hours=bridge.settings.bot.link_code_hours)

    @app.post("/api/bot/webhook", summary="Telegram gửi cập nhật (chế độ webhook)", include_in_schema=False)
    async def webhook(request: Request) -> dict[str, bool]:
        """The secret is checked before a byte of the body is read; bodies over 1 MiB are refused."""
        chatbot = getattr(bridge, "chatbot", None)
        if chatbot is None:
            raise HTTPException(503, "Chatbot chưa bật")
        expected = bridge.settings.bot.webhook_secret.get_secret_value().encode()
        given = request.headers.get("x-telegram-bot-api-secret-token", "").encode("latin-1")
        if not expected or not hmac.compare_digest(given, expected):  # no secret configured: nobody gets in
            raise HTTPException(403, "Sai mã bí mật webhook")
        raw = await capped_body(request)
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            handled = await chatbot.feed(data, bridge.settings.bot.webhook_secret.get_secret_value())
        except (ValueError, RecursionError) as exc:  # not JSON, too deeply nested, or not an update: a 400
            raise HTTPException(400, "Nội dung cập nhật không hợp lệ") from exc
        if not handled:
            raise HTTPException(403, "Sai mã bí mật webhook")
        return {"ok": True}

    @app.post(
        "/api/officials",
        summary="Tạo cán bộ dùng chatbot; trả về mã liên kết dùng một lần",
        dependencies=[Depends(csrf_header)],
        responses=ERRORS,
    )
    async def create(body: NewOfficialIn, user: Annotated[User, Depends(ADMIN)]) -> dict[str, Any]:
        try:
            made = await officials.create_official(
                bridge.deps, body.name, body.organ_id, body.role, body.email, ttl, actor=user.username
            )
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        o = made.official
        return {"id": o.id, "name": o.name, "organ_id": o.organ_id, "role": o.role.value, "code": made.code,
                "expires": made.expires_at_text, "how": f"Gửi cho chatbot: /start {made.code}"}  # fmt: skip

    @app.post(
        "/api/officials/{official_id}/code",
        summary="Cấp mã liên kết mới cho cán bộ",
        dependencies=[Depends(csrf_header)],
        responses=ERRORS,
    )
    async def new_code(
        official_id: Annotated[int, Path(ge=1, le=2**62)], user: Annotated[User, Depends(ADMIN)]
    ) -> dict[str, Any]:
        try:
            return {"code": await officials.new_link_code(bridge.deps, official_id, ttl, actor=user.username)}
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from exc
