"""The outbox job a task is running for, so that finishing it is fenced to the worker holding its claim.

The worker sets `running` around a job's handler; storage's outbox repository reads it, so a handler's
`uow.outbox.complete(job.id)` (or retry_later, wait, bury) only succeeds while this worker still holds the job,
and raises ClaimLost otherwise — the handler's transaction then rolls back with everything it wrote."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Claim:
    job_id: int
    worker_id: str


class ClaimLost(Exception):
    """This worker no longer holds the job (its lease ran out and another worker took it): stop, roll back."""


running: ContextVar[Claim | None] = ContextVar("running_outbox_claim", default=None)


def holder_of(job_id: int) -> str | None:
    """The worker running `job_id` in this task, if the task is running that job."""
    claim = running.get()
    return claim.worker_id if claim is not None and claim.job_id == job_id else None
