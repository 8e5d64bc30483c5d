"""The simulator behaves like an axis the real SDK talks to: the seven recorded SDK requests, replayed byte for
byte (stale headers, month-old timestamps, the CRLF after the file), are all accepted, and forged or tampered
copies are refused in the SDK's error shape."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest

from bridge.axis.simulator import AxisSimulator, SimSystem
from tests.fixtures.interop import SDK_SECRET, SDK_SENT_FILE, SDK_SYSTEM_ID, RecordedRequest, interop_file, sdk_capture

RECORDED_DOC_ID = "d0c1d-0001"  # the docId the recorded getEdoc/updateStatus calls name
# Headers the HTTP library sets for itself; everything else is replayed as recorded, in order.
TRANSPORT = {"host", "content-length", "connection", "accept-encoding", "expect"}


@pytest.fixture
async def sdk_axis() -> AsyncIterator[AxisSimulator]:
    """An axis where the recorder's dummy system serves every organ."""
    async with AxisSimulator({SDK_SYSTEM_ID: SimSystem(SDK_SECRET)}) as sim:
        yield sim


async def _replay(
    sim: AxisSimulator, record: RecordedRequest, headers: list[tuple[str, str]] | None = None, body: bytes | None = None
) -> httpx.Response:
    sent = headers if headers is not None else [(k, v) for k, v in record.headers if k.lower() not in TRANSPORT]
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        return await http.post(record.path, content=record.body if body is None else body, headers=sent)


def _answer(response: httpx.Response) -> dict[str, object]:
    answer = response.json()
    assert isinstance(answer, dict)
    # the three keys the SDK reads from every answer with getAsString (a missing one is a NullPointerException)
    assert {"status", "ErrorCode", "ErrorDesc"} <= set(answer)
    return answer


async def test_every_recorded_sdk_request_is_accepted(sdk_axis: AxisSimulator) -> None:
    received_list, send, get, update, sent_list, status_list, update_again = sdk_capture()
    file = interop_file(SDK_SENT_FILE).read_bytes()
    incoming = file.replace(b"<edXML:StatusCode>01<", b"<edXML:StatusCode>03<")
    await sdk_axis.inject(incoming, to="000.00.00.H41", doc_ids=[RECORDED_DOC_ID])
    [status_id] = await sdk_axis.inject(incoming, to="000.00.00.H41", message_type="status")

    answers = []
    for record in (received_list, send, get, update, sent_list, status_list, update_again):
        response = await _replay(sdk_axis, record)
        assert response.status_code == 200, (record.path, response.text)
        answers.append(_answer(response))
    assert all(a["status"] == "OK" and a["ErrorCode"] == "0" for a in answers)

    [listed] = answers[0]["data"]  # type: ignore[misc]
    assert listed["docId"] == RECORDED_DOC_ID
    # the status packet sent with the SDK's trailing CRLF is stored byte-identical to the file
    [stored] = [p for p in sdk_axis.packets() if p.sender_system == SDK_SYSTEM_ID]
    assert stored.body == file and send.body == file + b"\r\n"
    assert (stored.from_code, stored.to_code, stored.message_type) == ("000.00.00.H41", "000.00.00.G22", "status")
    assert answers[1]["DocId"] == stored.send_id
    assert base64.b64decode(answers[2]["data"]) == incoming  # type: ignore[arg-type]
    # the status list holds what others sent, not the node's own status packet of call 2
    assert [row["docId"] for row in answers[5]["data"]] == [status_id]  # type: ignore[union-attr]
    # call 7 carries call 6's servicetype/messagetype (one long-lived instance) and set the delivery to fail
    assert sdk_axis.packet(RECORDED_DOC_ID).status == "fail"  # type: ignore[union-attr]


def _swap(record: RecordedRequest, name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in record.headers if k.lower() not in TRANSPORT]


async def test_forged_or_tampered_requests_get_the_sdks_error_shape(sdk_axis: AxisSimulator) -> None:
    records = sdk_capture()
    send, get = records[1], records[2]
    forged = [
        (send, _swap(send, "XroadVnpt-hash-header", "0" * 64), None),
        (send, _swap(send, "XroadVnpt-from", "000.00.00.H53"), None),  # not what was signed
        (send, None, send.body.replace(b"<edXML:StatusCode>01<", b"<edXML:StatusCode>02<")),  # body changed
        (send, None, b"\r\n" + send.body),
        (get, _swap(get, "XroadVnpt-systemid", "other.system"), None),
        (get, [(k, v) for k, v in _swap(get, "", "") if k != "XroadVnpt-sign-header"], None),
    ]
    for record, headers, body in forged:
        response = await _replay(sdk_axis, record, headers, body)
        answer = _answer(response)
        assert response.status_code == 401 and (answer["status"], answer["ErrorCode"]) == ("FAIL", "401")
        assert "Xác thực" in str(answer["ErrorDesc"])
        if record is send:  # the SDK reads DocId from every sendEdoc answer (a missing one loses the error)
            assert answer["DocId"] == ""
    async with AxisSimulator({SDK_SYSTEM_ID: SimSystem("another-secret")}) as other:
        assert (await _replay(other, get)).status_code == 401  # same request, wrong secret
    assert sdk_axis.packets() == []
