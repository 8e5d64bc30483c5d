"""Dashboard figures: traffic per day by channel and direction, status funnel, per-agency table."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bridge.reports.facts import DocFacts, acceptance_hours, is_overdue
from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.status import StatusCode

DIRECTION_LABELS = {Direction.OUTGOING: "đi", Direction.INCOMING: "đến"}


def series_key(channel: Channel, direction: Direction) -> str:
    return f"{channel.label} — {DIRECTION_LABELS[direction]}"


def traffic(facts: list[DocFacts], start: date, end: date) -> tuple[list[date], dict[str, list[int]]]:
    """Days from start to end and, per (channel, direction) seen, one count per day."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    counts = Counter((f.day, series_key(f.doc.channel, f.doc.direction)) for f in facts)
    keys = sorted({k for _, k in counts})
    return days, {k: [counts[(d, k)] for d in days] for k in keys}


def funnel(facts: list[DocFacts]) -> list[tuple[str, int]]:
    def reached(code: StatusCode) -> int:
        return sum(1 for f in facts if any(e.code is code for h in f.statuses.values() for e in h.events))

    state = Counter(f.doc.state for f in facts)
    return [
        ("Đã nhận", len(facts)),
        ("Vào sổ", state[ProcessingState.REGISTERED]),
        ("Đã đến nơi nhận (01)", reached(StatusCode.ARRIVED)),
        ("Đã tiếp nhận (03)", reached(StatusCode.ACCEPTED)),
        ("Hoàn thành (06)", reached(StatusCode.DONE)),
        ("Đang giữ chờ văn thư", state[ProcessingState.HELD]),
        ("Bị từ chối", state[ProcessingState.REJECTED] + reached(StatusCode.REJECTED)),
    ]


@dataclass(slots=True)
class AgencyRow:
    organ_id: str
    name: str
    sent: int = 0
    received: int = 0
    rejected: int = 0
    overdue: int = 0
    median_accept_hours: float | None = None


def agency_rows(facts: list[DocFacts], names: dict[str, str], now: datetime) -> list[AgencyRow]:
    rows: dict[str, AgencyRow] = {}
    waits: dict[str, list[float]] = {}

    def row(organ: str) -> AgencyRow:
        return rows.setdefault(organ, AgencyRow(organ, names.get(organ, organ)))

    for f in facts:
        if f.doc.sender:
            r = row(str(f.doc.sender))
            r.sent += 1
            refused = any(e.code is StatusCode.REJECTED for h in f.statuses.values() for e in h.events)
            r.rejected += f.doc.state is ProcessingState.REJECTED or refused
        for organ, h in f.statuses.items():
            r = row(organ)
            r.received += 1
            r.overdue += is_overdue(h, f.doc.due_date, now)
            hours = acceptance_hours(h)
            if hours is not None:
                waits.setdefault(organ, []).append(hours)
    for organ, hs in waits.items():
        rows[organ].median_accept_hours = statistics.median(hs)
    return sorted(rows.values(), key=lambda r: (-(r.sent + r.received), r.organ_id))
