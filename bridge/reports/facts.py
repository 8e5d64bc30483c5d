"""Load the documents of a period with their statuses, and the per-document facts everything else counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from core.document import Document, ProcessingState
from core.status import StatusCode, StatusHistory
from core.verdict import Outcome
from core.vn_time import VIETNAM

PAGE = 500

FORMS = {
    "signed": "Văn bản điện tử ký số",
    "scanned": "Bản quét (số hóa) từ giấy",
    "unsigned": "Không ký số (để tham khảo)",
    "unknown": "Chưa xác định (chưa có bước kiểm tra chữ ký)",
}


@dataclass(slots=True)
class DocFacts:
    doc: Document
    statuses: dict[str, StatusHistory]

    @property
    def day(self) -> date:
        return self.doc.received_at.astimezone(VIETNAM).date()

    def organs(self) -> set[str]:
        return {str(o) for o in [self.doc.sender, *self.doc.recipients] if o}


async def load_facts(
    uow: Callable[[], Any],
    start: date,
    end: date,
    organ: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DocFacts]:
    """Documents received from `start` to `end` (Vietnam days, inclusive), with every recipient's history."""
    async with uow() as u:
        total = await u.documents.count(organ=organ, date_from=start, date_to=end)
    facts: list[DocFacts] = []
    offset = 0
    while offset < total:
        async with uow() as u:
            docs = await u.documents.search(organ=organ, date_from=start, date_to=end, limit=PAGE, offset=offset)
            statuses = await u.statuses.all_for_many([d.id for d in docs])
            facts += [DocFacts(d, statuses[d.id]) for d in docs]
        if not docs:
            break
        offset += len(docs)
        if progress:
            progress(min(offset, total), total)
    return facts


def form_of(doc: Document) -> str:
    """signed / scanned / unsigned / unknown, from what the pipeline recorded in the trail: a valid signature
    (TOTAL_PASSED) on a PDF ⇒ signed; none, and the main PDF has no text layer ⇒ a scan of paper; otherwise
    unsigned (for reference only). Signatures never checked (no trust roots configured) ⇒ unknown."""
    signatures, completeness = _step_data(doc, "signatures"), _step_data(doc, "completeness")
    if not isinstance(signatures, dict) or signatures.get("checked") is False:
        return "unknown"
    reports = [r for rs in signatures.values() if isinstance(rs, list) for r in rs if isinstance(r, dict)]
    if any(r.get("indication") == "TOTAL_PASSED" for r in reports):
        return "signed"
    files = [f for f in (completeness or {}).values() if isinstance(f, dict)]
    if files and files[0].get("has_text") is False:
        return "scanned"
    return "unsigned"


def _step_data(doc: Document, key: str) -> object:
    """The latest value a pipeline step recorded under `key` (a document retried keeps earlier attempts)."""
    for rec in reversed(doc.trail):
        if rec.data and key in rec.data:
            return rec.data[key]
    return None


def step_durations(doc: Document, prefix: str) -> list[float]:
    """Seconds each step named `prefix…` took: the gap since the previous trail entry."""
    out: list[float] = []
    for before, rec in zip(doc.trail, doc.trail[1:], strict=False):
        if rec.step.startswith(prefix):
            out.append(max((rec.at - before.at).total_seconds(), 0.0))
    return out


def first_at(h: StatusHistory, code: StatusCode) -> datetime | None:
    return next((e.at for e in h.events if e.code is code), None)


def next_working_day_end(at: datetime) -> datetime:
    """NĐ 30 Điều 4.2.c/23.1: register on the day of receipt, at the latest the next working day."""
    day = at.astimezone(VIETNAM).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, VIETNAM)


def is_overdue(h: StatusHistory, due: date | None, now: datetime) -> bool:
    """Not accepted or refused by the end of the next working day, or past its handling deadline unfinished."""
    arrived = first_at(h, StatusCode.ARRIVED)
    answered = first_at(h, StatusCode.ACCEPTED) or first_at(h, StatusCode.REJECTED)
    if arrived and (answered or now) > next_working_day_end(arrived):
        return True
    done = first_at(h, StatusCode.DONE)
    if due is not None and answered and first_at(h, StatusCode.REJECTED) is None:
        deadline = datetime.combine(due + timedelta(days=1), time.min, VIETNAM)
        return (done or now) > deadline
    return False


def acceptance_hours(h: StatusHistory) -> float | None:
    arrived, accepted = first_at(h, StatusCode.ARRIVED), first_at(h, StatusCode.ACCEPTED)
    if arrived and accepted:
        return max((accepted - arrived).total_seconds() / 3600, 0.0)
    return None


def rejection_reasons(f: DocFacts) -> list[str]:
    """The bridge's own refusal reasons, and each recipient's reason for status 02."""
    out: list[str] = []
    if f.doc.state is ProcessingState.REJECTED:
        out += [r.message for r in f.doc.reasons if r.outcome is Outcome.REJECT] or ["Bị từ chối (không rõ lý do)"]
    for h in f.statuses.values():
        out += [
            f"Nơi nhận từ chối: {e.description or 'không ghi lý do'}" for e in h.events if e.code is StatusCode.REJECTED
        ]
    return out
