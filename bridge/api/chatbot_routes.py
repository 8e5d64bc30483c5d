"""API routes of the chatbot: the Telegram webhook (webhook mode) and creating officials with link codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel

from bridge.api.auth import csrf_header, require_roles
from bridge.services import officials
from core.access import Role

ADMIN = [Depends(require_roles(Role.ADMIN)), Depends(csrf_header)]  # only admins create officials


class NewOfficialIn(BaseModel):
    name: str
    organ_id: str
    role: str  # văn thư | lãnh đạo | chuyên viên | giám sát
    email: str = ""


def add_chatbot_routes(app: FastAPI, bridge: Any) -> None:
    ttl = timedelta(hours=bridge.settings.bot.link_code_hours)

    @app.post("/api/bot/webhook", summary="Telegram gửi cập nhật (chế độ webhook)", include_in_schema=False)
    async def webhook(
        request: Request, secret: str = Header("", alias="X-Telegram-Bot-Api-Secret-Token")
    ) -> dict[str, bool]:
        chatbot = getattr(bridge, "chatbot", None)
        if chatbot is None:
            raise HTTPException(503, "Chatbot chưa bật")
        try:
            data = await request.json()
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            handled = await chatbot.feed(data, secret)
        except ValueError as exc:  # not JSON (JSONDecodeError) or not an update: a client error, not a 500
            raise HTTPException(400, "Nội dung cập nhật không hợp lệ") from exc
        if not handled:
            raise HTTPException(403, "Sai mã bí mật webhook")
        return {"ok": True}

    @app.post("/api/officials", summary="Tạo cán bộ dùng chatbot; trả về mã liên kết dùng một lần", dependencies=ADMIN)
    async def create(body: NewOfficialIn) -> dict[str, Any]:
        try:
            made = await officials.create_official(bridge.deps, body.name, body.organ_id, body.role, body.email, ttl)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        o = made.official
        return {"id": o.id, "name": o.name, "organ_id": o.organ_id, "role": o.role.value, "code": made.code,
                "expires": made.expires_at_text, "how": f"Gửi cho chatbot: /start {made.code}"}  # fmt: skip

    @app.post("/api/officials/{official_id}/code", summary="Cấp mã liên kết mới cho cán bộ", dependencies=ADMIN)
    async def new_code(official_id: int) -> dict[str, Any]:
        try:
            return {"code": await officials.new_link_code(bridge.deps, official_id, ttl)}
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from exc
