"""Safe XML parsing and namespace-blind navigation.

Senders differ in how they spell the QCVN namespace (prefixed, default, missing, or an undeclared
`edXML:` prefix), so elements are matched by local name only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from lxml import etree

from bridge.edxml.model import NAMESPACE, EdxmlError
from bridge.xml_element import Element

T = TypeVar("T")

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # a whole packet, attachments included, as base64
MAX_TAGS = 100_000

_ROOT_TAG = re.compile(rb"<[A-Za-z_][\w.:-]*")  # the first start tag: PIs and comments start with <? or <!
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_FORBIDDEN_ANY = (
    tuple(token.decode("ascii").encode(codec) for token in _FORBIDDEN for codec in ("utf-16-le", "utf-16-be"))
    + _FORBIDDEN
)


def _parser() -> etree.XMLParser:
    # huge_tree: one attachment's base64 text is easily above libxml2's 10 MB node limit; the
    # size cap above and the DOCTYPE ban keep the parser's own safety limits unnecessary.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def parse_xml(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EdxmlError("Gói tin edXML phải là dữ liệu nhị phân (bytes)")
    data = bytes(data)
    if len(data) > max_bytes:
        raise EdxmlError(f"Gói tin edXML quá lớn: {len(data)} byte (giới hạn {max_bytes} byte)")
    if not data.strip():
        raise EdxmlError("Gói tin edXML rỗng")
    # Tens of MB of tiny elements would take GBs as a tree; a real packet has a few hundred.
    if data.count(b"<") > MAX_TAGS:
        raise EdxmlError(f"Gói tin edXML có quá nhiều phần tử (giới hạn {MAX_TAGS})")
    # No legitimate packet declares a DTD; refusing it up front rules out entity expansion attacks.
    if any(token in data for token in _FORBIDDEN_ANY):
        raise EdxmlError("Gói tin edXML có khai báo DOCTYPE/ENTITY, bị từ chối vì lý do an toàn")
    try:
        root = _parse(data)
    except (etree.LxmlError, ValueError) as exc:
        raise EdxmlError(f"Gói tin edXML không phải XML hợp lệ: {exc}") from exc
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise EdxmlError("Gói tin edXML có khai báo DOCTYPE/ENTITY, bị từ chối vì lý do an toàn")
    return root


def _parse(data: bytes) -> Element:
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # Hand-built packets sometimes use `edXML:` without declaring it anywhere; the meaning is plain.
        if "Namespace prefix edXML" not in str(exc):
            raise
        declare = b' xmlns:edXML="' + NAMESPACE.encode() + b'"'
        fixed = _ROOT_TAG.sub(lambda m: m.group(0) + declare, data, count=1)
        return etree.fromstring(fixed, _parser())


def local(e: Element) -> str:
    tag = e.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2].rpartition(":")[2]


def kids(e: Element | None, name: str) -> list[Element]:
    if e is None:
        return []
    return [c for c in e if local(c) == name]


def kid(e: Element | None, name: str) -> Element | None:
    found = kids(e, name)
    return found[0] if found else None


def kid_any(e: Element | None, *names: str) -> Element | None:
    """The first child with any of the names (spelling variants); never use `or` on elements."""
    for name in names:
        found = kid(e, name)
        if found is not None:
            return found
    return None


def descendants(e: Element, name: str) -> Iterator[Element]:
    return (d for d in e.iter() if local(d) == name)


def first(e: Element, name: str) -> Element | None:
    return next(descendants(e, name), None)


def text_of(e: Element | None) -> str:
    if e is None:
        return ""
    return "".join(e.itertext()).strip()


def text(e: Element | None, name: str) -> str:
    return text_of(kid(e, name))


def is_empty(e: Element) -> bool:
    """`<edXML:ResponseFor />` and whitespace-only groups carry nothing."""
    return not text_of(e) and not any(True for c in e.iter() if c is not e and isinstance(c.tag, str))


class Reader:
    """Reads typed values out of elements, noting in `problems` what it could not read."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def typed(self, e: Element | None, name: str, convert: Callable[[str], T | None], label: str) -> T | None:
        raw = text(e, name)
        if not raw:
            return None
        value = convert(raw)
        if value is None:
            self.problems.append(f"{label} ({name}) không đọc được: {raw!r}")
        return value
