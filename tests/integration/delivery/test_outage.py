"""Outages are waited out (SQLite and PostgreSQL, on a moved clock): the axis down far longer than the old
dead-letter horizon (8 tries ≈ 254 s), then up — everything delivered once, nobody needed; the sender told
"chưa chuyển được, hệ thống sẽ tiếp tục gửi" after the configured delay and "đã chuyển" at the end; status 01 only
when the axis took the packet. And a relay that fails for good: dead letter naming the document, the sender told,
an alert, requeue, delivered, the sender told again."""

from __future__ import annotations

from datetime import timedelta

from bridge.api.metrics import delivery_alerts
from bridge.services.outbox_view import alert_lines, describe
from bridge.settings import load_settings
from bridge.worker import RetryPolicy
from core.document import ProcessingState
from core.records import OutboxState
from core.status import StatusCode
from tests.integration.delivery.conftest import HUYEN, Line, line_worker

OLD_HORIZON = timedelta(seconds=254)


async def statuses(line: Line, doc_id: str) -> list[StatusCode]:
    async with line.bridge.deps.uow() as uow:
        return [e.code for e in (await uow.statuses.history(doc_id, HUYEN)).events]


async def test_an_outage_of_hours_is_waited_out_and_every_document_delivered_once(line: Line) -> None:
    defaults = load_settings(None).outbox  # the shipped policy (config/default.toml), not one made for the test
    assert line.bridge.retry_policy() == RetryPolicy(window=72 * 3600.0, maximum=600.0)
    assert (defaults.retry_window_hours, defaults.max_delay, defaults.relay_notice_after_minutes) == (72, 600, 30)
    line.axis.set_down(True)
    inbound = [await line.send(n) for n in (31, 32, 33)]
    await line.run()
    docs = [await line.document(i) for i in inbound]
    assert {d.state for d in docs} == {ProcessingState.REGISTERED}
    assert len(line.receipts("Đã tiếp nhận")) == 3
    start = line.clock.now()
    while line.clock.now() - start < timedelta(hours=6):  # ~85 times the old horizon
        await line.later()
        await line.run()
        for job in await line.jobs("relay"):
            assert job.state is OutboxState.TODO, job.last_error  # never buried, never needs a person
            assert job.run_after - line.clock.now() <= timedelta(seconds=600)  # tried at least every 10 minutes
    assert line.axis.packets_for(HUYEN) == []
    assert [await statuses(line, d.id) for d in docs] == [[], [], []]  # "đang chuyển": no 01 before the axis has it
    delayed = line.receipts("Chưa chuyển được")
    assert sorted(m["To"] for m in delayed) == ["vanthu@tanhoa.vinhlong.gov.vn"] * 3  # told once each
    failing = await describe(line.bridge.deps.uow, await line.queue.failing())
    alerts = alert_lines(failing)
    assert len(alerts) == 3 and all("chưa chuyển được từ" in a and "Ủy ban nhân dân huyện Long Hồ" in a for a in alerts)

    line.axis.set_down(False)
    back = line.clock.now()
    while len(line.axis.packets_for(HUYEN)) < 3 and line.clock.now() - back < timedelta(hours=1):
        await line.later()
        await line.run()
    assert line.clock.now() - back <= timedelta(seconds=600)  # each at its next try, at most 10 minutes later
    packets = line.axis.packets_for(HUYEN)
    assert len(packets) == 3 and all(n == 1 for n in line.axis.send_counts().values())
    assert [await statuses(line, d.id) for d in docs] == [[StatusCode.ARRIVED]] * 3
    assert len(line.receipts("Đã chuyển văn bản")) == 3
    assert await line.queue.failing() == [] and line.clock.now() - start > 80 * OLD_HORIZON
    ids = [m["Message-ID"] for m in line.sink.messages]
    assert len(ids) == len(set(ids)) == 9  # accepted, delayed, delivered: one of each per document


async def test_a_relay_failing_for_good_tells_the_sender_raises_an_alert_and_requeue_delivers_it(line: Line) -> None:
    line.worker = line_worker(line.bridge, RetryPolicy(window=3600))  # an installation that gives up after 1 h
    line.axis.set_down(True)
    start = line.clock.now()
    inbound = await line.send(41)
    await line.run()
    doc = await line.document(inbound)
    while not (dead := [j for j in await line.jobs("relay") if j.state is OutboxState.DEAD]):
        assert await line.later() > timedelta(0) and line.clock.now() - start < timedelta(hours=2)
        await line.run()
    [failed] = line.receipts("Không chuyển được văn bản")
    body = failed.get_body(("plain",)).get_content()
    assert "41/QĐ-UBND" in body and "Ủy ban nhân dân huyện Long Hồ" in body and "Trục liên thông" in body
    [row] = await describe(line.bridge.deps.uow, dead)  # the dead-letter row on the dashboard
    assert (
        "41/QĐ-UBND" in row.about
        and "Ủy ban nhân dân huyện Long Hồ" in row.about
        and "Ủy ban nhân dân xã Tân Hòa" in row.about
    )
    assert row.last_error.startswith("Trục liên thông") and row.dead
    metrics = {(f.name, tuple(x.labels.items()), x.value) for f in await delivery_alerts(line.bridge, line.clock.now())
               for x in f.samples}  # fmt: skip
    assert ("edoc_outbox_dead_jobs", (("kind", "relay"),), 1.0) in metrics  # the /metrics alert
    [alert] = alert_lines([row], scope="000.20.32.H61")
    assert "KHÔNG chuyển được" in alert and alert_lines([row], scope="000.21.32.H61") == []
    assert await statuses(line, doc.id) == []

    line.axis.set_down(False)
    assert await line.queue.requeue(dead[0].id)
    await line.run()
    assert len(line.axis.packets_for(HUYEN)) == 1
    assert await statuses(line, doc.id) == [StatusCode.ARRIVED]
    [delivered] = line.receipts("Đã chuyển văn bản")
    assert "41/QĐ-UBND" in delivered.get_body(("plain",)).get_content()
    assert await line.queue.failing() == []


async def test_a_permanent_refusal_goes_to_the_dead_letters_at_once_and_fail_minus_one_is_retried(line: Line) -> None:
    line.axis.set_fail_next(3, "sendEdoc", code="-1", desc="Lỗi hệ thống trục")  # "try later"
    inbound = await line.send(51)
    await line.run()
    for _ in range(10):  # three FAIL -1 answers, then the packet goes through
        if line.axis.packets_for(HUYEN):
            break
        await line.later()
        await line.run()
    [job] = await line.jobs("relay")
    assert job.state is OutboxState.DONE and job.attempts == 4

    line.axis.set_fail_next(1, "sendEdoc", code="400", desc="Gói tin không hợp lệ")
    await line.send(52)
    await line.run()
    dead = [j for j in await line.jobs("relay") if j.state is OutboxState.DEAD]
    assert len(dead) == 1 and dead[0].attempts == 1 and "mã lỗi 400" in dead[0].last_error
    assert len(line.receipts("Không chuyển được văn bản")) == 1
    assert (await line.document(inbound)).state is ProcessingState.REGISTERED
