"""Just enough of an edXML packet for an axis to route it: a small, safe scan by local name.

Deliberately independent of the bridge's edXML parser, so the simulator checks what the bridge really sends.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bridge.xml_element import Element

# No DTDs, no entity expansion, no network: a packet is untrusted input.
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
}
_HEADER_NAMES = frozenset({"MessageHeader", "Status"})  # Bkav emits <Status> for status packets


class UnroutablePacket(ValueError):
    """Not XML, or no recipient can be found."""


@dataclass(frozen=True, slots=True)
class Route:
    from_code: str
    recipients: tuple[str, ...]
    title: str = ""  # MessageHeader/Subject, for getSentEdocList
    notation: str = ""  # "CodeNumber/CodeNotation" (or ResponseFor/Code of a status), for getSentEdocList


def sender(packet: bytes) -> str:
    """MessageHeader/From/OrganId, or "" when the packet has none."""
    senders = _organ_ids(_header(packet), "From")
    return senders[0] if senders else ""


def route(packet: bytes, message_type: str) -> Route:
    """An edoc goes to every MessageHeader/To/OrganId; a status packet to MessageHeader/ResponseFor/OrganId."""
    header = _header(packet)
    target = "ResponseFor" if message_type == "status" else "To"
    recipients = _organ_ids(header, target)
    if not recipients:
        raise UnroutablePacket(f"no MessageHeader/{target}/OrganId")
    senders = _organ_ids(header, "From")
    return Route(
        from_code=senders[0] if senders else "",
        recipients=recipients,
        title=_leaf(header, "Subject"),
        notation=_notation(header, target),
    )


def _header(packet: bytes) -> Element:
    header = next((el for el in _parse(packet).iter() if _local(el) in _HEADER_NAMES), None)
    if header is None:
        raise UnroutablePacket("no MessageHeader")
    return header


def _parse(packet: bytes) -> Element:
    try:
        root = etree.fromstring(packet, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise UnroutablePacket(f"not well-formed XML: {exc}") from exc
    if root is None or root.getroottree().docinfo.doctype:
        raise UnroutablePacket("DOCTYPE is not allowed in a packet")
    return root


def _organ_ids(header: Element, parent: str) -> tuple[str, ...]:
    found: list[str] = []
    for child in header:
        if _local(child) != parent:
            continue
        for leaf in child:
            text = (leaf.text or "").strip()
            if _local(leaf) == "OrganId" and text and text not in found:
                found.append(text)
    return tuple(found)


def _leaf(parent: Element, name: str) -> str:
    found = next((child for child in parent if _local(child) == name), None)
    return (found.text or "").strip() if found is not None else ""


def _notation(header: Element, target: str) -> str:
    if target == "ResponseFor":
        response_for = next((child for child in header if _local(child) == "ResponseFor"), None)
        return _leaf(response_for, "Code") if response_for is not None else ""
    code = next((child for child in header if _local(child) == "Code"), None)
    if code is None:
        return ""
    number, notation = _leaf(code, "CodeNumber"), _leaf(code, "CodeNotation")
    return f"{number}/{notation}" if number and notation else number or notation


def _local(element: Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""
