"""XroadVnpt-* requests as the VPCP/VNPT SDK builds them, and their verification (no network needed)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from bridge.axis.signing import (
    SdkInstance,
    SignatureError,
    file_from_body,
    format_timestamp,
    parse_timestamp,
    verify_request,
)

NOW = datetime(2025, 11, 26, 5, 30, 45, 123000, tzinfo=UTC)  # 12:30:45.123 in Vietnam
STAMP = "26112025T123045+0123"
SECRETS = {"vxp.saas.61": "s3cret"}
PARAMS = {"from": "000.00.01.H61", "servicetype": "eDoc", "messagetype": "edoc"}
FILE = b"<edXML/>"


def secret_for(system_id: str) -> str | None:
    return SECRETS.get(system_id)


def send(stamp: str = STAMP, file: bytes = FILE) -> list[tuple[str, str]]:
    return SdkInstance("vxp.saas.61", "s3cret", stamp).request("sendEdoc", PARAMS, file).headers


def replace(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in headers]


def test_timestamp_is_java_ddmmyyyy_t_hhmmss_plus_millis_in_vietnam_time() -> None:
    assert format_timestamp(NOW) == STAMP
    assert parse_timestamp(STAMP) == NOW
    for bad in ("26112025T123045", "2025-11-26T12:30:45+0123", "26112025T123045+12a4", "26112025T123045+12345"):
        with pytest.raises(SignatureError):
            parse_timestamp(bad)


def test_headers_follow_the_sdk_layout() -> None:
    """Bare names in the key list, in Java HashMap order; Content-Type signed; hash-file of the file, unpadded."""
    request = SdkInstance("vxp.saas.61", "s3cret", STAMP).request("sendEdoc", PARAMS, FILE)
    headers = dict(request.headers)

    order = ["systemid", "servicetype", "messagetype", "hash-file", "from", "timestamp", "Content-Type"]
    assert headers["XroadVnpt-sign-header-key"] == ";".join(order)
    sign_json = headers["XroadVnpt-sign-header"]
    assert list(json.loads(sign_json)) == [f"XroadVnpt-{name}" for name in order]
    assert json.loads(sign_json) == {f"XroadVnpt-{name}": headers[f"XroadVnpt-{name}"] for name in order}
    assert headers["XroadVnpt-Content-Type"] == headers["Content-Type"] == "application/octet-stream"
    assert headers["XroadVnpt-timestamp"] == STAMP
    digest = hashlib.sha256(FILE).digest()
    assert headers["XroadVnpt-hash-file"] == "".join(f"{b:x}" for b in digest)  # per byte, no zero padding
    assert request.body == FILE + b"\r\n"
    expected = hmac.new(b"s3cret", sign_json.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    assert headers["XroadVnpt-version"] == "3.0.201608"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"


@pytest.mark.parametrize(
    ("op", "params", "body"),
    [
        ("getEdoc", {"docId": "d1", "filePath": "edoc"}, b"{}"),
        ("updateStatus", {"docid": "d1", "status": "done"}, b"{}"),
        ("getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "edoc"}, b""),
        ("getSentEdocList", {"servicetype": "eDoc", "messagetype": "edoc"}, b""),
    ],
)
def test_other_calls_send_json_content_type_no_hash_file_and_the_sdks_body(
    op: str, params: dict[str, str], body: bytes
) -> None:
    request = SdkInstance("vxp.saas.61", "s3cret", STAMP).request(op, params)
    headers = dict(request.headers)
    assert "XroadVnpt-hash-file" not in headers
    assert headers["Content-Type"] == headers["XroadVnpt-Content-Type"] == "application/json"
    assert request.body == body and request.path == f"/{op}"


def test_send_edoc_puts_to_as_json_text() -> None:
    request = SdkInstance("s", "k", STAMP).request("sendEdoc", {**PARAMS, "to": "000.00.00.H53"}, FILE)
    assert dict(request.headers)["XroadVnpt-to"] == '"000.00.00.H53"'


def test_verified_request_yields_the_signed_params() -> None:
    request = verify_request(send(), secret_for)

    assert request.system_id == "vxp.saas.61"
    assert request.timestamp == NOW
    assert {k: request.params[k] for k in PARAMS} == PARAMS
    assert request.params["hash-file"] == dict(send())["XroadVnpt-hash-file"]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: replace(h, "XroadVnpt-hash-header", "ab" * 32),
        lambda h: replace(h, "XroadVnpt-messagetype", "status"),  # plain header no longer matches the signed one
        lambda h: replace(h, "XroadVnpt-sign-header-key", "from"),
        lambda h: replace(h, "XroadVnpt-sign-header-key", "XroadVnpt-systemid;XroadVnpt-servicetype"),
        lambda h: replace(h, "XroadVnpt-sign-header", "not json"),
        lambda h: replace(h, "XroadVnpt-hash-header", "é" * 64),  # servers decode headers as latin-1
        lambda h: [x for x in h if x[0] != "XroadVnpt-sign-header"],
        lambda h: [x for x in h if x[0] != "XroadVnpt-from"],  # a signed header that was not sent
        lambda h: [*h, ("XroadVnpt-hash-header", "00" * 32)],  # two answers to one question
    ],
)
def test_tampered_headers_are_refused(tamper: object) -> None:
    headers = tamper(send())  # type: ignore[operator]
    with pytest.raises(SignatureError):
        verify_request(headers, secret_for)


def test_extra_unsigned_headers_are_ignored() -> None:
    assert verify_request([*send(), ("XroadVnpt-docId", "stale"), ("X-Forwarded-For", "10.0.0.1")], secret_for)


def test_a_long_lived_instance_with_docId_and_docid_is_accepted() -> None:
    instance = SdkInstance("vxp.saas.61", "s3cret", STAMP)
    instance.request("getEdoc", {"docId": "d2", "filePath": "edoc"})
    instance.request("sendEdoc", PARAMS, FILE)  # leaves an old hash-file behind
    later = instance.request("updateStatus", {"docid": "d1", "status": "done"})
    request = verify_request(later.headers, secret_for)
    assert (request.params["docId"], request.params["docid"]) == ("d2", "d1")
    assert "hash-file" in request.params and later.body == b"{}"


def test_unknown_system_and_wrong_secret_are_refused() -> None:
    with pytest.raises(SignatureError):
        verify_request(send(), {"vxp.saas.61": "other"}.get)
    with pytest.raises(SignatureError):
        verify_request(send(), {}.get)


def test_the_file_is_found_in_the_body_by_its_hash() -> None:
    announced = dict(send())["XroadVnpt-hash-file"]
    assert file_from_body(FILE + b"\r\n", announced) == FILE  # the SDK's CRLF is not part of the packet
    assert file_from_body(FILE, announced) == FILE  # a client that sends the bare file
    assert file_from_body(FILE, hashlib.sha256(FILE).hexdigest()) == FILE  # padded hex
    assert file_from_body(FILE + b"\r\n", hashlib.sha256(FILE + b"\r\n").hexdigest()) == FILE + b"\r\n"
    assert file_from_body(b"<edXML>changed</edXML>\r\n", announced) is None


def test_freshness_is_checked_only_when_a_window_is_set() -> None:
    months_old = send(format_timestamp(NOW - timedelta(days=120)))
    assert verify_request(months_old, secret_for, now=NOW).timestamp == NOW - timedelta(days=120)
    window = timedelta(minutes=5)
    for off in (timedelta(minutes=6), -timedelta(minutes=6)):
        with pytest.raises(SignatureError, match="timestamp off"):
            verify_request(send(), secret_for, now=NOW + off, max_age=window)
    assert verify_request(send(), secret_for, now=NOW + timedelta(minutes=4), max_age=window)
    odd = SdkInstance("vxp.saas.61", "s3cret", "yesterday").request("getEdoc", {"docId": "d"}).headers
    assert verify_request(odd, secret_for).timestamp is None
    with pytest.raises(SignatureError):
        verify_request(odd, secret_for, max_age=window)


def test_values_a_header_cannot_carry_are_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="reserved"):
        SdkInstance("s", "k", STAMP).request("getEdoc", {"timestamp": "x"})
    with pytest.raises(ValueError, match="ASCII"):
        SdkInstance("s", "k", STAMP).request("sendEdoc", {"from": "Sở Nội vụ"}, FILE)
    with pytest.raises(ValueError, match="file"):
        SdkInstance("s", "k", STAMP).request("getEdoc", {"docId": "d"}, FILE)
