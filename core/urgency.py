"""Độ khẩn (NĐ 30 Phụ lục I §III.2.b) and its edXML Priority integer."""

from __future__ import annotations

from enum import IntEnum


class Urgency(IntEnum):
    THUONG = 0
    KHAN = 1
    THUONG_KHAN = 2
    HOA_TOC = 3
    HOA_TOC_HEN_GIO = 4

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_urgent(self) -> bool:
        return self is not Urgency.THUONG

    @classmethod
    def parse(cls, text: str) -> Urgency:
        key = " ".join(text.split()).upper().replace("HOẢ", "HỎA")
        for u, label in _LABELS.items():
            if label.upper().replace("HOẢ", "HỎA") == key:
                return u
        if key.isdigit() and int(key) in cls._value2member_map_:
            return cls(int(key))
        raise ValueError(f"Độ khẩn không hợp lệ: {text!r}")


_LABELS = {
    Urgency.THUONG: "Thường",
    Urgency.KHAN: "Khẩn",
    Urgency.THUONG_KHAN: "Thượng khẩn",
    Urgency.HOA_TOC: "Hỏa tốc",
    Urgency.HOA_TOC_HEN_GIO: "Hỏa tốc hẹn giờ",
}
