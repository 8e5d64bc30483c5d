"""Is this PDF acceptable and complete? (NĐ 30/2020 Phụ lục I Phần II §I.2, QĐ 28/2018 on state secrets.)

Each finding is a core.verdict.Reason with a stable code and a Vietnamese message. REJECT means the file can
never be accepted as is (encrypted, active content, executables, state secrets, unreadable); HOLD means a
discrepancy a clerk should look at (page count, PDF version, appendices).
"""

from __future__ import annotations

import asyncio
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from core.verdict import Outcome, Reason
from signing.pdf_text import SECRECY_STAMPS, normalize_lines, page_text_of, stamp_in

MiB = 1024 * 1024
MAX_PDF_BYTES = 50 * MiB  # per file (Ninh Bình QĐ 161/2025 Điều 8.4)
MAX_FILES = 20
MAX_TOTAL_BYTES = 100 * MiB
MIN_VERSION = (1, 4)

EXECUTABLE_EXTENSIONS = frozenset(
    "exe dll com scr bat cmd ps1 psm1 vbs vbe js jse wsf wsh hta msi msp cpl pif lnk reg jar apk "
    "sh bin elf so dylib app run deb rpm".split()
)
_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
_HEADER = re.compile(rb"%PDF-(\d)\.(\d)")
_MAX_WALK = 200_000  # objects visited while looking for active content; more is itself suspicious


def _reject(code: str, message: str) -> Reason:
    return Reason(code, message, Outcome.REJECT)


def _hold(code: str, message: str) -> Reason:
    return Reason(code, message, Outcome.HOLD)


@dataclass(frozen=True, slots=True)
class CompletenessReport:
    findings: tuple[Reason, ...] = ()
    page_count: int | None = None
    version: str = ""  # effective PDF version, e.g. "1.7"
    has_text: bool = False  # a text layer exists (scans without OCR have none)
    secrecy: str = ""  # "MẬT" | "TỐI MẬT" | "TUYỆT MẬT" when stamped
    embedded_files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def refused(self) -> bool:
        return any(f.outcome is Outcome.REJECT for f in self.findings)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)


@dataclass(slots=True)
class _Scan:
    """What a walk over the object graph found."""

    javascript: bool = False
    auto_action: bool = False
    launch: bool = False
    embedded: list[tuple[str, bytes]] = field(default_factory=list)
    truncated: bool = False


def check_pdf(data: bytes, *, declared_pages: int | None = None, max_bytes: int = MAX_PDF_BYTES) -> CompletenessReport:
    """Blocking (pypdf): from the event loop use `check_pdf_async`."""
    header = pdf_header(data, max_bytes)
    if isinstance(header, CompletenessReport):
        return header
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:  # pypdf raises many unrelated error types on malformed files
        return unreadable(header, exc)
    return check_reader(reader, header, declared_pages, page_text_of(reader))


def pdf_header(data: bytes, max_bytes: int = MAX_PDF_BYTES) -> re.Match[bytes] | CompletenessReport:
    """The `%PDF-x.y` header, or the report refusing the file before it is parsed (too large, not a PDF)."""
    if len(data) > max_bytes:
        return CompletenessReport(
            (_reject("pdf.too_large", f"Tệp PDF quá lớn ({_mb(len(data))}, tối đa {_mb(max_bytes)})."),)
        )
    header = _HEADER.search(data[:1024])
    if header is None:
        return CompletenessReport((_reject("pdf.not_pdf", "Tệp không phải định dạng PDF."),))
    return header


def unreadable(header: re.Match[bytes], exc: Exception) -> CompletenessReport:
    reason = _reject("pdf.unreadable", f"Tệp PDF bị hỏng hoặc không đọc được ({type(exc).__name__}).")
    return CompletenessReport((reason,), version=_version_text(header))


def check_reader(
    reader: PdfReader, header: re.Match[bytes], declared_pages: int | None, page_text: Callable[[int], str]
) -> CompletenessReport:
    """The checks on an opened PDF; `page_text(i)` may be shared with metadata extraction (signing.analysis)."""
    try:
        if reader.is_encrypted:
            reason = _reject("pdf.encrypted", "Tệp PDF được đặt mật khẩu hoặc mã hóa; hãy gửi bản không mã hóa.")
            return CompletenessReport((reason,), version=_version_text(header))
        return _inspect(reader, header, declared_pages, page_text)
    except Exception as exc:  # pypdf raises many unrelated error types on malformed files
        return unreadable(header, exc)


async def check_pdf_async(
    data: bytes, *, declared_pages: int | None = None, max_bytes: int = MAX_PDF_BYTES
) -> CompletenessReport:
    return await asyncio.to_thread(check_pdf, data, declared_pages=declared_pages, max_bytes=max_bytes)


def _inspect(
    reader: PdfReader, header: re.Match[bytes], declared_pages: int | None, page_text: Callable[[int], str]
) -> CompletenessReport:
    findings: list[Reason] = []
    version = _effective_version(reader, header)
    if version < MIN_VERSION:
        findings.append(
            _hold("pdf.version", f"Tệp PDF phiên bản {version[0]}.{version[1]}; quy định yêu cầu PDF 1.4 trở lên.")
        )
    pages = len(reader.pages)
    if pages == 0:
        findings.append(_reject("pdf.no_pages", "Tệp PDF không có trang nào."))
    elif declared_pages is not None and declared_pages != pages:
        findings.append(_page_mismatch(declared_pages, pages))
    scan = _walk(reader)
    findings += _active_content(scan)
    # every page, not only the first where NĐ 30 puts the stamp: an appendix or an annex printed inside the
    # file may carry its own; each page's text is extracted once and shared with the metadata (signing.analysis)
    texts = [page_text(i) for i in range(pages)]
    secrecy = stamp_in([ln for t in texts for ln in normalize_lines(t)], SECRECY_STAMPS) or ""
    if secrecy:
        findings.append(
            _reject(
                "pdf.secret",
                f"Văn bản có dấu độ mật «{secrecy}»: văn bản chứa bí mật nhà nước không được gửi, "
                "nhận qua hệ thống điện tử này.",
            )
        )
    return CompletenessReport(
        tuple(findings),
        page_count=pages,
        version=f"{version[0]}.{version[1]}",
        has_text=any(t.strip() for t in texts),
        secrecy=secrecy,
        embedded_files=tuple(name for name, _ in scan.embedded),
    )


def _page_mismatch(declared_pages: int, pages: int) -> Reason:
    return _hold("pdf.page_mismatch", f"Số trang khai báo là {declared_pages} nhưng tệp PDF có {pages} trang.")


def with_declared_pages(report: CompletenessReport, declared_pages: int | None) -> CompletenessReport:
    """The report `check_pdf(…, declared_pages=declared_pages)` gives, from one made without declared pages."""
    pages = report.page_count
    if declared_pages is None or not pages or declared_pages == pages:
        return report
    at = sum(f.code == "pdf.version" for f in report.findings)  # the version finding comes first
    findings = (*report.findings[:at], _page_mismatch(declared_pages, pages), *report.findings[at:])
    return replace(report, findings=findings)


def _active_content(scan: _Scan) -> list[Reason]:
    out = []
    if scan.javascript:
        out.append(_reject("pdf.javascript", "Tệp PDF chứa mã JavaScript; không chấp nhận nội dung tự chạy."))
    if scan.auto_action:
        out.append(_reject("pdf.auto_action", "Tệp PDF chứa hành động tự động (/AA) khi mở trang hoặc trường."))
    if scan.launch:
        out.append(_reject("pdf.launch_action", "Tệp PDF chứa lệnh mở chương trình bên ngoài (/Launch)."))
    bad = [name for name, data in scan.embedded if is_executable(name, data)]
    if bad:
        out.append(_reject("pdf.embedded_executable", "Tệp PDF đính kèm tệp thực thi: " + ", ".join(bad) + "."))
    if scan.truncated:
        out.append(_reject("pdf.too_complex", "Tệp PDF có cấu trúc quá phức tạp để kiểm tra an toàn."))
    return out


def _effective_version(reader: PdfReader, header: re.Match[bytes]) -> tuple[int, int]:
    """The header, raised by the catalog's /Version (pyHanko sets it when signing)."""
    version = (int(header.group(1)), int(header.group(2)))
    catalog = reader.trailer.get("/Root")
    raw = str(catalog.get_object().get("/Version", "")) if catalog is not None else ""
    m = re.fullmatch(r"/?(\d)\.(\d)", raw)
    return max(version, (int(m.group(1)), int(m.group(2)))) if m else version


def _version_text(header: re.Match[bytes]) -> str:
    return f"{int(header.group(1))}.{int(header.group(2))}"


def _walk(reader: PdfReader) -> _Scan:
    """Visits every object reachable from the trailer once (dicts, arrays, stream dictionaries)."""
    scan = _Scan()
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > _MAX_WALK:
            scan.truncated = True
            break
        if isinstance(obj, DictionaryObject):
            _look_at(obj, scan)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return scan


def _look_at(d: DictionaryObject, scan: _Scan) -> None:
    action = d.get("/S")
    if "/JS" in d or action == "/JavaScript" or "/JavaScript" in d:
        scan.javascript = True
    if action == "/Launch":
        scan.launch = True
    if "/AA" in d:
        scan.auto_action = True
    if "/EF" in d:
        scan.embedded.append(_embedded(d))


def _embedded(spec: DictionaryObject) -> tuple[str, bytes]:
    name = str(spec.get("/UF") or spec.get("/F") or "")
    ef = spec.get("/EF")
    stream = (ef.get("/F") or ef.get("/UF")) if isinstance(ef, DictionaryObject) else None
    try:
        data = stream.get_object().get_data() if stream is not None else b""
    except Exception:  # undecodable stream: judge by its name only
        data = b""
    return name, data


def is_executable(name: str, data: bytes) -> bool:
    """By extension (also 'x.pdf.exe'), or by content (PE 'MZ', ELF, Mach-O), whatever the name says."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext in EXECUTABLE_EXTENSIONS or data.startswith(_MAGIC)


def _mb(n: int) -> str:
    return f"{n / MiB:.1f} MB"


# ---- attachment set ------------------------------------------------------------------------------


class NamedFile(Protocol):
    @property
    def filename(self) -> str: ...
    @property
    def data(self) -> bytes: ...


_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}
_APPENDIX_NO = re.compile(r"(?:phu\s*luc|\bpl)\s*(?:so\s*)?(\d{1,3}|[ivxl]{1,6})(?![a-z0-9])")
_APPENDIX_WORD = re.compile(r"phu\s*luc|\bpl\s*\d")


def fold(text: str) -> str:
    """Lower case ASCII: 'Phụ lục II – Danh sách' → 'phu luc ii danh sach' ('PhuLuc_02.pdf' → 'phuluc 02 pdf')."""
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(c for c in t if unicodedata.category(c) != "Mn").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def _roman(text: str) -> int | None:
    total, prev = 0, 0
    for ch in reversed(text):
        value = _ROMAN[ch]
        total, prev = (total - value, prev) if value < prev else (total + value, value)
    return total or None


def appendix_number(text: str) -> int | None:
    """1 for 'Phụ lục I', 'PHỤ LỤC 01', 'phu_luc_1.xlsx', 'PL01.pdf'; None when unnumbered."""
    m = _APPENDIX_NO.search(fold(text).replace("phuluc", "phu luc"))
    if not m:
        return None
    token = m.group(1)
    return int(token) if token.isdigit() else _roman(token)


def is_appendix_file(name: str) -> bool:
    return bool(_APPENDIX_WORD.search(fold(name)))


def appendix_headings(text: str) -> list[int | None]:
    """Appendices printed inside the main PDF: their pages start with an uppercase 'PHỤ LỤC …' line."""
    out = []
    for line in normalize_lines(text):
        if line.startswith(("PHỤ LỤC", "PHỤ LUC", "PHU LUC")):
            out.append(appendix_number(line.split(":")[0]))
    return out


def check_attachment_set(
    attachments: Sequence[NamedFile],
    declared_appendixes: Sequence[str],
    *,
    main_text: str = "",
    max_files: int = MAX_FILES,
    max_file_bytes: int = MAX_PDF_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> list[Reason]:
    """Limits, then each declared 'Phụ lục' must be attached (by its number, or one appendix-looking file
    each when unnumbered) or printed inside the main PDF (`main_text`, its text layer)."""
    findings = _limits(attachments, max_files, max_file_bytes, max_total_bytes)
    files = {a.filename: appendix_number(a.filename) for a in attachments if is_appendix_file(a.filename)}
    inside = appendix_headings(main_text)
    numbers_present = {n for n in (*files.values(), *inside) if n is not None}
    spare = [name for name, n in files.items() if n is None] + [""] * inside.count(None)
    missing = []
    for title in declared_appendixes:
        n = appendix_number(title)
        if n is not None and n in numbers_present:
            continue
        if spare:
            spare.pop(0)
            continue
        missing.append(title)
    if missing:
        findings.append(_hold("attachment.appendix_missing", "Thiếu phụ lục đã khai báo: " + "; ".join(missing) + "."))
    declared_numbers = {appendix_number(t) for t in declared_appendixes}
    extra = [name for name, n in files.items() if n is not None and n not in declared_numbers]
    if extra:
        findings.append(
            _hold("attachment.appendix_undeclared", "Có tệp phụ lục không được khai báo: " + ", ".join(extra) + ".")
        )
    return findings


def _limits(files: Sequence[NamedFile], max_files: int, max_file: int, max_total: int) -> list[Reason]:
    out = []
    if len(files) > max_files:
        out.append(_reject("attachment.too_many", f"Quá nhiều tệp đính kèm ({len(files)}, tối đa {max_files})."))
    big = [f.filename for f in files if len(f.data) > max_file]
    if big:
        out.append(_reject("attachment.too_large", f"Tệp vượt quá {_mb(max_file)}: " + ", ".join(big) + "."))
    total = sum(len(f.data) for f in files)
    if total > max_total:
        out.append(
            _reject(
                "attachment.total_too_large",
                f"Tổng dung lượng tệp đính kèm {_mb(total)} vượt quá {_mb(max_total)}.",
            )
        )
    empty = [f.filename for f in files if not f.data]
    if empty:
        out.append(_hold("attachment.empty", "Tệp đính kèm rỗng: " + ", ".join(empty) + "."))
    return out
