"""Hostile or broken input ends in EdxmlError, quickly, without expanding anything."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from bridge.edxml import EdxmlError, packet_kind, parse_edoc, parse_status
from tests.unit.edxml.factories import sample

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML><edXMLEnvelope><edXMLHeader><MessageHeader><Subject>&lol9;</Subject>
<StatusCode>01</StatusCode></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML><MessageHeader><Subject>&xxe;</Subject></MessageHeader></edXML>"""

PUBLIC_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://example.invalid/edxml.dtd">
<edXML><MessageHeader><Subject>x</Subject></MessageHeader></edXML>"""


@pytest.mark.parametrize("parse", [parse_edoc, parse_status, packet_kind])
@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, PUBLIC_DTD], ids=["laughs", "xxe", "dtd"])
def test_doctype_is_refused(parse, data: bytes) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EdxmlError, match="DOCTYPE/ENTITY"):
        parse(data)


def test_doctype_in_utf16_is_refused() -> None:
    with pytest.raises(EdxmlError, match="DOCTYPE/ENTITY"):
        parse_edoc(
            EXTERNAL_ENTITY.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
        )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"not xml at all",
        b"<edXML><MessageHeader></edXML>",
        sample("edoc_new_sample_layout.edxml")[:-200],
        b"\x00\x01\x02\x03",
    ],
    ids=["empty", "blank", "text", "mismatched", "truncated", "binary"],
)
def test_malformed_xml_is_an_error(data: bytes) -> None:
    with pytest.raises(EdxmlError):
        parse_edoc(data)


def test_malformed_message_is_vietnamese() -> None:
    with pytest.raises(EdxmlError, match="không phải XML hợp lệ"):
        parse_edoc(b"<edXML><a></b></edXML>")


def test_not_bytes_is_an_error() -> None:
    with pytest.raises(EdxmlError, match="bytes"):
        parse_edoc("<edXML/>")  # type: ignore[arg-type]


def test_size_limit() -> None:
    data = sample("edoc_new_sample_layout.edxml")
    assert parse_edoc(data, max_bytes=len(data)).document_id
    with pytest.raises(EdxmlError, match="quá lớn"):
        parse_edoc(data, max_bytes=len(data) - 1)


def test_no_message_header_is_an_error() -> None:
    with pytest.raises(EdxmlError, match="MessageHeader"):
        parse_edoc(b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope/></edXML>')


def test_zip_bomb_is_stopped_by_the_unzipped_limit() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.pdf", b"\0" * (8 * 1024 * 1024))
    payload = base64.b64encode(buf.getvalue()).decode()
    assert len(payload) < 20_000
    data = (
        "<edXML><MessageHeader><From><OrganId>x</OrganId></From></MessageHeader><AttachmentEncoded><Attachment>"
        "<ContentId>1</ContentId><AttachmentName>a.pdf</AttachmentName><ContentType>application/zip</ContentType>"
        f"<ContentTransferEncoded>{payload}</ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>"
    ).encode()
    with pytest.raises(EdxmlError, match="giải nén quá lớn"):
        parse_edoc(data, max_unzipped=1024 * 1024)
    assert len(parse_edoc(data).attachments[0].data) == 8 * 1024 * 1024
