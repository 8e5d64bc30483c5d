from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.axis.simulator import AxisSimulator
from tests.e2e.harness import RunningBridge, settings_for, simulator, start_bridge
from tests.fixtures.bot_fixtures import TOKEN
from tests.fixtures.fake_bot_api import FakeBotApi


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


@pytest.fixture
async def bot_bridge(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis: AxisSimulator, mail_sink, fake_bot_api: FakeBotApi
) -> AsyncIterator[RunningBridge]:
    """The running service with its chatbot on the project's fake Bot API (no scheduled digests)."""
    s = settings_for(db_url, tmp_path, axis.base_url, mail_sink.port)
    s.bot.enabled, s.bot.token, s.bot.poll_timeout, s.bot.sweep_interval = True, TOKEN, 1, 0.1
    s.bot.base_url, s.bot.base_file_url = fake_bot_api.base_url, fake_bot_api.base_file_url
    s.bot.digest_times = []
    running = await start_bridge(s)
    yield running
    await running.shutdown()
