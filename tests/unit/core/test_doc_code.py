from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.doc_code import DocCode, InvalidDocCode
from tests.unit.core.strategies import doc_codes


@pytest.mark.parametrize(
    ("text", "number", "notation"),
    [
        ("Số: 05/QĐ-UBND", "05", "QĐ-UBND"),
        ("05/QĐ-UBND", "05", "QĐ-UBND"),
        ("Số 7816/VPCP-TTĐT", "7816", "VPCP-TTĐT"),
        ("SỐ: 12/QyĐ-UBND", "12", "QyĐ-UBND"),
        ("số:3/TTr-SYT", "3", "TTr-SYT"),
        ("So: 15/CTr-UBND", "15", "CTr-UBND"),
        ("01/TrS-VP", "01", "TrS-VP"),
        ("123/UBND-VP", "123", "UBND-VP"),  # công văn: no type abbreviation
        ("  45 / BC - SYT  ", "45", "BC-SYT"),  # spaces around separators are dropped
        ("45/BC–SYT", "45", "BC-SYT"),  # en dash from a PDF
        ("Số: 144/2025/QĐ-CTUBND", "144", "2025/QĐ-CTUBND"),  # legal-normative: year kept in the notation
        ("12345678901/UBND", "12345678901", "UBND"),  # CodeNumber at its 11 limit
        ("1/" + "A" * 30, "1", "A" * 30),  # CodeNotation at its 30 limit
    ],
)
def test_parse(text: str, number: str, notation: str) -> None:
    code = DocCode.parse(text)
    assert (code.number, code.notation) == (number, notation)


def test_parse_decomposed_unicode() -> None:
    text = unicodedata.normalize("NFD", "Số: 05/QĐ-UBND")
    assert DocCode.parse(text) == DocCode("05", "QĐ-UBND")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Số:",
        "05",
        "/QĐ-UBND",
        "05/",
        "05/qđ-UBND",  # a group starts with a capital
        "05/QĐ UBND",
        "05/QĐ--UBND",
        "05/QĐ-UBND-",
        "123456789012/UBND",  # 12 digits > CodeNumber 11
        "1/" + "A" * 31,  # > CodeNotation 30
        "ab/QĐ-UBND",
        "٣/QĐ-UBND",
        "05/QĐ-UBND, 06/QĐ-UBND",
    ],
)
def test_parse_refuses_in_vietnamese(text: str) -> None:
    with pytest.raises(InvalidDocCode, match="văn bản"):
        DocCode.parse(text)


@pytest.mark.parametrize(
    ("number", "notation"),
    [("", "UBND"), ("5a", "UBND"), ("1" * 12, "UBND"), ("1", ""), ("1", " UBND"), ("1", "A" * 31)],
)
def test_constructor_checks_lengths_and_shape(number: str, notation: str) -> None:
    with pytest.raises(InvalidDocCode):
        DocCode(number, notation)


def test_constructor_accepts_axis_spellings_that_parse_would_not() -> None:
    # an axis packet is data we relay, not text we police
    assert str(DocCode("7", "ubnd-vp")) == "7/ubnd-vp"


@pytest.mark.parametrize(
    ("text", "abbr"),
    [
        ("05/QĐ-UBND", "QĐ"),
        ("05/QyĐ-UBND", "QyĐ"),
        ("05/TTr-SYT", "TTr"),
        ("05/CTr-UBND", "CTr"),
        ("05/TrS-VP", "TrS"),
        ("05/2025/QĐ-UBND", "QĐ"),
        ("123/UBND-VP", None),
        ("123/QĐ", None),  # a single group is the issuer, not a type
    ],
)
def test_type_abbreviation(text: str, abbr: str | None) -> None:
    assert DocCode.parse(text).type_abbreviation == abbr


def test_str() -> None:
    assert str(DocCode.parse("Số: 05/QĐ-UBND")) == "05/QĐ-UBND"


@given(doc_codes())
def test_round_trip(code: DocCode) -> None:
    assert DocCode.parse(str(code)) == code
    assert DocCode.parse(f"Số: {code}") == code


@given(st.text(max_size=40))
def test_random_text_raises_only_invalid_doc_code(text: str) -> None:
    try:
        code = DocCode.parse(text)
    except InvalidDocCode:
        return
    assert len(code.number) <= 11 and len(code.notation) <= 30
    assert DocCode.parse(str(code)) == code
