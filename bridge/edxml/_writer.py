"""A tiny XML writer that prints element names exactly as given.

The official samples declare the QCVN namespace twice (default on the root, `edXML:` on the envelope)
and mix prefixed and unprefixed names; some receivers compare names literally, so the layout is written
by hand instead of letting a serializer choose prefixes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bridge.edxml._text import bad_xml_char
from bridge.edxml.model import EdxmlError

P = "edXML:"  # the prefix every header and body element carries


@dataclass(slots=True)
class Node:
    tag: str
    text: str | None = None
    children: list[Node] = field(default_factory=list)
    attrs: tuple[tuple[str, str], ...] = ()
    verbatim: bool = False  # text known to need no escaping (base64), skips the scan of large payloads


def el(tag: str, *children: Node | None, attrs: tuple[tuple[str, str], ...] = ()) -> Node:
    """An element with child elements; None children are skipped (optional elements)."""
    return Node(tag, None, [c for c in children if c is not None], attrs)


def leaf(tag: str, text: object, attrs: tuple[tuple[str, str], ...] = (), *, verbatim: bool = False) -> Node:
    return Node(tag, str(text), [], attrs, verbatim)


def leaves(tag: str, texts: Iterable[object]) -> list[Node]:
    return [leaf(tag, t) for t in texts]


def _escape(text: str, where: str) -> str:
    bad = bad_xml_char(text)
    if bad is not None:
        raise EdxmlError(f"Trường {where} chứa ký tự không được phép trong XML (mã U+{ord(bad):04X})")
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")  # a raw CR would be turned into LF by every parser
    )


def _write(node: Node, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    attrs = "".join(f' {k}="{_escape(v, node.tag)}"' for k, v in node.attrs)
    if node.children:
        out.append(f"{pad}<{node.tag}{attrs}>\n")
        for child in node.children:
            _write(child, depth + 1, out)
        out.append(f"{pad}</{node.tag}>\n")
    elif node.text:
        text = node.text if node.verbatim else _escape(node.text, node.tag)
        out.append(f"{pad}<{node.tag}{attrs}>{text}</{node.tag}>\n")
    else:
        out.append(f"{pad}<{node.tag}{attrs} />\n")


def serialize(root: Node) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(root, 0, out)
    return "".join(out).encode("utf-8")
