"""VXP-style axis client (the VPCP/VNPT SDK's HTTP API) implementing core.ports.AxisClient.

Every request is byte-for-byte what SDKVXP-2.0.1 sends for the same parameters (bridge.axis.signing; checked
against the recorded SDK traffic in tests). No retries here: the outbox owns retry policy. Transport trouble
(connection, timeout, 5xx, garbage answers, refused credentials) is AxisUnavailable; a well-formed refusal of
the request itself (ErrorCode other than "0") is AxisRejected.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from bridge.axis.signing import DEFAULT_USER_AGENT, VIETNAM_TIME, SdkInstance, format_timestamp
from core.ports import AxisItem, AxisRejected, AxisUnavailable, Clock, SentEdoc

SERVICE_TYPE = "eDoc"
MESSAGE_TYPES = frozenset({"edoc", "status"})
TRANSPORT_STATUSES = frozenset({"done", "fail"})
# getEdoc's `filePath` is where the SDK saves the packet locally; every known SDK user sends it, so we do too.
DEFAULT_STORE_PATH = "edoc"


class AxisAuthFailed(AxisUnavailable):
    """The axis refused our credentials (HTTP 401/403): a node-wide configuration or clock problem, not this
    packet's fault, so it stays retryable while an operator fixes systemid/secret or the clock."""


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class VxpAxisClient:
    def __init__(
        self,
        base_url: str,
        system_id: str,
        secret: str,
        *,
        timeout: float = 30.0,
        http: httpx.AsyncClient | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        clock: Clock | None = None,
        store_path: str = DEFAULT_STORE_PATH,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._system_id = system_id
        self._secret = secret
        self._user_agent = user_agent
        self._clock = clock or _UtcClock()
        self._store_path = store_path
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=httpx.Timeout(timeout))

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> VxpAxisClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def send_edoc(self, from_code: str, packet: bytes, message_type: str = "edoc") -> str:
        _check_message_type(message_type)
        params = {"from": from_code, "servicetype": SERVICE_TYPE, "messagetype": message_type}
        answer = await self._call("sendEdoc", params, file=packet)
        doc_id = answer.get("DocId")  # the only spelling the SDK reads
        if not isinstance(doc_id, str) or not doc_id:
            raise AxisUnavailable("sendEdoc: the axis answered success without a DocId")
        return doc_id

    async def received(self, message_type: str = "edoc") -> list[AxisItem]:
        _check_message_type(message_type)
        answer = await self._call("getReceivedEdocList", {"servicetype": SERVICE_TYPE, "messagetype": message_type})
        data = answer.get("data") or []
        if not isinstance(data, list):
            raise AxisUnavailable("getReceivedEdocList: data is not a list")
        return [_item(entry, message_type) for entry in data]

    async def get_edoc(self, doc_id: str) -> bytes:
        answer = await self._call("getEdoc", {"docId": doc_id, "filePath": self._store_path})
        data = answer.get("data")
        if not isinstance(data, str):
            raise AxisUnavailable(f"getEdoc {doc_id}: data is missing")
        try:
            return base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AxisUnavailable(f"getEdoc {doc_id}: data is not base64") from exc

    async def update_status(self, doc_id: str, status: str) -> None:
        if status not in TRANSPORT_STATUSES:
            raise ValueError(f"transport status must be one of {sorted(TRANSPORT_STATUSES)}, not {status!r}")
        # `docid` in lower case, as the recorded SDK call and Bkav's production client send it.
        await self._call("updateStatus", {"docid": doc_id, "status": status})

    async def sent(self, doc_id: str = "", message_type: str = "edoc") -> list[SentEdoc]:
        _check_message_type(message_type)
        params = {"servicetype": SERVICE_TYPE, "messagetype": message_type}
        if doc_id:
            params["docId"] = doc_id
        answer = await self._call("getSentEdocList", params)
        data = answer.get("data") or []
        if not isinstance(data, list):
            raise AxisUnavailable("getSentEdocList: data is not a list")
        return [_sent(entry) for entry in data]

    async def _call(self, op: str, params: Mapping[str, str], file: bytes | None = None) -> dict[str, Any]:
        # A fresh SDK instance per call: its own timestamp, no headers left over from earlier calls.
        stamp = format_timestamp(self._clock.now(), VIETNAM_TIME)
        instance = SdkInstance(self._system_id, self._secret, stamp, user_agent=self._user_agent)
        request = instance.request(op, params, file)
        try:
            response = await self._http.post(
                self._base_url + request.path, content=request.body, headers=request.headers
            )
        except httpx.HTTPError as exc:  # connect/read/write errors and timeouts
            raise AxisUnavailable(f"{request.path}: {type(exc).__name__}: {exc}") from exc
        return _interpret(request.path, response)


def _interpret(path: str, response: httpx.Response) -> dict[str, Any]:
    code = response.status_code
    if code >= 500 or code in (408, 429):
        raise AxisUnavailable(f"{path}: HTTP {code}")
    answer = _json_object(response)
    if code in (401, 403):
        raise AxisAuthFailed(f"{path}: HTTP {code} {_error(answer)[1]}".rstrip())
    if code != 200 or answer is None or "ErrorCode" not in answer:
        raise AxisUnavailable(f"{path}: unexpected answer HTTP {code} {response.text[:200]!r}")
    # The SDK judges an answer by ErrorCode alone ("0" is success), whatever `status` says.
    error_code, error_desc = _error(answer)
    if error_code != "0":
        raise AxisRejected(error_code, error_desc)
    return answer


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def _error(answer: dict[str, Any] | None) -> tuple[str, str]:
    if not answer:
        return "", ""
    return str(answer.get("ErrorCode", "")), str(answer.get("ErrorDesc", ""))


def _item(entry: object, message_type: str) -> AxisItem:
    if not isinstance(entry, dict) or not entry.get("docId"):
        raise AxisUnavailable(f"getReceivedEdocList: malformed entry {entry!r:.200}")
    return AxisItem(
        doc_id=str(entry["docId"]),
        from_code=str(entry.get("from", "")),
        to_code=str(entry.get("to", "")),
        message_type=str(entry.get("messageType") or message_type),
    )


# SentEdoc field ← the key the SDK reads (KnobstickServiceImp.getSentEdocList)
_SENT_KEYS = {
    "sender_doc_id": "senderDocId",
    "receiver_doc_id": "receiverDocId",
    "from_code": "fromCode",
    "to_code": "toCode",
    "message_type": "messageType",
    "service_type": "serviceType",
    "title": "title",
    "notation": "notation",
    "sent_time": "sentTime",
    "received_time": "receivedTime",
    "send_status": "sendStatus",
    "send_status_desc": "sendStatusDesc",
    "receive_status": "receiveStatus",
    "receive_status_desc": "receiveStatusDesc",
}


def _sent(entry: object) -> SentEdoc:
    if not isinstance(entry, dict):
        raise AxisUnavailable(f"getSentEdocList: malformed entry {entry!r:.200}")
    # The SDK reads each key with getAsString: JSON null and numbers are text to it, missing keys stay empty.
    return SentEdoc(**{field: _text(entry.get(key)) for field, key in _SENT_KEYS.items()})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise AxisUnavailable(f"getSentEdocList: {value!r:.100} is not a text value")
    return str(value)


def _check_message_type(message_type: str) -> None:
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"message_type must be one of {sorted(MESSAGE_TYPES)}, not {message_type!r}")
