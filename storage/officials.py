"""Officials, one-time link codes, chat links, notifications (delivery state), evidence of chat actions.

Tables live on the shared metadata; the migration is the `officials` branch off 0001."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.officials import Notice, NoticeState, Official, Role
from storage.repos._base import Repository
from storage.tables import BigId, UtcDateTime, metadata
from storage.tables import column as _col
from storage.tables import documents as td
from storage.tables import register_entries as tr
from storage.tables import text_column as _text

officials = sa.Table(
    "officials",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("name", sa.Text()),
    _col("organ_id", sa.String(20)),
    _col("role", sa.String(12)),
    _text("email"),
    _col("active", sa.Boolean()),
    _col("created_at", UtcDateTime()),
    sa.Index(None, "organ_id"),
)

official_link_codes = sa.Table(
    "official_link_codes",
    metadata,
    _col("code", sa.String(32), primary_key=True),
    _col("official_id", sa.BigInteger(), sa.ForeignKey("officials.id", ondelete="CASCADE")),
    _col("expires_at", UtcDateTime()),
    sa.Column("used_at", UtcDateTime(), nullable=True),
)

chat_links = sa.Table(
    "chat_links",
    metadata,
    _col("chat_id", sa.String(32), primary_key=True),
    _col("official_id", sa.BigInteger(), sa.ForeignKey("officials.id", ondelete="CASCADE"), unique=True),
    _col("linked_at", UtcDateTime()),
)

notices = sa.Table(
    "notices",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("document_id", sa.String(), sa.ForeignKey("documents.id")),
    _col("organ_id", sa.String(20)),
    _col("official_id", sa.BigInteger(), sa.ForeignKey("officials.id", ondelete="CASCADE")),
    _col("state", sa.String(12)),
    _text("message_id"),
    _text("chat_id"),
    _col("attempts", sa.Integer(), server_default="0"),
    _text("last_error"),
    _col("created_at", UtcDateTime()),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    sa.Column("acked_at", UtcDateTime(), nullable=True),
    sa.Column("escalated_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("document_id", "organ_id", "official_id"),
    sa.Index(None, "official_id", "state"),
    sa.Index(None, "state", "created_at"),
)

# One row per sổ đến entry whose officials were notified: the sweep finds registrations without one.
notice_fanouts = sa.Table(
    "notice_fanouts",
    metadata,
    _col("document_id", sa.String(), primary_key=True),
    _col("organ_id", sa.String(20), primary_key=True),
    _col("at", UtcDateTime()),
)

chat_actions = sa.Table(
    "chat_actions",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("document_id", sa.String()),
    _col("organ_id", sa.String(20)),
    _col("official_id", sa.BigInteger()),
    _col("chat_id", sa.String(32)),
    _col("action", sa.String(16)),
    _text("detail"),
    _col("outcome", sa.String(16)),
    _col("at", UtcDateTime()),
    sa.Index(None, "document_id", "organ_id"),
)

chat_prompts = sa.Table(
    "chat_prompts",
    metadata,
    _col("chat_id", sa.String(32), primary_key=True),
    _col("notice_id", sa.BigInteger()),
    _col("action", sa.String(16)),
    _col("at", UtcDateTime()),
)

TABLES = (officials, official_link_codes, chat_links, notices, notice_fanouts, chat_actions, chat_prompts)


def _official(r: Any) -> Official:
    return Official(r.id, r.name, r.organ_id, Role(r.role), r.email, r.chat_id)


def _notice(r: Any) -> Notice:
    return Notice(
        r.id, r.document_id, r.organ_id, r.official_id, NoticeState(r.state), r.created_at,
        r.message_id, r.sent_at, r.acked_at, r.attempts, r.last_error, r.chat_id,
    )  # fmt: skip


class OfficialRepository(Repository):
    """Bind to a unit of work's connection: `OfficialRepository(uow.connection, now)`."""

    def _officials(self) -> Any:
        o, c = officials, chat_links
        return sa.select(o, c.c.chat_id).select_from(o.outerjoin(c, c.c.official_id == o.c.id))

    async def add(self, name: str, organ_id: str, role: Role, email: str = "") -> Official:
        values = {"name": name, "organ_id": organ_id, "role": role.value, "email": email, "active": True}
        q = sa.insert(officials).values(created_at=self._now(), **values).returning(officials.c.id)
        new_id = int((await self._conn.execute(q)).scalar_one())
        return Official(new_id, name, organ_id, role, email)

    async def get(self, official_id: int) -> Official | None:
        row = (await self._conn.execute(self._officials().where(officials.c.id == official_id))).first()
        return _official(row) if row else None

    async def by_chat(self, chat_id: str) -> Official | None:
        q = self._officials().where(chat_links.c.chat_id == chat_id, officials.c.active.is_(True))
        row = (await self._conn.execute(q)).first()
        return _official(row) if row else None

    async def of_agency(self, organ_id: str, roles: tuple[Role, ...] = (), linked: bool = False) -> list[Official]:
        q = self._officials().where(officials.c.organ_id == organ_id, officials.c.active.is_(True))
        if roles:
            q = q.where(officials.c.role.in_([r.value for r in roles]))
        if linked:
            q = q.where(chat_links.c.chat_id.is_not(None))
        return [_official(r) for r in await self._conn.execute(q.order_by(officials.c.id))]

    async def linked(self) -> list[Official]:
        q = self._officials().where(chat_links.c.chat_id.is_not(None), officials.c.active.is_(True))
        return [_official(r) for r in await self._conn.execute(q.order_by(officials.c.id))]

    async def add_code(self, code: str, official_id: int, expires_at: datetime) -> None:
        await self._conn.execute(
            sa.insert(official_link_codes).values(code=code, official_id=official_id, expires_at=expires_at)
        )

    async def use_code(self, code: str, now: datetime) -> int | None:
        """The official of an unused, unexpired code, marking it used (once: the UPDATE is the check)."""
        t = official_link_codes
        q = (
            sa.update(t)
            .where(t.c.code == code, t.c.used_at.is_(None), t.c.expires_at > now)
            .values(used_at=now)
            .returning(t.c.official_id)
        )
        row = (await self._conn.execute(q)).first()
        return int(row[0]) if row else None

    async def link(self, official_id: int, chat_id: str) -> None:
        """A chat belongs to one official and an official to one chat: a new link replaces old ones."""
        c = chat_links
        await self._conn.execute(sa.delete(c).where(sa.or_(c.c.chat_id == chat_id, c.c.official_id == official_id)))
        await self._conn.execute(sa.insert(c).values(chat_id=chat_id, official_id=official_id, linked_at=self._now()))

    async def all(self) -> list[Official]:
        """Every official, by agency then name (the admin list)."""
        q = self._officials().order_by(officials.c.organ_id, officials.c.name, officials.c.id)
        return [_official(r) for r in (await self._conn.execute(q)).all()]

    async def unlink(self, official_id: int) -> bool:
        """Forget the official's chat (a lost phone, a departure); False when none was linked."""
        res = await self._conn.execute(sa.delete(chat_links).where(chat_links.c.official_id == official_id))
        return bool(res.rowcount)

    # --- notifications -------------------------------------------------------------------------------------

    async def unfanned(self, since: datetime, limit: int = 200) -> list[tuple[str, str]]:
        """Sổ đến entries (document, agency) since `since` whose officials were not notified yet."""
        f = notice_fanouts
        j = tr.outerjoin(f, sa.and_(f.c.document_id == tr.c.document_id, f.c.organ_id == tr.c.organ_id))
        q = (
            sa.select(tr.c.document_id, tr.c.organ_id)
            .select_from(j)
            .where(tr.c.book == "den", tr.c.registered_at >= since, f.c.document_id.is_(None))
            .order_by(tr.c.registered_at)
            .limit(limit)
        )
        return [(r.document_id, r.organ_id) for r in await self._conn.execute(q)]

    async def mark_fanned(self, document_id: str, organ_id: str) -> bool:
        q = self._insert(notice_fanouts).values(document_id=document_id, organ_id=organ_id, at=self._now())
        q = q.on_conflict_do_nothing().returning(notice_fanouts.c.document_id)
        return (await self._conn.execute(q)).first() is not None

    async def add_notice(self, document_id: str, organ_id: str, official_id: int) -> int | None:
        """A new queued notice, or None when this official was already notified of the document."""
        values = {"document_id": document_id, "organ_id": organ_id, "official_id": official_id}
        q = self._insert(notices).values(state=NoticeState.QUEUED.value, created_at=self._now(), **values)
        q = q.on_conflict_do_nothing().returning(notices.c.id)
        row = (await self._conn.execute(q)).first()
        return int(row[0]) if row else None

    async def notice(self, notice_id: int) -> Notice | None:
        row = (await self._conn.execute(sa.select(notices).where(notices.c.id == notice_id))).first()
        return _notice(row) if row else None

    async def notices_of(self, official_id: int) -> list[Notice]:
        q = sa.select(notices).where(notices.c.official_id == official_id).order_by(notices.c.created_at.desc())
        return [_notice(r) for r in await self._conn.execute(q)]

    async def notices_for(self, document_id: str, organ_id: str) -> list[Notice]:
        q = sa.select(notices).where(notices.c.document_id == document_id, notices.c.organ_id == organ_id)
        return [_notice(r) for r in await self._conn.execute(q.order_by(notices.c.id))]

    async def sent(self, notice_id: int, chat_id: str, message_id: str) -> None:
        n = notices
        q = sa.update(n).where(n.c.id == notice_id, n.c.state != NoticeState.ACKNOWLEDGED.value)
        await self._conn.execute(
            q.values(state=NoticeState.SENT.value, chat_id=chat_id, message_id=message_id, sent_at=self._now())
        )
        await self._bump(notice_id, "")

    async def failed(self, notice_id: int, error: str) -> None:
        n = notices
        q = sa.update(n).where(n.c.id == notice_id, n.c.state != NoticeState.ACKNOWLEDGED.value)
        await self._conn.execute(q.values(state=NoticeState.FAILED.value))
        await self._bump(notice_id, error[:500])

    async def _bump(self, notice_id: int, error: str) -> None:
        n = notices
        await self._conn.execute(
            sa.update(n).where(n.c.id == notice_id).values(attempts=n.c.attempts + 1, last_error=error)
        )

    async def acknowledge(self, document_id: str, organ_id: str) -> None:
        n = notices
        q = sa.update(n).where(
            n.c.document_id == document_id, n.c.organ_id == organ_id, n.c.state != NoticeState.ACKNOWLEDGED.value
        )
        await self._conn.execute(q.values(state=NoticeState.ACKNOWLEDGED.value, acked_at=self._now()))

    async def due_escalations(self, created_before: datetime, limit: int = 100) -> list[tuple[str, str]]:
        """Urgent documents (độ khẩn above thường) with a notice still not acknowledged, not escalated yet."""
        n = notices
        q = (
            sa.select(n.c.document_id, n.c.organ_id)
            .select_from(n.join(td, td.c.id == n.c.document_id))
            .where(
                n.c.state != NoticeState.ACKNOWLEDGED.value,
                n.c.escalated_at.is_(None),
                n.c.created_at < created_before,
                td.c.urgency > 0,
            )
            .group_by(n.c.document_id, n.c.organ_id)
            .limit(limit)
        )
        return [(r.document_id, r.organ_id) for r in await self._conn.execute(q)]

    async def mark_escalated(self, document_id: str, organ_id: str) -> None:
        n = notices
        q = sa.update(n).where(n.c.document_id == document_id, n.c.organ_id == organ_id, n.c.escalated_at.is_(None))
        await self._conn.execute(q.values(escalated_at=self._now()))

    # --- evidence and prompts ------------------------------------------------------------------------------

    async def record_action(
        self, document_id: str, organ_id: str, official: Official, action: str, detail: str, outcome: str
    ) -> None:
        values = {"document_id": document_id, "organ_id": organ_id, "official_id": official.id, "action": action}
        await self._conn.execute(
            sa.insert(chat_actions).values(
                chat_id=official.chat_id or "", detail=detail, outcome=outcome, at=self._now(), **values
            )
        )

    async def actions(self, document_id: str) -> list[dict[str, Any]]:
        q = sa.select(chat_actions).where(chat_actions.c.document_id == document_id).order_by(chat_actions.c.id)
        return [dict(r._mapping) for r in await self._conn.execute(q)]

    async def set_prompt(self, chat_id: str, notice_id: int, action: str) -> None:
        p = chat_prompts
        await self._conn.execute(sa.delete(p).where(p.c.chat_id == chat_id))
        await self._conn.execute(
            sa.insert(p).values(chat_id=chat_id, notice_id=notice_id, action=action, at=self._now())
        )

    async def take_prompt(self, chat_id: str) -> tuple[int, str] | None:
        p = chat_prompts
        row = (await self._conn.execute(sa.select(p).where(p.c.chat_id == chat_id))).first()
        if row is None:
            return None
        await self._conn.execute(sa.delete(p).where(p.c.chat_id == chat_id))
        return int(row.notice_id), str(row.action)
