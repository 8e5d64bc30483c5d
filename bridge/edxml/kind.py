"""Telling document packets from status packets."""

from __future__ import annotations

from typing import Literal

from bridge.edxml import attachments as att
from bridge.edxml._reader import DEFAULT_MAX_BYTES, Element, first, parse_xml
from bridge.edxml.edoc import read_edoc
from bridge.edxml.model import EdocPacket, EdxmlError, StatusPacket, guarded
from bridge.edxml.status import read_status, status_header

PacketKind = Literal["edoc", "status"]


def _kind(root: Element) -> PacketKind:
    if status_header(root) is not None:
        return "status"
    if first(root, "MessageHeader") is not None:
        return "edoc"
    raise EdxmlError("Không nhận ra loại gói tin edXML (không có MessageHeader)")


@guarded
def packet_kind(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> PacketKind:
    return _kind(parse_xml(data, max_bytes))


@guarded
def parse_packet(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_unzipped: int = att.DEFAULT_MAX_UNZIPPED
) -> EdocPacket | StatusPacket:
    """Either kind, from one parse of the XML."""
    root = parse_xml(data, max_bytes)
    return read_status(root) if _kind(root) == "status" else read_edoc(root, max_unzipped)
