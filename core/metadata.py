"""Metadata declared by the sender as `Key: value` lines (mail body, bot caption) or read from the PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date

from core.doc_code import DocCode, InvalidDocCode
from core.doc_types import canonical_type_name
from core.organ_id import InvalidOrganId, OrganId
from core.text import fold, nfc
from core.urgency import Urgency


@dataclass(slots=True)
class DeclaredMetadata:
    code: DocCode | None = None
    issued_date: date | None = None
    place: str = ""
    type_name: str = ""
    subject: str = ""
    signer_name: str = ""
    signer_position: str = ""
    signer_competence: str = ""
    recipients: list[OrganId] = field(default_factory=list)
    urgency: Urgency | None = None
    due_date: date | None = None
    page_amount: int | None = None
    appendixes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # Vietnamese, one per bad line

    def merged_over(self, base: DeclaredMetadata) -> DeclaredMetadata:
        """Fields set here win over `base` (explicit lines beat what the PDF text says)."""
        out = DeclaredMetadata()
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(base, f.name)
            setattr(out, f.name, mine if mine not in (None, "", []) else theirs)
        out.problems = [*base.problems, *self.problems]
        return out


REQUIRED = {
    "code": "Số, ký hiệu",
    "issued_date": "Ngày ban hành",
    "subject": "Trích yếu",
    "recipients": "Nơi nhận",
    "type_name": "Loại văn bản",
}


def missing_required(meta: DeclaredMetadata) -> list[str]:
    return [label for name, label in REQUIRED.items() if getattr(meta, name) in (None, "", [])]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


# folded key → field; several spellings per field, with and without diacritics
_KEYS = {
    "so": "code",
    "so ky hieu": "code",
    "so va ky hieu": "code",
    "so hieu": "code",
    "so van ban": "code",
    "ngay": "issued_date",
    "ngay ban hanh": "issued_date",
    "ngay van ban": "issued_date",
    "ngay ky": "issued_date",
    "noi ban hanh": "place",
    "dia danh": "place",
    "loai": "type_name",
    "loai van ban": "type_name",
    "ten loai": "type_name",
    "ten loai van ban": "type_name",
    "trich yeu": "subject",
    "trich yeu noi dung": "subject",
    "v v": "subject",
    "ve viec": "subject",
    "nguoi ky": "signer_name",
    "chuc vu": "signer_position",
    "chuc vu nguoi ky": "signer_position",
    "tham quyen": "signer_competence",
    "tham quyen ky": "signer_competence",
    "noi nhan": "recipients",
    "gui": "recipients",
    "den": "recipients",
    "do khan": "urgency",
    "muc do khan": "urgency",
    "han xu ly": "due_date",
    "han tra loi": "due_date",
    "han giai quyet": "due_date",
    "so trang": "page_amount",
    "phu luc": "appendixes",
}
MAX_KEY = 40
QUOTED = 200  # characters of a bad line quoted back in a problem


def metadata_line(line: str) -> tuple[str, str] | None:
    """(field, value) of a known `Key: value` line — 'Nơi nhận: UBND huyện Long Hồ' → ('recipients', …) — else
    None. For callers that treat one field their own way (recipient names, a reply completing a document)."""
    key, value = _key_value(nfc(line))
    name = _KEYS.get(_key(key)) if value else None
    return (name, value) if name else None


_VN_DATE = re.compile(r"ngay\s+([0-9]{1,2})\s+thang\s+([0-9]{1,2})\s+nam\s+([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})")


def parse_date(text: str) -> date:
    """dd/mm/yyyy, yyyy-mm-dd, yyyy/MM/dd or '[Nơi,] ngày dd tháng mm năm yyyy' (diacritics optional).

    Raises ValueError with a Vietnamese message, also for impossible dates such as 31/02/2024.
    """
    t = fold(text) if isinstance(text, str) else ""
    if m := _VN_DATE.search(t):
        d, mo, y = m.groups()
    elif m := _ISO_DATE.fullmatch(t):
        y, mo, d = m.groups()
    elif m := _DMY_DATE.fullmatch(t):
        d, mo, y = m.groups()
    else:
        raise ValueError(f"Ngày không hợp lệ: {text!r} (viết dạng dd/mm/yyyy hoặc «ngày dd tháng mm năm yyyy»)")
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:  # Python's own message is English ("day is out of range for month")
        raise ValueError(f"Ngày không có thật: {text.strip()!r} (ngày {d}, tháng {mo}, năm {y})") from None


def _page_amount(value: str) -> int:
    t = value.strip()
    if not re.fullmatch(r"[0-9]{1,4}", t) or int(t) == 0:
        raise ValueError(f"Số trang phải là số nguyên dương: {t!r}")
    return int(t)


def _recipients(value: str) -> list[OrganId]:
    out: list[OrganId] = []
    bad: list[str] = []
    for part in re.split(r"[,;\s]+", value):
        if not part:
            continue
        try:
            out.append(OrganId.parse(part))
        except InvalidOrganId:
            bad.append(part)
    if bad:
        listed = ", ".join(repr(b) for b in bad)
        raise ValueError(f"Nơi nhận phải là mã định danh cơ quan (dạng 000.00.00.H61), không hợp lệ: {listed}")
    return list(dict.fromkeys(out))  # a repeated code is one recipient


def _set(meta: DeclaredMetadata, name: str, value: str) -> None:
    match name:
        case "code":
            meta.code = DocCode.parse(value)
        case "issued_date" | "due_date":
            setattr(meta, name, parse_date(value))
        case "type_name":
            meta.type_name = canonical_type_name(value) or value.strip()
        case "recipients":
            meta.recipients = _recipients(value)
        case "urgency":
            meta.urgency = Urgency.parse(value)
        case "page_amount":
            meta.page_amount = _page_amount(value)
        case "appendixes":
            meta.appendixes = [p.strip() for p in value.split(";") if p.strip()]
        case _:
            setattr(meta, name, value.strip())


def _key_value(line: str) -> tuple[str, str]:
    """'  Số :  05/QĐ-UBND  ' → ('Số', '05/QĐ-UBND'); ('', '') when the line is not `Key: value`. Plain string
    operations, linear in the line (a pattern with lazy groups and trailing spaces was quadratic)."""
    key, colon, value = line.partition(":")
    key = key.strip()
    if not colon or not key or len(key) > MAX_KEY:
        return "", ""
    return key, value.strip()


def parse_metadata_lines(text: str) -> DeclaredMetadata:
    """Reads known `Key: value` lines; other lines are ignored, bad values are listed in problems."""
    meta = DeclaredMetadata()
    for line in nfc(text).splitlines():
        key, value = _key_value(line)
        if not value:
            continue
        name = _KEYS.get(_key(key))
        if name is None:
            continue
        try:
            _set(meta, name, value)
        except (ValueError, InvalidDocCode, InvalidOrganId) as exc:
            quoted = line.strip()
            quoted = quoted if len(quoted) <= QUOTED else quoted[:QUOTED] + "…"
            why = str(exc) if len(str(exc)) <= 2 * QUOTED else str(exc)[: 2 * QUOTED] + "…"
            meta.problems.append(f"Dòng «{quoted}»: {why}")
    return meta
