"""XroadVnpt-* requests exactly as the VPCP/VNPT Java SDK (SDKVXP-2.0.1) sends them, and their verification.

What the SDK does (VnptService.addXroadVnptHashHeader; the recorded requests in
`../shared/interop/sdk-capture/` show every byte — see docs/axis.md):
- one service instance keeps a `HashMap` of headers: `timestamp` (stamped once, when the instance is made) and
  `systemid`, then every call puts `Content-Type` and its JSON parameters into it, and never clears it;
- for each entry, in HashMap order, it sends `XroadVnpt-<name>: value` (and `Content-Type` plainly as well);
- `XroadVnpt-sign-header-key` lists the bare names joined by `;`, `XroadVnpt-sign-header` is the gson JSON
  `{"XroadVnpt-<name>": value, …}` in the same order, `XroadVnpt-hash-header` = hex HMAC-SHA256(secret, that JSON);
- sendEdoc also puts `hash-file` (SHA-256 of the file) and sends the file followed by CRLF; getEdoc and
  updateStatus send the body `{}`, the list calls an empty one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bridge.axis.java import JavaHashMap, gson_json, gson_value, unpadded_hex

PREFIX = "XroadVnpt-"
SIGN_HEADER_KEY = PREFIX + "sign-header-key"
SIGN_HEADER = PREFIX + "sign-header"
HASH_HEADER = PREFIX + "hash-header"
VERSION_HEADER = PREFIX + "version"
VERSION = "3.0.201608"
# The SDK's own agent string: X-Road adapters in front of the axis are known to expect it.
DEFAULT_USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
# The SDK stamps JVM local time without an offset; VPCP nodes run on Vietnam time (UTC+7, no DST).
VIETNAM_TIME = timezone(timedelta(hours=7))
JSON_TYPE = "application/json"
FILE_TYPE = "application/octet-stream"
# The SDK writes the file and then "\r\n" (MultipartUtility.addInputStreamPart ends every part with a line
# break, although no multipart framing is written): the body is the file plus these two bytes.
FILE_TRAILER = b"\r\n"

_RESERVED = frozenset({"systemid", "timestamp", "hash-file", "Content-Type"})


@dataclass(frozen=True, slots=True)
class Operation:
    content_type: str
    body: bytes | None  # None: the file, followed by FILE_TRAILER


# What each KnobstickServiceImp method puts as Content-Type and sends as body.
OPERATIONS: dict[str, Operation] = {
    "sendEdoc": Operation(FILE_TYPE, None),
    "getReceivedEdocList": Operation(JSON_TYPE, b""),
    "getSentEdocList": Operation(JSON_TYPE, b""),
    "getEdoc": Operation(JSON_TYPE, b"{}"),
    "updateStatus": Operation(JSON_TYPE, b"{}"),
}


class SignatureError(Exception):
    """The request headers are missing, malformed, stale, or do not match the secret."""


@dataclass(frozen=True, slots=True)
class SdkRequest:
    path: str
    headers: list[tuple[str, str]]  # in the SDK's order
    body: bytes


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a verified request proves: who sent it, when, and the signed parameters (bare names, as sent)."""

    system_id: str
    timestamp: datetime | None  # None when the stamp is not in the SDK's format (no freshness window set)
    params: dict[str, str]


def format_timestamp(moment: datetime, tz: timezone = VIETNAM_TIME) -> str:
    """Java `ddMMyyyy'T'HHmmss+SSSS`: the `+` is a literal and SSSS the milliseconds padded to 4 digits."""
    local = moment.astimezone(tz)
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def parse_timestamp(text: str, tz: timezone = VIETNAM_TIME) -> datetime:
    stamp, plus, millis = text.partition("+")
    if not plus or not millis.isdigit() or not millis.isascii() or len(millis) > 4 or len(stamp) != 15:
        raise SignatureError(f"timestamp {text!r} is not ddMMyyyy'T'HHmmss+SSSS")
    try:
        base = datetime.strptime(stamp, "%d%m%YT%H%M%S")
    except ValueError as exc:
        raise SignatureError(f"timestamp {text!r} is not ddMMyyyy'T'HHmmss+SSSS") from exc
    return base.replace(tzinfo=tz) + timedelta(milliseconds=int(millis))


def hash_file(file: bytes) -> str:
    """The SDK's hash-file: SHA-256 of the file (not of the body: no CRLF), in unpadded hex."""
    return unpadded_hex(hashlib.sha256(file).digest())


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


class SdkInstance:
    """One SDK service instance (KnobstickServiceImp) and the header map it keeps for its whole life.

    The bridge's client makes a fresh one per call, as SDK users that build an instance per call do; reusing one
    reproduces a long-lived instance (one timestamp, earlier calls' headers riding along)."""

    def __init__(self, system_id: str, secret: str, timestamp: str, *, user_agent: str = DEFAULT_USER_AGENT) -> None:
        self._secret, self._user_agent = secret, user_agent
        self._headers = JavaHashMap([("timestamp", timestamp), ("systemid", system_id)])

    def request(self, op: str, params: Mapping[str, str], file: bytes | None = None) -> SdkRequest:
        operation = OPERATIONS[op]
        clash = _RESERVED & set(params)
        if clash:
            raise ValueError(f"reserved header names in params: {sorted(clash)}")
        if (operation.body is None) != (file is not None):
            raise ValueError(f"{op} takes {'a file' if operation.body is None else 'no file'}")
        self._headers.put("Content-Type", operation.content_type)
        for name, value in params.items():
            # sendEdoc puts `to` as JSON text (JsonElement.toString), every other value as the bare string.
            self._headers.put(name, gson_value(value) if op == "sendEdoc" and name == "to" else value)
        if file is not None:
            self._headers.put("hash-file", hash_file(file))
        body = file + FILE_TRAILER if file is not None else operation.body or b""
        return SdkRequest(path="/" + op, headers=self._signed_headers(), body=body)

    def _signed_headers(self) -> list[tuple[str, str]]:
        entries = list(self._headers.items())  # HashMap order: the SDK iterates its map, so must we
        for name, value in entries:
            if not (name.isascii() and value.isascii()):
                raise ValueError(f"header {name!r} must be ASCII (HTTP headers cannot carry {value!r})")
        headers: list[tuple[str, str]] = []
        for name, value in entries:
            if name == "Content-Type":
                headers.append((name, value))
            headers.append((PREFIX + name, value))
        sign_json = gson_json((PREFIX + name, value) for name, value in entries)
        return [
            *headers,
            (SIGN_HEADER_KEY, ";".join(name for name, _ in entries)),
            (SIGN_HEADER, sign_json),
            (HASH_HEADER, hmac_hex(self._secret, sign_json)),
            ("User-Agent", self._user_agent),
            (VERSION_HEADER, VERSION),
        ]


def verify_request(
    headers: Sequence[tuple[str, str]],
    secret_for: Callable[[str], str | None],
    *,
    now: datetime | None = None,
    max_age: timedelta | None = None,
    tz: timezone = VIETNAM_TIME,
) -> SignedRequest:
    """Check a request's headers as an axis must to accept the SDK: `headers` is the raw list as received.

    The HMAC covers the sign-header JSON; the key list must name its entries in order, and each entry must be the
    header actually sent (so nothing can be swapped under an intact signature). Headers outside the signed set
    are ignored, and so are signed ones the operation does not use (a long-lived SDK instance sends stale ones).
    The timestamp is checked only when `max_age` is set: the SDK stamps an instance once, and users keep one
    instance for the application's life."""
    sent: dict[str, list[str]] = {}
    for name, value in headers:
        sent.setdefault(name.lower(), []).append(value)
    sign_json, given_hash = _one(sent, SIGN_HEADER), _one(sent, HASH_HEADER)
    if not sign_json or not given_hash:
        raise SignatureError("missing XroadVnpt-sign-header or XroadVnpt-hash-header")
    signed = _decode_signed(sign_json)
    if _one(sent, SIGN_HEADER_KEY) != ";".join(name.removeprefix(PREFIX) for name in signed):
        raise SignatureError("XroadVnpt-sign-header-key does not list the signed headers in order")
    for name, value in signed.items():
        # `docId` and `docid` are one HTTP header name, yet a long-lived instance sends both: match any copy.
        if value not in sent.get(name.lower(), []):
            raise SignatureError(f"header {name} differs from the signed value")
    params = {name.removeprefix(PREFIX): value for name, value in signed.items()}
    system_id = params.get("systemid", "")
    secret = secret_for(system_id) if system_id else None
    expected = hmac_hex(secret or "", sign_json)
    # Compare even for an unknown system so the answer time does not reveal which ids exist.
    if not _same_hex(expected, given_hash) or secret is None:
        raise SignatureError("XroadVnpt-hash-header does not match (wrong systemid or secret)")
    stamp = _timestamp(params.get("timestamp", ""), tz, required=max_age is not None)
    if max_age is not None and stamp is not None:
        age = (now or datetime.now(tz)) - stamp
        if abs(age) > max_age:
            raise SignatureError(f"timestamp off by {age.total_seconds():.0f} s (allowed {max_age})")
    return SignedRequest(system_id=system_id, timestamp=stamp, params=params)


def file_from_body(body: bytes, announced: str) -> bytes | None:
    """The file a sendEdoc body carries, given its signed hash-file; None when the body does not match.

    The SDK's body is the file plus CRLF and its hash covers the file; a client that sends the bare file (or
    hashes in padded hex) is accepted too."""
    announced = announced.strip().lower()
    candidates = [body[: -len(FILE_TRAILER)]] if body.endswith(FILE_TRAILER) else []
    for file in [*candidates, body]:
        digest = hashlib.sha256(file).digest()
        if any(_same_hex(text, announced) for text in (unpadded_hex(digest), digest.hex())):
            return file
    return None


def _timestamp(text: str, tz: timezone, *, required: bool) -> datetime | None:
    try:
        return parse_timestamp(text, tz)
    except SignatureError:
        if required:
            raise
        return None


def _one(sent: dict[str, list[str]], name: str) -> str:
    values = sent.get(name.lower(), [])
    return values[0] if len(values) == 1 else ""


def _same_hex(expected: str, given: str) -> bool:
    given = given.strip().lower()
    return given.isascii() and hmac.compare_digest(expected, given)


def _decode_signed(sign_json: str) -> dict[str, str]:
    try:
        signed = json.loads(sign_json, object_pairs_hook=_no_duplicates)
    except ValueError as exc:
        raise SignatureError("XroadVnpt-sign-header is not JSON (or repeats a name)") from exc
    if not isinstance(signed, dict) or not all(
        isinstance(k, str) and k.startswith(PREFIX) and isinstance(v, str) for k, v in signed.items()
    ):
        raise SignatureError("XroadVnpt-sign-header must map XroadVnpt-* names to strings")
    return signed


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("a name is repeated")
    return found
