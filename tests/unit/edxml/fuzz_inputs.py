"""Hostile inputs for the edXML parsers (document and status packets): hypothesis strategies shared by the fuzz
target (test_fuzz.py, a fixed derandomized budget in CI) and a longer local run (`EDOC_FUZZ_EXAMPLES=20000`).

Three families: byte mutations of real packets; well-formed packets whose field texts are hostile (numbers of
thousands of digits, timestamps with impossible offsets or at the edges of the calendar, odd Unicode); and
attachments whose zip wrapping is damaged (bad UTF-8 entry names, header offsets pointing anywhere, corrupt
deflate data, lying sizes)."""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile

from hypothesis import strategies as st

from tests.unit.edxml.factories import sample

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

# Leaf elements whose text the parser converts (numbers, dates, codes) or copies.
TYPED_FIELDS = (
    "PromulgationDate",
    "DueDate",
    "Timestamp",
    "Type",
    "TypeDetail",
    "Priority",
    "PromulgationAmount",
    "PageAmount",
    "Direction",
    "SteeringType",
    "BussinessDocType",
    "Paper",
    "DocumentInfo",
    "DocumentReceiver",
    "ReceiverType",
    "StatusCode",
    "ContentId",
    "ContentType",
    "AttachmentName",
)

hostile_numbers = st.one_of(
    st.integers().map(str),
    # lengths around Python's 4,300-digit int() limit and the 18 digits a field may have
    st.sampled_from([18, 19, 4300, 4301, 4501, 6000]).map(lambda n: "9" * n),
    st.sampled_from([19, 4301]).map(lambda n: "-" + "1" * n),
    st.sampled_from(["+0", "-0", "٣", "１２", "1e9", "0x10", " 7 ", "NaN", "∞"]),
)
offsets = st.builds(
    lambda sign, h, m, colon: f"{sign}{h:02d}{':' if colon else ''}{m:02d}",
    st.sampled_from("+-"),
    st.integers(0, 99),
    st.integers(0, 99),
    st.booleans(),
)
hostile_timestamps = st.one_of(
    st.builds(
        lambda y, mo, d, h, mi, s, off, sep: f"{y:04d}{sep}{mo:02d}{sep}{d:02d} {h:02d}:{mi:02d}:{s:02d}{off}",
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.one_of(st.just(""), offsets, st.just("Z")),
        st.sampled_from("/-."),
    ),
    st.sampled_from(["9999/12/31 23:59:59-23:59", "0001/01/01 00:00:00+23:59", "31/12/9999", "2025/02/29"]),
)
hostile_texts = st.one_of(
    hostile_numbers,
    hostile_timestamps,
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
)


def _replace_text(packet: bytes, field: str, value: str) -> bytes:
    """Put `value` (XML-escaped, characters XML cannot carry left out) as the text of every `<field>` leaf."""
    safe = "".join(c for c in value if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD)
    escaped = safe.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
    pattern = re.compile(rb"(<(?:edXML:)?" + field.encode() + rb">)[^<]*(</)")
    return pattern.sub(lambda m: m.group(1) + escaped + m.group(2), packet)


def status_template(code: str = "05") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}">'
        "<edXML:edXMLHeader><edXML:MessageHeader>"
        "<edXML:From><edXML:OrganId>000.00.00.H53</edXML:OrganId><edXML:OrganName>Sở</edXML:OrganName></edXML:From>"
        "<edXML:ResponseFor><edXML:OrganId>000.00.01.H61</edXML:OrganId><edXML:Code>12/UBND</edXML:Code>"
        "<edXML:PromulgationDate>2025/03/14</edXML:PromulgationDate>"
        "<edXML:DocumentId>000.00.01.H61,2025/03/14,12/UBND</edXML:DocumentId></edXML:ResponseFor>"
        f"<edXML:StatusCode>{code}</edXML:StatusCode><edXML:Description>Đang xử lý</edXML:Description>"
        "<edXML:Timestamp>2025/03/15 08:00:00</edXML:Timestamp>"
        "</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"
    ).encode()


TEMPLATES = (sample("edoc_new_sample_layout.edxml"), status_template())


@st.composite
def hostile_fields(draw: st.DrawFn) -> bytes:
    packet = draw(st.sampled_from(TEMPLATES))
    for _ in range(draw(st.integers(1, 4))):
        packet = _replace_text(packet, draw(st.sampled_from(TYPED_FIELDS)), draw(hostile_texts))
    return packet


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(TEMPLATES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(("flip", "insert", "delete", "duplicate", "truncate")))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        else:
            del data[at:]
    return bytes(data)


def one_entry_zip(name: str = "a.pdf", data: bytes = b"%PDF-1.7 hello " * 20) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return buf.getvalue()


def damage_zip(kind: str, z: bytes, value: int) -> bytes:
    """One known kind of damage (the ones a mutation fuzzer found in issue 14, and their neighbours)."""
    cd = z.rfind(b"PK\x01\x02")
    eocd = z.rfind(b"PK\x05\x06")
    b = bytearray(z)
    if kind == "utf8_name":  # flag bit 11 (UTF-8 names) with bytes that are not UTF-8
        name_len = struct.unpack_from("<H", b, cd + 28)[0]
        struct.pack_into("<H", b, cd + 8, struct.unpack_from("<H", b, cd + 8)[0] | 0x800)
        b[cd + 46 : cd + 46 + name_len] = bytes([0xFF, 0xFE] * name_len)[:name_len]
    elif kind == "header_offset":  # the entry's local header "at" any offset, negative included
        struct.pack_into("<i", b, cd + 42, value)
    elif kind == "cd_offset":
        struct.pack_into("<i", b, eocd + 16, value)
    elif kind == "deflate":  # corrupt the compressed stream itself
        start = 30 + struct.unpack_from("<H", b, 26)[0] + struct.unpack_from("<H", b, 28)[0]
        for i in range(start, min(start + 8, cd)):
            b[i] ^= (value & 0xFF) | 1
    elif kind == "sizes":  # lying sizes in the central directory
        struct.pack_into("<I", b, cd + 24, value & 0xFFFFFFFF)
        struct.pack_into("<I", b, cd + 20, (value * 7) & 0xFFFFFFFF)
    elif kind == "method":
        struct.pack_into("<H", b, cd + 10, value & 0xFFFF)
    return bytes(b)


ZIP_DAMAGE = ("utf8_name", "header_offset", "cd_offset", "deflate", "sizes", "method")


def edoc_with_payload(payload: bytes, content_type: str = "application/zip", name: str = "van-ban.doc") -> bytes:
    encoded = base64.b64encode(payload).decode()
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}">'
        "<edXML:edXMLHeader><edXML:MessageHeader>"
        "<edXML:From><edXML:OrganId>000.00.00.H53</edXML:OrganId></edXML:From>"
        "<edXML:To><edXML:OrganId>000.00.01.H61</edXML:OrganId></edXML:To>"
        "<edXML:DocumentId>000.00.00.H53,2025/03/14,1/UBND</edXML:DocumentId>"
        "</edXML:MessageHeader></edXML:edXMLHeader>"
        '<edXML:edXMLBody><edXML:edXMLManifest version="1.0"><edXML:Reference>'
        f"<edXML:ContentId>cid:1</edXML:ContentId><edXML:ContentType>{content_type}</edXML:ContentType>"
        f"<edXML:AttachmentName>{name}</edXML:AttachmentName></edXML:Reference></edXML:edXMLManifest>"
        "</edXML:edXMLBody></edXML:edXMLEnvelope><AttachmentEncoded><Attachment><ContentId>cid:1</ContentId>"
        f"<AttachmentName>{name}</AttachmentName><ContentType>{content_type}</ContentType>"
        f'<edXML:ContentTransferEncoded xmlns:edXML="{NS}">{encoded}</edXML:ContentTransferEncoded>'
        "</Attachment></AttachmentEncoded></edXML>"
    ).encode()


damaged_attachments = st.builds(
    lambda kind, value, ctype, name: edoc_with_payload(damage_zip(kind, one_entry_zip(), value), ctype, name),
    st.sampled_from(ZIP_DAMAGE),
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from(["application/zip", "application/pdf", ""]),
    st.sampled_from(["van-ban.doc", "a.pdf", "b.docx"]),
)
mutated_zips = st.builds(
    lambda z, at, byte: edoc_with_payload(z[:at] + bytes([byte]) + z[at + 1 :]),
    st.just(one_entry_zip()),
    st.integers(0, 200),
    st.integers(0, 255),
)

hostile_packets = st.one_of(hostile_fields(), mutated(), damaged_attachments, mutated_zips)
