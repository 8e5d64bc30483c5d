from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.urgency import Urgency


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Thường", Urgency.THUONG),
        ("thuong", Urgency.THUONG),
        ("Bình thường", Urgency.THUONG),
        ("Khẩn", Urgency.KHAN),
        ("KHAN", Urgency.KHAN),
        ("Thượng khẩn", Urgency.THUONG_KHAN),
        ("THƯỢNG KHẨN", Urgency.THUONG_KHAN),
        ("thuong  khan", Urgency.THUONG_KHAN),
        ("HỎA TỐC", Urgency.HOA_TOC),
        ("HOẢ TỐC", Urgency.HOA_TOC),  # the stamp's old-style spelling
        ("hoa toc", Urgency.HOA_TOC),
        ("Hỏa tốc hẹn giờ", Urgency.HOA_TOC_HEN_GIO),
        ("0", Urgency.THUONG),
        (" 3 ", Urgency.HOA_TOC),
    ],
)
def test_parse(text: str, urgency: Urgency) -> None:
    assert Urgency.parse(text) is urgency
    assert Urgency.parse(unicodedata.normalize("NFD", text)) is urgency


@pytest.mark.parametrize("text", ["", "5", "-1", "²", "rất khẩn", "mật", "khẩn cấp"])
def test_parse_refuses_in_vietnamese(text: str) -> None:
    with pytest.raises(ValueError, match="Độ khẩn không hợp lệ"):
        Urgency.parse(text)


def test_labels_stamps_and_priority() -> None:
    assert [u.label for u in Urgency] == ["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ"]
    assert Urgency.HOA_TOC.stamp == "HỎA TỐC"
    assert Urgency.THUONG.stamp == ""
    assert int(Urgency.THUONG_KHAN) == 2  # edXML Priority
    assert not Urgency.THUONG.is_urgent and all(u.is_urgent for u in list(Urgency)[1:])


@pytest.mark.parametrize("u", list(Urgency))
def test_label_round_trip(u: Urgency) -> None:
    assert Urgency.parse(u.label) is u
    assert Urgency.parse(u.label.upper()) is u
    assert Urgency.parse(str(int(u))) is u


@given(st.text(max_size=20))
def test_random_text_raises_only_value_error(text: str) -> None:
    try:
        assert isinstance(Urgency.parse(text), Urgency)
    except ValueError as exc:
        assert str(exc).startswith("Độ khẩn không hợp lệ")
