"""Prometheus `/metrics` (figures read from the database at scrape time, so every process reports the same truth)
and the readiness checks behind `/readyz` (database, clamd, axis)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from bridge.api.auth import require_roles
from bridge.api.expiry import expiry
from bridge.mailboxes import mailbox_views
from bridge.reports.dashboard import pollers_health
from bridge.reports.facts import step_durations
from core.access import Role
from core.document import ProcessingState
from core.verdict import Outcome

log = logging.getLogger(__name__)
RECENT = timedelta(days=1)  # window for the step duration histograms
REASONS_WINDOW = timedelta(days=7)  # window for the rejection reasons
RECENT_DOCUMENTS = 1000  # at most this many documents are read per scrape, newest first
CLAMD_PING_WITHIN = 3.0  # seconds; a scrape must not hang on a dead clamd
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _Families:
    """A registry collector that yields metric families computed beforehand."""

    def __init__(self, families: list[Any]) -> None:
        self._families = families

    def collect(self) -> list[Any]:
        return self._families


def histogram(name: str, doc: str, values: list[float]) -> HistogramMetricFamily:
    buckets = [(str(b), sum(1 for v in values if v <= b)) for b in BUCKETS] + [("+Inf", len(values))]
    return HistogramMetricFamily(name, doc, buckets=buckets, sum_value=sum(values))


async def collect(bridge: Any) -> list[Any]:
    """Every figure from aggregate queries or a bounded number of the newest rows: a scrape costs the same
    whatever the size of the database."""
    deps = bridge.deps
    now = deps.clock.now()
    async with deps.uow() as u:
        by_state = {s: await u.documents.count(state=s) for s in ProcessingState}
        recent = await u.documents.search(date_from=now - RECENT, limit=RECENT_DOCUMENTS)
        rejected = await u.documents.search(
            state=ProcessingState.REJECTED, date_from=now - REASONS_WINDOW, limit=RECENT_DOCUMENTS
        )
    stats = await bridge.queue.stats()
    relay_attempts, relay_failures = await bridge.queue.attempt_totals("relay")
    fam: list[Any] = []
    received = CounterMetricFamily(
        "edoc_documents_received", "Văn bản đã nhận, theo trạng thái xử lý", labels=["state"]
    )
    for s, n in by_state.items():
        received.add_metric([s.value], n)
    fam.append(received)
    accepted = CounterMetricFamily("edoc_documents_accepted", "Văn bản được tiếp nhận (vào sổ)")
    accepted.add_metric([], by_state[ProcessingState.REGISTERED])
    fam.append(accepted)
    total_rejected = CounterMetricFamily("edoc_documents_rejected", "Văn bản bị từ chối")
    total_rejected.add_metric([], by_state[ProcessingState.REJECTED])
    fam.append(total_rejected)
    reasons = Counter(r.code for d in rejected for r in d.reasons if r.outcome is Outcome.REJECT)
    rej = GaugeMetricFamily(
        "edoc_documents_rejected_recent",
        f"Văn bản bị từ chối trong 7 ngày qua (tối đa {RECENT_DOCUMENTS} văn bản mới nhất), theo mã lý do",
        labels=["reason"],
    )
    for code, n in sorted(reasons.items()):
        rej.add_metric([code], n)
    fam.append(rej)
    attempts = CounterMetricFamily("edoc_relay_attempts", "Số lần gửi lên trục (tổng số lần thử)")
    attempts.add_metric([], relay_attempts)
    failures = CounterMetricFamily("edoc_relay_failures", "Lần gửi lên trục thất bại (đang chờ thử lại hoặc thư chết)")
    failures.add_metric([], relay_failures)
    depth = GaugeMetricFamily("edoc_outbox_jobs", "Việc trong hàng đợi, theo trạng thái", labels=["state"])
    for s, n in stats.counts.items():
        depth.add_metric([s.value], n)
    age = GaugeMetricFamily("edoc_outbox_oldest_todo_age_seconds", "Tuổi của việc chờ lâu nhất")
    age.add_metric([], stats.oldest_todo_age.total_seconds() if stats.oldest_todo_age else 0.0)
    fam += [attempts, failures, depth, age, *await delivery_alerts(bridge, now)]
    fam.append(
        histogram(
            "edoc_scan_duration_seconds",
            "Thời gian quét virus (24 giờ qua)",
            [x for d in recent for x in step_durations(d, "scan")],
        )
    )
    fam.append(
        histogram(
            "edoc_signature_duration_seconds",
            "Thời gian kiểm tra chữ ký số (24 giờ qua)",
            [x for d in recent for x in step_durations(d, "verify_signatures")],
        )
    )
    views = mailbox_views(bridge)
    pollers = pollers_health(views, now) or []
    last = GaugeMetricFamily(
        "edoc_poller_last_success_age_seconds", "Thời gian từ lần thăm dò hộp thư thành công", labels=["mailbox"]
    )
    healthy = GaugeMetricFamily(
        "edoc_mailbox_healthy",
        "Hộp thư IMAP đang được thăm dò bình thường (1) hay cần cảnh báo (0)",
        labels=["mailbox"],
    )
    for p in pollers:
        if p["last_success_age_seconds"] is not None:
            last.add_metric([p["mailbox"]], p["last_success_age_seconds"])
        healthy.add_metric([p["mailbox"]], 1.0 if p["healthy"] else 0.0)
    fam += [last, healthy, *mailbox_freshness(views), await clamd_up(bridge)]
    return fam + await expiry(bridge.settings, now)


def mailbox_freshness(views: list[dict[str, Any]]) -> list[Any]:
    """Per mailbox: does this process poll it (the lease holder), and when did its last poll succeed (Unix time).
    Summed over the instances, no leader for a while means nobody polls it."""
    leader = GaugeMetricFamily(
        "edoc_mailbox_leader", "Tiến trình này đang giữ quyền thăm dò hộp thư (1) hay không (0)", labels=["mailbox"]
    )
    success = GaugeMetricFamily(
        "edoc_mailbox_last_success_timestamp_seconds",
        "Thời điểm (Unix) lần thăm dò hộp thư thành công gần nhất của tiến trình này",
        labels=["mailbox"],
    )
    for v in views:
        leader.add_metric([v["name"]], 1.0 if v["leader"] else 0.0)
        if v["last_success"]:
            success.add_metric([v["name"]], datetime.fromisoformat(v["last_success"]).timestamp())
    return [leader, success]


async def clamd_up(bridge: Any) -> GaugeMetricFamily:
    """1 when clamd answers PING now, 0 when it does not; no sample when no scanner is configured (demo)."""
    up = GaugeMetricFamily("edoc_clamd_up", "clamd trả lời PING (1) hay không (0)")
    ping = getattr(bridge.deps.scanner, "ping", None)
    if ping is not None:
        try:
            ok = bool(await asyncio.wait_for(ping(), CLAMD_PING_WITHIN))
        except (OSError, TimeoutError):
            ok = False
        up.add_metric([], 1.0 if ok else 0.0)
    return up


async def delivery_alerts(bridge: Any, now: Any) -> list[Any]:
    """Work that failed and is not delivered, by kind: still being retried (and since when), or dead letters."""
    failing = await bridge.queue.failing()
    retrying = GaugeMetricFamily(
        "edoc_outbox_failing_jobs", "Việc gửi đi đang lỗi và đang được thử lại (cảnh báo)", labels=["kind"]
    )
    dead = GaugeMetricFamily("edoc_outbox_dead_jobs", "Thư chết: việc đã ngừng thử, cần người xử lý", labels=["kind"])
    oldest = GaugeMetricFamily(
        "edoc_outbox_failing_seconds", "Thời gian từ lần lỗi đầu của việc lỗi lâu nhất", labels=["kind"]
    )
    for kind in sorted({"relay"} | {j.kind for j in failing}):  # relay always: its alert sees a 0
        mine = [j for j in failing if j.kind == kind]
        retrying.add_metric([kind], sum(j.state.value != "dead" for j in mine))
        dead.add_metric([kind], sum(j.state.value == "dead" for j in mine))
        since = [j.first_failed_at for j in mine if j.first_failed_at is not None]
        oldest.add_metric([kind], (now - min(since)).total_seconds() if since else 0.0)
    return [retrying, dead, oldest]


async def check_database(bridge: Any) -> str:
    async with bridge.deps.uow() as u:
        await u.agencies.list()
    return "ok"


async def check_clamd(bridge: Any) -> str:
    ping = getattr(bridge.deps.scanner, "ping", None)
    if ping is None:
        return "không cấu hình"
    if not await ping():
        raise RuntimeError("clamd không trả lời PING")
    return "ok"


async def check_axis(bridge: Any) -> str:
    """The axis answers on its TCP port (any HTTP answer will do; no document is sent)."""
    parts = urlsplit(bridge.settings.axis.base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    _, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, port), 3)
    writer.close()
    return "ok"


async def readiness(bridge: Any) -> dict[str, str]:
    """Component → "ok", "không cấu hình" or "lỗi". What went wrong is logged, never answered (an error text
    names hosts, paths and versions)."""
    checks = {"database": check_database, "clamd": check_clamd, "axis": check_axis}
    out: dict[str, str] = {}
    for name, check in checks.items():
        try:
            out[name] = await asyncio.wait_for(check(bridge), 5)
        except Exception:
            log.warning("readiness: %s not ready", name, exc_info=True)
            out[name] = "lỗi"
    return out


def metrics_router(bridge: Any) -> APIRouter:
    router = APIRouter(tags=["vận hành"])

    @router.get(
        "/metrics",
        summary="Số đo Prometheus",
        response_class=Response,
        responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
        dependencies=[Depends(require_roles(Role.ADMIN, Role.MONITOR))],  # the machine token counts as monitor
    )
    async def metrics() -> Response:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Families(await collect(bridge)))  # type: ignore[arg-type]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
