"""Operating state of the installation: paused mailboxes and availability samples of the components the bridge
depends on (the axis, clamd, each mailbox), for the Điều 24.2.b section of the period report.

Tables live on the shared metadata; the migration is console_0003."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from storage.repos._base import Repository
from storage.tables import BigId, UtcDateTime, metadata
from storage.tables import column as _col
from storage.tables import text_column as _text

mailbox_pauses = sa.Table(
    "mailbox_pauses",
    metadata,
    _col("mailbox", sa.String(100), primary_key=True),
    _col("paused_at", UtcDateTime()),
    _text("paused_by"),
)

availability_samples = sa.Table(
    "availability_samples",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("component", sa.String(20)),  # axis, clamd, mailbox
    _text("target"),  # the mailbox's name; "" for the others
    _col("at", UtcDateTime()),
    _col("up", sa.Boolean()),
    _text("detail"),
    sa.Index(None, "at", "component"),
    sa.Index(None, "component", "target", "id"),
)


@dataclass(frozen=True, slots=True)
class Pause:
    mailbox: str
    paused_at: datetime
    paused_by: str


@dataclass(frozen=True, slots=True)
class Availability:
    component: str
    target: str
    samples: int
    up: int

    @property
    def ratio(self) -> float:
        return self.up / self.samples if self.samples else 0.0


@dataclass(frozen=True, slots=True)
class Sample:
    at: datetime
    up: bool
    detail: str


class MailboxPauseRepository(Repository):
    async def all(self) -> dict[str, Pause]:
        rows = await self._conn.execute(sa.select(mailbox_pauses))
        return {r.mailbox: Pause(r.mailbox, r.paused_at, r.paused_by) for r in rows}

    async def is_paused(self, mailbox: str) -> bool:
        q = sa.select(mailbox_pauses.c.mailbox).where(mailbox_pauses.c.mailbox == mailbox)
        return (await self._conn.execute(q)).first() is not None

    async def pause(self, mailbox: str, actor: str) -> bool:
        """False when it was paused already."""
        q = self._insert(mailbox_pauses).values(mailbox=mailbox, paused_at=self._now(), paused_by=actor)
        res = await self._conn.execute(q.on_conflict_do_nothing(index_elements=["mailbox"]))
        return bool(res.rowcount)

    async def resume(self, mailbox: str) -> bool:
        """False when it was not paused."""
        res = await self._conn.execute(sa.delete(mailbox_pauses).where(mailbox_pauses.c.mailbox == mailbox))
        return bool(res.rowcount)


class AvailabilityRepository(Repository):
    async def record(self, component: str, target: str, up: bool, detail: str = "") -> None:
        values = {"component": component, "target": target, "at": self._now(), "up": up, "detail": detail[:500]}
        await self._conn.execute(sa.insert(availability_samples).values(values))

    async def over(self, start: datetime, end: datetime) -> list[Availability]:
        """Samples and up samples per component and target in [start, end), one grouped query."""
        s = availability_samples
        up = sa.func.sum(sa.case((s.c.up, 1), else_=0))
        q = (
            sa.select(s.c.component, s.c.target, sa.func.count().label("n"), up.label("up"))
            .where(s.c.at >= start, s.c.at < end)
            .group_by(s.c.component, s.c.target)
            .order_by(s.c.component, s.c.target)
        )
        return [Availability(r.component, r.target, int(r.n), int(r.up or 0)) for r in await self._conn.execute(q)]

    async def latest(self, component: str) -> dict[str, Sample]:
        """The newest sample of each target of `component`."""
        s = availability_samples
        newest = sa.select(sa.func.max(s.c.id)).where(s.c.component == component).group_by(s.c.target)
        rows = await self._conn.execute(sa.select(s).where(s.c.id.in_(newest)))
        return {r.target: Sample(r.at, r.up, r.detail) for r in rows}
