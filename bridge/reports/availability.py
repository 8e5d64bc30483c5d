"""Điều 24.2.b availability: the probes' samples (bridge/probes.py) over the report's Vietnam days, as each
component's share of samples that found it working, in one grouped query."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from bridge.reports.period import Uptime
from core.vn_time import VIETNAM

_LABELS = {"axis": "Trục liên thông văn bản", "clamd": "Máy quét virus (clamd)"}


def label(component: str, target: str) -> str:
    if component == "mailbox":
        return f"Hộp thư {target}"
    return _LABELS.get(component, component)


async def uptimes(uow_factory: Any, first: date, last: date) -> list[Uptime]:
    start = datetime.combine(first, time.min, VIETNAM)
    end = datetime.combine(last + timedelta(days=1), time.min, VIETNAM)
    async with uow_factory() as uow:
        found = await uow.availability.over(start, end)
    order = {"axis": 0, "clamd": 1, "mailbox": 2}
    found.sort(key=lambda a: (order.get(a.component, 3), a.target))
    return [Uptime(label(a.component, a.target), a.up, a.samples) for a in found]
