"""XroadVnpt-* header signing as the VPCP/VNPT SDK does it, and its verification (no network needed)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bridge.axis.signing import (
    VIETNAM_TIME,
    SignatureError,
    format_timestamp,
    parse_timestamp,
    sign_headers,
    verify_headers,
)

NOW = datetime(2025, 11, 26, 5, 30, 45, 123000, tzinfo=UTC)  # 12:30:45.123 in Vietnam
SECRETS = {"vxp.saas.61": "s3cret"}
PARAMS = {"from": "000.00.01.H61", "servicetype": "eDoc", "messagetype": "edoc"}


def secret_for(system_id: str) -> str | None:
    return SECRETS.get(system_id)


def signed(body: bytes | None = b"<edXML/>", now: datetime = NOW) -> httpx.Headers:
    # httpx.Headers looks names up case-insensitively, like every HTTP server.
    return httpx.Headers(sign_headers("vxp.saas.61", "s3cret", PARAMS, body=body, now=now))


def test_timestamp_is_java_ddmmyyyy_t_hhmmss_plus_millis_in_vietnam_time() -> None:
    assert format_timestamp(NOW) == "26112025T123045+0123"
    assert parse_timestamp("26112025T123045+0123") == NOW
    for bad in ("26112025T123045", "2025-11-26T12:30:45+0123", "26112025T123045+12a4", "26112025T123045+12345"):
        with pytest.raises(SignatureError):
            parse_timestamp(bad)


def test_headers_follow_the_sdk_layout() -> None:
    body = b"<edXML/>"
    headers = sign_headers("vxp.saas.61", "s3cret", PARAMS, body=body, now=NOW)

    names = [
        "XroadVnpt-from",
        "XroadVnpt-servicetype",
        "XroadVnpt-messagetype",
        "XroadVnpt-systemid",
        "XroadVnpt-timestamp",
        "XroadVnpt-hash-file",
    ]
    assert headers["XroadVnpt-sign-header-key"] == ";".join(names)
    sign_json = headers["XroadVnpt-sign-header"]
    assert list(json.loads(sign_json)) == names
    assert json.loads(sign_json) == {name: headers[name] for name in names}
    assert headers["XroadVnpt-systemid"] == "vxp.saas.61"
    assert headers["XroadVnpt-timestamp"] == "26112025T123045+0123"
    assert headers["XroadVnpt-hash-file"] == hashlib.sha256(body).hexdigest()
    expected = hmac.new(b"s3cret", sign_json.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    assert headers["XroadVnpt-version"] == "3.0.201608"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"


def test_no_body_means_no_hash_file() -> None:
    assert "XroadVnpt-hash-file" not in sign_headers("vxp.saas.61", "s3cret", {"docId": "d1"}, now=NOW)


def test_verified_request_yields_the_signed_params() -> None:
    request = verify_headers(signed(), secret_for, body=b"<edXML/>", now=NOW + timedelta(seconds=3))

    assert request.system_id == "vxp.saas.61"
    assert request.timestamp == NOW
    assert {k: request.params[k] for k in PARAMS} == PARAMS


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h.update({"XroadVnpt-hash-header": "ab" * 32}),
        lambda h: h.update({"XroadVnpt-messagetype": "status"}),  # plain header no longer matches the signed one
        lambda h: h.update({"XroadVnpt-sign-header-key": "XroadVnpt-from"}),
        lambda h: h.update({"XroadVnpt-sign-header": "not json"}),
        lambda h: h.update({"XroadVnpt-hash-header": "é" * 64}),  # servers decode headers as latin-1
        lambda h: h.pop("XroadVnpt-sign-header"),
    ],
)
def test_tampered_headers_are_refused(tamper: object) -> None:
    headers = dict(sign_headers("vxp.saas.61", "s3cret", PARAMS, body=b"<edXML/>", now=NOW))
    tamper(headers)  # type: ignore[operator]
    with pytest.raises(SignatureError):
        verify_headers(headers, secret_for, body=b"<edXML/>", now=NOW)


def test_unknown_system_and_wrong_secret_are_refused() -> None:
    with pytest.raises(SignatureError):
        verify_headers(signed(), {"vxp.saas.61": "other"}.get, body=b"<edXML/>", now=NOW)
    with pytest.raises(SignatureError):
        verify_headers(signed(), {}.get, body=b"<edXML/>", now=NOW)


def test_body_must_match_hash_file() -> None:
    with pytest.raises(SignatureError, match="hash-file"):
        verify_headers(signed(), secret_for, body=b"<edXML>changed</edXML>", now=NOW)
    with pytest.raises(SignatureError, match="hash-file"):  # a body that was never announced
        verify_headers(signed(body=None), secret_for, body=b"<edXML/>", now=NOW)


def test_skew_window_is_configurable_both_ways() -> None:
    headers = signed()
    for later in (timedelta(minutes=6), -timedelta(minutes=6)):
        with pytest.raises(SignatureError, match="timestamp off"):
            verify_headers(headers, secret_for, body=b"<edXML/>", now=NOW + later)
    wide = timedelta(minutes=10)
    assert verify_headers(headers, secret_for, body=b"<edXML/>", now=NOW + timedelta(minutes=6), max_skew=wide)


def test_values_a_header_cannot_carry_are_refused_when_signing() -> None:
    with pytest.raises(ValueError, match="reserved"):
        sign_headers("s", "k", {"timestamp": "x"})
    with pytest.raises(ValueError, match="ASCII"):
        sign_headers("s", "k", {"from": "Sở Nội vụ"})


def test_default_clock_is_vietnam_time() -> None:
    local = datetime.now(VIETNAM_TIME)
    stamp = parse_timestamp(sign_headers("s", "k", {})["XroadVnpt-timestamp"])
    assert abs(stamp - local) < timedelta(seconds=5)
