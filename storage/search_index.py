"""What the register search reads instead of scanning: each document's words (document_words) and its open
deadline (documents.open_due). Written by the documents and statuses repositories in the transaction of the
change, so they never disagree with the rows they summarise."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.document import ProcessingState
from core.status import StatusCode
from storage.tables import document_recipients, document_words, documents, status_events

FINISHED = (StatusCode.DONE.value, StatusCode.REJECTED.value)
WORD_LENGTH = 64  # longer runs (a pasted hash) are cut: a prefix search still finds them
_WORD = re.compile(r"\w+")
_AFTER = "\U0010ffff"  # sorts after every character: [w, w + _AFTER) is every word starting with w


def words(folded: str) -> list[str]:
    """The distinct words of a folded text ('12/qd-ubnd' → 12, qd, ubnd), in first-seen order."""
    return list(dict.fromkeys(w[:WORD_LENGTH] for w in _WORD.findall(folded)))


def word_rows(document_id: str, folded: str) -> list[dict[str, Any]]:
    return [{"word": w, "document_id": document_id} for w in words(folded)]


def starting_with(word: str) -> sa.Select[Any]:
    """Ids of the documents having a word that starts with `word` (an index range, both databases)."""
    w = document_words
    prefix = word[:WORD_LENGTH]
    return sa.select(w.c.document_id).where(w.c.word >= prefix, w.c.word < prefix + _AFTER)


async def write_words(conn: AsyncConnection, document_id: str, folded: str) -> None:
    await conn.execute(sa.delete(document_words).where(document_words.c.document_id == document_id))
    rows = word_rows(document_id, folded)
    if rows:
        await conn.execute(sa.insert(document_words), rows)


def open_due_update() -> sa.Update:
    """Sets open_due from the rows it summarises; add a WHERE to limit it to some documents."""
    d, r, s = documents, document_recipients.alias("r"), status_events.alias("s")
    finished = sa.exists().where(s.c.document_id == r.c.document_id, s.c.organ_id == r.c.organ_id,
                                 s.c.code.in_(FINISHED))  # fmt: skip
    waiting = sa.exists().where(r.c.document_id == d.c.id, ~finished)
    is_open = sa.and_(d.c.state == ProcessingState.REGISTERED.value, d.c.due_date.is_not(None), waiting)
    return sa.update(d).values(open_due=sa.case((is_open, d.c.due_date), else_=sa.null()))


async def refresh_open_due(conn: AsyncConnection, document_ids: Collection[str]) -> None:
    ids = list(document_ids)
    for start in range(0, len(ids), 500):
        await conn.execute(open_due_update().where(documents.c.id.in_(ids[start : start + 500])))
