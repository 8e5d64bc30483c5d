"""Hash-chained audit log: each entry's hash covers the previous entry's hash and the entry's own content,
so changing, deleting or reordering any entry breaks every hash after it (`edoc-bridge audit verify`)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from core.access import AuditEntry


class AuditStore(Protocol):
    async def append_audit(self, make: Any) -> AuditEntry: ...
    async def audit_entries(self, after: int = 0, limit: int = 1000) -> list[AuditEntry]: ...


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


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def expected_hash(e: AuditEntry) -> str:
    return chain_hash(e.prev_hash, content_of(e.seq, e.at, e.actor, e.action, e.target, e.details))


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    first_bad: int | None = None  # seq of the first entry that does not fit the chain
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None


class AuditLog:
    def __init__(self, store: AuditStore, clock: Any) -> None:
        self._store = store
        self._clock = clock

    async def record(self, actor: str, action: str, target: str = "", **details: Any) -> AuditEntry:
        # Round-trip details through JSON now so what is hashed equals what the database gives back.
        plain = json.loads(json.dumps(details, ensure_ascii=False, default=str))
        at = self._clock.now().astimezone(UTC)

        def make(seq: int, prev_hash: str) -> AuditEntry:
            digest = chain_hash(prev_hash, content_of(seq, at, actor, action, target, plain))
            return AuditEntry(seq, at, actor, action, target, plain, prev_hash, digest)

        return await self._store.append_audit(make)

    async def verify(self, page: int = 1000) -> Verification:
        """Walk the whole chain: sequence without gaps, each prev_hash = the previous hash, each hash recomputed."""
        prev_seq, prev_hash, checked = 0, "", 0
        while batch := await self._store.audit_entries(after=prev_seq, limit=page):
            for e in batch:
                problem = _problem(e, prev_seq, prev_hash)
                if problem:
                    return Verification(checked, e.seq, problem)
                prev_seq, prev_hash, checked = e.seq, e.hash, checked + 1
        return Verification(checked)


def _problem(e: AuditEntry, prev_seq: int, prev_hash: str) -> str:
    if e.seq != prev_seq + 1:
        return f"thiếu mục nhật ký giữa số {prev_seq} và {e.seq}"
    if e.prev_hash != prev_hash:
        return f"mục {e.seq} không nối với mục trước (mã băm trước không khớp)"
    if e.hash != expected_hash(e):
        return f"nội dung mục {e.seq} đã bị sửa (mã băm không khớp)"
    return ""
