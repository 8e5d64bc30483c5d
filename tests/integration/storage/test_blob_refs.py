"""What `backup verify` checks: every blob the database refers to, wherever the reference is kept."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.blob_refs import referenced_blobs
from storage.tables import attachments, documents, inbound, outbox


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


async def test_references_in_rows_jobs_and_trails_are_all_found(engine: AsyncEngine) -> None:
    now = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    pending = {"raw": b"not yet moved to the blob store", "raw_sha256": sha("pending"), "id": "in-2"}
    common = {"channel": "smtp", "size": 1, "recipients": [], "received_at": now, "state": "accepted"}
    trail = [
        {
            "step": "completion",
            "outcome": "hold",
            "at": now.isoformat(),
            "detail": "",
            "data": {"pdf": ["bo-sung.pdf", sha("pdf")]},
        }
    ]
    job = {"kind": "relay", "state": "done", "run_after": now, "created_at": now, "updated_at": now}
    async with engine.begin() as conn:
        await conn.execute(inbound.insert(), {**common, "id": "in-1", "source_ref": "a", "raw_sha256": sha("raw")})
        await conn.execute(inbound.insert(), {**common, **pending, "source_ref": "b"})  # one list: same keys for all
        await conn.execute(
            documents.insert(),
            {"id": "doc-1", "direction": "outgoing", "channel": "smtp", "received_at": now, "urgency": 0,
             "appendixes": [], "state": "held", "reasons": [], "trail": trail, "inbound_id": "in-1"},
        )  # fmt: skip
        pdf = {"filename": "a.pdf", "content_type": "application/pdf", "size": 1}
        await conn.execute(attachments.insert(), {"document_id": "doc-1", "position": 0, "sha256": sha("att"), **pdf})
        await conn.execute(outbox.insert(), [
            {**job, "payload": {"packet": sha("packet")}, "idempotency_key": "k1"},
            {**job, "kind": "delivery", "payload": {"attachments": [["b.pdf", "application/pdf", sha("delivered")]]},
             "idempotency_key": "k2"},
            {**job, "kind": "axis_intake", "payload": {"packet": "PGVkWE1MPg=="}, "idempotency_key": "k3"},  # base64
        ])  # fmt: skip
    found = {s: where async for s, where in referenced_blobs(engine)}
    assert set(found) == {sha(n) for n in ("raw", "att", "packet", "delivered", "pdf")}  # not the pending raw mail
    assert found[sha("att")] == "tệp đính kèm 1 của văn bản doc-1"
    assert "bo-sung.pdf" in found[sha("pdf")] and "hàng đợi" in found[sha("packet")]
