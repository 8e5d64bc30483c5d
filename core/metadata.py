"""Metadata declared by the sender as `Key: value` lines (mail body, bot caption) or read from the PDF."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date

from core.doc_code import DocCode, InvalidDocCode
from core.doc_types import canonical_type_name
from core.organ_id import InvalidOrganId, OrganId
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
    t = unicodedata.normalize("NFD", text.strip().lower())
    t = "".join(c for c in t if unicodedata.category(c) != "Mn").replace("đ", "d")
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


# folded key → field; several spellings per field, with and without diacritics
_KEYS = {
    "so": "code",
    "so ky hieu": "code",
    "so va ky hieu": "code",
    "so hieu": "code",
    "ngay": "issued_date",
    "ngay ban hanh": "issued_date",
    "ngay van ban": "issued_date",
    "noi ban hanh": "place",
    "dia danh": "place",
    "loai": "type_name",
    "loai van ban": "type_name",
    "ten loai": "type_name",
    "trich yeu": "subject",
    "v v": "subject",
    "ve viec": "subject",
    "nguoi ky": "signer_name",
    "chuc vu": "signer_position",
    "tham quyen": "signer_competence",
    "noi nhan": "recipients",
    "gui": "recipients",
    "den": "recipients",
    "do khan": "urgency",
    "han xu ly": "due_date",
    "han tra loi": "due_date",
    "so trang": "page_amount",
    "phu luc": "appendixes",
}
_LINE = re.compile(r"^\s*([^:\n]{1,40}?)\s*:\s*(.*?)\s*$")


def parse_date(text: str) -> date:
    """dd/mm/yyyy, yyyy-mm-dd, yyyy/MM/dd or 'ngày dd tháng mm năm yyyy'."""
    t = text.strip()
    m = re.search(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", t, re.IGNORECASE)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        return date(y, mo, d)
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", t)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return date(y, mo, d)
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", t)
    if m:
        d, mo, y = (int(g) for g in m.groups())
        return date(y, mo, d)
    raise ValueError(f"Ngày không hợp lệ: {text!r}")


def _set(meta: DeclaredMetadata, name: str, value: str) -> None:
    match name:
        case "code":
            meta.code = DocCode.parse(value)
        case "issued_date" | "due_date":
            setattr(meta, name, parse_date(value))
        case "type_name":
            meta.type_name = canonical_type_name(value) or value.strip()
        case "recipients":
            meta.recipients = [OrganId.parse(p) for p in re.split(r"[,;\s]+", value) if p]
        case "urgency":
            meta.urgency = Urgency.parse(value)
        case "page_amount":
            meta.page_amount = int(value)
        case "appendixes":
            meta.appendixes = [p.strip() for p in value.split(";") if p.strip()]
        case _:
            setattr(meta, name, value.strip())


def parse_metadata_lines(text: str) -> DeclaredMetadata:
    """Reads known `Key: value` lines; other lines are ignored, bad values are listed in problems."""
    meta = DeclaredMetadata()
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m or not m.group(2):
            continue
        name = _KEYS.get(_key(m.group(1)))
        if name is None:
            continue
        try:
            _set(meta, name, m.group(2))
        except (ValueError, InvalidDocCode, InvalidOrganId) as exc:
            meta.problems.append(f"Dòng «{line.strip()}»: {exc}")
    return meta
