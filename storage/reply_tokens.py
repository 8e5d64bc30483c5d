"""Tracking tokens of held documents' receipts (table of the `replies` migration branch, on the shared metadata).

Also answers "does this agency have a dashboard account?" (a clerk there can complete a held document on the
page named in the receipt)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.held import HeldToken
from storage.access import users
from storage.repos._base import Repository
from storage.tables import UtcDateTime, metadata

held_tokens = sa.Table(
    "held_tokens",
    metadata,
    sa.Column("token", sa.String(24), primary_key=True),
    sa.Column("document_id", sa.String(), nullable=False, unique=True),
    sa.Column("address", sa.Text(), nullable=False, server_default=""),
    sa.Column("organ_id", sa.String(20), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)


# A chat waiting to type something about a held document (the lines completing it, a reason for withdrawing it).
chat_held_prompts = sa.Table(
    "chat_held_prompts",
    metadata,
    sa.Column("chat_id", sa.String(32), primary_key=True),
    sa.Column("document_id", sa.String(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
)


def _token(r: Any) -> HeldToken:
    return HeldToken(r.token, r.document_id, r.address, r.organ_id, r.created_at)


class HeldTokenRepository(Repository):
    """Reached as `uow.held_tokens`."""

    async def issue(self, token: str, document_id: str, address: str, organ_id: str) -> HeldToken:
        """The document's token: the existing one, else `token` (one per document, stable across receipts)."""
        q = self._insert(held_tokens).values(
            token=token.upper(), document_id=document_id, address=address, organ_id=organ_id, created_at=self._now()
        )
        await self._conn.execute(q.on_conflict_do_nothing(index_elements=[held_tokens.c.document_id]))
        found = await self.for_document(document_id)
        assert found is not None
        return found

    async def by_token(self, token: str) -> HeldToken | None:
        q = sa.select(held_tokens).where(held_tokens.c.token == token.upper())
        row = (await self._conn.execute(q)).first()
        return _token(row) if row else None

    async def for_document(self, document_id: str) -> HeldToken | None:
        row = (await self._conn.execute(sa.select(held_tokens).where(held_tokens.c.document_id == document_id))).first()
        return _token(row) if row else None

    async def for_sender(self, address: str, organ_id: str = "", limit: int = 200) -> list[HeldToken]:
        """Tokens of receipts sent to this address (mail) or chat, or to the agency, newest first: candidates
        for a reply that lost its token."""
        t = held_tokens
        cond = sa.func.lower(t.c.address) == address.strip().lower()
        if organ_id:
            cond = sa.or_(cond, t.c.organ_id == organ_id)
        q = sa.select(t).where(cond).order_by(t.c.created_at.desc(), t.c.token).limit(limit)
        return [_token(r) for r in await self._conn.execute(q)]

    async def set_prompt(self, chat_id: str, document_id: str, action: str) -> None:
        p = chat_held_prompts
        await self._conn.execute(sa.delete(p).where(p.c.chat_id == chat_id))
        await self._conn.execute(
            sa.insert(p).values(chat_id=chat_id, document_id=document_id, action=action, at=self._now())
        )

    async def take_prompt(self, chat_id: str) -> tuple[str, str] | None:
        """(document id, action) the chat was asked to type for, once."""
        p = chat_held_prompts
        row = (await self._conn.execute(sa.select(p).where(p.c.chat_id == chat_id))).first()
        if row is None:
            return None
        await self._conn.execute(sa.delete(p).where(p.c.chat_id == chat_id))
        return str(row.document_id), str(row.action)

    async def agency_has_account(self, organ_id: str) -> bool:
        """An active dashboard user of the agency (clerk or leader) can complete its held documents there."""
        q = sa.select(sa.func.count()).where(users.c.organ_id == organ_id, users.c.active.is_(True))
        return int((await self._conn.execute(q)).scalar_one()) > 0
