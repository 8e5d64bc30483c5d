"""Fuzz target: the edXML parsers (document and status packets) raise only EdxmlError, whatever the bytes.

CI runs a fixed, derandomized budget; `EDOC_FUZZ_EXAMPLES=20000` runs longer locally. Each input that ever
crashed a parser is kept below as a regression test (test_found_inputs)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings

from bridge.edxml import EdxmlError, packet_kind, parse_edoc, parse_packet, parse_status
from bridge.edxml.model import UNEXPECTED
from tests.unit.edxml.factories import sample
from tests.unit.edxml.fuzz_inputs import (
    damage_zip,
    edoc_with_payload,
    hostile_packets,
    one_entry_zip,
    status_template,
)

PARSERS: tuple[Callable[[bytes], object], ...] = (parse_packet, parse_edoc, parse_status, packet_kind)
BUDGET = int(os.environ.get("EDOC_FUZZ_EXAMPLES", "250"))


def _only_edxml_errors(data: bytes) -> None:
    for parse in PARSERS:
        try:
            parse(data)
        except EdxmlError as exc:
            # the parsers' last-resort net turns a surprise into EdxmlError; the fuzz target wants none
            assert UNEXPECTED not in str(exc), f"{parse.__name__}: {exc!r} from {exc.__cause__!r}"


@settings(
    derandomize=True,
    max_examples=BUDGET,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_packets)
def test_parsers_raise_only_their_own_error(data: bytes) -> None:
    _only_edxml_errors(data)


def _with_field(template: bytes, field: str, value: str) -> bytes:
    start = template.index(f"<edXML:{field}>".encode()) + len(field) + 8
    end = template.index(b"</", start)
    return template[:start] + value.encode() + template[end:]


EDOC = sample("edoc_new_sample_layout.edxml")
STATUS = status_template()
# Every input that crashed a parser (issue 14's mutation fuzzer, then this target), kept for good.
FOUND = {
    "4501-digit page count": _with_field(EDOC, "PageAmount", "9" * 4501),
    "4501-digit priority": _with_field(EDOC, "Priority", "1" * 4501),
    "4501-digit status code": _with_field(STATUS, "StatusCode", "5" * 4501),
    "offset +99:99": _with_field(STATUS, "Timestamp", "2025/03/15 08:00:00+99:99"),
    "year 9999 at -23:59": _with_field(STATUS, "Timestamp", "9999/12/31 23:59:59-23:59"),
    "year 1 at +23:59": _with_field(STATUS, "Timestamp", "0001/01/01 00:00:00+23:59"),
    "due date offset +24:00": _with_field(EDOC, "DueDate", "2025/03/31 00:00:00+24:00"),
    "zip name not UTF-8": edoc_with_payload(damage_zip("utf8_name", one_entry_zip(), 0)),
    "zip header offset negative": edoc_with_payload(damage_zip("header_offset", one_entry_zip(), -30)),
    "zip directory offset negative": edoc_with_payload(damage_zip("cd_offset", one_entry_zip(), -(2**31))),
    "corrupt deflate": edoc_with_payload(damage_zip("deflate", one_entry_zip(), 0x5A)),
    "zip sizes lie": edoc_with_payload(damage_zip("sizes", one_entry_zip(), 3)),
    "zip method unknown": edoc_with_payload(damage_zip("method", one_entry_zip(), 99)),
    "corrupt deflate under application/pdf": edoc_with_payload(
        damage_zip("deflate", one_entry_zip(), 0x11), "application/pdf", "a.pdf"
    ),
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_found_inputs(name: str) -> None:
    _only_edxml_errors(FOUND[name])
