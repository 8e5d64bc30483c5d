"""Audit chain tamper detection, period report files, register exports, metrics and readiness."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from bridge.reports.dashboard import dashboard
from bridge.reports.facts import VIETNAM
from tests.fixtures.dashboard import AGENCY_A, PROVINCE, Seeded


async def test_report_files_and_register_exports(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("giamsat")
    period = {"from": "2000-01-01", "to": "2100-12-31"}
    data = (await c.get("/api/reports/period", params=period)).json()
    # only the registered document counts; the stranger's mail is on its own line, held ones apart
    assert data["total"]["documents"] == 1 and data["held"] == 2 and data["non_documents"] == 1
    assert data["received_items"] == 4 and data["total"]["by_method"] == {"Thư điện tử (SMTP)": 1}
    assert sum(a["documents"] for a in data["by_sender"]) == data["total"]["documents"]
    sender = next(g for g in data["rejections"] if g["code"] == "sender")
    assert sender["count"] == 1 and "Người gửi không có trong danh bạ" in sender["details"]
    xlsx = await c.get("/api/reports/period", params={**period, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames[:4] == ["Tổng hợp", "Theo cơ quan gửi", "Theo cơ quan nhận", "Lý do từ chối"]
    pdf = await c.get("/api/reports/period", params={**period, "format": "pdf"})
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Điều 24" in text and "Theo cơ quan gửi" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    csv_text = (await c.get(f"/api/register/{AGENCY_A}/di/export", params={"format": "csv"})).content.decode(
        "utf-8-sig"
    )
    assert csv_text.splitlines()[0].startswith("Số, ký hiệu") or csv_text.splitlines()[0].startswith('"Số, ký hiệu"')
    assert "12/QĐ-UBND" in csv_text
    book = load_workbook(io.BytesIO((await c.get(f"/api/register/{AGENCY_A}/di/export?format=xlsx")).content))
    assert book.active.cell(2, 1).value == "12/QĐ-UBND"


async def test_metrics_and_readiness(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    anonymous, clerk = await client_for(None), await client_for("vanthu_a")
    for path in ("/metrics", "/readyz", "/api/health/mailboxes"):
        assert (await anonymous.get(path)).status_code == 401, path
        assert (await clerk.get(path)).status_code == 403, path
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
    c = await client_for("giamsat")
    text = (await c.get("/metrics")).text
    assert 'edoc_documents_received_total{state="held"} 2.0' in text
    assert 'edoc_documents_rejected_recent{reason="sender.unknown"} 1.0' in text
    assert "edoc_documents_rejected_total 1.0" in text
    assert 'edoc_outbox_jobs{state="dead"} 1.0' in text
    ready = await c.get("/readyz")  # the axis URL points at a closed port
    checks = ready.json()["detail"]["checks"]
    assert ready.status_code == 503 and checks == {"database": "ok", "clamd": "không cấu hình", "axis": "lỗi"}


async def test_openapi_documents_every_api_route(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for(None)
    spec = (await c.get("/openapi.json")).json()
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert op.get("summary"), path
    assert {"/api/dashboard", "/api/reports/period", "/metrics", "/readyz"} <= set(spec["paths"])


async def test_figures_read_each_recipients_status_history(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    """Statuses are loaded for many documents at once: every figure that depends on them is still right."""
    now = datetime.now(UTC)
    board = await dashboard(seeded.bridge.deps.uow, now, None)
    province = next(r for r in board.agencies if r.organ_id == PROVINCE)
    assert (province.received, province.median_accept_hours) == (1, 3.0)  # accepted 3 h after arriving
    async with seeded.bridge.deps.uow() as u:
        [history] = (await u.statuses.all_for(seeded.docs["a_registered"])).values()
    c = await client_for("giamsat")
    book = load_workbook(io.BytesIO((await c.get(f"/api/register/{AGENCY_A}/di/export?format=xlsx")).content))
    assert book.active.cell(2, 8).value == f"{history.events[0].at.astimezone(VIETNAM):%d/%m/%Y}"  # first sent
