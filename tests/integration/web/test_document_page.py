"""The document page: what it shows, the PDF download and server-rendered preview, review with confirmation,
and who may see or act (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from bridge.bootstrap import access
from core.document import ProcessingState
from tests.fixtures.console import add_full_document
from tests.fixtures.dashboard import Seeded


def csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


async def test_the_page_shows_identity_parties_history_checks_and_headers(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, "doc-reg", ProcessingState.REGISTERED)
    c = await client_for("giamsat")
    page = (await c.get("/web/documents/doc-reg")).text
    for text in ("21/QĐ-UBND", "000.00.32.H61,", "Về việc kiện toàn tổ chuyển đổi số",
                 "TM. UBND Chủ tịch Nguyễn Văn An",
                 "Khẩn", "Đã vào sổ", "03 — Đã tiếp nhận", "01 — Đã đến", "Văn thư tỉnh", "Nguyễn Văn An",
                 "UBND xã Tân Hòa", "Chưa xác định được", "Chưa xác định được trạng thái thu hồi của chứng thư số",
                 "Message-ID: &lt;21-qd@tanhoa.example.invalid&gt;", "Subject: Gửi Quyết định 21/QĐ-UBND",
                 "Chữ ký số", "Trang 1/2"):  # fmt: skip
        assert text in page, text
    assert "09:15:00 " not in page and re.search(r"20/11/2026 09:15:00", page), "signing time in Vietnam time"
    assert 'id="review"' not in page  # the monitor never acts
    image = await c.get("/web/documents/doc-reg/files/0/pages/2.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG") and len(image.content) > 5000
    assert (await c.get("/web/documents/doc-reg/files/0/pages/3.png")).status_code == 404
    pdf = await c.get("/web/documents/doc-reg/files/0")
    assert (
        pdf.content.startswith(b"%PDF")
        and "filename*=UTF-8''quy%E1%BA%BFt-%C4%91%E1%BB%8Bnh-21.pdf" in (pdf.headers["content-disposition"])
    )


async def test_a_held_document_is_accepted_only_after_confirmation(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, "doc-held")
    c = await client_for("vanthu_a")
    page = (await c.get("/web/documents/doc-held")).text
    assert 'id="review"' in page and "Chờ văn thư duyệt" in page
    token = csrf(page)
    r = await c.post("/web/documents/doc-held/accept", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"] == "/web/documents/doc-held/accept"
    async with seeded.bridge.deps.uow() as u:
        assert (await u.documents.get("doc-held")).state is ProcessingState.HELD  # type: ignore[union-attr]
    confirm = (await c.get("/web/documents/doc-held/accept")).text
    assert "Không thể hoàn tác" in confirm and 'name="confirm" value="1"' in confirm
    r = await c.post("/web/documents/doc-held/accept", data={"csrf": token, "confirm": "1"})
    assert r.status_code == 303 and "Đã tiếp nhận văn bản" in unquote_plus(r.headers["location"])
    async with seeded.bridge.deps.uow() as u:
        assert (await u.documents.get("doc-held")).state is ProcessingState.REGISTERED  # type: ignore[union-attr]
    actions = [(e.actor, e.action, e.target) for e in await access(seeded.bridge).store.recent_audit()]
    assert ("vanthu_a", "document.release", "doc-held") in actions
    shown = (await c.get(r.headers["location"])).text
    assert "Đã vào sổ" in shown and "Đã tiếp nhận văn bản" in shown


async def test_reject_with_reason_from_the_document_page(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, "doc-rej")
    c = await client_for("lanhdao_a")
    token = csrf((await c.get("/web/documents/doc-rej")).text)
    r = await c.post("/web/documents/doc-rej/reject", data={"csrf": token, "reason": "Sai thể thức"})
    assert "Đã từ chối văn bản" in unquote_plus(r.headers["location"])
    async with seeded.bridge.deps.uow() as u:
        doc = await u.documents.get("doc-rej")
    assert doc is not None and doc.state is ProcessingState.REJECTED and "Sai thể thức" in doc.reasons[0].message


async def test_others_neither_see_nor_act(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, "doc-x")
    b = await client_for("vanthu_b")
    for path in ("/web/documents/doc-x", "/web/documents/doc-x/files/0", "/web/documents/doc-x/files/0/pages/1.png",
                 "/web/documents/doc-x/accept", "/web/documents/nope"):  # fmt: skip
        r = await b.get(path)
        assert r.status_code == 404 and "Không tìm thấy" in r.text, path
    token = csrf((await b.get("/web/held")).text)
    r = await b.post("/web/documents/doc-x/accept", data={"csrf": token, "confirm": "1"})
    assert r.status_code == 404
    monitor = await client_for("giamsat")
    token = csrf((await monitor.get("/web/held")).text)
    assert (await monitor.get("/web/documents/doc-x/accept")).status_code == 403
    r = await monitor.post("/web/documents/doc-x/accept", data={"csrf": token, "confirm": "1"})
    assert r.status_code == 403 and "Không có quyền" in r.text
    async with seeded.bridge.deps.uow() as u:
        assert (await u.documents.get("doc-x")).state is ProcessingState.HELD  # type: ignore[union-attr]


async def test_missing_fields_are_completed_through_the_shared_use_case(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_full_document(seeded.bridge, "doc-c")
    c = await client_for("vanthu_a")
    page = (await c.get("/web/documents/doc-c")).text
    assert 'id="complete"' in page and "Người ký" in page
    token = csrf(page)
    r = await c.post("/web/documents/doc-c/complete", data={"csrf": token, "lines": "không có dòng nào"})
    assert "Chưa có thông tin bổ sung nào" in unquote_plus(r.headers["location"]) and "e=1" in r.headers["location"]
    r = await c.post(
        "/web/documents/doc-c/complete",
        data={"csrf": token, "lines": "Người ký: Trần Văn Bình\nChức vụ: Phó Chủ tịch"},
        files={"pdf": ("sua.pdf", b"%PDF-1.4 not really", "application/pdf")},
    )
    assert r.status_code == 303
    async with seeded.bridge.deps.uow() as u:
        doc = await u.documents.get("doc-c")
    assert doc is not None and any(s.step == "completion" for s in doc.trail)
    entries = [e for e in await access(seeded.bridge).store.recent_audit() if e.action == "document.complete"]
    assert entries and entries[0].actor == "vanthu_a" and entries[0].details["fields"] == ["Người ký", "Chức vụ"]
    monitor = await client_for("giamsat")
    r = await monitor.post("/web/documents/doc-c/complete", data={"csrf": csrf((await monitor.get("/web/held")).text)})
    assert r.status_code in (403, 404)
