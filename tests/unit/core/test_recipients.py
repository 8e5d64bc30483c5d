from __future__ import annotations

from core.agency import Agency
from core.organ_id import OrganId
from core.recipients import name_key, split_recipients, suggest

DIRECTORY = [
    Agency(OrganId("000.00.00.H61"), "Ủy ban nhân dân tỉnh Vĩnh Long"),
    Agency(OrganId("000.00.01.H61"), "Văn phòng Ủy ban nhân dân tỉnh"),
    Agency(OrganId("000.00.32.H61"), "Ủy ban nhân dân huyện Long Hồ"),
    Agency(OrganId("000.20.32.H61"), "Ủy ban nhân dân xã Tân Hòa"),
    Agency(OrganId("000.21.32.H61"), "Ủy ban nhân dân xã Long Phước"),
    Agency(OrganId("000.00.05.H61"), "Sở Giáo dục và Đào tạo"),
]


def codes(found: list[Agency]) -> list[str]:
    return [a.organ_id.value for a in found]


def test_the_issue_example_suggests_long_ho() -> None:
    assert codes(suggest("UBND huyện Long Hồ", DIRECTORY)) == ["000.00.32.H61"]


def test_without_diacritics_or_case_and_with_short_forms() -> None:
    assert codes(suggest("ubnd huyen long ho", DIRECTORY)) == ["000.00.32.H61"]
    assert codes(suggest("UBND H. Long Hồ", DIRECTORY)) == ["000.00.32.H61"]
    assert codes(suggest("UỶ BAN NHÂN DÂN XÃ TÂN HOÀ", DIRECTORY)) == ["000.20.32.H61"]  # old-style tone marks
    assert codes(suggest("Sở GD&ĐT", DIRECTORY)) == ["000.00.05.H61"]
    assert codes(suggest("VP UBND tỉnh", DIRECTORY))[0] == "000.00.01.H61"


def test_a_vague_name_lists_the_closest_first_and_nonsense_none() -> None:
    found = codes(suggest("UBND tỉnh", DIRECTORY))
    assert found[0] == "000.00.00.H61" and "000.00.01.H61" in found
    assert suggest("Công ty cổ phần ABC", DIRECTORY) == []
    assert suggest("", DIRECTORY) == []


def test_written_recipients_are_split_into_codes_and_names() -> None:
    w = split_recipients("000.00.32.H61; UBND xã Long Phước, 000.00.01.H61 000.00.00.H61;;")
    assert [c.value for c in w.codes] == ["000.00.32.H61", "000.00.01.H61", "000.00.00.H61"]
    assert w.names == ["UBND xã Long Phước"]
    assert split_recipients("UBND huyện Long Hồ").names == ["UBND huyện Long Hồ"]
    assert split_recipients("000.00.32.H61, 000.00.32.H61").codes == [OrganId("000.00.32.H61")]
    assert split_recipients("000.00.99").names == ["000.00.99"]  # a mistyped code is shown back as written


def test_name_key_expands_abbreviations() -> None:
    assert name_key("UBND TP. Vĩnh Long") == "uy ban nhan dan thanh pho vinh long".split()
