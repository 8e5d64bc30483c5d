"""Against the real packets in ../shared/interop/edxml (read in place, see tests/fixtures/interop.py):

- a packet built by edoc-bridge from a sample's data has the sample's layout — element names, prefixes, namespace
  declarations, child order, attributes and value texts — for every official sample type;
- every real packet parses, and a re-built packet parses back to the same data;
- the broken files named in INDEX.md get a clear EdxmlError.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bridge.edxml import EdocPacket, EdxmlError, StatusPacket, build_edoc, build_status, parse_packet
from bridge.edxml._common import ORG_ORDER_STATUS, RESPONSE_FOR_ORDER_STATUS, STAFF_ORDER_STATUS
from bridge.xml_element import Element
from tests.fixtures.interop import interop_file, interop_files

SDK = "edxml/vpcp-sdk/"
OFFICIAL_DOCUMENTS = {
    "new": "resources__edoc_new.edxml.bak",  # the unaltered sample (the .edxml copy has 4 stray bytes)
    "update": "resources__edoc_update.edxml",
    "revocation": "resources__edoc_revocation.edxml",
    "replacement": "resources__edoc_replacement.edxml",
}
OFFICIAL_STATUSES = {
    "01": "resources__status_inbox__01.edxml",
    "02": "resources__status_rejection_02.edxml",
    "03": "resources__status_acceptance_03.edxml",
    "04": "resources__status_assignment_04.edxml",
    "05": "resources__status_processing_05.edxml",
    "06": "resources__status_finish_06.edxml",
    "13": "resources__status_cancellation_13.edxml",
    "15": "resources__status_change-acceptance_15.edxml",
    "16": "resources__status_change-rejection_16.edxml",
}
# Bkav's copies of the official layout
BKAV_OFFICIAL_LAYOUT = [
    "edxml/bkav/edoc-service__src__main__resources__status_processing_05.edxml",
    "edxml/bkav/edoc-webapp__src__main__resources__edoc_update.edxml",
]
# Not packets (INDEX.md): what each must be told
BROKEN = {
    "resources__edoc_new.edxml": "không phải XML hợp lệ",  # 4 stray bytes before <?xml
    "resources__edoc.edxml": "không phải XML hợp lệ",  # JMeter template, xlink prefix undeclared
}
# Real packets the builder refuses to re-build, and why (the builder requires what a sender must send)
UNBUILDABLE = {"test_user_edxml.xml": "PromulgationDate"}
DSIG = "http://www.w3.org/2000/09/xmldsig#"


def _layout(data: bytes) -> list[tuple[object, ...]]:
    """Every element in document order: depth, name as written (prefix:local), namespace URI, the namespace
    declarations it adds, its attributes and its text. Attachment payloads (zip bytes differ) and the
    Signature (compared on its own) are left out."""
    root = etree.fromstring(data, etree.XMLParser(remove_blank_text=True, remove_comments=True))
    out: list[tuple[object, ...]] = []

    def walk(e: Element, depth: int, parent_ns: dict[str | None, str]) -> None:
        if not isinstance(e.tag, str):
            return
        q = etree.QName(e)
        if q.localname == "Signature":
            return
        declared = sorted((k or "", v) for k, v in e.nsmap.items() if parent_ns.get(k) != v)
        written = f"{e.prefix}:{q.localname}" if e.prefix else q.localname
        text = "<payload>" if q.localname == "ContentTransferEncoded" else (e.text or "").strip()
        out.append((depth, written, q.namespace, tuple(declared), tuple(sorted(e.attrib.items())), text))
        for child in e:
            walk(child, depth + 1, dict(e.nsmap))

    walk(root, 0, {})
    return out


def _rebuild(packet: EdocPacket | StatusPacket) -> bytes:
    return build_edoc(packet) if isinstance(packet, EdocPacket) else build_status(packet)


def _read(relative: str) -> bytes:
    return interop_file(relative).read_bytes()


@pytest.mark.parametrize("kind", sorted(OFFICIAL_DOCUMENTS))
def test_document_packets_have_the_official_layout(kind: str) -> None:
    sample = _read(SDK + OFFICIAL_DOCUMENTS[kind])
    packet = parse_packet(sample)
    assert isinstance(packet, EdocPacket) and packet.problems == []
    assert _layout(build_edoc(packet)) == _layout(sample)


@pytest.mark.parametrize("code", sorted(OFFICIAL_STATUSES))
def test_status_packets_have_the_official_layout(code: str) -> None:
    sample = _read(SDK + OFFICIAL_STATUSES[code])
    packet = parse_packet(sample)
    assert isinstance(packet, StatusPacket) and packet.status_code.value == code
    assert _layout(build_status(packet)) == _layout(sample)


@pytest.mark.parametrize("relative", BKAV_OFFICIAL_LAYOUT)
def test_bkav_copies_of_the_official_layout_match_too(relative: str) -> None:
    sample = _read(relative)
    assert _layout(_rebuild(parse_packet(sample))) == _layout(sample)


def test_status_edxml_differs_from_the_per_code_samples_only_in_child_order() -> None:
    """status.edxml orders From, ResponseFor and StaffInfo differently from status_*.edxml; we write the per-code
    order and read both."""
    sample = _read(SDK + "resources__status.edxml")
    packet = parse_packet(sample)
    assert isinstance(packet, StatusPacket)
    assert packet.from_.organ_name == "UBND Tỉnh Nghệ An" and packet.staff_info.mobile == "84912000001"
    assert packet.response_for.promulgation_date is not None

    root = etree.fromstring(sample)
    for group, order in (("From", ORG_ORDER_STATUS), ("ResponseFor", RESPONSE_FOR_ORDER_STATUS)):
        _reorder(root, group, order)
    _reorder(root, "StaffInfo", STAFF_ORDER_STATUS)
    per_code_order = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    built = build_status(packet)
    assert _layout(built) == _layout(per_code_order) != _layout(sample)


def _reorder(root: Element, group: str, order: tuple[str, ...]) -> None:
    [element] = root.iter(f"{{*}}{group}")
    children = sorted(element, key=lambda c: order.index(etree.QName(c).localname))
    element[:] = children


def _real_packets() -> list[Path]:
    return [p for p in interop_files("edxml", "*/*") if p.name not in BROKEN]


def test_every_real_packet_parses_and_rebuilt_parses_back_equal() -> None:
    packets = _real_packets()
    assert len(packets) >= 20
    rebuilt = 0
    for path in packets:
        packet = parse_packet(path.read_bytes())
        assert packet.problems == [], path.name
        if path.name in UNBUILDABLE:
            with pytest.raises(EdxmlError, match=UNBUILDABLE[path.name]):
                _rebuild(packet)
            continue
        again = parse_packet(_rebuild(packet))
        assert again == packet, path.name
        rebuilt += 1
    assert rebuilt == len(packets) - len(UNBUILDABLE)


def test_real_packets_keep_what_they_carry() -> None:
    vxp_2019 = parse_packet(_read(SDK + "xml__2019__5__852e179c-8eca-4502-ac38-0b97321f29c3.edxml"))
    assert isinstance(vxp_2019, EdocPacket)
    assert len(vxp_2019.trace_headers) == 2 and vxp_2019.response_for == []  # <edXML:ResponseFor /> is empty
    [attachment] = vxp_2019.attachments
    # zip-wrapped although it says application/pdf: unwrapped (its test payload is 17 bytes)
    assert attachment.content_type == "application/pdf" and len(attachment.data) == 17
    assert not attachment.data.startswith(b"PK")
    raw_2025 = parse_packet(_read(SDK + "xml__2025__10__9e272474-0603-48a2-b525-9cd1af689612.edxml"))
    assert isinstance(raw_2025, EdocPacket)
    assert (raw_2025.document_type.type, raw_2025.document_type.type_detail) == (2, 1)
    assert raw_2025.attachments[0].data.startswith(b"%PDF")  # a bare PDF in base64


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_files_get_a_clear_error(name: str) -> None:
    with pytest.raises(EdxmlError, match=BROKEN[name]) as caught:
        parse_packet(_read(SDK + name))
    assert "line 1" in str(caught.value) or "xlink" in str(caught.value)


def test_official_samples_put_their_signature_inside_the_header_in_the_dsig_layout() -> None:
    """What an enveloped signature of ours must look like (bridge.edxml.dsig writes it)."""
    root = etree.fromstring(_read(SDK + OFFICIAL_DOCUMENTS["new"]))
    [signature] = root.iter("{*}Signature")
    assert etree.QName(signature.getparent()).localname == "edXMLHeader"
    names = [etree.QName(e).localname for e in signature.iter() if isinstance(e.tag, str)]
    assert names[:3] == ["Signature", "SignedInfo", "CanonicalizationMethod"]
    assert {"SignatureValue", "KeyInfo", "X509Data", "X509Certificate"} <= set(names)
