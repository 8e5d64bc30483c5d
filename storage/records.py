"""The bookkeeping records live in core (the application builds them); re-exported for storage's own use."""

from core.records import InboundRecord, InboundState, OutboxJob, OutboxState, OutboxStats

__all__ = ["InboundRecord", "InboundState", "OutboxJob", "OutboxState", "OutboxStats"]
