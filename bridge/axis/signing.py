"""XroadVnpt-* request headers, as the VPCP/VNPT Java SDK (SDKVXP-2.0.1) builds them, and their verification.

Every request parameter travels as a header `XroadVnpt-<name>`. The signed set is the parameters plus `systemid`,
`timestamp` and, for a body, `hash-file`. Their JSON `{"XroadVnpt-<name>": value, …}` (in order) is sent verbatim
as `XroadVnpt-sign-header` and authenticated by `XroadVnpt-hash-header` = hex HMAC-SHA256(secret, that JSON).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

PREFIX = "XroadVnpt-"
SIGN_HEADER_KEY = PREFIX + "sign-header-key"
SIGN_HEADER = PREFIX + "sign-header"
HASH_HEADER = PREFIX + "hash-header"
VERSION_HEADER = PREFIX + "version"
VERSION = "3.0.201608"
# The SDK's own agent string: X-Road adapters in front of the axis are known to expect it.
DEFAULT_USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
# The SDK stamps local time without an offset; VPCP nodes run on Vietnam time (UTC+7, no DST).
VIETNAM_TIME = timezone(timedelta(hours=7))
DEFAULT_MAX_SKEW = timedelta(minutes=5)

_RESERVED = frozenset({"systemid", "timestamp", "hash-file"})


class SignatureError(Exception):
    """The request headers are missing, malformed, stale, or do not match the secret."""


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a verified request proves: who sent it, when, and the signed parameters (without the prefix)."""

    system_id: str
    timestamp: datetime
    params: dict[str, str]


def format_timestamp(moment: datetime, tz: timezone = VIETNAM_TIME) -> str:
    """Java `ddMMyyyy'T'HHmmss+SSSS`: the `+` is a literal and SSSS the milliseconds padded to 4 digits."""
    local = moment.astimezone(tz)
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def parse_timestamp(text: str, tz: timezone = VIETNAM_TIME) -> datetime:
    stamp, plus, millis = text.partition("+")
    if not plus or not millis.isdigit() or not millis.isascii() or len(millis) > 4:
        raise SignatureError(f"timestamp {text!r} is not ddMMyyyy'T'HHmmss+SSSS")
    try:
        base = datetime.strptime(stamp, "%d%m%YT%H%M%S")
    except ValueError as exc:
        raise SignatureError(f"timestamp {text!r} is not ddMMyyyy'T'HHmmss+SSSS") from exc
    return base.replace(tzinfo=tz) + timedelta(milliseconds=int(millis))


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_headers(
    system_id: str,
    secret: str,
    params: Mapping[str, str],
    *,
    body: bytes | None = None,
    now: datetime | None = None,
    tz: timezone = VIETNAM_TIME,
    user_agent: str = DEFAULT_USER_AGENT,
) -> dict[str, str]:
    """The headers for one request (Content-Type not included: the SDK sends it unsigned)."""
    clash = _RESERVED & set(params)
    if clash:
        raise ValueError(f"reserved header names in params: {sorted(clash)}")
    signed: dict[str, str] = {f"{PREFIX}{name}": value for name, value in params.items()}
    signed[PREFIX + "systemid"] = system_id
    signed[PREFIX + "timestamp"] = format_timestamp(now or datetime.now(tz), tz)
    if body is not None:
        signed[PREFIX + "hash-file"] = body_sha256(body)
    for name, value in signed.items():
        if not (name.isascii() and value.isascii()):
            raise ValueError(f"header {name!r} must be ASCII (HTTP headers cannot carry {value!r})")
    sign_json = json.dumps(signed, separators=(",", ":"), ensure_ascii=False)
    return {
        **signed,
        SIGN_HEADER_KEY: ";".join(signed),
        SIGN_HEADER: sign_json,
        HASH_HEADER: hmac_hex(secret, sign_json),
        VERSION_HEADER: VERSION,
        "User-Agent": user_agent,
    }


def verify_headers(
    headers: Mapping[str, str],
    secret_for: Callable[[str], str | None],
    *,
    body: bytes | None = None,
    now: datetime | None = None,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    tz: timezone = VIETNAM_TIME,
) -> SignedRequest:
    """Check a request's headers; `headers` must look names up case-insensitively (as HTTP servers do).

    The signed JSON is the source of truth, and every entry in it must also be the header actually sent,
    so a proxy cannot swap a plain header under an intact signature.
    """
    sign_json, given_hash = headers.get(SIGN_HEADER), headers.get(HASH_HEADER)
    if not sign_json or not given_hash:
        raise SignatureError("missing XroadVnpt-sign-header or XroadVnpt-hash-header")
    signed = _decode_signed(sign_json)
    if headers.get(SIGN_HEADER_KEY, "") != ";".join(signed):
        raise SignatureError("XroadVnpt-sign-header-key does not list the signed headers")
    for name, value in signed.items():
        if headers.get(name) != value:
            raise SignatureError(f"header {name} differs from the signed value")
    params = {name.removeprefix(PREFIX): value for name, value in signed.items()}
    system_id = params.get("systemid", "")
    secret = secret_for(system_id) if system_id else None
    expected = hmac_hex(secret or "", sign_json)
    # Compare even for an unknown system so the answer time does not reveal which ids exist.
    if not _same_hex(expected, given_hash) or secret is None:
        raise SignatureError("XroadVnpt-hash-header does not match (wrong systemid or secret)")
    stamp = parse_timestamp(params.get("timestamp", ""), tz)
    skew = abs((now or datetime.now(tz)) - stamp)
    if skew > max_skew:
        raise SignatureError(f"timestamp off by {skew.total_seconds():.0f} s (allowed {max_skew})")
    if body and not _same_hex(body_sha256(body), params.get("hash-file", "")):
        raise SignatureError("XroadVnpt-hash-file does not match the body")
    return SignedRequest(system_id=system_id, timestamp=stamp, params=params)


def _same_hex(expected: str, given: str) -> bool:
    given = given.strip().lower()
    return given.isascii() and hmac.compare_digest(expected, given)


def _decode_signed(sign_json: str) -> dict[str, str]:
    try:
        signed = json.loads(sign_json)
    except ValueError as exc:
        raise SignatureError("XroadVnpt-sign-header is not JSON") from exc
    if not isinstance(signed, dict) or not all(
        isinstance(k, str) and k.startswith(PREFIX) and isinstance(v, str) for k, v in signed.items()
    ):
        raise SignatureError("XroadVnpt-sign-header must map XroadVnpt-* names to strings")
    return signed
