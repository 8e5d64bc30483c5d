"""What the dashboard shows, gathered for one user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bridge.reports.facts import VIETNAM, load_facts
from bridge.reports.figures import AgencyRow, agency_rows, funnel, traffic
from core.access import User, agency_may_act, organ_scope
from core.document import Document, ProcessingState


@dataclass(slots=True)
class Dashboard:
    start: date
    end: date
    days: list[date]
    series: dict[str, list[int]]
    funnel: list[tuple[str, int]]
    agencies: list[AgencyRow]


async def agency_names(uow: Callable[[], Any]) -> dict[str, str]:
    async with uow() as u:
        return {str(a.organ_id): a.name for a in await u.agencies.list()}


async def dashboard(uow: Callable[[], Any], now: datetime, scope: str | None, days: int = 30) -> Dashboard:
    end = now.astimezone(VIETNAM).date()
    start = end - timedelta(days=days - 1)
    facts = await load_facts(uow, start, end, organ=scope)
    names = await agency_names(uow)
    day_list, series = traffic(facts, start, end)
    rows = agency_rows(facts, names, now)
    if scope is not None:
        rows = [r for r in rows if r.organ_id == scope]
    return Dashboard(start, end, day_list, series, funnel(facts), rows)


async def held_documents(uow: Callable[[], Any], user: User, limit: int = 200) -> list[Document]:
    """The held documents a clerk or leader may decide (their agency's: core.access), never another agency's
    they are only a recipient of; every held document for the province-wide roles, who read everything
    (the monitor never acts, admins as configured: core.access.may_act)."""
    scope = organ_scope(user)
    async with uow() as u:
        docs = await u.documents.search(decided_by=scope, state=ProcessingState.HELD, limit=limit)
    return [d for d in docs if scope is None or agency_may_act(scope, d)]


def pollers_health(views: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]] | None:
    """Health of the IMAP mailboxes the running service polls (bridge.mailboxes.mailbox_views); None when none
    are configured."""
    if not views:
        return None
    out = []
    for v in views:
        last = datetime.fromisoformat(v["last_success"]) if v["last_success"] else None
        out.append(
            {
                "mailbox": v["name"],
                "organ_id": v["owner_organ"],
                "leader": v["leader"],
                "connected": v["connected"],
                "healthy": v["healthy"],
                "last_success": v["last_success"],
                "last_success_age_seconds": (now - last).total_seconds() if last else None,
                "last_error": v["last_error"],
                "consecutive_failures": v["consecutive_failures"],
            }
        )
    return out
