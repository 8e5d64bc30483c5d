"""A document waiting for clamd through the real outbox worker: retried on the dependency-wait schedule,
never buried however many times it is tried, nor sooner for a real failure afterwards; accepted once clamd
returns."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bridge.services import jobs
from bridge.services.deps import Deps
from bridge.worker import Handler, OutboxWorker, RetryPolicy, handlers_for
from core.document import ProcessingState
from core.records import OutboxJob, OutboxState
from tests.e2e.harness import document_mail
from tests.fixtures.clamd import ClamdServer
from tests.integration.pipeline.conftest import Checked
from tests.integration.pipeline.documents import tan_hoa_document

CAP = 0.2  # checked_settings: scan_retry_max_delay


async def test_clamd_down_longer_than_max_attempts_never_buries_the_document(
    checked: Checked, clamd_running: ClamdServer
) -> None:
    bridge = checked.bridge
    worker = OutboxWorker(bridge.deps, bridge.queue, handlers_for(), RetryPolicy(max_attempts=2, jitter=0.0))
    clamd_running.stop()
    inbound = await checked.receive(document_mail(tan_hoa_document(checked.signers)))
    for _ in range(5):  # more tries than the worker's policy would allow a failing job
        before = datetime.now(UTC)
        assert await worker.run_once() == 1
        after = datetime.now(UTC)
        [job] = await checked.jobs("pipeline")
        assert job.state is OutboxState.TODO and (job.last_error or "").startswith("Máy quét virus")
        assert before < job.run_after <= after + timedelta(seconds=CAP)  # the capped wait, not a backoff of minutes
        await asyncio.sleep(CAP + 0.05)
    assert (job.attempts, job.payload["waits"]) == (0, 5)  # waits are not failed attempts
    held = await checked.document_for(inbound)
    assert held.state is ProcessingState.HELD and [r.code for r in held.reasons] == ["scan.unavailable"]

    clamd_running.start()
    hiccup = OutboxWorker(bridge.deps, bridge.queue, {"pipeline": _fails_once()}, RetryPolicy(2, 0.05, 0.05, 0.0))
    assert await hiccup.run_once() == 1  # one real failure after the long wait: retried, not buried
    [job] = await checked.jobs("pipeline")
    assert (job.state, job.attempts) == (OutboxState.TODO, 1)
    await asyncio.sleep(0.1)
    assert await hiccup.run_once() == 1
    doc = await checked.document_for(inbound)
    assert doc.id == held.id and doc.state is ProcessingState.REGISTERED, doc.reasons
    [job] = await checked.jobs("pipeline")
    assert job.state is OutboxState.DONE


def _fails_once() -> Handler:
    failed: list[bool] = []
    pipeline = handlers_for()["pipeline"]

    async def handler(deps: Deps, job: OutboxJob) -> None:
        if not failed:
            failed.append(True)
            raise jobs.RetryLater("database busy")
        await pipeline(deps, job)

    return handler
