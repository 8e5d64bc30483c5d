"""The HTTP API. Routes only call services and repositories; no business rules here."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path, Query
from pydantic import BaseModel, Field

from bridge.api.auth import acting_on, check_organ, csrf_header, may_see, organ_scope, require_roles, require_user
from bridge.api.chatbot_routes import add_chatbot_routes
from bridge.api.errors import ERRORS, MAX_ID, MAX_OFFSET, MAX_YEAR, MIN_YEAR
from bridge.api.metrics import metrics_router, readiness
from bridge.api.monitoring import bridge_access, monitoring_router
from bridge.api.views import document_detail, document_summary, plain
from bridge.mailboxes import mailbox_views
from bridge.services.checks_review import DocumentNotFound, ReviewError, reject_held, release_held
from core.access import Role, User
from core.document import Book, Document, ProcessingState
from core.organ_id import InvalidOrganId, OrganId
from core.records import OutboxState


class ClerkDecision(BaseModel):
    clerk: str = Field("", max_length=200)  # ignored: the decision is recorded under the signed-in user
    reason: str = Field("", max_length=2000)


def create_app(bridge: Any) -> FastAPI:
    app = FastAPI(
        title="edoc-bridge",
        description="Cầu nối văn bản điện tử — API",
        version="0.1.0",
        docs_url=None,  # bridge/web/pages/docs.py serves Swagger UI from local files
        redoc_url=None,
        responses=ERRORS,  # the 4xx every route may answer, declared for clients and schemathesis
    )
    uow = bridge.deps.uow
    app.state.access = bridge_access(bridge).accounts
    app.state.machine_token = bridge.settings.api.machine_token.get_secret_value()
    app.include_router(monitoring_router(bridge))
    app.include_router(metrics_router(bridge))
    from bridge.web.routes import install

    install(app, bridge)

    async def acting_on_document(
        doc_id: str, user: Annotated[User, Depends(require_user)], _: None = Depends(csrf_header)
    ) -> User:
        """Only the agency a document belongs to decides (core.access.may_act); others get 404/403."""
        async with uow() as u:
            acting_on(bridge, user, await u.documents.get(doc_id))
        return user

    @app.get("/healthz", summary="Tiến trình còn sống")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        summary="Sẵn sàng: cơ sở dữ liệu, clamd, trục liên thông (mã máy hoặc quản trị/giám sát)",
        dependencies=[Depends(require_roles(Role.ADMIN, Role.MONITOR))],
    )
    async def readyz() -> dict[str, Any]:
        checks = await readiness(bridge)
        if any(v.startswith("lỗi") for v in checks.values()):
            raise HTTPException(503, {"status": "not ready", "checks": checks})
        return {"status": "ready", "checks": checks}

    @app.get(
        "/api/health/mailboxes",
        summary="Tình trạng các hộp thư IMAP (mã máy hoặc quản trị/giám sát)",
        dependencies=[Depends(require_roles(Role.ADMIN, Role.MONITOR))],
    )
    async def mailboxes() -> list[dict[str, Any]]:
        return mailbox_views(bridge)

    @app.get("/api/documents", summary="Tìm văn bản trong sổ")
    async def documents(
        user: Annotated[User, Depends(require_user)],
        q: Annotated[str | None, Query(max_length=200)] = None,
        state: ProcessingState | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[dict[str, Any]]:
        async with uow() as u:
            scope = organ_scope(user)
            docs = await u.documents.search(text=q, visible_to=scope, state=state, limit=limit, offset=offset)
        return [document_summary(d) for d in docs]

    @app.get("/api/documents/{doc_id}", summary="Chi tiết văn bản: thông tin, bước kiểm tra, sổ, trạng thái")
    async def document(doc_id: str, user: Annotated[User, Depends(require_user)]) -> dict[str, Any]:
        async with uow() as u:
            doc = await u.documents.get(doc_id)
            if doc is None or not may_see(user, doc):
                raise HTTPException(404, "Không tìm thấy văn bản")
            entries = await u.register.for_document(doc_id)
            statuses = await u.statuses.all_for(doc_id)
        return document_detail(doc, entries, statuses)

    @app.post("/api/documents/{doc_id}/accept", summary="Văn thư cho phép tiếp nhận văn bản đang tạm giữ")
    async def accept_held(
        doc_id: str, decision: ClerkDecision, user: User = Depends(acting_on_document)
    ) -> dict[str, Any]:
        return await _review(release_held(bridge.deps, doc_id, user.username))

    @app.post("/api/documents/{doc_id}/reject", summary="Văn thư từ chối văn bản đang tạm giữ")
    async def reject_held_doc(
        doc_id: str, decision: ClerkDecision, user: User = Depends(acting_on_document)
    ) -> dict[str, Any]:
        rejecting = reject_held(bridge.deps, doc_id, user.username, decision.reason)
        return await _review(rejecting)

    async def _review(decision: Awaitable[Document]) -> dict[str, Any]:
        try:
            doc = await decision
        except DocumentNotFound as exc:
            raise HTTPException(404, str(exc)) from exc
        except ReviewError as exc:
            raise HTTPException(409, str(exc)) from exc
        bridge.wake.set()  # the decision and its audit entry were committed together (checks_review)
        return document_summary(doc)

    @app.get("/api/register/{organ_id}/{book}", summary="Sổ đăng ký văn bản đến (den) / đi (di)")
    async def register(
        organ_id: Annotated[str, Path(max_length=40)],
        book: Book,
        user: Annotated[User, Depends(require_user)],
        year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
    ) -> list[dict[str, Any]]:
        check_organ(user, organ_id)
        try:
            organ = OrganId.parse(organ_id)
        except InvalidOrganId as exc:
            raise HTTPException(422, str(exc)) from exc
        async with uow() as u:
            entries = await u.register.list(organ, book, year or datetime.now(UTC).year)
        return [plain(e) for e in entries]

    @app.get("/api/outbox", summary="Hàng đợi gửi đi và thư chết")
    async def outbox(
        _: Annotated[User, Depends(require_roles(Role.ADMIN, Role.MONITOR))],
        state: OutboxState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        return [plain(j) for j in await bridge.queue.list(state=state, limit=limit)]

    @app.post("/api/outbox/{job_id}/requeue", summary="Đưa lại một việc (thư chết) vào hàng đợi")
    async def requeue(
        job_id: Annotated[int, Path(ge=1, le=MAX_ID)],
        user: Annotated[User, Depends(require_roles(Role.ADMIN))],
        _: None = Depends(csrf_header),
    ) -> dict[str, Any]:
        audit = bridge.deps.audit.recording(user.username, "outbox.requeue", str(job_id))
        if not await bridge.queue.requeue(job_id, audit=audit):
            raise HTTPException(404, "Không tìm thấy việc trong hàng đợi")
        bridge.wake.set()
        return {"requeued": job_id}

    add_chatbot_routes(app, bridge)
    return app
