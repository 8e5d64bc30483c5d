"""A poisoned packet among good ones (issue 14): the good ones are delivered in the same poll, the poisoned one is
kept as evidence with its error, acknowledged, and answered with status 02 and a Vietnamese reason; an unreadable
status packet is kept and acknowledged without an answer."""

from __future__ import annotations

import base64
import re

from bridge.axis.simulator import AxisSimulator
from bridge.edxml import parse_status
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork
from tests.e2e.axis_delivery_helpers import TAN_HOA_ORGAN, codes_at, province_document, province_packet
from tests.e2e.harness import RunningBridge, eventually
from tests.fixtures.pdfs import make_official_pdf
from tests.unit.edxml.fuzz_inputs import damage_zip, status_template

PROVINCE = "000.00.00.H61"


def _with_damaged_attachment(packet: bytes) -> bytes:
    """The same packet, its attachment's zip wrapping corrupted (deflate data flipped)."""
    payload = re.search(rb"(ContentTransferEncoded[^>]*>)([^<]+)(<)", packet)
    assert payload is not None
    damaged = damage_zip("deflate", base64.b64decode(payload.group(2)), 0x5A)
    return packet[: payload.start(2)] + base64.b64encode(damaged) + packet[payload.end(2) :]


async def _inbound(db_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(db_url)
    try:
        async with SqlUnitOfWork(engine) as uow:
            return [(r.source_ref, r.state.value, r.last_error) for r in await uow.inbound.list(limit=100)]
    finally:
        await engine.dispose()


async def test_one_poisoned_packet_does_not_hold_up_the_good_ones(
    bridge: RunningBridge, axis: AxisSimulator, mail_sink, db_url: str
) -> None:
    pdf = make_official_pdf()
    first = province_document("45/QĐ-UBND", "Về việc giao chỉ tiêu chuyển đổi số năm 2027")
    broken = province_document("46/QĐ-UBND", "Về việc kiểm tra tệp hỏng")
    last = province_document("47/QĐ-UBND", "Về việc tổng kết phong trào thi đua")
    ids = []
    # all on the axis before the bridge's next poll: one poll meets them in this order
    for packet in (
        province_packet(pdf, first),
        _with_damaged_attachment(province_packet(pdf, broken)),
        b"\x00\x01 not edXML at all",
        province_packet(pdf, last),
    ):
        ids += await axis.inject(packet, to=TAN_HOA_ORGAN, from_code=PROVINCE)
    unreadable_status, readable_status = (
        (await axis.inject(b"<edXML><unclosed>", message_type="status", to=TAN_HOA_ORGAN, from_code=PROVINCE))[0],
        (await axis.inject(status_template("05"), message_type="status", to=TAN_HOA_ORGAN))[0],
    )

    for doc in (first, last):
        await mail_sink.wait_for(lambda m, d=doc: d.subject[:30] in str(m["Subject"]))
    # every item acknowledged, the poisoned ones included: none comes back at the next poll
    await eventually(
        lambda: all(axis.packet(i).status == "done" for i in [*ids, unreadable_status, readable_status]),  # type: ignore[union-attr]
        what="every item acknowledged",
    )
    # two 01s for the good ones and two 02s with a reason for the poisoned ones
    await eventually(lambda: sorted(codes_at(axis, PROVINCE)) == ["01", "01", "02", "02"], what="01, 01, 02, 02")
    refusals = [s for s in (parse_status(p.body) for p in axis.packets_for(PROVINCE)) if s.status_code.value == "02"]
    by_document = {s.response_for.document_id: s for s in refusals}
    damaged = by_document[f"{PROVINCE},2026/11/20,46/QĐ-UBND"]  # named as far as the packet can be read
    assert "bị hỏng" in damaged.description and "Gói tin edXML không đọc được" in damaged.description
    assert damaged.from_.organ_id == TAN_HOA_ORGAN and damaged.response_for.code == "46/QĐ-UBND"
    garbage = by_document[ids[2]]  # nothing readable: the axis docId names it
    assert "không phải XML hợp lệ" in garbage.description

    rows = {ref: (state, error) for ref, state, error in await _inbound(db_url)}
    assert rows[f"axis:{ids[1]}"][0] == "failed" and "bị hỏng" in rows[f"axis:{ids[1]}"][1]
    assert rows[f"axis:{ids[2]}"][0] == "failed"
    assert rows[f"axis-status:{unreadable_status}"][0] == "failed"
    assert "Gói tin trạng thái không đọc được" in rows[f"axis-status:{unreadable_status}"][1]
    assert f"axis-status:{readable_status}" not in rows  # a readable status is applied, not kept as evidence
    # the unreadable status is never answered with a status: nothing went to its sender for it
    assert len(codes_at(axis, PROVINCE)) == 4
