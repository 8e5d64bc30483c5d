"""The period report as JSON (/api/reports/period)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bridge.reports.period import PeriodReport, Receiving, Section


def _section(s: Section) -> dict[str, Any]:
    return {
        "documents": s.documents,
        "refused_by_recipient": s.refused_by_recipient,
        "overdue": s.overdue,
        "by_form": dict(s.by_form),
        "by_type": dict(s.by_type),
        "by_method": dict(s.by_method),
    }


def _receiving(x: Receiving) -> dict[str, int]:
    return asdict(x)


def report_json(r: PeriodReport) -> dict[str, Any]:
    return {
        "from": r.start.isoformat(),
        "to": r.end.isoformat(),
        "received_items": r.received_items,
        "refused_documents": r.refused_documents,
        "non_documents": r.non_documents,
        "held": r.held,
        "in_progress": r.in_progress,
        "total": _section(r.total),
        "by_sender": [{"organ_id": o, "name": n, **_section(s)} for o, n, s in r.by_sender],
        "by_recipient": [{"organ_id": o, "name": n, **_receiving(x)} for o, n, x in r.by_recipient],
        "received_total": _receiving(r.received_total),
        "rejections": [
            {"code": g.code, "label": g.label, "count": g.count, "details": dict(g.details)} for g in r.rejections
        ],
        "security": {
            **{k: v for k, v in asdict(r.security).items() if k != "availability"},
            "availability": [{"component": u.label, "up": u.up, "samples": u.samples} for u in r.security.availability],
        },
        "notes": r.notes,
    }
