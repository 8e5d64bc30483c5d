"""Độ khẩn (NĐ 30 Phụ lục I §III.2.b) and its edXML Priority integer.

Priority mapping 0–4 follows Bkav's table (spec §1.2, inferred): "Hỏa tốc hẹn giờ" exists only there.
"""

from __future__ import annotations

import re
from enum import IntEnum

from core.text import fold


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
    def stamp(self) -> str:
        """The stamp printed on the document ('HỎA TỐC'); empty for a normal document."""
        return "" if self is Urgency.THUONG else self.label.upper()

    @property
    def is_urgent(self) -> bool:
        return self is not Urgency.THUONG

    @classmethod
    def parse(cls, text: str) -> Urgency:
        """'HỎA TỐC', 'Hoả tốc', 'hoa toc', 'Thượng khẩn', '2' → Urgency; else ValueError (Vietnamese)."""
        if isinstance(text, str):
            t = text.strip()
            if re.fullmatch(r"[0-4]", t):
                return cls(int(t))
            # without diacritics all labels stay distinct: thuong / thuong khan / khan / hoa toc …
            found = _BY_FOLDED.get(fold(t))
            if found is not None:
                return found
        raise ValueError(f"Độ khẩn không hợp lệ: {text!r} (Thường, Khẩn, Thượng khẩn, Hỏa tốc, Hỏa tốc hẹn giờ)")


_LABELS = {
    Urgency.THUONG: "Thường",
    Urgency.KHAN: "Khẩn",
    Urgency.THUONG_KHAN: "Thượng khẩn",
    Urgency.HOA_TOC: "Hỏa tốc",
    Urgency.HOA_TOC_HEN_GIO: "Hỏa tốc hẹn giờ",
}
_BY_FOLDED = {fold(label): u for u, label in _LABELS.items()} | {"binh thuong": Urgency.THUONG}
