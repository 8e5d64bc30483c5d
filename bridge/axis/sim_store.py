"""The axis simulator's packet store: memory first, optionally mirrored to a directory so a restart keeps it.

Layout of `data_dir`: `blobs/<sha256>` (each body once) and `index.json` (deliveries and send counters),
always replaced atomically.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from bridge.axis.signing import VIETNAM_TIME

INITIAL = "initial"
DELIVERY_STATUSES = frozenset({INITIAL, "processing", "done", "fail"})


def _now() -> str:
    return datetime.now(VIETNAM_TIME).strftime("%Y/%m/%d %H:%M:%S")


@dataclass(slots=True)
class SimPacket:
    """One delivery: a packet addressed to one recipient organ (a send to n organs makes n deliveries)."""

    doc_id: str  # the receiver's docId
    send_id: str  # the sender's DocId, shared by every delivery of one sendEdoc
    sender_system: str  # "" when injected by a test
    from_code: str
    to_code: str
    message_type: str  # "edoc" | "status"
    sha256: str
    size: int
    status: str = INITIAL
    title: str = ""  # what getSentEdocList reports (from the packet's Subject and Code)
    notation: str = ""
    created_time: str = field(default_factory=_now)
    updated_time: str = field(default_factory=_now)
    body: bytes = field(default=b"", repr=False)

    def to_json(self, *, with_body: bool = True) -> dict[str, Any]:
        record = asdict(self)
        body = record.pop("body")
        if with_body:
            record["body_b64"] = base64.b64encode(body).decode("ascii")
        return record


_INDEX_FIELDS = tuple(f.name for f in fields(SimPacket) if f.name != "body")


class PacketStore:
    def __init__(self, data_dir: str | os.PathLike[str] | None = None) -> None:
        self._dir = Path(data_dir) if data_dir is not None else None
        self._packets: dict[str, SimPacket] = {}
        self.sends: Counter[str] = Counter()  # accepted sendEdoc calls per body sha256
        self._lock = asyncio.Lock()

    def all(self) -> list[SimPacket]:
        return list(self._packets.values())

    def get(self, doc_id: str) -> SimPacket | None:
        return self._packets.get(doc_id)

    async def add(
        self,
        body: bytes,
        *,
        sender_system: str,
        from_code: str,
        recipients: Iterable[str],
        message_type: str,
        title: str = "",
        notation: str = "",
        doc_ids: Sequence[str] = (),
    ) -> tuple[str, list[SimPacket]]:
        """`doc_ids`: the receivers' docIds, one per recipient (a test replaying recorded calls); else new UUIDs."""
        recipients = tuple(recipients)
        if doc_ids and (len(doc_ids) != len(recipients) or any(d in self._packets for d in doc_ids)):
            raise ValueError("doc_ids must be new and one per recipient")
        ids = list(doc_ids) or [str(uuid.uuid4()) for _ in recipients]
        sha = hashlib.sha256(body).hexdigest()
        if sender_system and (earlier := self._sent_before(sha, sender_system)) is not None:
            # like a careful axis: the very same packet sent again (a retry after a lost answer) is not
            # delivered twice; the sender gets the original DocId (still counted in `sends`, so tests see it)
            self.sends[sha] += 1
            await self._save()
            return earlier.send_id, []
        send_id = str(uuid.uuid4())
        added = [
            SimPacket(
                doc_id=doc_id,
                send_id=send_id,
                sender_system=sender_system,
                from_code=from_code,
                to_code=organ,
                message_type=message_type,
                sha256=sha,
                size=len(body),
                title=title,
                notation=notation,
                body=body,
            )
            for organ, doc_id in zip(recipients, ids, strict=True)
        ]
        for packet in added:
            self._packets[packet.doc_id] = packet
        if sender_system:
            self.sends[sha] += 1
        await self._save(new_blob=body)
        return send_id, added

    def _sent_before(self, sha: str, sender_system: str) -> SimPacket | None:
        return next((p for p in self._packets.values() if p.sha256 == sha and p.sender_system == sender_system), None)

    async def mark(self, doc_id: str, status: str) -> None:
        if status not in DELIVERY_STATUSES:
            raise ValueError(f"unknown delivery status {status!r}")
        packet = self._packets[doc_id]
        packet.status, packet.updated_time = status, _now()
        await self._save()

    async def clear(self) -> None:
        self._packets.clear()
        self.sends.clear()
        await self._save()

    async def load(self) -> None:
        if self._dir is not None:
            self._packets, self.sends = await asyncio.to_thread(_read, self._dir)

    async def _save(self, new_blob: bytes | None = None) -> None:
        if self._dir is None:
            return
        async with self._lock:  # snapshot inside the lock: the last write always holds the latest state
            index = {
                "packets": [{k: getattr(p, k) for k in _INDEX_FIELDS} for p in self._packets.values()],
                "sends": dict(self.sends),
            }
            await asyncio.to_thread(_write, self._dir, json.dumps(index, ensure_ascii=False), new_blob)


def _write(data_dir: Path, index: str, new_blob: bytes | None) -> None:
    blobs = data_dir / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    if new_blob is not None:
        target = blobs / hashlib.sha256(new_blob).hexdigest()
        if not target.exists():
            _replace(target, new_blob)
    _replace(data_dir / "index.json", index.encode("utf-8"))


def _replace(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)


def _read(data_dir: Path) -> tuple[dict[str, SimPacket], Counter[str]]:
    index_path = data_dir / "index.json"
    if not index_path.exists():
        return {}, Counter()
    index = json.loads(index_path.read_text("utf-8"))
    packets: dict[str, SimPacket] = {}
    bodies: dict[str, bytes] = {}
    for record in index.get("packets", []):
        sha = record["sha256"]
        body = bodies.get(sha) or bodies.setdefault(sha, (data_dir / "blobs" / sha).read_bytes())
        known = {k: record[k] for k in _INDEX_FIELDS if k in record}  # an older index lacks newer fields
        packets[record["doc_id"]] = SimPacket(**known, body=body)
    return packets, Counter(index.get("sends", {}))
