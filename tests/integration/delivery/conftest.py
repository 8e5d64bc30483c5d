"""A built (not served) edoc-bridge on a clock the test moves: the real database, outbox worker, axis simulator
and SMTP sink, so hours of outage pass in seconds (the Clock port, never real waits)."""

from __future__ import annotations

import email.policy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from bridge.axis.simulator import AxisSimulator
from bridge.bootstrap import Bridge, build, import_directory
from bridge.services import receive
from bridge.services.deliveries import configure_deliveries
from bridge.settings import Settings
from bridge.worker import Lease, OutboxWorker, RetryPolicy, handlers_for
from core.document import Document
from core.inbound import Channel
from core.records import OutboxJob
from storage.outbox_queue import OutboxQueue
from tests.e2e.harness import BRIDGE_SECRET, BRIDGE_SYSTEM, DIRECTORY, TAN_HOA, document_mail, simulator
from tests.fixtures.settings import base_settings
from tests.fixtures.smtp_sink import SmtpSink
from tests.integration.pipeline.documents import signed_document, trust_test_pki

HUYEN = "000.00.32.H61"
T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


class MovedClock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class Line:
    """Mail in, relay to the axis, receipts out — run step by step on a moved clock."""

    bridge: Bridge
    clock: MovedClock
    axis: AxisSimulator
    sink: SmtpSink
    worker: OutboxWorker

    @property
    def queue(self) -> OutboxQueue:
        return self.bridge.queue  # type: ignore[no-any-return]

    async def send(self, number: int, recipients: str = HUYEN) -> str:
        return await self.send_message(document(number, recipients))

    async def send_message(self, msg: EmailMessage) -> str:
        raw = msg.as_bytes(policy=email.policy.SMTP)
        stored = await receive.store_raw(self.bridge.deps, raw, channel=Channel.SMTP, envelope_from=TAN_HOA)
        return stored.id

    async def run(self) -> int:
        """Every job due now, until none is (what the workers would do at this moment)."""
        done = 0
        while n := await self.worker.run_once():
            done += n
        return done

    async def later(self) -> timedelta:
        """Move the clock to when the next job is due; returns how far it moved."""
        hint = await self.queue.wait_hint()
        step = hint if hint is not None else timedelta(0)
        self.clock.at += step
        return step

    async def document(self, inbound_id: str) -> Document:
        async with self.bridge.deps.uow() as uow:
            doc = await uow.documents.by_inbound(inbound_id)
        assert doc is not None
        return doc

    async def jobs(self, kind: str) -> list[OutboxJob]:
        return [j for j in await self.queue.list(limit=1000) if j.kind == kind]

    def receipts(self, words: str) -> list[EmailMessage]:
        return [m for m in self.sink.messages if words in str(m["Subject"])]


def document(number: int, recipients: str = HUYEN, **fields: str) -> EmailMessage:
    """A commune's mail with document {number}/QĐ-UBND (tests.e2e.harness.document_mail fields: sender, subject)."""
    code = f"{number}/QĐ-UBND"
    return document_mail(signed_document(code), code=code, recipients=recipients, **fields)


def line_settings(db_url: str, tmp: Path, axis_url: str, sink_port: int) -> Settings:
    s = base_settings(database_url=db_url, blob_dir=str(tmp / "blobs"), bridge_organ="000.00.01.H61")
    s.smtp_out.mode, s.smtp_out.port = "smtp", sink_port
    s.axis.base_url, s.axis.system_id, s.axis.secret, s.axis.simulator = axis_url, BRIDGE_SYSTEM, BRIDGE_SECRET, False
    s.checks.analysis_processes = -1
    trust_test_pki(s, tmp / "pki")
    return s


def line_worker(bridge: Bridge, policy: RetryPolicy | None = None) -> OutboxWorker:
    """The service's retry policy and failure hooks as configured (config/default.toml unless a test says)."""
    policy = policy or bridge.retry_policy()
    return OutboxWorker(bridge.deps, bridge.queue, handlers_for(), policy, lease=Lease(30, 10),
                        hooks=bridge.failure_hooks())  # fmt: skip


@pytest.fixture
async def line(db_url: str, tmp_path: Path, mail_sink: SmtpSink) -> AsyncIterator[Line]:
    axis = simulator()
    await axis.start()
    settings = line_settings(db_url, tmp_path, axis.base_url, mail_sink.port)
    clock = MovedClock()
    bridge = await build(settings, clock=clock)
    configure_deliveries(bridge.deps, settings)
    await import_directory(bridge, DIRECTORY)
    yield Line(bridge, clock, axis, mail_sink, line_worker(bridge))
    await bridge.close()
    await axis.stop()
