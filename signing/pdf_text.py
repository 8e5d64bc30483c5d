"""Metadata of a Vietnamese administrative document read from its PDF text layer (NĐ 30/2020 layout).

Heuristic by nature: whatever is not found stays empty, and odd text never raises. The text layer of a
reportlab or Word PDF comes out one drawn line per line; two columns may also be merged into one line,
so every pattern searches inside lines instead of expecting a whole line.
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache

from pypdf import PdfReader

from core.doc_code import DocCode, InvalidDocCode
from core.doc_types import canonical_type_name, type_by_abbreviation
from core.metadata import DeclaredMetadata
from core.urgency import Urgency

_CODE = re.compile(
    r"(?<![\w/])(?:Số|SỐ)\s*:?\s*(\d{1,11})\s*/\s*([A-ZĐ][A-Za-zĐđ0-9]*(?:\s*-\s*[A-ZĐ][A-Za-zĐđ0-9]*)*)"
)
_PLACE_DATE = re.compile(
    r"(?P<place>[^,\n]{0,80}?)\s*,\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})",
    re.IGNORECASE,
)
_PLACE_UNFILLED = re.compile(  # "Tân Hòa, ngày …… tháng …… năm 2026" before the clerk numbers and dates it
    r"(?P<place>[^,\n]{0,80}?)\s*,\s*ngày[\s.…_]*tháng[\s.…_]*năm\b", re.IGNORECASE
)
_VV = re.compile(r"(?<![\w/])V\s*/\s*v\b\.?\s*:?\s*")
_VV_PREFIX = re.compile(r"^V\s*/\s*v\b\.?\s*:?\s*")
_VE_VIEC = re.compile(r"^Về\s+việc\b\s*:?\s*", re.IGNORECASE)
_COMPETENCE = re.compile(r"(?<![\w.])(TM|KT|TL|TUQ|Q)\s*\.\s*(\S.*)$")
_SEPARATOR = re.compile(r"^[\s\-_–—─=*.]+$")
_SUBJECT_STOP = (
    "căn cứ",
    "kính gửi",
    "thực hiện",
    "theo đề nghị",
    "xét đề nghị",
    "điều 1",
    "hôm nay",
    "nơi nhận",
)
_POSITION = re.compile(
    r"(?<!\w)(?:CHỦ TỊCH|GIÁM ĐỐC|\w*TRƯỞNG|PHÓ|BÍ THƯ|CHÁNH|CHỦ NHIỆM|THỦ TƯỚNG|[UỦ]Y VIÊN|UỶ VIÊN|THƯ KÝ)(?!\w)"
)
URGENCY_STAMPS = {
    "HỎA TỐC HẸN GIỜ": Urgency.HOA_TOC_HEN_GIO,
    "HỎA TỐC": Urgency.HOA_TOC,
    "THƯỢNG KHẨN": Urgency.THUONG_KHAN,
    "KHẨN": Urgency.KHAN,
}
SECRECY_STAMPS = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")
_MAX_SUBJECT_LINES = 4


def normalize_lines(text: str) -> list[str]:
    """NFC, single spaces, no empty lines."""
    text = unicodedata.normalize("NFC", text)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _is_upper_line(line: str) -> bool:
    return any(c.isalpha() for c in line) and line == line.upper()


def _stamp_word(token: str) -> bool:
    return token.isalpha() and token.isupper()


def _stamp_runs(line: str) -> list[str]:
    """The run of capitalised words at the start and at the end of a line (a stamp next to other text)."""
    tokens = line.strip("[](){}|*").split()
    head: list[str] = []
    for t in tokens:
        if not _stamp_word(t):
            break
        head.append(t)
    tail: list[str] = []
    for t in reversed(tokens):
        if not _stamp_word(t):
            break
        tail.insert(0, t)
    return [" ".join(head), " ".join(tail)]


def _fold_hoa(text: str) -> str:
    return text.replace("HOẢ", "HỎA")


def stamp_in(lines: Sequence[str], stamps: Sequence[str]) -> str | None:
    """A stamp standing alone ("TỐI MẬT"), not a word inside a sentence ("mật khẩu", "BẢO VỆ BÍ MẬT")."""
    for line in lines:
        for run in _stamp_runs(line):
            if _fold_hoa(run) in stamps:
                return _fold_hoa(run)
    return None


def secrecy_mark(text: str) -> str | None:
    """'MẬT', 'TỐI MẬT' or 'TUYỆT MẬT' when the text carries a state-secret stamp."""
    return stamp_in(normalize_lines(text), SECRECY_STAMPS)


def urgency_mark(text: str) -> Urgency | None:
    return stamp_urgency(normalize_lines(text))


def stamp_urgency(lines: Sequence[str]) -> Urgency | None:
    stamp = stamp_in(lines, tuple(URGENCY_STAMPS))
    return URGENCY_STAMPS[stamp] if stamp else None


def find_code(lines: Sequence[str]) -> tuple[DocCode | None, int]:
    for i, line in enumerate(lines):
        m = _CODE.search(line)
        if m:
            notation = re.sub(r"\s+", "", m.group(2))
            try:
                return DocCode.parse(f"{m.group(1)}/{notation}"), i
            except InvalidDocCode:
                continue
    return None, -1


def find_place_date(lines: Sequence[str]) -> tuple[str, date | None]:
    for line in lines:
        m = _PLACE_DATE.search(line)
        if not m:
            continue
        try:
            issued: date | None = date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            issued = None
        return _clean_place(m["place"]), issued
    for line in lines:
        m = _PLACE_UNFILLED.search(line)
        if m:
            return _clean_place(m["place"]), None
    return "", None


def _clean_place(raw: str) -> str:
    code = _CODE.search(raw)
    if code:
        raw = raw[code.end() :]
    if _VV.search(raw):  # "V/v … Tân Hòa" merged: keep the trailing capitalised words
        words = raw.split()
        tail: list[str] = []
        while words and words[-1][:1].isupper():
            tail.insert(0, words.pop())
        raw = " ".join(tail)
    place = raw.strip(" .:;-–")
    return place if place[:1].isupper() else ""


def find_heading(lines: Sequence[str]) -> tuple[str, int]:
    for i, line in enumerate(lines):
        if _is_upper_line(line):
            name = canonical_type_name(line)
            if name:
                return name, i
    return "", -1


def _stops_subject(line: str) -> bool:
    low = line.lower()
    return (
        _is_upper_line(line)
        or bool(_SEPARATOR.match(line))
        or low.startswith(_SUBJECT_STOP)
        or line.startswith(("-", "+", "•"))
        or bool(_CODE.search(line) or _PLACE_DATE.search(line))
    )


def _continuation(lines: Sequence[str], start: int) -> list[str]:
    out = []
    for line in lines[start : start + _MAX_SUBJECT_LINES]:
        if _stops_subject(line):
            break
        out.append(line)
    return out


def _vv_line(lines: Sequence[str], before: int) -> int:
    """Index of the công văn 'V/v' line in the header (above the type heading, if any), else -1."""
    for i, line in enumerate(lines[: before if before >= 0 else None]):
        if _VV.search(line):
            return i
    return -1


def _capitalised(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def find_subject(lines: Sequence[str], heading_at: int) -> str:
    """Trích yếu: 'V/v …' (công văn) or the line(s) under the type heading, without the prefix."""
    vv = _vv_line(lines, heading_at)
    if vv >= 0:
        m = _VV.search(lines[vv])
        assert m is not None
        first = _PLACE_DATE.split(lines[vv][m.end() :])[0]
        return _capitalised(" ".join([first, *_continuation(lines, vv + 1)]))
    if heading_at >= 0:
        text = " ".join(_continuation(lines, heading_at + 1))
        return _capitalised(_VE_VIEC.sub("", _VV_PREFIX.sub("", text)))
    return ""


def _title_word(token: str) -> bool:
    return token.isalpha() and token[0].isupper() and (len(token) == 1 or token[1:].islower())


def _name_in(line: str) -> str:
    """A personal name ("Nguyễn Văn An") at the end of a line, possibly after a merged 'Nơi nhận' item."""
    tokens = line.split()
    run: list[str] = []
    while tokens and _title_word(tokens[-1]):
        run.insert(0, tokens.pop())
    if not 2 <= len(run) <= 6:
        return ""
    if line.startswith(("-", "+", "•")) and not (tokens and tokens[-1].endswith((";", ".", ":"))):
        return ""
    if run[0] in ("Nơi", "Kính"):
        return ""
    return " ".join(run)


def _upper_tail(line: str) -> str:
    tokens = line.split()
    run: list[str] = []
    while tokens and _stamp_word(tokens[-1]):
        run.insert(0, tokens.pop())
    return " ".join(run)


def _name_after(lines: Sequence[str], start: int, window: int = 8) -> str:
    for line in lines[start : start + window]:
        name = _name_in(line)
        if name:
            return name
    return ""


def find_signer(lines: Sequence[str]) -> tuple[str, str, str]:
    """(competence, position, name) from the signature block, searched from the end."""
    for i in range(len(lines) - 1, -1, -1):
        m = _COMPETENCE.search(lines[i])
        if m and _is_upper_line(m.group(2)):
            return _signer_with_competence(lines, i)
    for i in range(len(lines) - 1, -1, -1):
        position = _upper_tail(lines[i])
        if _POSITION.search(position) and canonical_type_name(position) is None:
            name = _name_after(lines, i + 1)
            if name:
                return "", position, name
    return "", "", ""


def _signer_with_competence(lines: Sequence[str], i: int) -> tuple[str, str, str]:
    first = i
    while first > 0 and (m := _COMPETENCE.search(lines[first - 1])) and _is_upper_line(m.group(2)):
        first -= 1  # "TM. ỦY BAN NHÂN DÂN" above "KT. CHỦ TỊCH"
    parts = [f"{m.group(1)}. {m.group(2)}" for ln in lines[first : i + 1] if (m := _COMPETENCE.search(ln))]
    competence = " ".join(parts)
    own = _COMPETENCE.search(lines[i])
    position = own.group(2) if own else ""
    after = i + 1
    if after < len(lines):
        below = _upper_tail(lines[after])
        if below and not _COMPETENCE.search(lines[after]) and "ĐÃ KÝ" not in below:
            position, after = below, after + 1
    return competence, position, _name_after(lines, after)


def infer_type(heading: str, code: DocCode | None, has_vv: bool) -> str:
    if heading:
        return heading
    abbr = code.type_abbreviation if code else None
    if abbr:
        return type_by_abbreviation(abbr) or ""
    if code is not None and has_vv:
        return "Công văn"  # công văn has no type abbreviation and carries a "V/v" subject
    return ""


def signer_from_end(page_text: Callable[[int], str], count: int) -> tuple[str, str, str]:
    """Reads pages backwards only until a signature block shows up (usually just the last page)."""
    lines: list[str] = []
    for i in range(count - 1, -1, -1):
        lines = normalize_lines(page_text(i)) + lines
        found = find_signer(lines)
        if any(found):
            return found
    return "", "", ""


def _metadata(page_text: Callable[[int], str], count: int) -> DeclaredMetadata:
    meta = DeclaredMetadata(page_amount=count or None)
    if count == 0:
        return meta
    first = normalize_lines(page_text(0))
    meta.code, _ = find_code(first)
    meta.place, meta.issued_date = find_place_date(first)
    heading, heading_at = find_heading(first)
    meta.subject = find_subject(first, heading_at)
    meta.type_name = infer_type(heading, meta.code, _vv_line(first, heading_at) >= 0)
    meta.urgency = stamp_urgency(first)
    meta.signer_competence, meta.signer_position, meta.signer_name = signer_from_end(page_text, count)
    return meta


def metadata_from_pages(pages: Sequence[str]) -> DeclaredMetadata:
    """Pure text analysis: header items from page 1, the signer from the end of the document."""
    return _metadata(pages.__getitem__, len(pages))


def page_text_of(reader: PdfReader) -> Callable[[int], str]:
    """Page i's text, extracted at most once per reader; a page whose text cannot be extracted counts as empty."""

    @cache
    def text(i: int) -> str:
        try:
            return reader.pages[i].extract_text() or ""
        except Exception:  # pypdf raises many kinds of errors on odd fonts/streams
            return ""

    return text


UNREADABLE = "Không đọc được nội dung tệp PDF."


def extract_metadata(pdf: bytes) -> DeclaredMetadata:
    """Blocking (pypdf): call `extract_metadata_async` from the event loop."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
    except Exception:  # malformed PDFs make pypdf raise many different errors
        return DeclaredMetadata(problems=[UNREADABLE])
    return metadata_of(reader, page_text_of(reader))


def metadata_of(reader: PdfReader, page_text: Callable[[int], str]) -> DeclaredMetadata:
    """The metadata of an opened PDF; `page_text(i)` may be shared with the completeness checks."""
    try:
        if reader.is_encrypted:
            return DeclaredMetadata(problems=["Tệp PDF được mã hóa, không đọc được nội dung."])
        count = len(reader.pages)
    except Exception:  # malformed PDFs make pypdf raise many different errors
        return DeclaredMetadata(problems=[UNREADABLE])
    try:
        return _metadata(page_text, count)
    except Exception:  # a heuristic must never take the pipeline down
        return DeclaredMetadata(page_amount=count or None)


async def extract_metadata_async(pdf: bytes) -> DeclaredMetadata:
    return await asyncio.to_thread(extract_metadata, pdf)
