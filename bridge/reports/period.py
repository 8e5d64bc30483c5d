"""Period report (NĐ 30/2020 Điều 24 — báo cáo định kỳ 6 tháng). Only registered documents are counted as
documents; items refused at intake are counted apart (refused documents, and mail that was never a document),
and documents still held wait on their own line. Every figure comes from one pass over the same facts, so the
per-agency rows add up to the totals (tested)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from bridge.reports.facts import FORMS, DocFacts, form_of, is_overdue
from bridge.reports.reasons import group_label, group_of, is_non_document
from core.document import ProcessingState
from core.status import StatusCode
from core.verdict import Outcome

COUNTED = (ProcessingState.REGISTERED, ProcessingState.RECALLED)


@dataclass(slots=True)
class Section:
    """Registered documents of one sending agency, or of all."""

    documents: int = 0
    by_form: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    refused_by_recipient: int = 0  # at least one recipient answered 02
    overdue: int = 0

    def add(self, f: DocFacts, now: datetime) -> None:
        self.documents += 1
        self.by_form[FORMS[form_of(f.doc)]] += 1
        self.by_type[f.doc.type_name or "(không rõ loại)"] += 1
        self.by_method[f.doc.channel.label] += 1
        self.refused_by_recipient += any(_refused(h) for h in f.statuses.values())
        self.overdue += any(is_overdue(h, f.doc.due_date, now) for h in f.statuses.values())


@dataclass(slots=True)
class Receiving:
    """What one agency received: one line per (document, recipient)."""

    received: int = 0
    accepted: int = 0
    refused: int = 0
    overdue: int = 0


@dataclass(slots=True)
class ReasonGroup:
    code: str
    label: str
    count: int = 0
    details: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class Uptime:
    """A component's availability over the period, from the probes' samples (bridge/probes.py)."""

    label: str  # "Trục liên thông văn bản", "Hộp thư vanthu-tanhoa" …
    up: int  # samples that found it working
    samples: int

    @property
    def ratio(self) -> float | None:
        return ratio(self.up, self.samples)


@dataclass(slots=True)
class Security:
    """Điều 24.2.b, from what the bridge recorded."""

    viruses: int = 0  # items refused because clamd found malware
    signatures_refused: int = 0  # refused for an invalid or foreign signature
    signatures_held: int = 0  # held because a signature could not be confirmed
    scanner_waits: int = 0  # items that waited because the virus scanner was unavailable
    availability: list[Uptime] = field(default_factory=list)  # filled by bridge.reports.availability


@dataclass(slots=True)
class PeriodReport:
    start: date
    end: date
    generated_at: datetime
    total: Section
    by_sender: list[tuple[str, str, Section]]  # (OrganId, name, figures); documents add up to total.documents
    by_recipient: list[tuple[str, str, Receiving]]
    received_total: Receiving
    refused_documents: int  # documents refused at intake (by a check or a clerk)
    non_documents: int  # "thư không phải văn bản"
    held: int  # still waiting for a clerk
    in_progress: int  # still being checked when the report was made
    rejections: list[ReasonGroup]
    security: Security
    notes: list[str] = field(default_factory=list)

    @property
    def received_items(self) -> int:
        return self.total.documents + self.refused_documents + self.non_documents + self.held + self.in_progress


def _refused(h: object) -> bool:
    return any(e.code is StatusCode.REJECTED for e in getattr(h, "events", ()))


def build_report(
    facts: list[DocFacts], names: dict[str, str], start: date, end: date, now: datetime, only: str | None = None
) -> PeriodReport:
    """`only`: a clerk's or leader's report — its own sending row and its own receiving row."""
    total, per_sender, per_recipient, received = Section(), {}, {}, Receiving()
    rejections: dict[str, ReasonGroup] = {}
    security = Security()
    counts = Counter[str]()
    for f in facts:
        kind = _kind(f)
        counts[kind] += 1
        _security(f, security)
        _reasons(f, rejections)
        if kind != "document":
            continue
        total.add(f, now)
        sender = str(f.doc.sender or "")
        if only is None or sender == only:
            per_sender.setdefault(sender, Section()).add(f, now)
        for organ, h in f.statuses.items():
            if only is not None and organ != only:
                continue
            row = per_recipient.setdefault(organ, Receiving())
            for r in (row, received):
                r.received += 1
                r.accepted += any(e.code is StatusCode.ACCEPTED for e in h.events)
                r.refused += _refused(h)
                r.overdue += is_overdue(h, f.doc.due_date, now)
    notes = []
    if total.by_form.get(FORMS["unknown"]):
        notes.append(
            "Hình thức văn bản chỉ xác định được khi bước kiểm tra chữ ký số ghi kết quả vào nhật ký xử lý; "
            "các văn bản chưa có kết quả đó được tính là «chưa xác định»."
        )

    def named(rows: dict[str, object]) -> list[tuple[str, str, object]]:
        return sorted(((o, names.get(o, o or "(không rõ)"), s) for o, s in rows.items()), key=lambda x: x[0])

    return PeriodReport(
        start, end, now, total, named(per_sender), named(per_recipient), received,  # type: ignore[arg-type]
        counts["refused"], counts["non_document"], counts["held"], counts["in_progress"],
        sorted(rejections.values(), key=lambda g: (-g.count, g.code)), security, notes,
    )  # fmt: skip


def _kind(f: DocFacts) -> str:
    state = f.doc.state
    if state in COUNTED:
        return "document"
    if state is ProcessingState.HELD:
        return "held"
    if state is ProcessingState.REJECTED:
        codes = [r.code for r in f.doc.reasons]
        return "non_document" if is_non_document(codes, f.doc.sender is not None) else "refused"
    return "in_progress"


def _reasons(f: DocFacts, groups: dict[str, ReasonGroup]) -> None:
    """One count per refused item and group; recipients' refusals (02) of registered documents too."""
    if f.doc.state is ProcessingState.REJECTED:
        seen: set[str] = set()
        for r in f.doc.reasons:
            if r.outcome is not Outcome.REJECT:
                continue
            key = group_of(r.code)
            g = groups.setdefault(key, ReasonGroup(key, group_label(r.code)))
            if key not in seen:
                g.count += 1
                seen.add(key)
            g.details[_detail(r.code, r.message)] += 1
    if f.doc.state in COUNTED:
        for h in f.statuses.values():
            for e in h.events:
                if e.code is StatusCode.REJECTED:
                    g = groups.setdefault(
                        "recipient_refused", ReasonGroup("recipient_refused", group_label("recipient_refused"))
                    )
                    g.count += 1
                    g.details[e.description or "không ghi lý do"] += 1


def _detail(code: str, message: str) -> str:
    """The clerk's own words for a clerk's refusal; the check's message otherwise."""
    prefix = "Văn thư từ chối: "
    return message[len(prefix) :] if code == "clerk.rejected" and message.startswith(prefix) else message


def _security(f: DocFacts, s: Security) -> None:
    codes = [r.code for r in f.doc.reasons]
    s.viruses += any(c.startswith("scan.infected") for c in codes)
    refused = f.doc.state is ProcessingState.REJECTED
    s.signatures_refused += refused and any(c.startswith("signature.") for c in codes)
    s.signatures_held += not refused and any(
        r.code.startswith("signature.") and r.outcome is Outcome.HOLD for r in f.doc.reasons
    )
    s.scanner_waits += any(rec.step == "scan" and rec.outcome is Outcome.RETRY for rec in f.doc.trail)


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(part: int, whole: int) -> str:
    """'72,7%' (Vietnamese decimal comma); '—' without a whole."""
    r = ratio(part, whole)
    return "—" if r is None else f"{100 * r:.1f}".replace(".", ",") + "%"


def number(n: int) -> str:
    """'12.345' (Vietnamese thousands separator)."""
    return f"{n:,}".replace(",", ".")


def half_year(today: date) -> tuple[date, date]:
    """The half-year containing `today` (Điều 24: reports for January–June and July–December)."""
    if today.month <= 6:
        return date(today.year, 1, 1), date(today.year, 6, 30)
    return date(today.year, 7, 1), date(today.year, 12, 31)


def previous_half_year(start: date) -> tuple[date, date]:
    return half_year(date(start.year - 1, 12, 31) if start.month <= 6 else date(start.year, 6, 30))


def next_half_year(start: date) -> tuple[date, date]:
    return half_year(date(start.year, 7, 1) if start.month <= 6 else date(start.year + 1, 1, 1))


def default_period(today: date) -> tuple[date, date]:
    """The current half-year."""
    return half_year(today)
