"""The document page: identity, sender and recipients with their status, history, checks, signatures, raw
headers, the PDF (download and a page preview rendered on the server), and the review of a held document."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import check_csrf, may_act_here
from bridge.services.completion import FIELD_LABELS as COMPLETION_FIELDS
from bridge.services.completion import Completion, complete_held
from bridge.web.common import PageUser, back, render
from bridge.web.document_view import document_view
from bridge.web.labels import state_tone
from bridge.web.preview import PreviewError, page_count, render_page
from bridge.web.review import decide, document_for
from core.document import Attachment, Document, ProcessingState

MAX_UPLOAD = 25 * 1024 * 1024


def is_pdf(a: Attachment) -> bool:
    return a.content_type == "application/pdf" or a.filename.lower().endswith(".pdf")


def file_response(data: bytes, a: Attachment, inline: bool = False) -> Response:
    disposition = "inline" if inline else "attachment"
    ascii_name = a.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_") or "tep"
    header = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(a.filename)}"
    media = "application/pdf" if is_pdf(a) else "application/octet-stream"
    return Response(data, media_type=media, headers={"Content-Disposition": header, "Cache-Control": "private"})


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web/documents", include_in_schema=False)

    async def attachment_of(user: Any, doc_id: str, pos: int) -> tuple[Document, Attachment, bytes]:
        doc = await document_for(bridge, user, doc_id, acting=False)
        if not 0 <= pos < len(doc.attachments):
            raise HTTPException(404, "Văn bản không có tệp này")
        a = doc.attachments[pos]
        return doc, a, await bridge.deps.blobs.get(a.sha256)

    @r.get("/{doc_id}")
    async def document(request: Request, user: PageUser, doc_id: str, file: int = 0, page: int = 1) -> HTMLResponse:
        await document_for(bridge, user, doc_id, acting=False)
        view = await document_view(bridge.deps, doc_id)
        if view is None:
            raise HTTPException(404, "Không tìm thấy văn bản")
        pdfs = [i for i, a in enumerate(view.doc.attachments) if is_pdf(a)]
        preview: dict[str, Any] | None = None
        if pdfs:
            pos = file if file in pdfs else pdfs[0]
            data = await bridge.deps.blobs.get(view.doc.attachments[pos].sha256)
            try:
                pages = await asyncio.to_thread(page_count, data)
                preview = {"file": pos, "pages": pages, "page": max(1, min(page, pages)), "error": ""}
            except PreviewError as exc:
                preview = {"file": pos, "pages": 0, "page": 1, "error": str(exc)}
        acting = view.doc.state is ProcessingState.HELD and may_act_here(bridge, user, view.doc)
        title = f"Văn bản {view.doc.display_code}"
        return render(
            request, "document.html", title, v=view, d=view.doc, preview=preview, pdfs=pdfs, acting=acting,
            completion_fields=list(COMPLETION_FIELDS.values()),
        )  # fmt: skip

    @r.get("/{doc_id}/files/{pos}")
    async def download(user: PageUser, doc_id: str, pos: int) -> Response:
        _, a, data = await attachment_of(user, doc_id, pos)
        return file_response(data, a)

    @r.get("/{doc_id}/files/{pos}/pages/{number}.png")
    async def page_image(user: PageUser, doc_id: str, pos: int, number: int) -> Response:
        _, a, data = await attachment_of(user, doc_id, pos)
        if not is_pdf(a):
            raise HTTPException(404, "Tệp này không phải PDF")
        try:
            png = await asyncio.to_thread(render_page, data, number - 1)
        except PreviewError as exc:
            raise HTTPException(404, str(exc)) from exc
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})

    @r.get("/{doc_id}/accept")
    async def confirm_accept(request: Request, user: PageUser, doc_id: str) -> HTMLResponse:
        doc = await document_for(bridge, user, doc_id, acting=True)
        return render(request, "confirm_accept.html", "Xác nhận tiếp nhận", d=doc)

    @r.post("/{doc_id}/accept")
    async def accept(request: Request, user: PageUser, doc_id: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await decide(bridge, request, user, doc_id, csrf, None, f"/web/documents/{doc_id}")

    @r.post("/{doc_id}/complete")
    async def complete(
        request: Request,
        user: PageUser,
        doc_id: str,
        lines: Annotated[str, Form(max_length=20_000)] = "",
        pdf: Annotated[UploadFile | None, File()] = None,
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        """The missing fields (`Khóa: giá trị` lines) and optionally a corrected PDF: the same use case as a
        sender's reply by mail or chat (bridge.services.completion); every check runs again."""
        check_csrf(request, csrf)
        await document_for(bridge, user, doc_id, acting=True)
        upload = None
        if pdf is not None and pdf.filename:
            data = await pdf.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                return back(request, f"/web/documents/{doc_id}", "Tệp PDF quá lớn (tối đa 25 MB).", error=True)
            upload = (pdf.filename, data)
        done = await complete_held(
            bridge.deps, doc_id, Completion(lines, upload, actor=user.username, channel="dashboard")
        )
        bridge.wake.set()  # the completion and its audit entry were committed together (completion)
        return back(request, f"/web/documents/{doc_id}", done.message, tone=state_tone(done.outcome))

    @r.post("/{doc_id}/reject")
    async def reject(
        request: Request, user: PageUser, doc_id: str, reason: Annotated[str, Form()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        return await decide(bridge, request, user, doc_id, csrf, reason, f"/web/documents/{doc_id}")

    return r
