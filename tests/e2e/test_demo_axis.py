"""The demo's axis (`make run`: one catch-all simulator node standing in for the whole country) does not echo
the bridge's own packets back to it: a relayed document and the statuses the bridge sends never come back, and
a status the recipient sends is recorded once (issue 16 item 9)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import build_status, parse_edoc
from bridge.edxml.mapping import status_packet
from core.agency import Agency
from core.organ_id import OrganId
from core.status import StatusCode
from tests.e2e.harness import (
    BRIDGE_SECRET,
    BRIDGE_SYSTEM,
    RunningBridge,
    api_get,
    document_mail,
    eventually,
    send_mail,
    settings_for,
    start_bridge,
)
from tests.fixtures.pdfs import make_official_pdf

HUYEN = "000.00.32.H61"


@pytest.fixture
async def demo_axis() -> AsyncIterator[AxisSimulator]:
    async with AxisSimulator({BRIDGE_SYSTEM: BRIDGE_SECRET}) as sim:  # as bridge.service.simulator builds it
        yield sim


@pytest.fixture
async def demo_bridge(db_url: str, tmp_path: Path, demo_axis: AxisSimulator, mail_sink) -> AsyncIterator[RunningBridge]:  # type: ignore[no-untyped-def]
    running = await start_bridge(settings_for(db_url, tmp_path, demo_axis.base_url, mail_sink.port))
    yield running
    await running.shutdown()


async def _polls(axis: AxisSimulator, more: int) -> None:
    """Wait until the bridge has polled the axis `more` more times (both kinds), without sleeping blind."""
    target = axis.calls["getReceivedEdocList"] + 2 * more
    await eventually(lambda: axis.calls["getReceivedEdocList"] >= target, what=f"{more} more polls")


async def test_the_demo_axis_echoes_nothing_and_a_status_is_recorded_once(
    demo_bridge: RunningBridge, demo_axis: AxisSimulator, mail_sink
) -> None:
    assert await send_mail(demo_bridge.settings.smtp_in.port, document_mail(make_official_pdf())) == {}
    [relayed] = await eventually(lambda: demo_axis.packets_for(HUYEN), what="the packet at the axis")
    packet = parse_edoc(relayed.body)

    # the district answers 03 (another node, played by the simulator)
    reporter = Agency(OrganId(HUYEN), "Ủy ban nhân dân huyện Long Hồ")
    answer = status_packet(
        packet.document_id, "12/QĐ-UBND", packet.promulgation_info.promulgation_date, packet.from_.organ_id,
        reporter, StatusCode.ACCEPTED, "Đã vào sổ đến số 345", "Văn thư huyện", datetime.now(UTC),
    )  # fmt: skip
    await demo_axis.inject(build_status(answer), message_type="status")
    await mail_sink.wait_for(lambda m: "báo «Đã tiếp nhận»" in str(m["Subject"]))
    await _polls(demo_axis, 3)

    # nothing the bridge sent came back: it fetched exactly one packet, the district's status
    assert demo_axis.calls["getEdoc"] == 1
    docs = [d for d in await api_get(demo_bridge.api, "/api/documents") if d["state"] == "registered"]
    detail = await api_get(demo_bridge.api, f"/api/documents/{docs[0]['id']}")
    assert [e["code"] for e in detail["statuses"][HUYEN]["events"]].count("03") == 1
    assert len(docs) == 1  # the relayed document did not come back as an incoming one
