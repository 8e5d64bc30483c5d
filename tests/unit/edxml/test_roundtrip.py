"""build → parse gives back the same packet, for any field values XML can carry."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.edxml import (
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentType,
    EdocPacket,
    Organization,
    OtherInfo,
    PacketAttachment,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPacket,
    TraceHeader,
    build_edoc,
    build_status,
    parse_edoc,
    parse_status,
)
from bridge.edxml._text import VN_TZ
from bridge.edxml.attachments import CONTENT_TYPES, guess_type
from core.status import StatusCode

VIETNAMESE = "ăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵỶỸỴ"
chars = st.one_of(
    st.sampled_from(VIETNAMESE + "&<>\"';:/\\,.-_ \t\r\n]]>"),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    st.sampled_from("\t\n\r"),
).filter(lambda c: c not in "\ufffe\uffff")
# Surrounding whitespace is not significant in a packet: the parser strips it.
texts = st.text(chars, max_size=40).map(str.strip)
words = texts.filter(bool)
dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
stamps = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)).map(
    lambda t: t.replace(microsecond=0, tzinfo=VN_TZ)
)
ints = st.integers(min_value=-(10**6), max_value=10**12)

organizations = st.builds(Organization, texts, texts, texts, texts, texts, texts, texts, texts)
response_fors = st.builds(ResponseFor, texts, texts, st.none() | dates, texts)
staff = st.builds(StaffInfo, texts, texts, texts, texts)
bussiness = st.builds(
    Bussiness,
    doc_type=st.sampled_from(BussinessDocType),
    reason=texts,
    paper=ints,
    document_id=texts,
    document_info=st.none() | st.builds(BussinessDocumentInfo, ints, ints, st.lists(st.builds(Receiver, texts, ints))),
    replacement_info_list=st.lists(st.builds(ReplacementInfo, texts, st.lists(texts, max_size=3)), max_size=2),
    staff_info=staff,
)


@st.composite
def attachments(draw: st.DrawFn) -> list[PacketAttachment]:
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,40}", fullmatch=True), unique=True, max_size=3))
    out = []
    for cid in ids:
        name = draw(words) + draw(st.sampled_from(sorted(CONTENT_TYPES)))
        out.append(PacketAttachment(cid, name, draw(texts), guess_type(name), draw(st.binary(max_size=3000))))
    return out


edocs = st.builds(
    EdocPacket,
    from_=organizations.map(lambda o: o if o.organ_id else Organization("000.00.00.H62", o.organ_name)),
    to=st.lists(organizations, min_size=1, max_size=3),
    document_id=words,
    code=st.builds(Code, texts, texts),
    promulgation_info=st.builds(PromulgationInfo, texts, dates),
    document_type=st.builds(DocumentType, ints, ints, texts),
    subject=texts,
    content=texts,
    signer_info=st.builds(SignerInfo, texts, texts, texts),
    due_date=st.none() | dates,
    other_info=st.builds(
        OtherInfo, ints, texts, texts, st.none() | ints, st.none() | ints, st.booleans(), st.lists(words, max_size=3)
    ),
    response_for=st.lists(response_fors, max_size=2),
    steering_type=st.none() | ints,
    to_places=st.lists(words, max_size=3),
    trace_headers=st.lists(st.builds(TraceHeader, texts, st.none() | stamps), max_size=3),
    bussiness=st.none() | bussiness,
    attachments=attachments(),
)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edocs)
def test_edoc_round_trip(p: EdocPacket) -> None:
    assert parse_edoc(build_edoc(p)) == p


statuses = st.builds(
    StatusPacket,
    from_=organizations.map(lambda o: o if o.organ_id else Organization("000.00.00.H62")),
    response_for=st.builds(ResponseFor, words, texts, st.none() | dates, words),
    status_code=st.sampled_from(StatusCode),
    staff_info=staff,
    description=texts,
    timestamp=st.none() | stamps,
)


@settings(max_examples=100, deadline=None)
@given(statuses)
def test_status_round_trip(p: StatusPacket) -> None:
    assert parse_status(build_status(p)) == p


@given(st.binary(max_size=20_000), words)
def test_attachment_bytes_survive_byte_identical(data: bytes, stem: str) -> None:
    from tests.unit.edxml.factories import edoc

    name = f"{stem}.pdf"
    p = edoc(attachments=[PacketAttachment("x", name, "", "application/pdf", data)])
    (back,) = parse_edoc(build_edoc(p)).attachments
    assert back.data == data
    assert back.name == name


def test_tricky_texts_round_trip() -> None:
    from tests.unit.edxml.factories import edoc

    for tricky in ["a]]>b", "&amp; &lt; &#13;", "x\r\ny\rz", "<![CDATA[x]]>", "Hỏa tốc – “khẩn”", "😀 \U0010fffd"]:
        p = edoc(subject=tricky, to_places=[tricky])
        assert parse_edoc(build_edoc(p)) == p
