"""VxpAxisClient ↔ AxisSimulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bridge.axis.client import AxisAuthFailed, VxpAxisClient
from bridge.axis.signing import VIETNAM_TIME, SdkInstance, format_timestamp
from bridge.axis.simulator import AxisSimulator
from core.ports import AxisItem, AxisRejected, AxisUnavailable
from tests.fixtures.axis_fixtures import (
    BRIDGE_ORGANS,
    BRIDGE_SECRET,
    BRIDGE_SYSTEM,
    PEER_ORGANS,
    axis_systems,
    edoc_packet,
    status_packet,
)

OUR_DEPT, OUR_PROVINCE = BRIDGE_ORGANS[1], BRIDGE_ORGANS[0]
PEER_PROVINCE, PEER_DEPT = PEER_ORGANS


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_send_edoc_reaches_every_recipient_once(
    axis_sim: AxisSimulator, axis_client: VxpAxisClient, peer_axis_client: VxpAxisClient
) -> None:
    packet = edoc_packet(OUR_DEPT, [PEER_PROVINCE, PEER_DEPT])

    doc_id = await axis_client.send_edoc(OUR_DEPT, packet)

    assert doc_id
    for organ in (PEER_PROVINCE, PEER_DEPT):
        [stored] = axis_sim.packets_for(organ)
        assert (stored.from_code, stored.message_type, stored.sha256) == (OUR_DEPT, "edoc", sha(packet))
        assert stored.send_id == doc_id and stored.body == packet
    assert axis_sim.send_count(sha(packet)) == 1
    items = await peer_axis_client.received("edoc")
    assert sorted(i.to_code for i in items) == sorted([PEER_PROVINCE, PEER_DEPT])
    assert all(i.from_code == OUR_DEPT and i.message_type == "edoc" for i in items)
    assert [await peer_axis_client.get_edoc(i.doc_id) for i in items] == [packet, packet]
    assert await axis_client.received("edoc") == []  # not addressed to our organs


async def test_status_packet_goes_back_to_response_for(
    axis_client: VxpAxisClient, peer_axis_client: VxpAxisClient
) -> None:
    answer = status_packet(PEER_DEPT, response_for=OUR_DEPT, status_code="03")

    await peer_axis_client.send_edoc(PEER_DEPT, answer, message_type="status")

    [item] = await axis_client.received("status")
    assert (item.from_code, item.to_code, item.message_type) == (PEER_DEPT, OUR_DEPT, "status")
    assert await axis_client.get_edoc(item.doc_id) == answer
    assert await axis_client.received("edoc") == []


async def test_injected_document_is_listed_until_done(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    incoming = edoc_packet(PEER_PROVINCE, [OUR_PROVINCE, OUR_DEPT], subject="Về việc phối hợp")
    doc_ids = await axis_sim.inject(incoming)

    items = await axis_client.received()
    assert {i.doc_id for i in items} == set(doc_ids)
    first, second = sorted(items, key=lambda i: i.to_code)
    assert first == AxisItem(first.doc_id, PEER_PROVINCE, OUR_PROVINCE, "edoc")
    assert await axis_client.get_edoc(first.doc_id) == incoming

    await axis_client.update_status(first.doc_id, "done")
    await axis_client.update_status(second.doc_id, "fail")

    assert [i.doc_id for i in await axis_client.received()] == [second.doc_id]  # "fail" stays listed
    assert axis_sim.packet(first.doc_id).status == "done"  # type: ignore[union-attr]
    assert axis_sim.packet(second.doc_id).status == "fail"  # type: ignore[union-attr]


async def test_inject_with_explicit_recipient_accepts_any_bytes(
    axis_sim: AxisSimulator, axis_client: VxpAxisClient
) -> None:
    garbage = b"not an edXML packet"
    [doc_id] = await axis_sim.inject(garbage, to=OUR_DEPT, from_code=PEER_DEPT)

    assert [i.doc_id for i in await axis_client.received()] == [doc_id]
    assert await axis_client.get_edoc(doc_id) == garbage


async def test_other_nodes_documents_are_not_reachable(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    [theirs] = await axis_sim.inject(edoc_packet(OUR_DEPT, [PEER_DEPT]))

    with pytest.raises(AxisRejected) as caught:
        await axis_client.get_edoc(theirs)
    assert caught.value.args[0] == "404"
    with pytest.raises(AxisRejected):
        await axis_client.update_status(theirs, "done")
    assert axis_sim.packet(theirs).status == "initial"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("from_code", "packet", "code"),
    [
        (PEER_DEPT, edoc_packet(PEER_DEPT, [PEER_PROVINCE]), "403"),  # not an organ our node serves
        (OUR_DEPT, edoc_packet(OUR_PROVINCE, [PEER_DEPT]), "400"),  # From/OrganId contradicts `from`
        (OUR_DEPT, edoc_packet(OUR_DEPT, []), "400"),  # nobody to deliver to
        (OUR_DEPT, b"<edXML><unclosed></edXML>", "400"),
        (OUR_DEPT, b'<!DOCTYPE x [<!ENTITY a "b">]><edXML>&a;</edXML>', "400"),
    ],
)
async def test_unacceptable_packets_are_rejected(
    axis_sim: AxisSimulator, axis_client: VxpAxisClient, from_code: str, packet: bytes, code: str
) -> None:
    with pytest.raises(AxisRejected) as caught:
        await axis_client.send_edoc(from_code, packet)

    assert caught.value.args[0] == code and caught.value.args[1]
    assert axis_sim.packets() == [] and axis_sim.send_count(sha(packet)) == 0


async def test_fail_next_answers_fail_then_recovers(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    packet = edoc_packet(OUR_DEPT, [PEER_DEPT])
    axis_sim.set_fail_next(1, "sendEdoc", code="E42", desc="Trục từ chối")

    with pytest.raises(AxisRejected) as caught:
        await axis_client.send_edoc(OUR_DEPT, packet)
    assert caught.value.args == ("E42", "Trục từ chối")
    assert not isinstance(caught.value, AxisUnavailable)

    await axis_client.send_edoc(OUR_DEPT, packet)
    assert axis_sim.calls["sendEdoc"] == 2  # one call per send_edoc: the client never retries
    assert axis_sim.send_count(sha(packet)) == 1


async def test_duplicate_sends_are_counted(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    once, twice = edoc_packet(OUR_DEPT, [PEER_DEPT], "Một lần"), edoc_packet(OUR_DEPT, [PEER_DEPT], "Hai lần")

    await axis_client.send_edoc(OUR_DEPT, once)
    await axis_client.send_edoc(OUR_DEPT, twice)
    await axis_client.send_edoc(OUR_DEPT, twice)

    assert axis_sim.send_counts() == {sha(once): 1, sha(twice): 2}


async def test_down_axis_is_unavailable(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    axis_sim.set_down(True)
    with pytest.raises(AxisUnavailable) as caught:
        await axis_client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_DEPT]))
    assert "503" in str(caught.value)
    assert axis_sim.packets() == []

    axis_sim.set_down(False)
    assert await axis_client.received() == []


async def test_stopped_axis_refuses_connections_and_restarts_with_its_state(
    axis_sim: AxisSimulator, axis_client: VxpAxisClient
) -> None:
    [doc_id] = await axis_sim.inject(edoc_packet(PEER_DEPT, [OUR_DEPT]))
    port = axis_sim.port
    await axis_sim.stop()

    with pytest.raises(AxisUnavailable) as caught:
        await axis_client.received()
    assert isinstance(caught.value.__cause__, httpx.ConnectError)

    await axis_sim.start()
    assert axis_sim.port == port
    assert [i.doc_id for i in await axis_client.received()] == [doc_id]


async def test_slow_axis_times_out_as_unavailable(axis_sim: AxisSimulator) -> None:
    axis_sim.set_delay(0.5)
    async with VxpAxisClient(axis_sim.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET, timeout=0.1) as impatient:
        with pytest.raises(AxisUnavailable) as caught:
            await impatient.received()
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


async def test_wrong_secret_is_refused_as_auth_failure(axis_sim: AxisSimulator) -> None:
    async with VxpAxisClient(axis_sim.base_url, BRIDGE_SYSTEM, "not-the-secret") as impostor:
        with pytest.raises(AxisAuthFailed) as caught:
            await impostor.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_DEPT]))
    assert isinstance(caught.value, AxisUnavailable)  # node-wide problem: the outbox keeps the packet
    assert "401" in str(caught.value)
    assert axis_sim.packets() == []


def _signed(
    op: str, params: dict[str, str], file: bytes | None = None, *, at: datetime | None = None
) -> tuple[list[tuple[str, str]], bytes]:
    stamp = format_timestamp(at or datetime.now(VIETNAM_TIME))
    request = SdkInstance(BRIDGE_SYSTEM, BRIDGE_SECRET, stamp).request(op, params, file)
    return request.headers, request.body


async def _post(sim: AxisSimulator, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> httpx.Response:
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        return await http.post(path, content=body, headers=headers)


def _swap(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in headers]


async def test_tampered_requests_get_401_fail(axis_sim: AxisSimulator) -> None:
    packet = edoc_packet(OUR_DEPT, [PEER_DEPT])
    params = {"from": OUR_DEPT, "servicetype": "eDoc", "messagetype": "edoc"}
    good, body = _signed("sendEdoc", params, packet)
    assert (await _post(axis_sim, "/sendEdoc", good, body)).status_code == 200

    bad_hash = _swap(good, "XroadVnpt-hash-header", "0" * 64)
    swapped_header = _swap(good, "XroadVnpt-from", OUR_PROVINCE)  # signed JSON still says OUR_DEPT
    other_body = body.replace(b"edXML:Subject>", b"edXML:Content>")
    unsigned = [(k, v) for k, v in good if k != "XroadVnpt-hash-header"]
    no_hash_file, no_file_body = _signed("getEdoc", {"docId": "x"})
    for headers, sent in [
        (bad_hash, body),
        (swapped_header, body),
        (good, other_body),
        (unsigned, body),
        (no_hash_file, body),  # a sendEdoc that announces no file
    ]:
        response = await _post(axis_sim, "/sendEdoc", headers, sent)
        assert response.status_code == 401
        answer = response.json()
        assert (answer["status"], answer["ErrorCode"]) == ("FAIL", "401") and answer["ErrorDesc"]
    assert no_file_body == b"{}"
    assert axis_sim.send_count(sha(packet)) == 1


async def test_freshness_window_is_a_setting(axis_sim: AxisSimulator) -> None:
    packet = edoc_packet(OUR_DEPT, [PEER_DEPT])
    params = {"from": OUR_DEPT, "servicetype": "eDoc", "messagetype": "edoc"}
    months_ago = datetime.now(VIETNAM_TIME) - timedelta(days=90)
    stale, body = _signed("sendEdoc", params, packet, at=months_ago)
    # by default there is no window: a long-lived SDK instance keeps the stamp it was made with
    assert (await _post(axis_sim, "/sendEdoc", stale, body)).status_code == 200
    async with AxisSimulator(axis_systems(), max_age=timedelta(minutes=5)) as strict:
        response = await _post(strict, "/sendEdoc", stale, body)
        assert response.status_code == 401 and "timestamp" in response.json()["ErrorDesc"]
        fresh, body = _signed("sendEdoc", params, packet)
        assert (await _post(strict, "/sendEdoc", fresh, body)).status_code == 200


async def test_get_sent_edoc_list_reports_each_receiver(
    axis_client: VxpAxisClient, peer_axis_client: VxpAxisClient, axis_sim: AxisSimulator
) -> None:
    doc_id = await axis_client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_PROVINCE, PEER_DEPT], "V/v họp"))
    other_id = await axis_client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_DEPT]))
    await axis_client.send_edoc(OUR_DEPT, status_packet(OUR_DEPT, PEER_DEPT), "status")
    [delivered, _] = axis_sim.packets_for(PEER_DEPT)[:2]
    await peer_axis_client.update_status(delivered.doc_id, "done")

    rows = {row.to_code: row for row in await axis_client.sent(doc_id)}

    assert set(rows) == {PEER_PROVINCE, PEER_DEPT}
    assert rows[PEER_DEPT].receive_status == "done" and rows[PEER_DEPT].received_time
    assert rows[PEER_PROVINCE].receive_status == "initial" and not rows[PEER_PROVINCE].received_time
    deliveries = {p.doc_id for p in axis_sim.packets() if p.send_id == doc_id}
    assert {row.receiver_doc_id for row in rows.values()} == deliveries
    for row in rows.values():
        assert (row.sender_doc_id, row.from_code, row.message_type, row.title) == (doc_id, OUR_DEPT, "edoc", "V/v họp")
    everything = await axis_client.sent()
    assert {row.sender_doc_id for row in everything} == {doc_id, other_id}  # edoc rows only
    assert [row.message_type for row in await axis_client.sent(message_type="status")] == ["status"]
    assert await peer_axis_client.sent() == []  # another node sees only its own sends


async def test_control_endpoints_mirror_the_python_api(axis_sim: AxisSimulator, axis_client: VxpAxisClient) -> None:
    incoming = edoc_packet(PEER_PROVINCE, [OUR_DEPT])
    async with httpx.AsyncClient(base_url=axis_sim.base_url) as http:
        injected = await http.post("/_sim/inject", json={"packet_b64": base64.b64encode(incoming).decode()})
        [doc_id] = injected.json()["doc_ids"]
        listed = (await http.get("/_sim/packets", params={"organ": OUR_DEPT})).json()["packets"]
        assert [(p["doc_id"], p["from_code"], p["to_code"], p["message_type"]) for p in listed] == [
            (doc_id, PEER_PROVINCE, OUR_DEPT, "edoc")
        ]
        assert base64.b64decode(listed[0]["body_b64"]) == incoming and listed[0]["sha256"] == sha(incoming)

        mode = (await http.post("/_sim/mode", json={"fail_next": 1, "fail_op": "getEdoc"})).json()
        assert (mode["fail_next"], mode["fail_op"]) == (1, "getEdoc")
        with pytest.raises(AxisRejected):
            await axis_client.get_edoc(doc_id)
        assert await axis_client.get_edoc(doc_id) == incoming

        await axis_client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_DEPT]))
        sends = (await http.get("/_sim/sends")).json()
        assert list(sends["sends"].values()) == [1] and sends["calls"]["getEdoc"] == 2

        assert (await http.post("/_sim/mode", json={"bogus": 1})).status_code == 400
        await http.post("/_sim/reset")
        assert (await http.get("/_sim/packets")).json() == {"packets": []}
    assert axis_sim.send_counts() == {}


async def test_state_survives_restart_with_data_dir(tmp_path: Path) -> None:
    incoming = edoc_packet(PEER_PROVINCE, [OUR_PROVINCE, OUR_DEPT])
    outgoing = edoc_packet(OUR_DEPT, [PEER_DEPT])
    async with AxisSimulator(axis_systems(), data_dir=tmp_path) as first:
        done_id, open_id = await first.inject(incoming)
        async with VxpAxisClient(first.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET) as client:
            await client.update_status(done_id, "done")
            await client.send_edoc(OUR_DEPT, outgoing)

    async with AxisSimulator(axis_systems(), data_dir=tmp_path) as second:
        assert second.packet(done_id).status == "done"  # type: ignore[union-attr]
        assert second.send_count(sha(outgoing)) == 1
        [stored] = second.packets_for(PEER_DEPT)
        assert stored.body == outgoing
        async with VxpAxisClient(second.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET) as client:
            assert [i.doc_id for i in await client.received()] == [open_id]
            assert await client.get_edoc(open_id) == incoming
    assert len(list((tmp_path / "blobs").iterdir())) == 2  # each body stored once


async def test_serve_runs_until_cancelled() -> None:
    sim = AxisSimulator(axis_systems())
    task = asyncio.create_task(sim.serve())
    while not sim.running:
        assert not task.done()
        await asyncio.sleep(0.01)
    async with VxpAxisClient(sim.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET) as client:
        assert await client.received() == []
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not sim.running
        with pytest.raises(AxisUnavailable):
            await client.received()


async def test_client_refuses_unknown_kinds_without_calling(
    axis_sim: AxisSimulator, axis_client: VxpAxisClient
) -> None:
    with pytest.raises(ValueError):
        await axis_client.update_status("x", "processed")
    with pytest.raises(ValueError):
        await axis_client.received("edocs")
    assert sum(axis_sim.calls.values()) == 0


async def test_a_catch_all_node_never_receives_its_own_sends(axis_client: VxpAxisClient) -> None:
    """The demo's single catch-all node: what it sends is recorded as sent, never listed back to it. A node with
    its own organs gets what it sends to them (as on the real axis)."""
    await axis_client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [OUR_PROVINCE]))
    assert [item.to_code for item in await axis_client.received("edoc")] == [OUR_PROVINCE]
    async with (
        AxisSimulator({BRIDGE_SYSTEM: BRIDGE_SECRET}) as sim,
        VxpAxisClient(sim.base_url, BRIDGE_SYSTEM, BRIDGE_SECRET) as client,
    ):
        doc_id = await client.send_edoc(OUR_DEPT, status_packet(OUR_DEPT, PEER_DEPT), "status")
        await client.send_edoc(OUR_DEPT, edoc_packet(OUR_DEPT, [PEER_DEPT]))
        assert await client.received("status") == [] and await client.received("edoc") == []
        assert [row.to_code for row in await client.sent(doc_id, "status")] == [PEER_DEPT]
        [incoming] = await sim.inject(status_packet(PEER_DEPT, OUR_DEPT), message_type="status")  # someone else
        assert [item.doc_id for item in await client.received("status")] == [incoming]
