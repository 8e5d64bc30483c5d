from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.doc_code import DocCode
from core.document import Direction, Document, InvalidDocumentId, document_id, parse_document_id
from core.inbound import Channel
from core.organ_id import OrganId
from tests.unit.core.strategies import dates, doc_codes, organ_ids


def test_document_id_of_the_official_sample() -> None:
    text = "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    organ, issued, code = parse_document_id(text)
    assert (organ, issued, code) == (OrganId("000.00.00.G22"), date(2015, 9, 30), DocCode("7816", "VPCP-TTĐT"))
    assert document_id(organ, issued, code) == text


def test_parse_is_lenient_on_spaces_and_short_dates() -> None:
    got = parse_document_id(" 000.00.01.h61 , 2024/3/5 , 05/QĐ-UBND ")
    assert got == (OrganId("000.00.01.H61"), date(2024, 3, 5), DocCode("05", "QĐ-UBND"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "852e179c-1a2b-4c3d-9e8f-001122334455",  # a bare UUID also travels on the axis
        "000.00.00.G22,2015/09/30",
        "000.00.00.G22,2015/02/30,7816/VPCP-TTĐT",  # no 30 February
        "000.00.00.G22,30/09/2015,7816/VPCP-TTĐT",
        "G22,2015/09/30,7816/VPCP-TTĐT",
        "000.00.00.G22,2015/09/30,VPCP-TTĐT",
        "000.00.00.G22,0000/09/30,1/A",
    ],
)
def test_invalid_ids_raise_in_vietnamese(text: str) -> None:
    with pytest.raises(InvalidDocumentId, match="Mã định danh văn bản không hợp lệ"):
        parse_document_id(text)


def test_invalid_document_id_is_a_value_error() -> None:
    assert issubclass(InvalidDocumentId, ValueError)


@given(organ_ids, dates, doc_codes())
def test_round_trip(organ: OrganId, issued: date, code: DocCode) -> None:
    assert parse_document_id(document_id(organ, issued, code)) == (organ, issued, code)


@given(st.text(max_size=60))
def test_random_text_raises_only_invalid_document_id(text: str) -> None:
    try:
        organ, issued, code = parse_document_id(text)
    except InvalidDocumentId:
        return
    assert parse_document_id(document_id(organ, issued, code)) == (organ, issued, code)


def _doc(**kw: object) -> Document:
    return Document(id="d1", direction=Direction.OUTGOING, channel=Channel.SMTP, received_at=datetime(2024, 3, 5), **kw)  # type: ignore[arg-type]


def test_document_property_prefers_the_axis_id() -> None:
    assert _doc().document_id == ""
    assert _doc().display_code == "(chưa có số, ký hiệu)"
    d = _doc(sender=OrganId("000.00.00.H61"), issued_date=date(2024, 3, 5), code=DocCode("05", "QĐ-UBND"))
    assert d.document_id == "000.00.00.H61,2024/03/05,05/QĐ-UBND"
    assert d.display_code == "05/QĐ-UBND"
    d.edxml_document_id = "852e179c"
    assert d.document_id == "852e179c"
