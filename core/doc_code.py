"""Số và ký hiệu văn bản ("Số: 05/QĐ-UBND") per NĐ 30/2020 Phụ lục I."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(
    r"^\s*(?:Số\s*:?\s*)?(\d{1,11})\s*/\s*"
    r"([A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)*)\s*$"
)


class InvalidDocCode(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class DocCode:
    number: str  # CodeNumber, kept as written ("05")
    notation: str  # CodeNotation ("QĐ-UBND")

    @classmethod
    def parse(cls, text: str) -> DocCode:
        m = _CODE.match(text)
        if not m or len(m.group(2)) > 30:
            raise InvalidDocCode(f"Số, ký hiệu văn bản không hợp lệ: {text!r}")
        return cls(m.group(1), m.group(2))

    @property
    def type_abbreviation(self) -> str | None:
        """The leading group when it is a known type abbreviation (công văn has none)."""
        from core.doc_types import type_by_abbreviation

        first = self.notation.split("-", 1)[0]
        return first if "-" in self.notation and type_by_abbreviation(first) else None

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}"
