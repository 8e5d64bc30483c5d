"""Period report (NĐ 30/2020 Điều 24 — báo cáo định kỳ 6 tháng): per agency and in total."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from bridge.reports.facts import FORMS, DocFacts, form_of, is_overdue, rejection_reasons
from core.document import ProcessingState


@dataclass(slots=True)
class Section:
    total: int = 0
    by_form: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    held: int = 0
    overdue: int = 0

    def add(self, f: DocFacts, now: datetime, organ: str | None = None) -> None:
        self.total += 1
        self.by_form[FORMS[form_of(f.doc)]] += 1
        self.by_type[f.doc.type_name or "(không rõ loại)"] += 1
        self.by_method[f.doc.channel.label] += 1
        reasons = rejection_reasons(f)
        self.rejected += bool(reasons)
        self.rejections.update(reasons)
        self.held += f.doc.state is ProcessingState.HELD
        histories = [h for o, h in f.statuses.items() if organ is None or o == organ]
        self.overdue += any(is_overdue(h, f.doc.due_date, now) for h in histories)


def ratio(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


@dataclass(slots=True)
class PeriodReport:
    start: date
    end: date
    generated_at: datetime
    total: Section
    agencies: list[tuple[str, str, Section]]  # (OrganId, name, figures)
    notes: list[str] = field(default_factory=list)


def build_report(
    facts: list[DocFacts], names: dict[str, str], start: date, end: date, now: datetime, only: str | None = None
) -> PeriodReport:
    """`only`: restrict the per-agency part to one agency (a clerk's or leader's report)."""
    total = Section()
    per: dict[str, Section] = {}
    for f in facts:
        total.add(f, now)
        for organ in f.organs():
            if only is None or organ == only:
                per.setdefault(organ, Section()).add(f, now, organ)
    notes = []
    if total.by_form.get(FORMS["unknown"]):
        notes.append(
            "Hình thức văn bản chỉ xác định được khi bước kiểm tra chữ ký số ghi kết quả vào nhật ký xử lý; "
            "các văn bản chưa có kết quả đó được tính là «chưa xác định»."
        )
    agencies = sorted(((o, names.get(o, o), s) for o, s in per.items()), key=lambda x: (-x[2].total, x[0]))
    return PeriodReport(start, end, now, total, agencies, notes)


def default_period(today: date) -> tuple[date, date]:
    """The last full half-year (Điều 24: 6-monthly report)."""
    if today.month > 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year - 1, 7, 1), date(today.year - 1, 12, 31)
