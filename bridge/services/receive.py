"""Receive: store the raw message and its pipeline job in one transaction, before acknowledging."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from bridge.services.deps import Deps
from bridge.services.jobs import PIPELINE as PIPELINE_JOB
from core.inbound import Channel
from core.records import InboundRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stored:
    id: str
    duplicate: bool


def header_block(raw: bytes, limit: int = 65536) -> bytes:
    """The header section (up to its empty line), not the body: parsing 70 KB to read one header costs 10×."""
    head = raw[:limit]
    ends = [i for i in (head.find(b"\n\n"), head.find(b"\n\r\n")) if i >= 0]
    return head[: min(ends) + 1] if ends else head


def message_id_of(raw: bytes) -> str:
    try:
        value = BytesHeaderParser(policy=compat32).parsebytes(header_block(raw)).get("Message-ID", "")
        return str(value).strip().strip("<>")[:300]
    except Exception:  # a broken header block must not stop storage
        return ""


def within_limit(raw: bytes, max_size: int) -> bytes:
    """The message, or only its header block when it is larger than `max_size` (IMAP cannot refuse it the way
    SMTP answers 552: it is recorded and refused by the pipeline instead, see `oversized`)."""
    return raw if len(raw) <= max_size else header_block(raw)


def oversized(record: InboundRecord, raw: bytes) -> bool:
    """Only the header block of this message was kept: it was over the size limit."""
    return record.size > len(raw)


def smtp_source_ref(raw: bytes, sha256: str) -> str:
    """Same Message-ID and same bytes = the same submission (a client retrying after a lost 250)."""
    return f"smtp:{message_id_of(raw)}:{sha256}"


async def store_raw(
    deps: Deps,
    raw: bytes,
    *,
    channel: Channel,
    source_ref: str | None = None,
    envelope_from: str = "",
    peer_ip: str = "",
    recipients: tuple[str, ...] = (),
    mailbox: str | None = None,
    uidvalidity: int | None = None,
    uid: int | None = None,
    writer: IntakeWriter | None = None,
    size: int | None = None,
) -> Stored:
    """Durably store one inbound item and queue its pipeline job. Idempotent on `source_ref`, and for IMAP and
    axis items on their content too. With `writer`, the row is committed together with those of concurrent
    calls (one transaction). `size`: the message's real size when `raw` is only what was kept of it."""
    sha = hashlib.sha256(raw).hexdigest()
    record = InboundRecord(
        id=uuid.uuid4().hex,
        channel=channel,
        source_ref=source_ref or smtp_source_ref(raw, sha),
        raw_sha256=sha,
        size=max(size or 0, len(raw)),
        received_at=deps.clock.now(),
        envelope_from=envelope_from,
        peer_ip=peer_ip,
        recipients=tuple(recipients),
        mailbox=mailbox or "",
        uidvalidity=uidvalidity,
        uid=uid,
    )
    if writer is not None:
        return await writer.write(record, raw)
    async with deps.uow() as uow:
        stored = await _add(uow, record, raw)
        await uow.commit()
    return stored


async def load_raw(deps: Deps, record: InboundRecord) -> bytes:
    """The stored message. The accept path keeps the bytes in the inbound row (committed with it, one fsync
    for a group of mails); the first reader moves them to the content-addressed blob store, off that path."""
    async with deps.uow() as uow:
        raw = await uow.inbound.raw(record.id)
    if raw is None:
        return await deps.blobs.get(record.raw_sha256)
    await deps.blobs.put(raw)
    async with deps.uow() as uow:
        await uow.inbound.release_raw(record.id)
        await uow.commit()
    return raw


async def _add(uow, record: InboundRecord, raw: bytes) -> Stored:  # type: ignore[no-untyped-def]
    if (same := await uow.inbound.same_content(record)) is not None:
        return Stored(same.id, duplicate=True)  # the same bytes from the same place under another key
    if not await uow.inbound.add(record, raw):
        existing = await uow.inbound.by_source(record.source_ref)
        return Stored(existing.id if existing else "", duplicate=True)
    await uow.outbox.enqueue(PIPELINE_JOB, {"inbound_id": record.id}, f"pipeline:{record.id}")
    return Stored(record.id, duplicate=False)


async def _add_many(uow, items: list[tuple[InboundRecord, bytes]]) -> list[Stored]:  # type: ignore[no-untyped-def]
    """`_add` for a group: two statements whatever the group's size (plus one content lookup per IMAP or axis
    item); duplicates are looked up one by one."""
    same = {r.id: found for r, _ in items if (found := await uow.inbound.same_content(r)) is not None}
    written = await uow.inbound.add_many([(r, raw) for r, raw in items if r.id not in same])
    jobs = [(PIPELINE_JOB, {"inbound_id": r.id}, f"pipeline:{r.id}") for r, _ in items if r.id in written]
    await uow.outbox.enqueue_many(jobs)
    results = []
    for record, _ in items:
        if record.id in same:
            results.append(Stored(same[record.id].id, duplicate=True))
        elif record.id in written:
            results.append(Stored(record.id, duplicate=False))
        else:
            existing = await uow.inbound.by_source(record.source_ref)
            results.append(Stored(existing.id if existing else "", duplicate=True))
    return results


class IntakeWriter:
    """Group commit for the accept path: rows arriving while a transaction is open are written together in
    the next one, so N concurrent SMTP sessions cost one write lock and one fsync instead of N (on SQLite
    writers otherwise queue in SQLite's busy handler, which sleeps 1–100 ms between tries). Each caller is
    answered only after the transaction holding its row committed; if a shared transaction fails, its rows
    are retried one per transaction so one bad row cannot fail the others. No added delay: a lone row is
    written at once. The writing runs in its own task, so a caller that goes away stops nobody else."""

    def __init__(self, deps: Deps, max_batch: int = 64, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.deps, self.max_batch = deps, max_batch
        self._waiting: list[tuple[InboundRecord, bytes, asyncio.Future[Stored]]] = []
        self._task: asyncio.Task[None] | None = None
        self._monotonic = monotonic  # a seconds counter, not the time of day (tests pass their own)
        self.last_write = float("-inf")  # monotonic() of the latest row offered

    def busy(self, within: float) -> bool:
        """Mail arrived in the last `within` seconds."""
        return self._monotonic() - self.last_write < within

    async def write(self, record: InboundRecord, raw: bytes) -> Stored:
        self.last_write = self._monotonic()
        done: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        self._waiting.append((record, raw, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        try:
            return await done
        finally:
            self.last_write = self._monotonic()  # its client is answered now: arrivals count until then

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
            try:
                results = await self._commit([(record, raw) for record, raw, _ in batch])
            except Exception as exc:
                if len(batch) == 1:
                    _settle(batch[0][2], exc)
                    continue
                log.warning("storing %d messages in one transaction failed (%s); one by one", len(batch), exc)
                for record, raw, done in batch:
                    try:
                        _settle(done, (await self._commit([(record, raw)]))[0])
                    except Exception as one:
                        _settle(done, one)
                continue
            for (_, _, done), stored in zip(batch, results, strict=True):
                _settle(done, stored)

    async def _commit(self, items: list[tuple[InboundRecord, bytes]]) -> list[Stored]:
        async with self.deps.uow() as uow:
            results = await _add_many(uow, items)
            await uow.commit()
        return results


INTAKE_QUIET = 0.05  # seconds without a new mail that count as a pause in arrivals


async def give_way(
    writer: IntakeWriter | None,
    limit: float,
    *,
    quiet: float = INTAKE_QUIET,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> int:
    """Wait for a pause in arrivals (`quiet` seconds without mail), at most about `limit` seconds; the number
    of `quiet` naps taken (0: nothing was arriving)."""
    if writer is None or limit <= 0:
        return 0
    naps = 0
    while naps < max(1, round(limit / quiet)) and writer.busy(quiet):
        await sleep(quiet)
        naps += 1
    return naps


def _settle(done: asyncio.Future[Stored], outcome: Stored | BaseException) -> None:
    if done.done():  # the caller was cancelled: its row is stored all the same (a retry finds it)
        return
    if isinstance(outcome, BaseException):
        done.set_exception(outcome)
    else:
        done.set_result(outcome)
