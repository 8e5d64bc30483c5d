"""Status packets: the samples' MessageHeader layout out, Bkav's <Status> variant accepted in."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from lxml import etree

from bridge.edxml import (
    NAMESPACE,
    EdxmlError,
    Organization,
    ResponseFor,
    StaffInfo,
    StatusPacket,
    build_status,
    packet_kind,
    parse_packet,
    parse_status,
)
from bridge.edxml._text import VN_TZ
from bridge.xml_element import Element
from core.status import StatusCode
from tests.unit.edxml.factories import sample

Q = f"{{{NAMESPACE}}}"


def _packet(**changes: object) -> StatusPacket:
    p = StatusPacket(
        from_=Organization("000.01.32.H62", "UBND huyện Long Hồ", "UBND xã Phú Quới", email="pq@vinhlong.gov.vn"),
        response_for=ResponseFor(
            "000.00.00.H62", "125/UBND-VP", date(2025, 3, 14), "000.00.00.H62,2025/03/14,125/UBND-VP"
        ),
        status_code=StatusCode.REJECTED,
        staff_info=StaffInfo("Văn thư", "Lê Văn Tâm", "tam@vinhlong.gov.vn", "0918"),
        description="Từ chối: thiếu chữ ký số của cơ quan & sai <số trang>",
        timestamp=datetime(2025, 3, 14, 10, 5, tzinfo=VN_TZ),
    )
    for k, v in changes.items():
        setattr(p, k, v)
    return p


def _names(e: Element) -> list[str]:
    return [etree.QName(c).localname for c in e if isinstance(c.tag, str)]


def test_layout_matches_status_samples() -> None:
    data = build_status(_packet())
    text = data.decode()
    assert f'<edXML xmlns="{NAMESPACE}">\n  <edXML:edXMLEnvelope xmlns:edXML="{NAMESPACE}">' in text
    root = etree.fromstring(data)
    env = root.find(f"{Q}edXMLEnvelope")
    assert _names(root) == ["edXMLEnvelope"] and _names(env) == ["edXMLHeader"]  # no body, no attachments
    header = env.find(f"{Q}edXMLHeader/{Q}MessageHeader")
    assert _names(header) == ["From", "ResponseFor", "StaffInfo", "StatusCode", "Description", "Timestamp"]
    assert _names(header.find(f"{Q}From"))[:3] == ["OrganId", "OrganName", "OrganizationInCharge"]
    assert _names(header.find(f"{Q}ResponseFor")) == ["OrganId", "Code", "PromulgationDate", "DocumentId"]
    assert _names(header.find(f"{Q}StaffInfo")) == ["Department", "Staff", "Mobile", "Email"]
    assert header.findtext(f"{Q}StatusCode") == "02"
    assert header.findtext(f"{Q}Timestamp") == "2025/03/14 10:05:00"
    assert "<edXML:StatusCode>02</edXML:StatusCode>" in text


def test_round_trip() -> None:
    p = _packet()
    assert parse_status(build_status(p)) == p


def test_aware_timestamps_are_written_in_vietnamese_time() -> None:
    from datetime import UTC

    data = build_status(_packet(timestamp=datetime(2025, 3, 14, 3, 5, tzinfo=UTC)))
    assert b"<edXML:Timestamp>2025/03/14 10:05:00</edXML:Timestamp>" in data


def test_sample_layout_parsed() -> None:
    p = parse_status(sample("status_processing_05.edxml"))
    assert p.status_code is StatusCode.PROCESSING
    assert p.from_.organ_id == "000.01.32.H62"
    assert p.from_.organization_in_charge == "UBND huyện Long Hồ"
    assert p.response_for == ResponseFor(
        "000.00.00.H62", "125/UBND-VP", date(2025, 3, 14), "000.00.00.H62,2025/03/14,125/UBND-VP"
    )
    assert p.staff_info == StaffInfo("Văn phòng HĐND-UBND xã", "Lê Văn Tâm", "tam.lv@vinhlong.gov.vn", "0918000002")
    assert p.description == "Đang xử lý văn bản đến"
    assert p.timestamp == datetime(2025, 3, 14, 10, 5, tzinfo=VN_TZ)
    assert p.problems == []


def test_bkav_status_element_in_a_soap_envelope() -> None:
    p = parse_status(sample("status_bkav_status_element.edxml"))
    assert p.status_code is StatusCode.ACCEPTED  # written "3"
    assert p.from_.organ_id == "000.00.05.H62"
    assert p.response_for.promulgation_date == date(2025, 3, 14)  # written 14/03/2025
    assert p.timestamp == datetime(2025, 3, 14, 9, 0, tzinfo=VN_TZ)  # written 2025-03-14 09:00
    assert p.staff_info.staff == "Phạm Minh Khoa"
    assert isinstance(parse_packet(sample("status_bkav_status_element.edxml")), StatusPacket)


def test_status_element_inside_the_edxml_envelope() -> None:
    text = sample("status_processing_05.edxml").decode().replace("edXML:MessageHeader", "edXML:Status")
    assert packet_kind(text.encode()) == "status"
    assert parse_status(text.encode()).status_code is StatusCode.PROCESSING


def test_unknown_status_code_is_an_error() -> None:
    text = sample("status_processing_05.edxml").decode().replace(">05<", ">09<")
    with pytest.raises(EdxmlError, match="Mã trạng thái không hợp lệ: '09'"):
        parse_status(text.encode())


def test_document_packet_is_not_a_status() -> None:
    with pytest.raises(EdxmlError, match="không có StatusCode"):
        parse_status(sample("edoc_new_sample_layout.edxml"))


def test_unbuildable_status_is_refused() -> None:
    with pytest.raises(EdxmlError, match="ResponseFor/DocumentId"):
        build_status(_packet(response_for=ResponseFor("000.00.00.H62", "1/UBND")))
