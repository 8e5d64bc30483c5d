"""Fuzz targets for every parser of outside input (hypothesis, fixed seed, fixed budget so CI is repeatable):
MIME, metadata lines, document codes, reply keywords, PDF analysis. Each must answer — a value or its own
error — for any input, never crash with another exception; the hostile inputs found so far are regression
tests at the bottom, each with a size at which the old quadratic code took minutes."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.services.reply_matching import referenced_domains
from core.agency import Agency
from core.doc_code import DocCode, InvalidDocCode
from core.held import completed_fields, merged_lines, reply_text
from core.inbound import Channel
from core.metadata import parse_metadata_lines
from core.organ_id import OrganId
from core.recipients import MAX_NAME, MAX_NAMES, split_recipients, suggest
from core.reply_keywords import InvalidReply, parse_reply
from mail.mime import html_to_text, parse_message
from signing.analysis import analyse_pdf
from tests.fixtures.pdfs import make_official_pdf

BUDGET = settings(
    max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
PIECES = ["Số:", "Ngày:", "Trích yếu:", "Nơi nhận:", ":", " ", "\t", "\n", "/", "-", "@", "<", ">", "=?utf-8?b?",
          "?=", "\r\n", "Từ chối", "TIẾP NHẬN", "On ", " wrote:", "Vào ", " viết:", "QĐ-UBND", "05", "--", "> ",
          "From: ", "Content-Type: multipart/mixed; boundary=x\r\n", "--x\r\n", "&amp;", "<a", "<script>"]  # fmt: skip
hostile_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=30)), max_size=60).map("".join)


@BUDGET
@given(hostile_text, st.binary(max_size=300))
def test_mime(text: str, tail: bytes) -> None:
    raw = text.encode("utf-8", "surrogatepass") + tail
    for head in (b"", b"From: a@b.vn\r\nContent-Type: text/html\r\n\r\n"):
        msg = parse_message(head + raw, Channel.SMTP)
        assert isinstance(msg.problems, list)
    assert isinstance(html_to_text(text), str)


@BUDGET
@given(hostile_text)
def test_metadata_lines(text: str) -> None:
    meta = parse_metadata_lines(text)
    assert all(len(p) < 1000 for p in meta.problems)


@BUDGET
@given(hostile_text)
def test_document_codes(text: str) -> None:
    try:
        code = DocCode.parse(text)
    except InvalidDocCode:
        return
    assert DocCode.parse(str(code)) == code


@BUDGET
@given(hostile_text)
def test_reply_keywords(text: str) -> None:
    try:
        parse_reply(text)
    except InvalidReply:
        pass


DIRECTORY = [Agency(OrganId(f"000.00.{i:02d}.H61"), f"UBND xã Tân Hòa {i}") for i in range(60)]


@BUDGET
@given(hostile_text)
def test_recipients(text: str) -> None:
    written = split_recipients(text)
    assert len(written.names) <= MAX_NAMES and all(len(n) <= MAX_NAME for n in written.names)
    for name in written.names:
        assert len(suggest(name, DIRECTORY)) <= 3


@BUDGET
@given(hostile_text, hostile_text)
def test_replies_and_completions(body: str, update: str) -> None:
    own = reply_text(body)
    assert len(own) <= len(body)
    fields = completed_fields(update)
    merged = merged_lines(body, own, update)
    assert set(fields) <= set(completed_fields(merged))


@BUDGET
@given(hostile_text)
def test_referenced_domains(text: str) -> None:
    assert all("@" not in d and ">" not in d for d in referenced_domains(text))


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return make_official_pdf()


@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.data())
def test_pdf_analysis(pdf: bytes, data: st.DataObject) -> None:
    """Damaged PDFs: bytes flipped, cut, or inserted. The analysis reports; it never raises."""
    damaged = bytearray(pdf)
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(damaged) - 1))
        match data.draw(st.sampled_from(["flip", "cut", "insert"])):
            case "flip":
                damaged[at] = data.draw(st.integers(0, 255))
            case "cut":
                del damaged[at : at + data.draw(st.integers(1, 2000))]
            case "insert":
                damaged[at:at] = data.draw(
                    st.sampled_from([b"<<", b">>", b"(", b"\\", b"obj", b"9999999999 0 R", b"%"])
                )
        if not damaged:
            return
    result = analyse_pdf(bytes(damaged))
    assert result.report is not None and result.metadata is not None


# ---- inputs found so far: each answers in well under a second (quadratic code took minutes) ----------------

MB = 1_000_000


def finishes(call: Callable[[], Any], within: float = 10.0) -> Any:
    """Run `call` in a thread; fail if it is still running after `within` seconds (linear code needs ~0.1 s)."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(call).result(timeout=within)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def parse_code(text: str) -> None:
    try:
        DocCode.parse(text)
    except InvalidDocCode:
        pass


def suggest_all(recipients: str) -> None:
    """What the pipeline does with `Nơi nhận:` (bridge.pipeline.steps): split, then suggest for every name."""
    for name in split_recipients(recipients).names:
        suggest(name, DIRECTORY)


REGRESSIONS: list[tuple[str, Callable[[], Any]]] = [
    ("From without @ (58 KB took 6.2 s)", lambda: parse_message(b"From: " + b"a" * MB + b"\r\n\r\nx", Channel.SMTP)),
    ("Key: value with trailing spaces", lambda: parse_metadata_lines("Trích yếu: x" + " " * MB + "y")),
    ("metadata line of spaces", lambda: parse_metadata_lines(" " * MB + ":")),
    ("20 KB of whitespace in a document code", lambda: parse_code("05" + " " * MB + "/ QĐ")),
    ("spaces around a slash", lambda: parse_code(" " * MB + "/" + " " * MB)),
    ("quote header with spaces", lambda: parse_reply("on wrote" + " " * MB + "x")),
    ("HTML of unfinished tags", lambda: html_to_text("<a" * (MB // 2))),
    ("HTML of lone <", lambda: html_to_text("<" * MB)),
    ("References of '@' (125 KB took 490 s)", lambda: referenced_domains("@" * MB)),
    ("a recipient name of a million words", lambda: suggest_all("x " * MB)),
    ("distinct recipient names", lambda: suggest_all(";".join(map(str, range(MB // 6))))),
    ("words that are almost codes", lambda: split_recipients("000.00.32.H61 x " * (MB // 16))),
    ("a reply of one long line", lambda: reply_text("Vào " + "ngày " * (MB // 5))),
    ("a reply of dashes", lambda: reply_text("-" * MB + "x")),
    ("a completion of many lines", lambda: merged_lines("Số: 1\n" * (MB // 6), "Số: 2\n" * (MB // 6))),
]


@pytest.mark.parametrize(("name", "call"), REGRESSIONS, ids=[n for n, _ in REGRESSIONS])
def test_hostile_inputs_found_so_far(name: str, call: Callable[[], Any]) -> None:
    finishes(call)


def test_only_the_first_4_kb_of_a_from_header_are_read() -> None:
    """A 50 KB display name hides the address: no sender (the pipeline refuses it), answered at once."""
    raw = b"From: " + b"x" * 50_000 + b" <vanthu@ubnd.vn>\r\nTo: a@b\r\n\r\nx"
    assert finishes(lambda: parse_message(raw, Channel.SMTP)).sender_address == ""
    normal = b"From: Van thu <vanthu@ubnd.vn>\r\nTo: a@b\r\n\r\nx"
    assert parse_message(normal, Channel.SMTP).sender_address == "vanthu@ubnd.vn"
