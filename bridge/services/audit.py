"""Keyed, hash-chained audit log.

Each entry's hash is an HMAC-SHA256, with a key from configuration (never stored in the database), over the
previous entry's hash and the entry's own content: changing, deleting or reordering any entry breaks every hash
after it, and someone who can write the database but lacks the key cannot recompute the chain. Cutting off the
newest entries leaves a shorter chain that is still whole, so the head (position + hash) is also written outside
the database after every commit (`AuditHead`, a file) and printed on each period report; `verify` compares.

An action and its entry are written in the same transaction: `record_in(uow.audit, …)` inside a unit of work,
`recording(…)` for the access store's own transactions, `record(…)` when the entry is the whole change."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from core.access import AuditEntry

log = logging.getLogger(__name__)
MakeEntry = Callable[[int, str], AuditEntry]


class AuditRepo(Protocol):
    """The chain inside one transaction (storage.access.AuditRepository; `uow.audit`)."""

    async def append(self, make: MakeEntry) -> AuditEntry: ...


class AuditStore(Protocol):
    async def append_audit(self, make: MakeEntry) -> AuditEntry: ...
    async def audit_entries(self, after: int = 0, limit: int = 1000) -> list[AuditEntry]: ...
    async def audit_at(self, seq: int) -> AuditEntry | None: ...
    async def last_audit(self) -> AuditEntry | None: ...


class AuditHead(Protocol):
    """Where the head is kept outside the database (storage.audit_head.AuditHeadFile). Blocking calls."""

    def read(self) -> tuple[int, str] | None: ...
    def advance(self, seq: int, digest: str) -> bool: ...


def content_of(seq: int, at: datetime, actor: str, action: str, target: str, details: dict[str, Any]) -> bytes:
    """Canonical bytes of an entry (sorted keys, UTC microseconds) so the hash is the same on every database."""
    body = {
        "seq": seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "action": action,
        "target": target,
        "details": details,
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def key_id_of(key: bytes) -> str:
    """Names a key without revealing it, so verify can tell 'another key' from 'edited'."""
    return hashlib.sha256(b"edoc-bridge audit key\n" + key).hexdigest()[:16] if key else ""


def chain_hash(prev_hash: str, content: bytes, key: bytes = b"") -> str:
    message = prev_hash.encode("ascii") + b"\n" + content
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()  # entries written before the chain had a key


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    first_bad: int | None = None  # seq of the first entry that does not fit the chain (or is missing)
    problem: str = ""
    keyed: bool = True  # False: no audit key configured, the chain proves nothing against a database writer
    head: tuple[int, str] | None = None  # the head compared against, if any

    @property
    def ok(self) -> bool:
        return self.first_bad is None


class AuditLog:
    def __init__(self, store: AuditStore | None, clock: Any, key: bytes = b"", head: AuditHead | None = None) -> None:
        self._store = store
        self.store = store  # the access store it appends through (users, sessions, tokens share it)
        self._clock = clock
        self._key = key
        self.key_id = key_id_of(key)
        self._head = head

    def _maker(self, actor: str, action: str, target: str, details: dict[str, Any]) -> MakeEntry:
        # Round-trip details through JSON now so what is hashed equals what the database gives back.
        plain = json.loads(json.dumps(details, ensure_ascii=False, default=str))
        at = self._clock.now().astimezone(UTC)
        actor, target = actor[:200], target[:500]  # whatever a client sent, the log stays readable

        def make(seq: int, prev_hash: str) -> AuditEntry:
            digest = chain_hash(prev_hash, content_of(seq, at, actor, action, target, plain), self._key)
            return AuditEntry(seq, at, actor, action, target, plain, prev_hash, digest, self.key_id)

        return make

    async def record(self, actor: str, action: str, target: str = "", **details: Any) -> AuditEntry:
        """An entry that is the whole change (a login, a failed login), in its own transaction."""
        if self._store is None:
            raise RuntimeError("AuditLog without a store: use record_in inside a unit of work")
        return await self._store.append_audit(self._maker(actor, action, target, details))

    async def record_in(self, repo: AuditRepo, actor: str, action: str, target: str = "", **details: Any) -> AuditEntry:
        """An entry in the caller's transaction (`uow.audit`): committed with the action or not at all."""
        return await repo.append(self._maker(actor, action, target, details))

    def recording(self, actor: str, action: str, target: str = "", **details: Any) -> Callable[[Any], Awaitable[Any]]:
        """For the access store's methods that take `audit=`: the entry goes into their transaction."""
        return lambda repo: self.record_in(repo, actor, action, target, **details)

    # --- the head outside the database -------------------------------------------------------------------

    async def committed(self, entries: list[AuditEntry]) -> None:
        """After a commit: move the head written outside the database forward, but only along the chain. If the
        entry the head names is gone or changed, the head stays (the evidence) and the break is logged."""
        if self._head is None or not entries or self._store is None:
            return
        newest = max(entries, key=lambda e: e.seq)
        head = self._head
        previous = await asyncio.to_thread(head.read)
        if previous is not None and previous[0] < newest.seq:
            kept = await self._store.audit_at(previous[0])
            if kept is None or kept.hash != previous[1]:
                log.error("audit head %s no longer matches the database: not moved (run `audit verify`)", previous[0])
                return
        await asyncio.to_thread(head.advance, newest.seq, newest.hash)

    async def current_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest entry in the database: printed on the period report, then compared by
        `edoc-bridge audit verify --head SEQ:HASH`."""
        if self._store is None:
            return None
        last = await self._store.last_audit()
        return (last.seq, last.hash) if last else None

    # --- verification -----------------------------------------------------------------------------------

    async def verify(self, page: int = 1000, head: tuple[int, str] | None = None) -> Verification:
        """Walk the whole chain (sequence without gaps, each prev_hash = the previous hash, each hash recomputed
        with the key), then compare with the head kept outside the database (`head`, else the head file)."""
        if self._store is None:
            raise RuntimeError("AuditLog without a store cannot verify")
        if head is None and self._head is not None:
            try:
                head = await asyncio.to_thread(self._head.read)
            except ValueError as exc:
                return Verification(0, 0, str(exc), bool(self._key))
        keyed = bool(self._key)
        prev_seq, prev_hash, checked, seen_key = 0, "", 0, False
        while batch := await self._store.audit_entries(after=prev_seq, limit=page):
            for e in batch:
                problem = self._problem(e, prev_seq, prev_hash, seen_key)
                if problem:
                    return Verification(checked, e.seq, problem, keyed, head)
                seen_key = seen_key or bool(e.key_id)
                prev_seq, prev_hash, checked = e.seq, e.hash, checked + 1
        if head is not None:
            seq, digest = head
            if seq > prev_seq:
                problem = (
                    f"thiếu các mục mới nhất: nhật ký trong cơ sở dữ liệu dừng ở mục {prev_seq}, "
                    f"đầu chuỗi ghi bên ngoài là mục {seq}"
                )
                return Verification(checked, prev_seq + 1, problem, keyed, head)
            kept = await self._store.audit_at(seq)
            if seq > 0 and (kept is None or kept.hash != digest):
                problem = f"mục {seq} khác với đầu chuỗi ghi bên ngoài cơ sở dữ liệu"
                return Verification(checked, seq, problem, keyed, head)
        return Verification(checked, None, "", keyed, head)

    def _problem(self, e: AuditEntry, prev_seq: int, prev_hash: str, seen_key: bool) -> str:
        if e.seq != prev_seq + 1:
            return f"thiếu mục nhật ký giữa số {prev_seq} và {e.seq}"
        if e.prev_hash != prev_hash:
            return f"mục {e.seq} không nối với mục trước (mã băm trước không khớp)"
        if e.key_id and e.key_id != self.key_id:
            return f"mục {e.seq} được ký bằng một khóa khác khóa đang cấu hình (security.audit_key)"
        if not e.key_id and seen_key:  # unkeyed entries only as the beginning, written before a key was set
            return f"mục {e.seq} không có khóa dù các mục trước đã có: chuỗi đã bị ghi lại"
        key = self._key if e.key_id else b""
        if e.hash != chain_hash(e.prev_hash, content_of(e.seq, e.at, e.actor, e.action, e.target, e.details), key):
            return f"nội dung mục {e.seq} đã bị sửa (mã băm không khớp)"
        return ""
