"""Document types and their abbreviations (NĐ 30/2020 Điều 7, Phụ lục III)."""

from __future__ import annotations

import unicodedata

from core.text import fold as _fold_all

TYPES: dict[str, str | None] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công văn": None,
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Thư công": None,
    "Bản sao y": "SY",
    "Bản trích sao": "TrS",
    "Bản sao lục": "SL",
}
_BY_ABBR = {abbr: name for name, abbr in TYPES.items() if abbr}


def _fold(text: str) -> str:
    # "thoả"/"thỏa" and case differences must not matter when matching a heading
    t = unicodedata.normalize("NFC", " ".join(text.split())).lower()
    return t.replace("oả", "ỏa").replace("oá", "óa").replace("oà", "òa").replace("uỷ", "ủy")


_BY_FOLDED = {_fold(name): name for name in TYPES}
# Without diacritics every name is still distinct ("quy dinh" / "quyet dinh", "de an" / "du an").
_BY_ASCII = {_fold_all(name): name for name in TYPES}


def type_by_abbreviation(abbr: str) -> str | None:
    """'QĐ' → 'Quyết định'. Exact: case is meaningful ('CT' chỉ thị, 'CTr' chương trình)."""
    return _BY_ABBR.get(unicodedata.normalize("NFC", abbr.strip())) if isinstance(abbr, str) else None


def abbreviation_of(type_name: str) -> str | None:
    """'Quyết định' → 'QĐ'; công văn, thư công and unknown types have none."""
    name = canonical_type_name(type_name)
    return TYPES[name] if name else None


def canonical_type_name(text: str) -> str | None:
    """'QUYẾT ĐỊNH', 'quyết định' or 'quyet dinh' → 'Quyết định'; unknown → None."""
    if not isinstance(text, str):
        return None
    return _BY_FOLDED.get(_fold(text)) or _BY_ASCII.get(_fold_all(text))
