"""The HTTP API. Routes only call services and repositories; no business rules here."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from bridge.api.views import document_detail, document_summary, plain
from bridge.services.checks_review import DocumentNotFound, ReviewError, reject_held, release_held
from core.document import Book, Document
from core.organ_id import InvalidOrganId, OrganId


class ClerkDecision(BaseModel):
    clerk: str
    reason: str = ""


def create_app(bridge: Any) -> FastAPI:
    app = FastAPI(title="edoc-bridge", description="Cầu nối văn bản điện tử — API", version="0.1.0")
    uow = bridge.deps.uow

    @app.get("/healthz", summary="Tiến trình còn sống")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Cơ sở dữ liệu sẵn sàng")
    async def readyz() -> dict[str, Any]:
        try:
            async with uow() as u:
                await u.agencies.list()
        except Exception as exc:
            raise HTTPException(503, f"Cơ sở dữ liệu không sẵn sàng: {exc}") from exc
        return {"status": "ready"}

    @app.get("/api/documents", summary="Tìm văn bản trong sổ")
    async def documents(
        q: str | None = None, state: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        async with uow() as u:
            docs = await u.documents.search(text=q, state=state, limit=min(limit, 500), offset=offset)
        return [document_summary(d) for d in docs]

    @app.get("/api/documents/{doc_id}", summary="Chi tiết văn bản: thông tin, bước kiểm tra, sổ, trạng thái")
    async def document(doc_id: str) -> dict[str, Any]:
        async with uow() as u:
            doc = await u.documents.get(doc_id)
            if doc is None:
                raise HTTPException(404, "Không tìm thấy văn bản")
            entries = await u.register.for_document(doc_id)
            statuses = await u.statuses.all_for(doc_id)
        return document_detail(doc, entries, statuses)

    @app.post("/api/documents/{doc_id}/accept", summary="Văn thư cho phép tiếp nhận văn bản đang tạm giữ")
    async def accept_held(doc_id: str, decision: ClerkDecision) -> dict[str, Any]:
        return await _review(release_held(bridge.deps, doc_id, decision.clerk))

    @app.post("/api/documents/{doc_id}/reject", summary="Văn thư từ chối văn bản đang tạm giữ")
    async def reject_held_doc(doc_id: str, decision: ClerkDecision) -> dict[str, Any]:
        return await _review(reject_held(bridge.deps, doc_id, decision.clerk, decision.reason))

    async def _review(decision: Awaitable[Document]) -> dict[str, Any]:
        try:
            doc = await decision
        except DocumentNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        except ReviewError as exc:
            raise HTTPException(409, str(exc)) from exc
        bridge.wake.set()
        return document_summary(doc)

    @app.get("/api/register/{organ_id}/{book}", summary="Sổ đăng ký văn bản đến (den) / đi (di)")
    async def register(organ_id: str, book: Book, year: int | None = None) -> list[dict[str, Any]]:
        try:
            organ = OrganId.parse(organ_id)
        except InvalidOrganId as exc:
            raise HTTPException(422, str(exc)) from exc
        async with uow() as u:
            entries = await u.register.list(organ, book, year or datetime.now(UTC).year)
        return [plain(e) for e in entries]

    @app.get("/api/outbox", summary="Hàng đợi gửi đi và thư chết")
    async def outbox(state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        return [plain(j) for j in await bridge.queue.list(state=state, limit=limit)]

    @app.post("/api/outbox/{job_id}/requeue", summary="Đưa lại một việc (thư chết) vào hàng đợi")
    async def requeue(job_id: int) -> dict[str, Any]:
        if not await bridge.queue.requeue(job_id):
            raise HTTPException(404, "Không tìm thấy việc trong hàng đợi")
        bridge.wake.set()
        return {"requeued": job_id}

    return app
