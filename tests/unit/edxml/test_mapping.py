"""Domain ⇄ wire: a served agency's document becomes a packet; a received packet becomes core fields."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest

from bridge.edxml import BussinessDocType, EdxmlError, build_edoc, build_status, parse_edoc, parse_status
from bridge.edxml._text import VN_TZ
from bridge.edxml.mapping import (
    document_fields_from_packet,
    packet_from_document,
    status_event_from_packet,
    status_packet,
)
from bridge.edxml.model import StaffInfo
from core.agency import Agency
from core.doc_code import DocCode
from core.document import Attachment, Direction, Document, Signer
from core.inbound import Channel
from core.organ_id import OrganId
from core.status import StatusCode
from core.urgency import Urgency
from tests.unit.edxml.factories import sample

PDF = b"%PDF-1.7\n% 125/UBND-VP\n%%EOF\n"
NOW = datetime(2025, 3, 14, 1, 15, 30, tzinfo=UTC)

SENDER = Agency(
    organ_id=OrganId("000.01.32.H62"),
    name="UBND xã Phú Quới",
    parent_name="UBND huyện Long Hồ",
    emails=("phuquoi@vinhlong.gov.vn",),
    address="Ấp Phú Hòa, xã Phú Quới",
    telephone="0270 3 950 123",
    extra={"website": "phuquoi.vinhlong.gov.vn"},
)
RECIPIENTS = [
    Agency(organ_id=OrganId("000.00.00.H62"), name="UBND tỉnh Vĩnh Long"),
    Agency(organ_id=OrganId("000.00.05.H62"), name="Sở Thông tin và Truyền thông", parent_name="UBND tỉnh"),
]


def _document(**changes: object) -> Document:
    doc = Document(
        id="d1",
        direction=Direction.OUTGOING,
        channel=Channel.SMTP,
        received_at=NOW,
        sender=SENDER.organ_id,
        recipients=[r.organ_id for r in RECIPIENTS],
        code=DocCode("125", "UBND-VP"),
        issued_date=date(2025, 3, 14),
        place="Phú Quới",
        type_name="Công văn",
        subject="V/v báo cáo kết quả & kiến nghị",
        signer=Signer("Lê Văn Tâm", "Chủ tịch", "TM. ỦY BAN NHÂN DÂN"),
        urgency=Urgency.THUONG_KHAN,
        due_date=date(2025, 3, 31),
        page_amount=3,
        appendixes=["Phụ lục I"],
    )
    for k, v in changes.items():
        setattr(doc, k, v)
    return doc


def _attachment(data: bytes = PDF) -> tuple[Attachment, bytes]:
    return Attachment("bao-cao.pdf", "application/pdf", hashlib.sha256(data).hexdigest(), len(data)), data


def test_packet_from_document() -> None:
    p = packet_from_document(_document(), SENDER, RECIPIENTS, [_attachment()], "000.00.00.H62", NOW)
    assert p.document_id == "000.01.32.H62,2025/03/14,125/UBND-VP"
    assert (p.from_.organ_id, p.from_.organ_name, p.from_.organization_in_charge) == (
        "000.01.32.H62",
        "UBND xã Phú Quới",
        "UBND huyện Long Hồ",
    )
    assert p.from_.email == "phuquoi@vinhlong.gov.vn" and p.from_.website == "phuquoi.vinhlong.gov.vn"
    assert [t.organ_id for t in p.to] == ["000.00.00.H62", "000.00.05.H62"]
    assert p.to[0].organization_in_charge == "UBND tỉnh Vĩnh Long"  # no parent: its own name
    assert (p.code.code_number, p.code.code_notation) == ("125", "UBND-VP")
    assert p.promulgation_info.promulgation_date == date(2025, 3, 14)
    assert p.document_type.type_name == "Công văn"
    assert p.signer_info.competence == "TM. ỦY BAN NHÂN DÂN"
    assert p.other_info.priority == 2
    assert p.other_info.page_amount == 3 and p.other_info.appendixes == ["Phụ lục I"]
    assert p.to_places == ["UBND tỉnh Vĩnh Long", "Sở Thông tin và Truyền thông"]
    assert p.trace_headers[0].organ_id == "000.00.00.H62"
    assert p.bussiness is not None and p.bussiness.doc_type is BussinessDocType.NEW
    assert p.bussiness.reason == "Văn bản điện tử mới"
    (a,) = p.attachments
    assert (a.name, a.content_type, a.data) == ("bao-cao.pdf", "application/pdf", PDF)
    # the same document gives the same content ids
    again = packet_from_document(_document(), SENDER, RECIPIENTS, [_attachment()], "000.00.00.H62", NOW)
    assert again.attachments[0].content_id == a.content_id


def test_packet_is_written_with_vietnamese_trace_time() -> None:
    p = packet_from_document(_document(), SENDER, RECIPIENTS, [_attachment()], "000.00.00.H62", NOW)
    assert b"<edXML:Timestamp>2025/03/14 08:15:30</edXML:Timestamp>" in build_edoc(p)


def test_document_round_trips_through_the_wire() -> None:
    doc = _document()
    p = packet_from_document(doc, SENDER, RECIPIENTS, [_attachment()], "000.00.00.H62", NOW)
    f = document_fields_from_packet(parse_edoc(build_edoc(p)))
    assert f.problems == []
    assert f.sender == SENDER.organ_id and f.sender_name == "UBND xã Phú Quới"
    assert f.code == doc.code and f.code_raw == "125/UBND-VP"
    assert (f.issued_date, f.place, f.type_name, f.subject) == (doc.issued_date, doc.place, doc.type_name, doc.subject)
    assert f.signer == doc.signer
    assert f.urgency is Urgency.THUONG_KHAN
    assert (f.due_date, f.page_amount, f.appendixes) == (doc.due_date, 3, ["Phụ lục I"])
    assert f.recipients == doc.recipients
    assert f.edxml_document_id == "000.01.32.H62,2025/03/14,125/UBND-VP"
    assert f.business_doc_type is BussinessDocType.NEW


def test_fields_of_the_hand_written_sample() -> None:
    f = document_fields_from_packet(parse_edoc(sample("edoc_new_sample_layout.edxml")))
    assert f.problems == []
    assert f.sender == OrganId("000.00.00.H62")
    assert f.code == DocCode("125", "UBND-VP")
    assert f.urgency is Urgency.KHAN
    assert f.recipients == [OrganId("000.01.32.H62"), OrganId("000.00.05.H62")]


def test_odd_values_from_the_axis_become_problems() -> None:
    p = parse_edoc(sample("edoc_new_sample_layout.edxml"))
    p.from_.organ_id = "vxp.saas.03"
    p.to[1].organ_id = ""
    p.code.code_number = "74fass22"
    p.other_info.priority = 9
    f = document_fields_from_packet(p)
    assert f.sender is None and f.sender_raw == "vxp.saas.03"
    assert f.code is None and f.code_raw == "74fass22/UBND-VP"
    assert f.urgency is Urgency.THUONG
    assert f.recipients == [OrganId("000.01.32.H62")]
    assert len(f.problems) == 4
    assert any("Priority" in m for m in f.problems)


def test_document_without_code_cannot_be_sent() -> None:
    with pytest.raises(EdxmlError, match="chưa có số, ký hiệu"):
        packet_from_document(_document(code=None), SENDER, RECIPIENTS, [], "x", NOW)


def test_document_without_recipients_cannot_be_sent() -> None:
    with pytest.raises(EdxmlError, match="chưa có nơi nhận"):
        packet_from_document(_document(), SENDER, [], [], "x", NOW)


def test_attachment_bytes_must_match_the_stored_hash() -> None:
    meta, _ = _attachment()
    with pytest.raises(EdxmlError, match="không khớp mã băm"):
        packet_from_document(_document(), SENDER, RECIPIENTS, [(meta, PDF + b"x")], "x", NOW)


def test_status_packet_round_trip_and_event() -> None:
    at = datetime(2025, 3, 14, 10, 5, tzinfo=VN_TZ)
    p = status_packet(
        "000.01.32.H62,2025/03/14,125/UBND-VP",
        DocCode("125", "UBND-VP"),
        date(2025, 3, 14),
        OrganId("000.01.32.H62"),
        RECIPIENTS[1],
        StatusCode.ACCEPTED,
        "",
        "Phạm Minh Khoa",
        at,
    )
    assert p.response_for.code == "125/UBND-VP" and p.response_for.organ_id == "000.01.32.H62"
    assert p.description == "Đã tiếp nhận"  # the label when no text is given
    assert p.staff_info == StaffInfo(staff="Phạm Minh Khoa")
    back = parse_status(build_status(p))
    assert back == p
    event = status_event_from_packet(back, received_at=NOW)
    assert (event.code, event.at, event.actor) == (StatusCode.ACCEPTED, at, "axis:000.00.05.H62")
