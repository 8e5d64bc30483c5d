"""Chat notifications of documents registered for a served agency: fan-out, delivery through the outbox,
escalation by mail of urgent items nobody acknowledged, and the morning/afternoon digest.

Every chat message goes through an outbox job of kind `notify`, so Telegram rate limits (429 retry_after)
and outages are retried, never lost; a notice's state (queued, sent, failed, acknowledged) is its trail."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.services.officials import repo
from bridge.services.register_numbers import arrival_number
from core.document import Document, ProcessingState
from core.officials import Notice, NoticeState, Official, Role
from core.ports import MailRefused, MailUnavailable, OutgoingMail
from core.records import OutboxJob
from core.status import StatusCode, StatusEvent
from core.vn_time import format_date, format_time, to_vietnam

log = logging.getLogger(__name__)
NOTIFY = jobs.NOTIFY
NOTIFIED_ROLES = (Role.CLERK, Role.LEADER, Role.MONITOR)  # a specialist hears of a document once assigned
AUTOMATIC_ACTORS = frozenset({"", "edoc-bridge", "system"})
Button = tuple[str, str]


# --- texts ---------------------------------------------------------------------------------------------------


def summary(
    doc: Document,
    sender_name: str,
    status: StatusCode | None,
    note: str = "",
    *,
    arrival: str = "",
    last: StatusEvent | None = None,
) -> str:
    """The notice as every official of the agency sees it now: the số đến to write on the document, and the
    current status with who set it and when (all copies are edited to this when the status changes)."""
    due = format_date(doc.due_date) if doc.due_date else "Không ghi"
    state = status.label if status else "Chưa có"
    if last is not None and last.code is status and last.actor and last.actor not in AUTOMATIC_ACTORS:
        state += f" ({actor_label(last.actor, sender_name)}, {format_time(last.at)})"
    if status is StatusCode.RECALL_REQUESTED and last is not None and last.description:
        state += f" — lý do: {last.description}"
    lines = [
        f"📄 Văn bản đến{' — ' + doc.urgency.stamp if doc.urgency.is_urgent else ''}",
        *([f"Số đến: {arrival}"] if arrival else []),
        f"Số/ký hiệu: {doc.display_code}" + (f" ngày {format_date(doc.issued_date)}" if doc.issued_date else ""),
        f"Loại: {doc.type_name or 'Không ghi'}",
        f"Trích yếu: {doc.subject or 'Không ghi'}",
        f"Nơi gửi: {sender_name}",
        f"Độ khẩn: {doc.urgency.label}",
        f"Hạn xử lý: {due}",
        f"Trạng thái: {state}",
    ]
    if note:
        lines.append(note)
    return "\n".join(lines)


def actor_label(actor: str, sender_name: str) -> str:
    """Who set a status, for people: the sending agency's name for what came over the axis."""
    return sender_name if actor.startswith("axis:") else actor


def buttons(role: Role, notice_id: int, status: StatusCode | None) -> list[Button]:
    """What this role can do now; a pressed button of an earlier state is answered as stale."""
    n = f"n:{notice_id}"
    view = ("Xem tệp", f"{n}:file")
    match role, status:
        case Role.CLERK, StatusCode.ARRIVED:
            return [("Tiếp nhận", f"{n}:acc"), ("Từ chối", f"{n}:rej"), view]
        case Role.LEADER, StatusCode.ACCEPTED | StatusCode.ASSIGNED:
            return [("Phân công", f"{n}:asg"), view]
        case Role.SPECIALIST, StatusCode.ASSIGNED:
            return [("Đang xử lý", f"{n}:prc"), ("Hoàn thành", f"{n}:done"), view]
        case Role.SPECIALIST, StatusCode.PROCESSING:
            return [("Hoàn thành", f"{n}:done"), view]
        case Role.CLERK | Role.LEADER, StatusCode.RECALL_REQUESTED:
            return [("Đồng ý thu hồi", f"{n}:ragr"), ("Không đồng ý", f"{n}:rref"), view]
    return [view]


# --- fan-out when a document is registered for an agency ----------------------------------------------------


async def notify_registered(uow, deps: Deps, document_id: str, organ_id: str) -> int:  # type: ignore[no-untyped-def]
    """Inside the registering transaction (or the sweep's): one queued notice + `notify` job per linked
    official of the agency. Idempotent per (document, agency). Returns the number of notices queued."""
    r = repo(uow, deps)
    if not await r.mark_fanned(document_id, organ_id):
        return 0
    queued = 0
    for official in await r.of_agency(organ_id, NOTIFIED_ROLES):
        queued += await queue_notice(uow, deps, document_id, organ_id, official)
    return queued


async def queue_notice(uow, deps: Deps, document_id: str, organ_id: str, official: Official) -> int:  # type: ignore[no-untyped-def]
    notice_id = await repo(uow, deps).add_notice(document_id, organ_id, official.id)
    if notice_id is None:
        return 0
    await uow.outbox.enqueue(NOTIFY, {"notice_id": notice_id}, f"notify:notice:{notice_id}")
    return 1


async def sweep_registrations(deps: Deps, lookback: timedelta = timedelta(days=2)) -> int:
    """Find sổ đến entries whose officials were not notified yet and queue their notices (safety net for
    registrations that did not call notify_registered; several processes may sweep at once)."""
    async with deps.uow() as uow:
        pending = await repo(uow, deps).unfanned(deps.clock.now() - lookback)
        if not pending:
            return 0
        queued = 0
        for document_id, organ_id in pending:  # one transaction: one commit for a burst of registrations
            queued += await notify_registered(uow, deps, document_id, organ_id)
        await uow.commit()
    return queued


# --- delivery (outbox job `notify`) --------------------------------------------------------------------------


async def handle_notify(deps: Deps, job: OutboxJob) -> None:
    p = job.payload
    if "notice_id" in p:
        await _send_notice(deps, job, int(p["notice_id"]))
    elif "refresh" in p:
        await _refresh_notice(deps, job, int(p["refresh"]), bool(p.get("renotify")))
    elif "escalate" in p:
        await _send_escalation(deps, job, p["escalate"], p["organ"])
    else:
        await _send_text(deps, job, str(p["chat_id"]), str(p["text"]), list(map(tuple, p.get("buttons", []))))


async def current_status(uow, doc_id: str, organ_id: str) -> StatusCode | None:  # type: ignore[no-untyped-def]
    return (await uow.statuses.history(doc_id, organ_id)).current


async def notice_view(uow, deps: Deps, notice_id: int) -> tuple[Official, str, list[Button]] | None:  # type: ignore[no-untyped-def]
    """The official, text and buttons of a notice as it should look now."""
    r = repo(uow, deps)
    notice = await r.notice(notice_id)
    official = await r.get(notice.official_id) if notice else None
    doc = await uow.documents.get(notice.document_id) if notice else None
    if notice is None or official is None or doc is None:
        return None
    history = await uow.statuses.history(doc.id, notice.organ_id)
    sender = await uow.agencies.get(doc.sender) if doc.sender else None
    arrival = await arrival_number(uow, doc.id, notice.organ_id)
    last = next((e for e in reversed(history.events) if e.code is history.current), None)
    name = sender.name if sender else str(doc.sender or "Không rõ")
    recalled = doc.state is ProcessingState.RECALLED
    note = "⛔ Cơ quan gửi đã thu hồi hoặc thay thế văn bản này: dừng xử lý." if recalled else ""
    text = summary(doc, name, history.current, note, arrival=arrival, last=last)
    return official, text, buttons(official.role, notice_id, history.current)


async def _send_notice(deps: Deps, job: OutboxJob, notice_id: int) -> None:
    async with deps.uow() as uow:
        view = await notice_view(uow, deps, notice_id)
        notice = await repo(uow, deps).notice(notice_id) if view else None
    if view is None or notice is None or not view[0].chat_id:
        await _complete(deps, job)  # gone or unlinked: nothing to say (handled documents still show their state)
        return
    official, text, keys = view
    assert official.chat_id is not None
    try:  # the job's key: a re-send (the message went out, recording it did not) edits instead of repeating
        message_id = await _notifier(deps).notify(official.chat_id, text, keys, key=job.idempotency_key)
    except Exception as exc:
        await _failed(deps, job, exc, notice_id)
        return
    async with deps.uow() as uow:
        await repo(uow, deps).sent(notice_id, official.chat_id, str(message_id))
        await uow.outbox.complete(job.id)
        await uow.commit()


async def queue_refresh(uow, deps: Deps, doc_id: str, organ: str, *, renotify: bool = False) -> int:  # type: ignore[no-untyped-def]
    """The state of (doc, organ) changed, by whoever and whatever channel: every official's copy is edited to it
    (inside the changing transaction; one job per notice and status version). `renotify`: a new message too
    (a recall, which needs an answer and must not go unseen in an edited old message)."""
    version = len((await uow.statuses.history(doc_id, organ)).events)
    queued = 0
    for notice in await repo(uow, deps).notices_for(doc_id, organ):
        payload = {"refresh": notice.id, "renotify": renotify}
        queued += bool(await uow.outbox.enqueue(NOTIFY, payload, f"notify:refresh:{notice.id}:{version}"))
    return queued


async def _refresh_notice(deps: Deps, job: OutboxJob, notice_id: int, renotify: bool) -> None:
    async with deps.uow() as uow:
        view = await notice_view(uow, deps, notice_id)
        notice = await repo(uow, deps).notice(notice_id)
    if view is not None and notice is not None and not notice.message_id and await _send_in_flight(deps, job, notice):
        return  # the first send may have drawn the old state: edit once it is recorded
    if view is None or notice is None or not notice.message_id or not notice.chat_id:
        await _complete(deps, job)  # not sent yet: it will be sent as it is now
        return
    _, text, keys = view
    try:
        if renotify:  # the old message keeps the state, the buttons move to a new one that is seen
            await _notifier(deps).edit(notice.chat_id, notice.message_id, f"{text}\n\n⤵️ Xem tin nhắn mới bên dưới.")
            message_id = await _notifier(deps).notify(notice.chat_id, text, keys, key=job.idempotency_key)  # once
        else:
            await _notifier(deps).edit(notice.chat_id, notice.message_id, text, keys)
    except Exception as exc:
        await _failed(deps, job, exc, None)
        return
    async with deps.uow() as uow:
        if renotify:
            await repo(uow, deps).sent(notice_id, notice.chat_id, str(message_id))
        await uow.outbox.complete(job.id)
        await uow.commit()


REFRESH_WAITS = 30  # one second each: longer than a send takes; after that the notice's send draws the new state


async def _send_in_flight(deps: Deps, job: OutboxJob, notice: Notice) -> bool:
    """The notice is queued or being retried and may be on its way right now, drawn before this change: the
    refresh waits (not a failure, not an attempt) for its message id, at most REFRESH_WAITS seconds."""
    waits = int(job.payload.get("waits", 0))
    if notice.state not in (NoticeState.QUEUED, NoticeState.FAILED) or waits >= REFRESH_WAITS:
        return False
    async with deps.uow() as uow:
        payload = {**job.payload, "waits": waits + 1}
        await uow.outbox.wait(job.id, "chờ thông báo gốc gửi xong", deps.clock.now() + timedelta(seconds=1), payload)
        await uow.commit()
    return True


async def _send_text(deps: Deps, job: OutboxJob, chat_id: str, text: str, keys: Sequence[Button]) -> None:
    try:
        await _notifier(deps).notify(chat_id, text, keys, key=job.idempotency_key)
    except Exception as exc:
        await _failed(deps, job, exc, None)
        return
    await _complete(deps, job)


def _notifier(deps: Deps):  # type: ignore[no-untyped-def]
    if deps.notifier is None:
        raise jobs.RetryLater("chatbot chưa sẵn sàng")
    return deps.notifier


async def _failed(deps: Deps, job: OutboxJob, exc: Exception, notice_id: int | None) -> None:
    """Never bury a notification for a temporary failure: reschedule it ourselves (429 retry_after honoured,
    else exponential backoff capped at 5 min). A permanent refusal (bot blocked, chat gone) is recorded."""
    error = f"{type(exc).__name__}: {exc}"
    permanent = bool(getattr(exc, "permanent", False))
    retry_after = float(getattr(exc, "retry_after", 0) or 0)
    delay = max(retry_after, min(300.0, 0.5 * 2 ** min(job.attempts, 10)))
    log.warning("notification job %s failed (%s), %s", job.id, error, "gave up" if permanent else f"retry {delay}s")
    async with deps.uow() as uow:
        if notice_id is not None:
            await repo(uow, deps).failed(notice_id, error)
        if permanent:
            await uow.outbox.bury(job.id, error)
        else:
            await uow.outbox.retry_later(job.id, error, deps.clock.now() + timedelta(seconds=delay))
        await uow.commit()


async def _complete(deps: Deps, job: OutboxJob) -> None:
    async with deps.uow() as uow:
        await uow.outbox.complete(job.id)
        await uow.commit()


async def send_chat(uow, chat_id: str, text: str, key: str) -> bool:  # type: ignore[no-untyped-def]
    """Queue a plain chat message (inside the caller's unit of work)."""
    return bool(await uow.outbox.enqueue(NOTIFY, {"chat_id": chat_id, "text": text}, f"notify:{key}"))


# --- escalation by mail -------------------------------------------------------------------------------------


async def sweep_escalations(deps: Deps, after: timedelta) -> int:
    """Urgent documents whose notices are still unacknowledged (or undelivered) `after` registration."""
    async with deps.uow() as uow:
        r = repo(uow, deps)
        due = await r.due_escalations(deps.clock.now() - after)
        for doc_id, organ in due:
            await r.mark_escalated(doc_id, organ)
            await uow.outbox.enqueue(NOTIFY, {"escalate": doc_id, "organ": organ}, f"notify:escalate:{doc_id}:{organ}")
        await uow.commit()
    return len(due)


async def _send_escalation(deps: Deps, job: OutboxJob, doc_id: str, organ: str) -> None:
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        agency = await uow.agencies.get(organ)
        people = await repo(uow, deps).of_agency(organ, (Role.CLERK, Role.LEADER))
        notices = await repo(uow, deps).notices_for(doc_id, organ)
        status = await current_status(uow, doc_id, organ)
        sender = await uow.agencies.get(doc.sender) if doc and doc.sender else None
    to = sorted({*(agency.emails[:1] if agency else ()), *(p.email for p in people if p.email)})
    if doc is None or not to or status not in (None, StatusCode.ARRIVED):
        await _complete(deps, job)  # handled meanwhile, or nobody to write to
        return
    states = ", ".join(sorted({n.state.value for n in notices})) or "chưa gửi"
    async with deps.uow() as uow:
        arrival = await arrival_number(uow, doc_id, organ)
    body = (
        summary(doc, sender.name if sender else "Không rõ", status, arrival=arrival)
        + f"\n\nVăn bản {doc.urgency.label.lower()} này chưa được tiếp nhận trên chatbot (thông báo: {states}).\n"
        "Đề nghị văn thư kiểm tra và xử lý ngay."
    )
    mail = OutgoingMail(
        to=to,
        subject=f"[{doc.urgency.stamp}] Văn bản đến chưa tiếp nhận: {doc.display_code}",
        body=body,
        key=job.idempotency_key,  # a re-send after a crash is the same mail: same Message-ID and Date
        date=job.created_at,
    )
    try:
        await deps.mail.send(mail)
    except MailUnavailable as exc:
        raise jobs.RetryLater(f"Máy chủ thư không sẵn sàng: {exc}") from exc
    except MailRefused as exc:
        raise jobs.GiveUp(f"Máy chủ thư từ chối thư nhắc: {exc}") from exc
    await _complete(deps, job)


# --- queries and digest -------------------------------------------------------------------------------------


async def pending_for(deps: Deps, official: Official) -> list[tuple[Document, StatusCode | None]]:
    """Documents of the official's agency waiting for their role, oldest first."""
    out = []
    async with deps.uow() as uow:
        for notice in reversed(await repo(uow, deps).notices_of(official.id)):
            status = await current_status(uow, notice.document_id, notice.organ_id)
            if status in official.role.waits_for and (doc := await uow.documents.get(notice.document_id)):
                out.append((doc, status))
    return out


def pending_text(items: list[tuple[Document, StatusCode | None]], today: date, title: str) -> str:
    if not items:
        return f"{title}\nKhông có văn bản nào đang chờ."
    overdue = [d for d, _ in items if d.due_date and d.due_date < today]
    lines = [f"{title} ({len(items)} văn bản, {len(overdue)} quá hạn)"]
    for i, (doc, status) in enumerate(items, 1):
        late = " ⚠️ QUÁ HẠN" if doc in overdue else ""
        due = f", hạn {format_date(doc.due_date)}" if doc.due_date else ""
        label = status.label if status else "Chưa có"
        lines.append(f"{i}. {doc.display_code} — {doc.subject[:80]} ({label}{due}){late}")
    return "\n".join(lines)


async def queue_digest(deps: Deps, slot: str) -> int:
    """Morning/afternoon digest to every linked clerk and leader (once per official, day and slot)."""
    now = to_vietnam(deps.clock.now())
    async with deps.uow() as uow:
        people = [o for o in await repo(uow, deps).linked() if o.role in (Role.CLERK, Role.LEADER, Role.SPECIALIST)]
    queued = 0
    for official in people:
        items = await pending_for(deps, official)
        title = f"🗓 Tổng hợp {'buổi sáng' if now.hour < 12 else 'buổi chiều'} {format_date(now)}"
        text = pending_text(items, now.date(), title)
        async with deps.uow() as uow:
            assert official.chat_id is not None
            queued += await send_chat(uow, official.chat_id, text, f"digest:{official.id}:{now:%Y-%m-%d}:{slot}")
            await uow.commit()
    return queued


def next_slot(now: datetime, times: Sequence[str]) -> tuple[datetime, str]:
    """The next digest time ('07:30', '13:30' Vietnam time) after `now`."""
    local = to_vietnam(now)
    candidates = []
    for t in times:
        h, m = (int(x) for x in t.split(":"))
        at = local.replace(hour=h, minute=m, second=0, microsecond=0)
        candidates.append((at if at > local else at + timedelta(days=1), t))
    return min(candidates)
