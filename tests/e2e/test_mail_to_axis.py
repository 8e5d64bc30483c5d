"""End to end: a clerk's mail → register → edXML at the axis → status 03 back → receipt mail."""

from __future__ import annotations

from datetime import UTC, datetime

from bridge.axis.client import VxpAxisClient
from bridge.edxml import build_status, parse_edoc
from bridge.edxml.mapping import status_packet
from core.agency import Agency
from core.organ_id import OrganId
from core.status import StatusCode
from tests.e2e.harness import (
    PROVINCE_SECRET,
    PROVINCE_SYSTEM,
    api_get,
    document_mail,
    eventually,
    send_mail,
)
from tests.fixtures.pdfs import make_official_pdf

HUYEN = "000.00.32.H61"


async def registered(api: str) -> list[dict]:
    return [d for d in await api_get(api, "/api/documents") if d["state"] == "registered"]


async def test_mail_registered_relayed_and_status_03_returns_as_receipt(bridge, axis, mail_sink) -> None:
    pdf = make_official_pdf()
    refused = await send_mail(bridge.settings.smtp_in.port, document_mail(pdf))
    assert refused == {}

    docs = await eventually(lambda: registered(bridge.api), what="registered document")
    detail = await api_get(bridge.api, f"/api/documents/{docs[0]['id']}")
    assert detail["code"] == "12/QĐ-UBND" and detail["sender"] == "000.20.32.H61"
    assert [(e["organ_id"], e["book"], e["number"]) for e in detail["register"]] == [("000.20.32.H61", "di", 1)]
    assert set(detail["statuses"]) == {HUYEN, "000.00.01.H61"}

    packets = await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
    packet = parse_edoc(packets[0].body)
    assert packet.from_.organ_id == "000.20.32.H61"
    assert sorted(o.organ_id for o in packet.to) == ["000.00.01.H61", HUYEN]
    assert (packet.code.code_number, packet.code.code_notation) == ("12", "QĐ-UBND")
    assert packet.subject == "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"
    assert packet.document_id == "000.20.32.H61,2026/11/20,12/QĐ-UBND"
    assert [a.data for a in packet.attachments] == [pdf]

    accepted = await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]))
    assert accepted["To"] == "vanthu@tanhoa.vinhlong.gov.vn"

    # the district's own system fetches the packet and answers 03 through the axis
    async with VxpAxisClient(axis.base_url, PROVINCE_SYSTEM, PROVINCE_SECRET) as district:
        items = [i for i in await district.received("edoc") if i.to_code == HUYEN]
        assert await district.get_edoc(items[0].doc_id) == packets[0].body
        reporter = Agency(OrganId(HUYEN), "Ủy ban nhân dân huyện Long Hồ")
        status = status_packet(
            packet.document_id,
            "12/QĐ-UBND",
            packet.promulgation_info.promulgation_date,
            "000.20.32.H61",
            reporter,
            StatusCode.ACCEPTED,
            "Đã vào sổ đến số 345",
            "Văn thư huyện",
            datetime.now(UTC),
        )
        await district.send_edoc(HUYEN, build_status(status), "status")

    receipt = await mail_sink.wait_for(lambda m: "báo «Đã tiếp nhận»" in str(m["Subject"]))
    body = receipt.get_body(("plain",)).get_content()
    assert "Ủy ban nhân dân huyện Long Hồ" in body and "12/QĐ-UBND" in body
    detail = await api_get(bridge.api, f"/api/documents/{docs[0]['id']}")
    assert detail["statuses"][HUYEN]["current"] == "03"
    assert detail["statuses"]["000.00.01.H61"]["current"] == "01"
