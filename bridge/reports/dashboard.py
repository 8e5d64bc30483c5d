"""What the dashboard shows, gathered for one user's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bridge.reports.facts import VIETNAM, load_facts
from bridge.reports.figures import AgencyRow, agency_rows, funnel, traffic
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


async def held_documents(uow: Callable[[], Any], scope: str | None, limit: int = 200) -> list[Document]:
    async with uow() as u:
        return list(await u.documents.search(organ=scope, state=ProcessingState.HELD, limit=limit))


def pollers_health(bridge: Any, now: datetime) -> list[dict[str, Any]] | None:
    """Health of the IMAP pollers the running service keeps in `bridge.pollers` (issue 4); None if there are none."""
    pollers = getattr(bridge, "pollers", None)
    if not pollers:
        return None
    out = []
    for p in pollers:
        last = getattr(p, "last_success", None)
        cfg = getattr(p, "config", None)
        out.append(
            {
                "mailbox": getattr(cfg, "name", str(cfg)),
                "organ_id": getattr(cfg, "owner_organ", ""),
                "connected": bool(getattr(p, "connected", False)),
                "healthy": bool(p.healthy()) if hasattr(p, "healthy") else None,
                "last_success": last.isoformat() if last else None,
                "last_success_age_seconds": (now - last).total_seconds() if last else None,
                "last_error": getattr(p, "last_error", None),
                "consecutive_failures": getattr(p, "consecutive_failures", 0),
            }
        )
    return out
