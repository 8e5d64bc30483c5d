"""Every blob the database refers to, with where it is referred from (for `edoc-bridge backup verify`):
raw mail moved out of its inbound row, attachments, packets and delivery files kept by outbox jobs, and PDFs
sent to complete a held document (kept in its trail)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.blobs import is_blob_key
from storage.tables import attachments, documents, inbound, outbox

PAGE = 1000


async def referenced_blobs(engine: AsyncEngine) -> AsyncIterator[tuple[str, str]]:
    """(sha256, where) pairs; a blob referred to twice comes twice."""
    queries: list[tuple[sa.Select[Any], Any]] = [
        (
            sa.select(inbound.c.id, inbound.c.raw_sha256).where(inbound.c.raw.is_(None)).order_by(inbound.c.id),
            lambda r: [(r[1], f"thư gốc {r[0]}")],
        ),
        (
            sa.select(attachments.c.document_id, attachments.c.position, attachments.c.sha256).order_by(
                attachments.c.document_id, attachments.c.position
            ),
            lambda r: [(r[2], f"tệp đính kèm {r[1] + 1} của văn bản {r[0]}")],
        ),
        (sa.select(outbox.c.id, outbox.c.payload).order_by(outbox.c.id), lambda r: _outbox(r[0], r[1])),
        (sa.select(documents.c.id, documents.c.trail).order_by(documents.c.id), lambda r: _trail(r[0], r[1])),
    ]
    for query, refs in queries:
        async for row in _rows(engine, query):
            for sha, where in refs(row):
                if isinstance(sha, str) and is_blob_key(sha):
                    yield sha, where


async def _rows(engine: AsyncEngine, query: sa.Select[Any]) -> AsyncIterator[sa.Row[Any]]:
    offset = 0
    while True:
        async with engine.connect() as conn:
            rows = (await conn.execute(query.limit(PAGE).offset(offset))).all()
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        offset += PAGE


def _outbox(job_id: int, payload: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(payload, dict):
        return
    if isinstance(packet := payload.get("packet"), str):  # relay: the built edXML (axis intake keeps base64)
        yield packet, f"gói edXML của việc {job_id} trong hàng đợi"
    for item in payload.get("attachments") or []:
        if isinstance(item, list) and len(item) == 3:
            yield item[2], f"tệp {item[0]} của việc {job_id} trong hàng đợi"


def _trail(doc_id: str, trail: Any) -> Iterator[tuple[str, str]]:
    for step in trail if isinstance(trail, list) else []:
        data = step.get("data") if isinstance(step, dict) else None
        if isinstance(data, dict) and isinstance(pdf := data.get("pdf"), list) and len(pdf) == 2:
            yield pdf[1], f"tệp PDF bổ sung {pdf[0]} của văn bản {doc_id}"
