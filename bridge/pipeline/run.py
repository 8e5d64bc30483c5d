"""Run the declared steps in order, recording a trail entry per step."""

from __future__ import annotations

import logging

from bridge.pipeline.inspection import Inspection
from bridge.pipeline.steps import STEPS, Step
from bridge.services.deps import Deps
from core.verdict import Outcome, StepRecord, decide

log = logging.getLogger(__name__)


async def run_pipeline(ins: Inspection, deps: Deps, steps: list[tuple[str, Step]] = STEPS) -> Inspection:
    for name, step in steps:
        before = len(ins.reasons)
        ins.step_data = {}
        try:
            detail = await step(ins, deps)
        except Exception as exc:  # a bug in one step must not lose the document: a clerk looks at it
            log.exception("pipeline step %s failed for inbound %s", name, ins.inbound.id)
            ins.hold("internal.error", f"Lỗi nội bộ ở bước kiểm tra «{name}»; văn thư sẽ xem xét.")
            ins.halted = True
            detail = f"Lỗi nội bộ: {type(exc).__name__}"
        outcome = decide(ins.reasons[before:])
        ins.trail.append(StepRecord(name, outcome, deps.clock.now(), detail, ins.step_data))
        if ins.halted or outcome is Outcome.RETRY:
            break
    return ins
