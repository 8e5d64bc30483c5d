"""Số và ký hiệu văn bản ("Số: 05/QĐ-UBND") per NĐ 30/2020 Phụ lục I.

CodeNumber is the number as written (≤ 11 digits), CodeNotation what follows the first slash (≤ 30
characters): abbreviation groups joined by hyphens, each starting with a capital (mixed case is legal:
QyĐ, TTr, CTr, TrS). Legal-normative documents put the year before the notation ("144/2025/QĐ-UBND"):
that year is kept as part of the notation ("2025/QĐ-UBND").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_NUMBER = 11  # CodeNumber String(11), NĐ 30 Phụ lục VI
MAX_NOTATION = 30  # CodeNotation String(30)

_GROUP = r"[A-ZĐ][A-Za-zĐđ0-9]*"
_NOTATION = re.compile(rf"(?:[0-9]{{4}}/)?{_GROUP}(?:-{_GROUP})*")
_NUMBER = re.compile(r"[0-9]+")
# "Số:", "Số", "SỐ:", "So:" in front; spaces around "/" and "-" are tolerated and dropped.
_PREFIX = re.compile(r"^\s*(?:s[oốỐ]\s*:?\s*)?", re.IGNORECASE)
_SPACED = re.compile(r" ?([/-]) ?")  # after whitespace runs are collapsed to one space: linear
MAX_TEXT = 200  # characters (after trimming) a "Số: …/…" may have; longer input is refused before matching
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-"})


class InvalidDocCode(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class DocCode:
    number: str  # CodeNumber, kept as written ("05")
    notation: str  # CodeNotation ("QĐ-UBND")

    def __post_init__(self) -> None:
        # Light check only: codes read from axis packets need not follow the NĐ 30 spelling rules.
        if not (isinstance(self.number, str) and _NUMBER.fullmatch(self.number)):
            raise InvalidDocCode(f"Số văn bản phải là chữ số: {self.number!r}")
        if len(self.number) > MAX_NUMBER:
            raise InvalidDocCode(f"Số văn bản dài quá {MAX_NUMBER} chữ số: {self.number!r}")
        if not (isinstance(self.notation, str) and self.notation.strip() == self.notation and self.notation):
            raise InvalidDocCode(f"Ký hiệu văn bản không hợp lệ: {self.notation!r}")
        if len(self.notation) > MAX_NOTATION:
            raise InvalidDocCode(f"Ký hiệu văn bản dài quá {MAX_NOTATION} ký tự: {self.notation!r}")

    @classmethod
    def parse(cls, text: str) -> DocCode:
        """'Số: 05/QĐ-UBND', '05/QĐ-UBND', 'So 123 / UBND - VP' → DocCode; anything else raises InvalidDocCode."""
        if not isinstance(text, str):
            raise InvalidDocCode(f"Số, ký hiệu văn bản không hợp lệ: {text!r}")
        # PDF text extraction yields decomposed letters and typographic dashes
        t = unicodedata.normalize("NFC", text.strip()[: MAX_TEXT + 1]).translate(_DASHES)
        if len(t) > MAX_TEXT:
            raise InvalidDocCode(f"Số, ký hiệu văn bản dài quá {MAX_TEXT} ký tự")
        t = _SPACED.sub(r"\1", " ".join(_PREFIX.sub("", t, count=1).split()))
        number, slash, notation = t.partition("/")
        if not slash or not _NUMBER.fullmatch(number) or not _NOTATION.fullmatch(notation):
            raise InvalidDocCode(f"Số, ký hiệu văn bản không hợp lệ: {text.strip()!r} (đúng dạng «Số: 05/QĐ-UBND»)")
        return cls(number, notation)

    @property
    def type_abbreviation(self) -> str | None:
        """The leading group when it is a known type abbreviation (công văn has none)."""
        from core.doc_types import type_by_abbreviation

        notation = self.notation.split("/")[-1]
        first = notation.split("-", 1)[0]
        return first if "-" in notation and type_by_abbreviation(first) else None

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}"
