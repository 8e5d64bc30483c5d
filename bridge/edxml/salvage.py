"""What can still be read from a packet that does not parse, to address the refusal (status 02) to its sender."""

from __future__ import annotations

from bridge.edxml._reader import first, kid, parse_xml, text
from bridge.edxml._text import parse_date
from bridge.edxml.model import EdxmlError, ResponseFor, guarded

_MAX_FIELD = 500  # a salvaged value goes into our answer: a hostile packet must not make it huge


@guarded
def salvage_reference(data: bytes) -> ResponseFor:
    """The document a broken packet is about (its sender in `organ_id`): each field that can be read, else ""."""
    try:
        header = first(parse_xml(data), "MessageHeader")
    except EdxmlError:
        return ResponseFor()
    if header is None:
        return ResponseFor()
    code = kid(header, "Code")
    number, notation = _short(text(code, "CodeNumber")), _short(text(code, "CodeNotation"))
    day = _short(text(kid(header, "PromulgationInfo"), "PromulgationDate"))
    return ResponseFor(
        organ_id=_short(text(kid(header, "From"), "OrganId")),
        code=f"{number}/{notation}" if number and notation else number or notation,
        promulgation_date=parse_date(day) if day else None,
        document_id=_short(text(header, "DocumentId")),
    )


def _short(value: str) -> str:
    return value[:_MAX_FIELD]
