"""The official frame of the period report (NĐ 30/2020 Phụ lục I): who reports, its number, place and date,
where it goes, and who signs. Filled from the [report] settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class OfficialHeader:
    parent_agency: str = "ỦY BAN NHÂN DÂN TỈNH"
    agency: str = "VĂN PHÒNG"
    number: str = "      /BC-VP"  # the number is given when the report is registered in the sổ đi
    place: str = "Vĩnh Long"
    signer_competence: str = ""  # "KT. CHÁNH VĂN PHÒNG" …
    signer_title: str = "CHÁNH VĂN PHÒNG"
    signer_name: str = ""
    recipients: tuple[str, ...] = field(default_factory=lambda: ("Như trên;", "Lưu: VT."))
    addressee: str = "Ủy ban nhân dân tỉnh"  # Kính gửi


def date_line(place: str, day: date) -> str:
    """'Vĩnh Long, ngày 02 tháng 12 năm 2026' (days and months below 10 written with a leading zero for 1–2)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def period_title(start: date, end: date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 6, 30) and start.year == end.year:
        return f"6 tháng đầu năm {start.year}"
    if (start.month, start.day, end.month, end.day) == (7, 1, 12, 31) and start.year == end.year:
        return f"6 tháng cuối năm {start.year}"
    return f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"
