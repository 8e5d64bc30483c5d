"""CPython's email test corpus through the whole pipeline (real clamd and validator): no crash, every message
gets a verdict (a document row in a final state), none is registered (none comes from a directory address)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from core.document import ProcessingState
from core.records import OutboxState
from tests.fixtures.require import require
from tests.integration.pipeline.conftest import Checked

CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


async def test_every_corpus_message_gets_a_verdict(checked: Checked) -> None:
    files = sorted(CORPUS.glob("msg_*.txt")) if CORPUS.is_dir() else []
    require(len(files) >= 40, f"CPython email test corpus at {CORPUS}")
    inbound = {path.name: await checked.receive(path.read_bytes()) for path in files}
    while await checked.run_pipeline_jobs():
        pass
    states = {name: (await checked.document_for(i)).state for name, i in inbound.items()}
    assert len(states) == len(set(inbound.values())) == len(files)
    assert set(states.values()) <= {ProcessingState.REJECTED, ProcessingState.HELD}
    internal = [
        n for n, i in inbound.items() if "internal.error" in [r.code for r in (await checked.document_for(i)).reasons]
    ]
    assert internal == []  # no step crashed
    assert {j.state for j in await checked.jobs("pipeline")} == {OutboxState.DONE}
