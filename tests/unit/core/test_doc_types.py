from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.doc_types import TYPES, abbreviation_of, canonical_type_name, type_by_abbreviation
from core.text import fold


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Quyết định", "Quyết định"),
        ("QUYẾT ĐỊNH", "Quyết định"),
        ("quyet dinh", "Quyết định"),
        ("  Quy   định ", "Quy định"),
        ("QUY DINH", "Quy định"),
        ("Bản thoả thuận", "Bản thỏa thuận"),
        ("Giấy uỷ quyền", "Giấy ủy quyền"),
        ("TO TRINH", "Tờ trình"),
        ("Công văn", "Công văn"),
        ("de an", "Đề án"),
        ("du an", "Dự án"),
        ("Văn bản lạ", None),
        ("", None),
    ],
)
def test_canonical_type_name(text: str, name: str | None) -> None:
    assert canonical_type_name(text) == name


def test_names_stay_distinct_without_diacritics() -> None:
    assert len({fold(n) for n in TYPES}) == len(TYPES)


@pytest.mark.parametrize(
    ("abbr", "name"),
    [
        ("QĐ", "Quyết định"),
        ("QyĐ", "Quy định"),
        ("CT", "Chỉ thị"),
        ("CTr", "Chương trình"),
        ("TTr", "Tờ trình"),
        ("TrS", "Bản trích sao"),
        ("ctr", None),
        ("UBND", None),
    ],
)
def test_type_by_abbreviation_is_case_exact(abbr: str, name: str | None) -> None:
    assert type_by_abbreviation(abbr) == name


def test_abbreviation_of() -> None:
    assert abbreviation_of("quyết định") == "QĐ"
    assert abbreviation_of("Công văn") is None  # công văn has no type abbreviation
    assert abbreviation_of("Thư công") is None
    assert abbreviation_of("không có") is None


def test_every_abbreviation_maps_back() -> None:
    for name, abbr in TYPES.items():
        if abbr:
            assert type_by_abbreviation(abbr) == name
            assert abbreviation_of(name) == abbr


@given(st.text(max_size=30))
def test_random_text_never_raises(text: str) -> None:
    assert canonical_type_name(text) in (None, *TYPES)
    assert type_by_abbreviation(text) in (None, *TYPES)
