"""Parsing packets in the sample layout and in the variants other senders produce."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from datetime import date, datetime

import pytest

from bridge.edxml import BussinessDocType, EdxmlError, packet_kind, parse_edoc, parse_packet
from bridge.edxml._text import VN_TZ
from bridge.edxml.model import EdocPacket
from tests.unit.edxml.factories import sample

PDF_SHA = "1430666af4a51d01fd68d65acfdaf4c5de48e58bde64a7ce0d17f310d9fc5b27"
APPENDIX_SHA = "4744c84b7e7279f65f14ac882fe03669568b3e55eb91a0a6851c045e8dedbf92"
SAMPLE = "edoc_new_sample_layout.edxml"


def _check_sample(p: EdocPacket) -> None:
    assert p.problems == []
    assert p.from_.organ_id == "000.00.00.H62"
    assert p.from_.organ_name == "Văn phòng UBND tỉnh Vĩnh Long"
    assert p.from_.website == "www.vinhlong.gov.vn"
    assert [t.organ_id for t in p.to] == ["000.01.32.H62", "000.00.05.H62"]
    assert p.to[0].organization_in_charge == "UBND huyện Long Hồ"  # leading space dropped
    assert p.to[0].fax == "" and p.to[0].website == ""
    assert p.document_id == "000.00.00.H62,2025/03/14,125/UBND-VP"
    assert (p.code.code_number, p.code.code_notation) == ("125", "UBND-VP")
    assert p.promulgation_info.place == "Vĩnh Long"
    assert p.promulgation_info.promulgation_date == date(2025, 3, 14)
    assert (p.document_type.type, p.document_type.type_detail, p.document_type.type_name) == (1, 0, "Công văn")
    assert p.subject == "V/v triển khai kết nối, liên thông văn bản điện tử & báo cáo kết quả <đợt 1>"
    assert p.signer_info.competence == "KT. CHỦ TỊCH"
    assert p.signer_info.full_name == "Nguyễn Thị Quyên Thanh"
    assert p.due_date == date(2025, 3, 31)
    o = p.other_info
    assert (o.priority, o.typer_notation, o.promulgation_amount, o.page_amount, o.direction) == (1, "NTH", 2, 3, False)
    assert o.appendixes == ["Phụ lục I: Danh sách đơn vị kết nối", "Phụ lục II: Mẫu báo cáo"]
    assert len(p.response_for) == 1  # the empty <ResponseFor /> is dropped
    assert p.response_for[0].code == "7816/VPCP-TTĐT"
    assert p.response_for[0].promulgation_date == date(2025, 2, 28)
    assert p.steering_type == 1
    assert p.to_places == ["UBND xã Phú Quới", "Sở Thông tin và Truyền thông"]
    assert [(t.organ_id, t.timestamp) for t in p.trace_headers] == [
        ("000.00.00.H62", datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ)),
        ("000.00.00.G22", datetime(2025, 3, 14, 8, 15, 42, tzinfo=VN_TZ)),
    ]
    assert p.bussiness is not None
    assert p.bussiness.doc_type is BussinessDocType.NEW
    assert p.bussiness.reason == "Văn bản điện tử mới"
    assert p.bussiness.staff_info.staff == "Trần Thị Ngọc Hân"
    assert p.bussiness.staff_info.mobile == "0912000001"
    first, second = p.attachments
    # zipped by the SDK: unzipped, and the real type comes from the name
    assert (first.content_id, first.name, first.description) == (
        "209",
        "125_UBND-VP_cong-van.pdf",
        "Công văn 125/UBND-VP",
    )
    assert first.content_type == "application/pdf"
    assert hashlib.sha256(first.data).hexdigest() == PDF_SHA
    # not zipped, cid: only on the Reference side, base64 wrapped over lines, description from the manifest
    assert (second.content_id, second.name, second.description) == ("phu-luc-01", "phu-luc-I.pdf", "Phụ lục I")
    assert second.content_type == "application/pdf"
    assert hashlib.sha256(second.data).hexdigest() == APPENDIX_SHA


def test_hand_written_packet_in_sample_layout() -> None:
    _check_sample(parse_edoc(sample(SAMPLE)))


def test_same_packet_without_the_prefix_in_the_default_namespace() -> None:
    text = sample(SAMPLE).decode()
    text = text.replace(' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "").replace("edXML:", "")
    assert "edXML:" not in text
    _check_sample(parse_edoc(text.encode()))


def test_same_packet_without_any_namespace() -> None:
    text = sample(SAMPLE).decode()
    text = text.replace(' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "").replace("edXML:", "")
    text = text.replace(' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "")
    _check_sample(parse_edoc(text.encode()))


def test_same_packet_with_another_prefix_for_the_same_namespace() -> None:
    text = sample(SAMPLE).decode().replace("edXML:", "qcvn:").replace("xmlns:edXML", "xmlns:qcvn")
    _check_sample(parse_edoc(text.encode()))


def test_same_packet_with_the_edxml_prefix_never_declared() -> None:
    text = sample(SAMPLE).decode().replace(' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "")
    text = text.replace(' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "")
    assert "xmlns" not in text
    _check_sample(parse_edoc(text.encode()))


def test_other_undeclared_prefixes_stay_errors() -> None:
    with pytest.raises(EdxmlError, match="không phải XML hợp lệ"):
        parse_edoc(b"<edXML><foo:MessageHeader/></edXML>")


def test_kind_of_sample_packets() -> None:
    assert packet_kind(sample(SAMPLE)) == "edoc"
    assert packet_kind(sample("status_processing_05.edxml")) == "status"
    assert packet_kind(sample("status_bkav_status_element.edxml")) == "status"
    assert isinstance(parse_packet(sample(SAMPLE)), EdocPacket)


def test_kind_of_something_else_is_an_error() -> None:
    with pytest.raises(EdxmlError, match="Không nhận ra loại gói tin"):
        packet_kind(b"<html><body/></html>")


def _minimal(header: str = "", extra: str = "") -> bytes:
    return (
        '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
        f"<From><OrganId>000.00.00.H62</OrganId></From>{header}</MessageHeader></edXMLHeader>"
        f"<edXMLBody><edXMLManifest version='1.0'/></edXMLBody></edXMLEnvelope>{extra}</edXML>"
    ).encode()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025/03/14", date(2025, 3, 14)),
        ("14/03/2025", date(2025, 3, 14)),
        ("2025-03-14", date(2025, 3, 14)),
        ("2025/3/4", date(2025, 3, 4)),
        ("2025/03/14 00:00:00", date(2025, 3, 14)),
        ("2025-03-14T23:59:59+07:00", date(2025, 3, 14)),
        (" 30/10/2020 ", date(2020, 10, 30)),
    ],
)
def test_lenient_dates(written: str, expected: date) -> None:
    p = parse_edoc(_minimal(f"<PromulgationInfo><PromulgationDate>{written}</PromulgationDate></PromulgationInfo>"))
    assert p.promulgation_info.promulgation_date == expected
    assert p.problems == []


def test_unreadable_values_become_problems_not_failures() -> None:
    p = parse_edoc(
        _minimal(
            "<PromulgationInfo><PromulgationDate>2014/02/30</PromulgationDate></PromulgationInfo>"
            "<DueDate>sớm nhất có thể</DueDate><OtherInfo><Priority>khẩn</Priority><PageAmount>ba</PageAmount>"
            "</OtherInfo>"
        )
    )
    assert p.promulgation_info.promulgation_date is None
    assert p.due_date is None
    assert p.other_info.priority == 0
    assert p.other_info.page_amount is None
    assert len(p.problems) == 4
    assert any("Ngày ban hành (PromulgationDate)" in m and "2014/02/30" in m for m in p.problems)


def test_timestamps_with_offset_are_converted_to_vietnamese_time() -> None:
    p = parse_edoc(
        _minimal(extra="")
        .replace(b"</MessageHeader>", b"</MessageHeader><TraceHeaderList><TraceHeader><OrganId>x</OrganId>"
                 b"<Timestamp>2025-03-14T01:15:30Z</Timestamp></TraceHeader></TraceHeaderList>")
    )  # fmt: skip
    assert p.trace_headers[0].timestamp == datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ)


def test_packet_without_business_or_signature_like_the_2025_vxp_packets() -> None:
    p = parse_edoc(_minimal("<DocumentId>5e515fca-3627-4f2e-b517-7169acdc8bda</DocumentId>"))
    assert p.bussiness is None
    assert p.document_id == "5e515fca-3627-4f2e-b517-7169acdc8bda"
    assert p.attachments == []


def test_business_variants_update_and_replacement() -> None:
    trace = (
        "<TraceHeaderList><Bussiness><DocumentId>old</DocumentId><BussinessDocType>2</BussinessDocType>"
        "<BussinessDocReason>Cập nhật văn bản điện tử</BussinessDocReason><Paper>0</Paper>"
        "<BussinessDocumentInfo><DocumentInfo>1</DocumentInfo><DocumentReceiver>1</DocumentReceiver><ReceiverList>"
        "<Receiver><OrganId>000.00.00.H41</OrganId><ReceiverType>0</ReceiverType></Receiver>"
        "<Receiver><OrganId>000.00.00.H14</OrganId><ReceiverType>1</ReceiverType></Receiver></ReceiverList>"
        "</BussinessDocumentInfo><ReplacementInfoList><ReplacementInfo><DocumentId>r1</DocumentId>"
        "<OrganIdList><OrganId>a</OrganId><OrganId>b</OrganId></OrganIdList></ReplacementInfo>"
        "</ReplacementInfoList></Bussiness></TraceHeaderList>"
    )
    p = parse_edoc(_minimal().replace(b"</MessageHeader>", b"</MessageHeader>" + trace.encode()))
    b = p.bussiness
    assert b is not None and b.doc_type is BussinessDocType.UPDATE and b.document_id == "old"
    assert b.document_info is not None
    assert [(r.organ_id, r.receiver_type) for r in b.document_info.receivers] == [
        ("000.00.00.H41", 0),
        ("000.00.00.H14", 1),
    ]
    assert [(r.document_id, r.organ_ids) for r in b.replacement_info_list] == [("r1", ["a", "b"])]


def test_single_s_business_spelling_is_accepted_on_input() -> None:
    trace = b"<TraceHeaderList><Business><BusinessDocType>1</BusinessDocType></Business></TraceHeaderList>"
    p = parse_edoc(_minimal().replace(b"</MessageHeader>", b"</MessageHeader>" + trace))
    assert p.bussiness is not None and p.bussiness.doc_type is BussinessDocType.REVOKE


def test_unknown_business_type_is_an_error() -> None:
    trace = b"<TraceHeaderList><Bussiness><BussinessDocType>7</BussinessDocType></Bussiness></TraceHeaderList>"
    with pytest.raises(EdxmlError, match="BussinessDocType"):
        parse_edoc(_minimal().replace(b"</MessageHeader>", b"</MessageHeader>" + trace))


def _attachment_xml(cid: str, name: str, ctype: str, payload: bytes) -> str:
    return (
        f"<Attachment><ContentId>{cid}</ContentId><AttachmentName>{name}</AttachmentName>"
        f"<ContentType>{ctype}</ContentType><ContentTransferEncoded>{base64.b64encode(payload).decode()}"
        "</ContentTransferEncoded></Attachment>"
    )


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    return buf.getvalue()


def test_pdf_type_around_zipped_bytes_is_unwrapped_like_vxp_2025() -> None:
    pdf = b"%PDF-1.7 body"
    enc = _attachment_xml("cid:x", "a.pdf", "application/pdf", _zip({"uuid.pdf": pdf}))
    (a,) = parse_edoc(_minimal(extra=f"<AttachmentEncoded>{enc}</AttachmentEncoded>")).attachments
    assert (a.data, a.content_type) == (pdf, "application/pdf")


def test_real_zip_files_and_office_files_are_kept_as_sent() -> None:
    several = _zip({"a.txt": b"a", "b.txt": b"b"})
    docx = _zip({"word/document.xml": b"<w/>"})
    enc = _attachment_xml("1", "hồ sơ.zip", "application/zip", several) + _attachment_xml(
        "2", "báo cáo.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx
    )
    a, b = parse_edoc(_minimal(extra=f"<AttachmentEncoded>{enc}</AttachmentEncoded>")).attachments
    assert (a.data, a.content_type) == (several, "application/zip")
    assert b.data == docx


def test_zip_type_around_bytes_that_are_no_zip_falls_back_to_raw() -> None:
    enc = _attachment_xml("1", "a.pdf", "application/zip", b"%PDF-1.4 plain")
    (a,) = parse_edoc(_minimal(extra=f"<AttachmentEncoded>{enc}</AttachmentEncoded>")).attachments
    assert a.data == b"%PDF-1.4 plain"


def test_reference_without_data_is_an_error() -> None:
    ref = "<Reference><ContentId>cid:9</ContentId><AttachmentName>mất.pdf</AttachmentName></Reference>"
    data = _minimal().replace(b"<edXMLManifest version='1.0'/>", f"<edXMLManifest>{ref}</edXMLManifest>".encode())
    with pytest.raises(EdxmlError, match=r"thiếu nội dung: mất\.pdf"):
        parse_edoc(data)


def test_bad_base64_is_an_error() -> None:
    enc = "<Attachment><ContentId>1</ContentId><AttachmentName>a.pdf</AttachmentName>"
    enc += "<ContentTransferEncoded>@@@ not base64</ContentTransferEncoded></Attachment>"
    with pytest.raises(EdxmlError, match="base64"):
        parse_edoc(_minimal(extra=f"<AttachmentEncoded>{enc}</AttachmentEncoded>"))


def test_status_packet_is_not_a_document() -> None:
    with pytest.raises(EdxmlError, match="gói tin trạng thái"):
        parse_edoc(sample("status_processing_05.edxml"))
