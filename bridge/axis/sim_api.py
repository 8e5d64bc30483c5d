"""The axis simulator's protocol semantics: the VXP-style operations over a PacketStore, HTTP-free.

Answer shapes follow what the VPCP/VNPT SDK reads (domain-facts §5.1); error codes are the simulator's own.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bridge.axis.routing import UnroutablePacket, route
from bridge.axis.sim_store import DELIVERY_STATUSES, INITIAL, PacketStore, SimPacket

API_OPERATIONS = ("sendEdoc", "getReceivedEdocList", "getEdoc", "updateStatus", "getSentEdocList")
MESSAGE_TYPES = frozenset({"edoc", "status"})


@dataclass(frozen=True, slots=True)
class SimSystem:
    """A connected node: its secret and the organs it serves (empty = a catch-all node serving every organ)."""

    secret: str
    organs: frozenset[str] = frozenset()

    def serves(self, organ: str) -> bool:
        return not self.organs or organ in self.organs


SystemSpec = str | tuple[str, Iterable[str]] | SimSystem


def as_system(spec: SystemSpec) -> SimSystem:
    if isinstance(spec, SimSystem):
        return spec
    if isinstance(spec, str):
        return SimSystem(spec)
    secret, organs = spec
    return SimSystem(secret, frozenset(organs))


class AxisFail(Exception):
    """An answer with status FAIL."""

    def __init__(self, code: str, desc: str, http_status: int = 200) -> None:
        super().__init__(code, desc)
        self.code, self.desc, self.http_status = code, desc, http_status

    def answer(self) -> dict[str, str]:
        return {"status": "FAIL", "ErrorCode": self.code, "ErrorDesc": self.desc}


class VxpOperations:
    def __init__(self, store: PacketStore) -> None:
        self._store = store

    async def call(
        self, op: str, system_id: str, system: SimSystem, params: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        if op not in API_OPERATIONS:
            raise AxisFail("404", f"Không có thao tác {op!r}", 404)
        answer: dict[str, Any] = await getattr(self, f"_{op}")(system_id, system, params, body)
        return {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **answer}

    async def _sendEdoc(self, system_id: str, system: SimSystem, params: dict[str, str], body: bytes) -> dict[str, Any]:
        from_code, message_type = param(params, "from"), param(params, "messagetype") or "edoc"
        if message_type not in MESSAGE_TYPES:
            raise AxisFail("400", f"messagetype không hợp lệ: {message_type!r}")
        if not from_code or not system.serves(from_code):
            raise AxisFail("403", f"Hệ thống {system_id} không phục vụ cơ quan gửi {from_code!r}")
        if not body:
            raise AxisFail("400", "Gói tin rỗng")
        try:
            found = await asyncio.to_thread(route, body, message_type)
        except UnroutablePacket as exc:
            raise AxisFail("400", f"Gói tin không hợp lệ: {exc}") from exc
        if found.from_code and found.from_code != from_code:
            raise AxisFail("400", f"From/OrganId {found.from_code} khác tham số from {from_code}")
        send_id, _ = await self._store.add(
            body,
            sender_system=system_id,
            from_code=from_code,
            recipients=found.recipients,
            message_type=message_type,
            title=found.title,
            notation=found.notation,
        )
        return {"DocId": send_id}

    async def _getReceivedEdocList(
        self, system_id: str, system: SimSystem, params: dict[str, str], _body: bytes
    ) -> dict[str, Any]:
        message_type = param(params, "messagetype") or "edoc"
        # A catch-all node (the demo's) serves every organ only as a stand-in for the rest of the country: it
        # never gets its own sends back, else it would receive every status it sends and record it twice. A node
        # with its own organs does get what it sends to them, as on the real axis.
        waiting = [
            p
            for p in self._store.all()
            if p.message_type == message_type
            and p.status != "done"
            and system.serves(p.to_code)
            and not (p.sender_system == system_id and not system.organs)
        ]
        return {"data": [_listed(p) for p in waiting]}

    async def _getEdoc(
        self, _system_id: str, system: SimSystem, params: dict[str, str], _body: bytes
    ) -> dict[str, Any]:
        packet = self._delivery(system, params, "docId")
        return {"data": base64.b64encode(packet.body).decode("ascii")}

    async def _updateStatus(
        self, _system_id: str, system: SimSystem, params: dict[str, str], _body: bytes
    ) -> dict[str, Any]:
        # Bkav's long-lived SDK instance sends `docid` here and `docId` in getEdoc, and keeps both: prefer ours.
        packet, status = self._delivery(system, params, "docid"), param(params, "status")
        if status not in DELIVERY_STATUSES - {INITIAL}:
            raise AxisFail("400", f"status không hợp lệ: {status!r} (done, fail, processing)")
        await self._store.mark(packet.doc_id, status)
        return {}

    async def _getSentEdocList(
        self, system_id: str, _system: SimSystem, params: dict[str, str], _body: bytes
    ) -> dict[str, Any]:
        doc_id, message_type = param(params, "docId"), param(params, "messagetype")
        sent = [
            p
            for p in self._store.all()
            if p.sender_system == system_id
            and (not doc_id or p.send_id == doc_id)
            and (not message_type or p.message_type == message_type)
        ]
        return {"data": [_sent(p) for p in sent]}

    def _delivery(self, system: SimSystem, params: dict[str, str], name: str) -> SimPacket:
        doc_id = param(params, name)
        packet = self._store.get(doc_id) if doc_id else None
        if packet is None or not system.serves(packet.to_code):  # someone else's mail looks like no mail
            raise AxisFail("404", f"Không tìm thấy văn bản {doc_id!r}")
        return packet


def param(params: dict[str, str], name: str) -> str:
    """The SDK's users spell some keys inconsistently (docId / docid): the exact spelling first, then any."""
    if name in params:
        return params[name]
    lowered = name.lower()
    return next((v for k, v in params.items() if k.lower() == lowered), "")


def _listed(p: SimPacket) -> dict[str, Any]:
    return {
        "docId": p.doc_id,
        "from": p.from_code,
        "to": p.to_code,
        "status": p.status,
        "status_desc": p.status,
        "serviceType": "eDoc",
        "messageType": p.message_type,
        "created_time": p.created_time,
        "updated_time": p.updated_time,
        "contentSha256": p.sha256,
        "contentLength": p.size,
    }


def _sent(p: SimPacket) -> dict[str, Any]:
    return {
        "fromCode": p.from_code,
        "toCode": p.to_code,
        "senderDocId": p.send_id,
        "receiverDocId": p.doc_id,
        "serviceType": "eDoc",
        "messageType": p.message_type,
        "title": p.title,
        "notation": p.notation,
        "sentTime": p.created_time,
        "receivedTime": p.updated_time if p.status == "done" else "",
        "sendStatus": "OK",
        "sendStatusDesc": "Đã gửi",
        "receiveStatus": p.status,
        "receiveStatusDesc": p.status,
    }
