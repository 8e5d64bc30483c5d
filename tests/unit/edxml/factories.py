"""Packets for the edXML tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bridge.edxml import (
    Bussiness,
    Code,
    EdocPacket,
    Organization,
    OtherInfo,
    PacketAttachment,
    PromulgationInfo,
    SignerInfo,
    StaffInfo,
    TraceHeader,
)
from bridge.edxml._text import VN_TZ

DATA = Path(__file__).parent / "data"


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def organization(organ_id: str, name: str) -> Organization:
    return Organization(
        organ_id=organ_id,
        organization_in_charge="Ủy ban nhân dân tỉnh Vĩnh Long",
        organ_name=name,
        organ_add="Số 88, đường Hoàng Thái Hiếu, Phường 1",
        email="vanthu@vinhlong.gov.vn",
        telephone="0270 3822 421",
        fax="0270 3823 400",
        website="www.vinhlong.gov.vn",
    )


def edoc(**changes: object) -> EdocPacket:
    p = EdocPacket(
        from_=organization("000.00.00.H62", "Văn phòng UBND tỉnh"),
        to=[organization("000.01.32.H62", "UBND xã Phú Quới"), organization("000.00.05.H62", "Sở TT&TT")],
        document_id="000.00.00.H62,2025/03/14,125/UBND-VP",
        code=Code("125", "UBND-VP"),
        promulgation_info=PromulgationInfo("Vĩnh Long", date(2025, 3, 14)),
        subject="V/v liên thông văn bản <đợt 1> & báo cáo",
        content="Nội dung",
        signer_info=SignerInfo("KT. CHỦ TỊCH", "Phó Chủ tịch", "Nguyễn Văn A"),
        due_date=date(2025, 3, 31),
        other_info=OtherInfo(
            priority=2,
            sphere_of_promulgation="Liên thông văn bản quốc gia",
            typer_notation="NVA",
            promulgation_amount=2,
            page_amount=3,
            appendixes=["Phụ lục I", "Phụ lục II"],
        ),
        steering_type=1,
        to_places=["UBND xã Phú Quới", "Sở TT&TT"],
        trace_headers=[TraceHeader("000.00.00.H62", datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ))],
        bussiness=Bussiness(staff_info=StaffInfo("Văn thư", "Trần Thị Hân", "vanthu@vinhlong.gov.vn", "0912")),
        attachments=[
            PacketAttachment(
                "c1", "công-văn 125.pdf", "Công văn", "application/pdf", b"%PDF-1.7\n" + bytes(range(256))
            ),
            PacketAttachment(
                "c2",
                "phụ lục.docx",
                "Phụ lục",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                b"PK\x03\x04 not really a docx",
            ),
        ],
    )
    for k, v in changes.items():
        setattr(p, k, v)
    return p
