"""A clerk's decision on a held document, from the held list or the document page: accept (after an explicit
confirmation) or reject with a reason; who may decide is the one access rule; every decision is audited."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bridge.api.auth import acting_on, check_csrf, may_see
from bridge.services import checks_review
from bridge.web.common import back
from bridge.web.labels import state_tone
from core.access import User
from core.document import Document, ProcessingState


async def document_for(bridge: Any, user: User, doc_id: str, *, acting: bool) -> Document:
    """The document if the user may see it (else 404) and, when `acting`, decide on it (core.access, else 403)."""
    async with bridge.deps.uow() as u:
        doc = await u.documents.get(doc_id)
    if acting:
        return acting_on(bridge, user, doc)
    if doc is None or not may_see(user, doc):
        raise HTTPException(404, "Không tìm thấy văn bản")
    return doc


async def decide(
    bridge: Any, request: Request, user: User, doc_id: str, csrf: str, reason: str | None, done_to: str
) -> Response:
    """reason None = accept. An accept without `confirm=1` goes to the confirmation page first."""
    check_csrf(request, csrf)
    await document_for(bridge, user, doc_id, acting=True)
    if reason is None:
        form = await request.form()
        if form.get("confirm") != "1":
            return RedirectResponse(f"/web/documents/{doc_id}/accept", status_code=303)
    try:
        if reason is None:
            await checks_review.release_held(bridge.deps, doc_id, clerk=user.username)
        else:
            await checks_review.reject_held(bridge.deps, doc_id, clerk=user.username, reason=reason)
    except checks_review.ReviewError as exc:
        return back(request, done_to, str(exc), error=True)
    bridge.wake.set()  # the decision and its audit entry were committed together (checks_review)
    done = ProcessingState.REGISTERED if reason is None else ProcessingState.REJECTED  # a refusal is not green
    return back(request, done_to, "Đã tiếp nhận văn bản" if reason is None else "Đã từ chối văn bản",
                tone=state_tone(done))  # fmt: skip
