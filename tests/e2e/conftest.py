from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.axis.simulator import AxisSimulator
from tests.e2e.harness import RunningBridge, settings_for, simulator, start_bridge


@pytest.fixture
async def axis() -> AsyncIterator[AxisSimulator]:
    sim = simulator()
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def bridge(db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink) -> AsyncIterator[RunningBridge]:  # type: ignore[no-untyped-def]
    running = await start_bridge(settings_for(db_url, tmp_path, axis.base_url, mail_sink.port))
    yield running
    await running.shutdown()
