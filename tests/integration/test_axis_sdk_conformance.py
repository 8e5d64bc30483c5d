"""Our requests are the real SDK's requests: the seven calls SDKVXP-2.0.1 made (recorded on loopback, read in
place from the interop folder) are rebuilt from the same systemId, secret, parameters, file and timestamp, and
compared header by header and byte by byte — once from the signing layer, once over the wire from the client."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from bridge.axis.client import VxpAxisClient
from bridge.axis.signing import PREFIX, VIETNAM_TIME, SdkInstance, hash_file, hmac_hex, parse_timestamp
from tests.fixtures.axis_recorder import AxisRecorder
from tests.fixtures.interop import (
    SDK_SECRET,
    SDK_SENT_FILE,
    SDK_SYSTEM_ID,
    RecordedRequest,
    interop_file,
    sdk_capture,
)

# Each call's JSON parameters, as the recording's caller passed them (INDEX.md).
CALLS: list[tuple[str, dict[str, str]]] = [
    ("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "edoc"}),
    ("sendEdoc", {"from": "000.00.00.H41", "servicetype": "eDoc", "messagetype": "status"}),
    ("getEdoc", {"docId": "d0c1d-0001", "filePath": "store"}),
    ("updateStatus", {"docid": "d0c1d-0001", "status": "done"}),
    ("getSentEdocList", {"servicetype": "eDoc", "messagetype": "edoc", "docId": "d0c1d-0001"}),
    ("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "status"}),  # 6 and 7: one shared instance
    ("updateStatus", {"docId": "d0c1d-0001", "status": "fail"}),
]
# Headers the SDK itself sets; the rest (Host, Connection, Content-Length, Accept…) is the HTTP library's.
SDK_SET = {"content-type", "user-agent"}


def _sdk_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.startswith(PREFIX) or k.lower() in SDK_SET]


def _xroad(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.startswith(PREFIX)]


def _file(op: str) -> bytes | None:
    return interop_file(SDK_SENT_FILE).read_bytes() if op == "sendEdoc" else None


def _assert_same_request(ours: RecordedRequest, sdk: RecordedRequest) -> None:
    assert ours.path == sdk.path
    # every XroadVnpt-* header: same names (case included), same values, same order
    assert _xroad(ours.headers) == _xroad(sdk.headers)
    # the plain headers the SDK sets
    for name in ("Content-Type", "User-Agent"):
        assert ours.header(name) == sdk.header(name)
    assert ours.body == sdk.body


@pytest.fixture(scope="module")
def capture() -> list[RecordedRequest]:
    records = sdk_capture()
    assert [r.path.lstrip("/") for r in records] == [op for op, _ in CALLS]
    return records


def test_the_signed_set_is_field_by_field_the_sdks(capture: list[RecordedRequest]) -> None:
    shared: SdkInstance | None = None
    for i, ((op, params), sdk) in enumerate(zip(CALLS, capture, strict=True)):
        stamp = sdk.header("XroadVnpt-timestamp")
        if i < 5:
            instance = SdkInstance(SDK_SYSTEM_ID, SDK_SECRET, stamp)  # calls 1–5: a fresh instance each
        else:
            instance = shared = shared or SdkInstance(SDK_SYSTEM_ID, SDK_SECRET, stamp)
        ours = instance.request(op, params, _file(op))
        mine = RecordedRequest("POST", ours.path, ours.headers, ours.body)

        # field by field first, so a failure names the field
        for name in ("sign-header-key", "sign-header", "hash-header", "timestamp", "systemid", "Content-Type"):
            assert mine.header(PREFIX + name) == sdk.header(PREFIX + name), name
        assert json.loads(mine.header("XroadVnpt-sign-header")) == json.loads(sdk.header("XroadVnpt-sign-header"))
        assert mine.header("XroadVnpt-hash-header") == hmac_hex(SDK_SECRET, sdk.header("XroadVnpt-sign-header"))
        _assert_same_request(mine, sdk)
        # the whole list the SDK sets, in its order; sendEdoc goes through HttpURLConnection, which keeps the
        # Content-Type it was given first (multipart/form-data) in front when the SDK's value replaces it
        listed = _sdk_headers(ours.headers)
        if op == "sendEdoc":
            plain = [h for h in listed if h[0] == "Content-Type"]
            listed = plain + [h for h in listed if h[0] != "Content-Type"]
        assert listed == _sdk_headers(sdk.headers)


def test_send_edoc_quirks_are_the_sdks(capture: list[RecordedRequest]) -> None:
    sdk = capture[1]
    file = _file("sendEdoc")
    assert file is not None
    announced = sdk.header("XroadVnpt-hash-file")
    assert len(announced) == 62  # unpadded hex: two bytes of this digest are below 0x10
    assert hash_file(file) == announced
    assert sdk.body == file + b"\r\n"
    assert (
        sdk.header("XroadVnpt-sign-header-key")
        == "systemid;servicetype;messagetype;hash-file;from;timestamp;Content-Type"
    )


def test_a_long_lived_instance_keeps_its_stamp_and_earlier_headers(capture: list[RecordedRequest]) -> None:
    sixth, seventh = capture[5], capture[6]
    assert sixth.header("XroadVnpt-timestamp") == seventh.header("XroadVnpt-timestamp")
    instance = SdkInstance(SDK_SYSTEM_ID, SDK_SECRET, sixth.header("XroadVnpt-timestamp"))
    instance.request(*CALLS[5])
    later = instance.request(*CALLS[6])
    names = dict(later.headers)["XroadVnpt-sign-header-key"].split(";")
    assert {"servicetype", "messagetype"} <= set(names)  # left over from the sixth call, still signed


class _CaptureClock:
    """Gives each call the timestamp the SDK stamped on it (the SDK's JVM ran on the recorder's local time)."""

    def __init__(self, stamps: list[str]) -> None:
        self._times = [parse_timestamp(s, VIETNAM_TIME) for s in stamps]

    def now(self) -> datetime:
        return self._times.pop(0)


@pytest.fixture
async def recorder() -> AsyncIterator[AxisRecorder]:
    file = interop_file(SDK_SENT_FILE).read_bytes()
    rec = AxisRecorder(
        answers={
            "/sendEdoc": {"DocId": "d0c1d-0001"},
            "/getEdoc": {"data": base64.b64encode(file).decode()},
            "/getReceivedEdocList": {"data": []},
            "/getSentEdocList": {"data": []},
        }
    )
    await rec.start()
    try:
        yield rec
    finally:
        await rec.stop()


async def test_the_client_sends_the_sdks_bytes_over_the_wire(
    capture: list[RecordedRequest], recorder: AxisRecorder
) -> None:
    fresh = capture[:5]
    clock = _CaptureClock([r.header("XroadVnpt-timestamp") for r in fresh])
    file = _file("sendEdoc")
    assert file is not None
    async with VxpAxisClient(recorder.base_url, SDK_SYSTEM_ID, SDK_SECRET, clock=clock, store_path="store") as client:
        assert await client.received("edoc") == []
        assert await client.send_edoc("000.00.00.H41", file, "status") == "d0c1d-0001"
        assert await client.get_edoc("d0c1d-0001") == file
        await client.update_status("d0c1d-0001", "done")
        assert await client.sent("d0c1d-0001") == []

    assert len(recorder.requests) == 5
    for ours, sdk in zip(recorder.requests, fresh, strict=True):
        assert ours.method == sdk.method == "POST"
        _assert_same_request(ours, sdk)
        assert ours.header("Content-Length") == str(len(sdk.body))
