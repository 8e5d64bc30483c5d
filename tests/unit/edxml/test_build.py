"""The built document packet follows the official samples' layout literally."""

from __future__ import annotations

import base64
import io
import re
import zipfile

import pytest
from lxml import etree

from bridge.edxml import NAMESPACE, BussinessDocType, EdxmlError, PacketAttachment, build_edoc
from bridge.edxml.model import Bussiness, BussinessDocumentInfo, Receiver, ReplacementInfo, ResponseFor
from bridge.xml_element import Element
from tests.unit.edxml.factories import edoc

Q = f"{{{NAMESPACE}}}"


def _tree(data: bytes) -> Element:
    return etree.fromstring(data)


def _names(e: Element) -> list[str]:
    return [etree.QName(c).localname for c in e if isinstance(c.tag, str)]


def test_root_and_envelope_declare_the_namespace_like_the_samples() -> None:
    text = build_edoc(edoc()).decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert f'<edXML xmlns="{NAMESPACE}">' in text
    assert f'<edXML:edXMLEnvelope xmlns:edXML="{NAMESPACE}">' in text
    root = _tree(text.encode())
    assert root.tag == f"{Q}edXML"
    assert _names(root) == ["edXMLEnvelope", "AttachmentEncoded"]


def test_every_header_and_body_element_carries_the_edxml_prefix() -> None:
    text = build_edoc(edoc()).decode("utf-8")
    envelope = text[text.index("<edXML:edXMLEnvelope") : text.index("</edXML:edXMLEnvelope>")]
    tags = re.findall(r"<(/?)([A-Za-z_:][\w:.-]*)", envelope)
    unprefixed = {name for _, name in tags if not name.startswith("edXML:")}
    assert unprefixed == set()
    # ... and they all resolve to the QCVN namespace
    for e in _tree(text.encode()).iter():
        assert etree.QName(e).namespace == NAMESPACE


def test_message_header_children_in_sample_order() -> None:
    p = edoc(response_for=[ResponseFor("000.00.00.G22", "7816/VPCP-TTĐT", None, "x")])
    header = _tree(build_edoc(p)).find(f"{Q}edXMLEnvelope/{Q}edXMLHeader/{Q}MessageHeader")
    assert _names(header) == [
        "From", "To", "To", "DocumentId", "Code", "PromulgationInfo", "DocumentType", "Subject", "Content",
        "SignerInfo", "DueDate", "OtherInfo", "ResponseFor", "SteeringType", "ToPlaces",
    ]  # fmt: skip
    assert _names(header.find(f"{Q}From")) == [
        "OrganId", "OrganizationInCharge", "OrganName", "OrganAdd", "Email", "Telephone", "Fax", "Website",
    ]  # fmt: skip
    assert _names(header.find(f"{Q}OtherInfo")) == [
        "Priority", "SphereOfPromulgation", "TyperNotation", "PromulgationAmount", "PageAmount",
        "Direction", "Appendixes",
    ]  # fmt: skip
    assert header.findtext(f"{Q}PromulgationInfo/{Q}PromulgationDate") == "2025/03/14"
    assert header.findtext(f"{Q}DueDate") == "2025/03/31"


def test_trace_and_business_use_double_s_and_sample_order() -> None:
    p = edoc(
        bussiness=Bussiness(
            doc_type=BussinessDocType.REPLACE,
            reason=BussinessDocType.REPLACE.reason,
            document_id="000.00.00.H62,2025/01/02,1/UBND-VP",
            document_info=BussinessDocumentInfo(1, 1, [Receiver("000.00.05.H62", 1)]),
            replacement_info_list=[ReplacementInfo("000.00.00.H62,2025/01/02,1/UBND-VP", ["000.00.05.H62"])],
        )
    )
    text = build_edoc(p).decode()
    assert "Business" not in text
    trace = _tree(text.encode()).find(f"{Q}edXMLEnvelope/{Q}edXMLHeader/{Q}TraceHeaderList")
    assert _names(trace) == ["TraceHeader", "Bussiness"]
    assert trace.findtext(f"{Q}TraceHeader/{Q}Timestamp") == "2025/03/14 08:15:30"
    assert _names(trace.find(f"{Q}Bussiness")) == [
        "DocumentId", "BussinessDocType", "BussinessDocReason", "Paper", "BussinessDocumentInfo",
        "ReplacementInfoList", "StaffInfo",
    ]  # fmt: skip
    assert trace.findtext(f"{Q}Bussiness/{Q}BussinessDocType") == "3"
    assert _names(trace.find(f"{Q}Bussiness/{Q}StaffInfo")) == ["Department", "Staff", "Email", "Mobile"]


def test_manifest_and_attachment_encoded_outside_the_envelope() -> None:
    p = edoc()
    text = build_edoc(p).decode()
    root = _tree(text.encode())
    manifest = root.find(f"{Q}edXMLEnvelope/{Q}edXMLBody/{Q}edXMLManifest")
    assert manifest.get("version") == "1.0"
    refs = manifest.findall(f"{Q}Reference")
    assert [_names(r) for r in refs] == [["ContentId", "ContentType", "Description", "AttachmentName"]] * 2
    assert [r.findtext(f"{Q}ContentId") for r in refs] == ["cid:c1", "cid:c2"]
    assert {r.findtext(f"{Q}ContentType") for r in refs} == {"application/zip"}
    assert root.find(f"{Q}edXMLEnvelope/{Q}AttachmentEncoded") is None
    # default namespace, no prefix, except ContentTransferEncoded which redeclares edXML like the samples
    assert "<AttachmentEncoded>\n    <Attachment>\n      <ContentId>cid:c1</ContentId>" in text
    assert f'<edXML:ContentTransferEncoded xmlns:edXML="{NAMESPACE}">UEsDB' in text
    first = root.find(f"{Q}AttachmentEncoded/{Q}Attachment")
    assert _names(first) == ["ContentId", "AttachmentName", "Description", "ContentType", "ContentTransferEncoded"]
    assert first.findtext(f"{Q}AttachmentName") == "công-văn 125.pdf"
    assert first.findtext(f"{Q}ContentType") == "application/zip"


def test_attachment_is_a_one_entry_zip_holding_the_file() -> None:
    p = edoc()
    root = _tree(build_edoc(p))
    for a, packet_att in zip(root.iter(f"{Q}Attachment"), p.attachments, strict=True):
        raw = base64.b64decode(a.findtext(f"{Q}ContentTransferEncoded"))
        assert raw.startswith(b"PK\x03\x04")
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            assert zf.namelist() == [packet_att.name]
            assert zf.read(packet_att.name) == packet_att.data


def test_build_is_deterministic() -> None:
    assert build_edoc(edoc()) == build_edoc(edoc())


def test_special_characters_are_escaped() -> None:
    text = build_edoc(edoc(subject="A & B <c> \"d\" 'e'\r\nf")).decode()
    assert "A &amp; B &lt;c&gt; &quot;d&quot; 'e'&#13;\nf" in text


def test_optional_elements_are_left_out_when_unknown() -> None:
    p = edoc(due_date=None, steering_type=None, attachments=[], response_for=[])
    p.other_info.page_amount = None
    text = build_edoc(p).decode()
    for absent in ("DueDate", "SteeringType", "PageAmount", "ResponseFor", "AttachmentEncoded", "Reference"):
        assert absent not in text
    assert '<edXML:edXMLManifest version="1.0" />' in text


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"document_id": ""}, "DocumentId"),
        ({"to": []}, "To"),
        ({"attachments": [PacketAttachment("x", "a.pdf"), PacketAttachment("x", "b.pdf")]}, "ContentId"),
    ],
)
def test_unbuildable_packets_are_refused(change: dict[str, object], word: str) -> None:
    with pytest.raises(EdxmlError, match=word):
        build_edoc(edoc(**change))


def test_text_that_xml_cannot_carry_is_refused_in_vietnamese() -> None:
    with pytest.raises(EdxmlError, match="Trường edXML:Subject chứa ký tự không được phép"):
        build_edoc(edoc(subject="bell \x07"))
