"""Vietnamese text folding shared by the lenient parsers (keys, keywords, labels)."""

from __future__ import annotations

import unicodedata


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def strip_diacritics(text: str) -> str:
    """'Hỏa tốc Đà Nẵng' → 'Hoa toc Da Nang' (Đ/đ are letters of their own, not a base plus a mark)."""
    t = unicodedata.normalize("NFD", text)
    t = "".join(c for c in t if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", t.replace("Đ", "D").replace("đ", "d"))


def fold(text: str) -> str:
    """Case-, diacritic- and spacing-insensitive key: ' HỎA  TỐC ' → 'hoa toc'."""
    return " ".join(strip_diacritics(text.lower()).split())
