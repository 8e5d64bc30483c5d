"""Vietnam time at the edge: a document that arrives at 23:30 UTC is dated the next day in Vietnam, in the
receipt the clerk keeps and on the dashboard."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.access import Role
from tests.e2e.clerk_helpers import add_user, web_session
from tests.e2e.harness import RunningBridge, document_mail, send_mail, settings_for, start_bridge
from tests.fixtures.clock import MovableClock
from tests.fixtures.pdfs import make_official_pdf

TAN_HOA_ORGAN = "000.20.32.H61"
LATE_EVENING_UTC = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 06:30 on 02/12/2026 in Vietnam


@pytest.fixture
async def late_bridge(db_url: str, tmp_path: Path, axis, mail_sink) -> AsyncIterator[RunningBridge]:  # type: ignore[no-untyped-def]
    running = await start_bridge(
        settings_for(db_url, tmp_path, axis.base_url, mail_sink.port), clock=MovableClock(LATE_EVENING_UTC)
    )
    yield running
    await running.shutdown()


async def test_a_document_registered_at_2330_utc_is_dated_the_next_day(late_bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    assert await send_mail(late_bridge.settings.smtp_in.port, document_mail(make_official_pdf())) == {}

    receipt = await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]))
    body = receipt.get_body(("plain",)).get_content()
    at = re.search(r"Thời điểm tiếp nhận: (\d\d:\d\d) ngày (\d\d/\d\d/\d{4})", body)
    assert at is not None, body
    assert at[2] == "02/12/2026" and at[1].startswith("06:3"), at[0]
    assert "01/12/2026" not in body and "UTC" not in body

    await add_user(late_bridge.settings.database_url, "vanthu_tanhoa", Role.CLERK, TAN_HOA_ORGAN)
    async with web_session(late_bridge.api, "vanthu_tanhoa") as web:
        page = (await web.get("/web/search", params={"q": "chuyển đổi số"})).text
    assert re.search(r"<td>02/12/2026 06:3\d</td>", page), page
    assert "01/12/2026" not in page
