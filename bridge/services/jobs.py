"""Job kinds and the errors a job handler raises to steer the outbox worker."""

from __future__ import annotations

PIPELINE = "pipeline"
RELAY = "relay"
RECEIPT = "receipt"
NOTIFY = "notify"
STATUS_OUT = "status_out"  # a status packet from a served agency back to the original sender


class RetryLater(Exception):
    """Temporary: a dependency is down. The worker reschedules with backoff."""


class GiveUp(Exception):
    """Permanent: retrying cannot help. The job goes to the dead letters at once."""
