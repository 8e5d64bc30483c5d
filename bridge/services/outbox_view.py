"""What an outbox job is about, in words a person reads: the dead-letter rows and the delivery alerts of the
dashboard name the document, its sender and recipients, when the trouble began and the last error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.services import jobs
from core.document import Document
from core.records import OutboxJob, OutboxState
from core.vn_time import format_time

KIND_LABELS = {
    jobs.RELAY: "Chuyển văn bản lên trục liên thông",
    jobs.RECEIPT: "Thông báo cho nơi gửi",
    jobs.STATUS_OUT: "Gói trạng thái gửi nơi gửi",
    "agency_mail": "Thư gửi cơ quan",
    jobs.NOTIFY: "Tin nhắn chatbot",
    jobs.PIPELINE: "Kiểm tra thư, gói tin đến",
}


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    label: str  # what kind of work, in Vietnamese
    about: str  # the document and who it goes between ("" when the job names none)
    document_id: str
    sender: str  # the document's sending organ ("" when none)
    failing_since: datetime | None
    last_error: str
    dead: bool


async def describe(uow: Callable[[], Any], found: Sequence[OutboxJob]) -> list[JobView]:
    """One view per job, in the given order (one short read transaction)."""
    async with uow() as u:
        docs = await u.documents.get_many({j.payload["document_id"] for j in found if j.payload.get("document_id")})
        names = {str(a.organ_id): a.name for a in await u.agencies.list()}
    return [_view(j, docs.get(j.payload.get("document_id", "")), names) for j in found]


def _view(job: OutboxJob, doc: Document | None, names: dict[str, str]) -> JobView:
    about = _about(doc, names) if doc is not None else _other(job)
    return JobView(
        id=job.id,
        kind=job.kind,
        label=KIND_LABELS.get(job.kind, job.kind),
        about=about,
        document_id=doc.id if doc else "",
        sender=str(doc.sender) if doc and doc.sender else "",
        failing_since=job.first_failed_at,
        last_error=job.last_error,
        dead=job.state is OutboxState.DEAD,
    )


def _about(doc: Document, names: dict[str, str]) -> str:
    sender = names.get(str(doc.sender), str(doc.sender or "(không rõ)"))
    to = "; ".join(names.get(str(o), str(o)) for o in doc.recipients) or "(chưa có nơi nhận)"
    return f"Văn bản số {doc.display_code} «{doc.subject[:80]}» của {sender} gửi {to}"


def _other(job: OutboxJob) -> str:
    p = job.payload
    if job.kind == "agency_mail":
        return f"Thư tới {p.get('to', '')}: {p.get('subject', '')}"
    if job.kind == jobs.NOTIFY and p.get("chat_id"):
        return f"Tin nhắn tới cuộc trò chuyện {p['chat_id']}"
    return ""


def alert_lines(views: Sequence[JobView], scope: str | None = None) -> list[str]:
    """The dashboard's alerts: every relay not delivered (from its first failure on), dead letters of other kinds,
    and one line per other kind still being retried; `scope` (an agency) keeps its own documents only."""
    lines: list[str] = []
    retrying: dict[str, list[JobView]] = {}
    for v in views:
        if scope is not None and v.sender != scope:
            continue
        if v.kind == jobs.RELAY:
            since = f" từ {format_time(v.failing_since)}" if v.failing_since else ""
            state = (
                "KHÔNG chuyển được, đã ngừng thử: cần đưa lại vào hàng đợi" if v.dead else f"chưa chuyển được{since}"
            )
            lines.append(f"{v.about or 'Văn bản'}: {state}. Lỗi gần nhất: {v.last_error or '(không rõ)'}")
        elif v.dead:
            lines.append(f"{v.label} không gửi được (việc #{v.id}) {v.about}: {v.last_error or '(không rõ)'}")
        else:
            retrying.setdefault(v.label, []).append(v)
    for label, group in retrying.items():
        first = min((v.failing_since for v in group if v.failing_since), default=None)
        since = f" từ {format_time(first)}" if first else ""
        last = group[-1].last_error or "(không rõ)"
        lines.append(f"{label}: {len(group)} việc chưa gửi được{since}, đang thử lại. Lỗi gần nhất: {last}")
    return lines
