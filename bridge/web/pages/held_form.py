"""The page where the sending agency's clerk completes a held document (the link in its receipt):
GET shows what is missing with the directory's agencies to choose from; POST reruns the checks
(bridge.services.held_form → bridge.services.completion). Same access rule as the held list (core.access)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import acting_on, check_csrf
from bridge.services.completion import CompletionOutcome
from bridge.services.held_form import LABELS, held_form, submit_held_form
from bridge.web.common import PageUser, back, render
from bridge.web.labels import state_tone
from core.held_receipt import STATE_LABELS

MAX_PDF = 25 * 1024 * 1024


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)

    async def form_or_404(user: Any, doc_id: str) -> Any:
        form = await held_form(bridge.deps, doc_id)
        acting_on(bridge, user, form.document if form else None)  # 404 / 403 as everywhere
        return form

    @r.get("/held/{doc_id}/bo-sung")
    async def show(request: Request, user: PageUser, doc_id: str) -> HTMLResponse:
        form = await form_or_404(user, doc_id)
        state = STATE_LABELS[form.document.state]
        return render(request, "held_form.html", "Bổ sung văn bản tạm giữ", form=form, field_labels=LABELS, state=state)

    @r.post("/held/{doc_id}/bo-sung")
    async def submit(
        request: Request,
        user: PageUser,
        doc_id: str,
        csrf: Annotated[str, Form()] = "",
        code: Annotated[str, Form()] = "",
        issued_date: Annotated[str, Form()] = "",
        type_name: Annotated[str, Form()] = "",
        subject: Annotated[str, Form()] = "",
        recipients: Annotated[list[str] | None, Form()] = None,
        pdf: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        check_csrf(request, csrf)
        await form_or_404(user, doc_id)
        upload = None
        if pdf is not None and pdf.filename:
            data = await pdf.read(MAX_PDF + 1)
            if len(data) > MAX_PDF or not data.startswith(b"%PDF-"):
                return back(
                    request, f"/web/held/{doc_id}/bo-sung", "Tệp phải là văn bản PDF (tối đa 25 MB).", error=True
                )
            upload = (pdf.filename, data)
        values = {"code": code, "issued_date": issued_date, "type_name": type_name, "subject": subject}
        result = await submit_held_form(bridge.deps, doc_id, values, recipients or [], upload, user.username)
        bridge.wake.set()  # the completion and its audit entry were committed together (completion)
        tone = state_tone(result.outcome)  # registered: success, still held: warning, refused: danger
        if result.outcome in (CompletionOutcome.REGISTERED, CompletionOutcome.REJECTED, CompletionOutcome.NOT_HELD):
            return back(request, "/web/held", result.message, tone=tone)
        return back(request, f"/web/held/{doc_id}/bo-sung", result.message, tone=tone)

    return r
