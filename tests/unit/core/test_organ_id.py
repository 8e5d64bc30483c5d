from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.organ_id import InvalidOrganId, OrganId
from tests.unit.core.strategies import organ_ids


@pytest.mark.parametrize(
    ("text", "level", "parent"),
    [
        ("000.00.00.H53", 1, None),
        ("000.00.01.H53", 2, "000.00.00.H53"),
        ("000.01.01.H53", 3, "000.00.01.H53"),
        ("000.12.32.H53", 3, "000.00.32.H53"),
        ("001.12.32.H53", 4, "000.12.32.H53"),
        ("001.00.32.H53", 4, "000.00.32.H53"),  # level 4 straight under a level-2 body
        ("000.00.00.G22", 1, None),
    ],
)
def test_level_and_parent(text: str, level: int, parent: str | None) -> None:
    organ = OrganId(text)
    assert organ.level == level
    assert organ.is_level1 is (level == 1)
    assert organ.parent == (OrganId(parent) if parent else None)


def test_level1_code_and_body() -> None:
    organ = OrganId("000.01.32.H53")
    assert organ.level1 == "H53"
    assert organ.level1_id == OrganId("000.00.00.H53")
    assert organ.ancestors() == [OrganId("000.00.32.H53"), OrganId("000.00.00.H53")]


def test_parse_is_lenient_on_case_and_spaces() -> None:
    assert OrganId.parse("  000.00.01.h53\t") == OrganId("000.00.01.H53")
    assert str(OrganId.parse("000.00.00.a53")) == "000.00.00.A53"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "H53",
        "000.00.00.H5",
        "000.00.00.53H",
        "00.00.00.H53",
        "000.000.00.H53",
        "999.010.01.H22",  # seen in an SDK example, but not QCVN 102
        "000-00-00-H53",
        "000.00.00.H53\n",
        "000.00.00.HH3",
        "000.00.00.H5٣",  # Arabic-Indic digit
        "H53.DN.001",  # QĐ 20/2020 code: a different system
    ],
)
def test_invalid_codes_are_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(InvalidOrganId, match="Mã định danh cơ quan không hợp lệ"):
        OrganId(text)


def test_non_string_is_an_invalid_organ_id() -> None:
    with pytest.raises(InvalidOrganId):
        OrganId(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidOrganId):
        OrganId.parse(53)  # type: ignore[arg-type]


def test_invalid_organ_id_is_a_value_error() -> None:
    assert issubclass(InvalidOrganId, ValueError)


def test_ordering_and_hash() -> None:
    a, b = OrganId("000.00.00.H53"), OrganId("000.00.01.H53")
    assert a < b
    assert len({a, OrganId("000.00.00.H53")}) == 1


@given(organ_ids)
def test_round_trip(organ: OrganId) -> None:
    assert OrganId.parse(str(organ)) == organ
    assert OrganId.parse(f" {str(organ).lower()} ") == organ


@given(organ_ids)
def test_parent_chain_ends_at_the_level1_body(organ: OrganId) -> None:
    chain = organ.ancestors()
    assert (chain == []) is organ.is_level1
    assert len(chain) <= organ.level - 1
    levels = [organ.level, *(p.level for p in chain)]
    assert levels == sorted(levels, reverse=True) and len(set(levels)) == len(levels)
    for child, parent in zip([organ, *chain], chain, strict=False):
        assert child.parent == parent
        assert parent.level1 == organ.level1
    if chain:
        assert chain[-1] == organ.level1_id


@given(st.text(max_size=30))
def test_random_text_raises_only_invalid_organ_id(text: str) -> None:
    try:
        organ = OrganId.parse(text)
    except InvalidOrganId:
        return
    assert str(organ) == text.strip().upper()
