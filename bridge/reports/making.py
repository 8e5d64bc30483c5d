"""Making the period report for the API, the console and the CLI alike: the period asked for (default: the
current half-year), the figures for a user's scope, and the files (the PDF signed when configured)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bridge.reports.availability import uptimes
from bridge.reports.dashboard import agency_names
from bridge.reports.facts import load_facts
from bridge.reports.official import OfficialHeader
from bridge.reports.pdf_signing import ReportSigningError, sign_report
from bridge.reports.period import PeriodReport, build_report, half_year
from bridge.reports.report_pdf import report_pdf
from bridge.reports.report_xlsx import report_xlsx
from core.vn_time import vietnam_date

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PeriodError(ValueError):
    """A Vietnamese message about the period asked for."""


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PeriodError(f"{option} {text!r}: ngày phải có dạng YYYY-MM-DD (ví dụ 2026-06-30).") from exc


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """Both given, or the current half-year (one given alone completes it within that half-year)."""
    first, last = half_year(today)
    start, end = (
        start or (first if end is None else half_year(end)[0]),
        end or (last if start is None else half_year(start)[1]),
    )
    if end < start:
        raise PeriodError(f"Khoảng thời gian ngược: ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu {start:%d/%m/%Y}.")
    if start < EARLIEST or end > LATEST:
        raise PeriodError(f"Kỳ báo cáo phải nằm trong khoảng {EARLIEST:%d/%m/%Y} – {LATEST:%d/%m/%Y}.")
    return start, end


async def make_report(
    deps: Any,
    start: date | None,
    end: date | None,
    scope: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PeriodReport:
    now: datetime = deps.clock.now()
    first, last = period(start, end, vietnam_date(now))
    facts = await load_facts(deps.uow, first, last, organ=scope, progress=progress)
    report = build_report(facts, await agency_names(deps.uow), first, last, now, only=scope)
    report.security.availability = await uptimes(deps.uow, first, last)
    return report


def header_of(settings: Any) -> OfficialHeader:
    """From the [report] settings."""
    return OfficialHeader(
        parent_agency=settings.parent_agency,
        agency=settings.agency,
        number=settings.number,
        place=settings.place or "……",
        signer_competence=settings.signer_competence,
        signer_title=settings.signer_title,
        signer_name=settings.signer_name,
        recipients=tuple(settings.recipients),
        addressee=settings.addressee,
    )


async def report_file(r: PeriodReport, fmt: str, settings: Any) -> bytes:
    """'xlsx' or 'pdf'; the PDF is signed with [report] sign_pkcs12 when one is configured."""
    header = header_of(settings)
    if fmt == "xlsx":
        return await asyncio.to_thread(report_xlsx, r, header)
    pdf = await asyncio.to_thread(report_pdf, r, header)
    if not settings.sign_pkcs12:
        return pdf
    return await asyncio.to_thread(_signed, pdf, settings.sign_pkcs12, settings.sign_passphrase_file)


def _signed(pdf: bytes, pkcs12: str, passphrase_file: str) -> bytes:
    try:
        passphrase = Path(passphrase_file).read_bytes().strip() if passphrase_file else None
    except OSError as exc:
        raise ReportSigningError(f"Không đọc được tệp mật khẩu của chứng thư số: {passphrase_file}") from exc
    return sign_report(pdf, pkcs12, passphrase)


__all__ = ["PeriodError", "ReportSigningError", "make_report", "parse_day", "period", "report_file"]
