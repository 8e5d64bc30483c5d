"""signing.xref_speedups.parse_xref_table must behave exactly like pyHanko's cross-reference table parser."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, misc, xref
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from signing import xref_speedups
from tests.fixtures.pdfs import make_official_pdf, sign_pdf, signed_official_pdf
from tests.fixtures.pki import TestPki

original = xref_speedups.original()
ours = xref_speedups.parse_xref_table
Parse = Callable[[io.BytesIO, bool], Iterator[xref.XRefEntry]]


class _Runaway(Exception):
    """pyHanko's parser loops for ever on some truncated tables (it seeks back 7 bytes near the end of the data)."""


class _LimitedStream(io.BytesIO):
    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        if self.reads > 5000:
            raise _Runaway
        return super().read(size)


def _outcome(parse: Parse, data: bytes, strict: bool, start: int = 4) -> tuple[object, ...]:
    """Entries (with the type of idnum: the original's first of each subsection is a NumberObject), the error
    (type and message) if any, and where the stream is left."""
    stream = _LimitedStream(data)
    stream.seek(start)
    entries: list[tuple[type, dict[str, object]]] = []
    try:
        for entry in parse(stream, strict):
            entries.append((type(entry.idnum), vars(entry)))
            if len(entries) > 5000:
                raise _Runaway
    except _Runaway:
        raise
    except Exception as exc:  # the original raises PdfReadError, PdfStreamError, ValueError, IndexError …
        return entries, type(exc), str(exc), stream.tell()
    return entries, None, None, stream.tell()


def _assert_same(data: bytes, strict: bool, start: int = 4) -> tuple[object, ...]:
    expected = _outcome(original, data, strict, start)
    assert _outcome(ours, data, strict, start) == expected
    return expected


def _table_starts(pdf: bytes) -> list[int]:
    """Where each "xref" keyword's table begins (not "startxref")."""
    return [m.end() for m in re.finditer(rb"(?<!start)xref", pdf)]


def _no_fallback(stream: io.BytesIO, strict: bool) -> Iterator[xref.XRefEntry]:
    raise AssertionError("a canonical table went to pyHanko's parser")


# --- tables pyHanko and the fixtures write: all canonical, so no line may go to the original ----------------------


def _writer_pdf() -> bytes:
    out = io.BytesIO()
    PdfFileWriter(stream_xrefs=False).write(out)  # a table, not a cross-reference stream
    return out.getvalue()


def _incremental_pdf() -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(_writer_pdf()))
    writer.add_object(generic.NumberObject(7))
    writer.add_object(generic.pdf_string("x"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_real_tables_take_the_fast_path_and_match(
    test_pki: TestPki, strict: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdfs = [
        _writer_pdf(),
        _incremental_pdf(),
        make_official_pdf(pages=2),
        sign_pdf(make_official_pdf(), test_pki.organisation, "ChuKyCoQuan"),
        signed_official_pdf(test_pki, pages=50),
    ]
    subsections = 0
    for pdf in pdfs:
        starts = _table_starts(pdf)
        assert starts
        for start in starts:
            entries, error, _, end = _assert_same(pdf, strict, start)
            assert error is None and entries
            assert pdf[end:].startswith(b"<<")  # left at the trailer dictionary
            subsections += sum(1 for idnum_type, _ in entries if idnum_type is generic.NumberObject)
        with monkeypatch.context() as patch:
            patch.setattr(xref_speedups, "_original", _no_fallback)
            for start in starts:
                stream = io.BytesIO(pdf)
                stream.seek(start)
                assert list(ours(stream, strict))
    assert subsections > len(pdfs) + 4  # the signatures' incremental updates have several subsections each


# --- hand-written corner cases ------------------------------------------------------------------------------------

LINE_N, LINE_F = b"0000000017 00000 n", b"0000000000 65535 f"
CASES = {
    "canonical": b"\n0 2\n" + LINE_F + b" \n" + LINE_N + b" \ntrailer\n<<>>",
    "cr and crlf eols": b"\n0 3\n" + LINE_F + b" \r" + LINE_N + b"\r\n" + LINE_N + b" \ntrailer <<>>",
    "subsections": b"\n0 1\n"
    + LINE_F
    + b" \n3 2\n"
    + LINE_N
    + b" \n"
    + LINE_N
    + b" \n9 1\n"
    + LINE_N
    + b" \ntrailer\n<<>>",
    "empty subsection": b"\n0 0\n5 1\n" + LINE_N + b" \ntrailer\n<<>>",
    "21-byte crlf": b"\n0 2\n" + LINE_F + b" \r\n" + LINE_N + b" \r\ntrailer\n<<>>",
    "21-byte crlf in the 2nd subsection": b"\n0 1\n"
    + LINE_F
    + b" \n4 2\n"
    + LINE_N
    + b" \r\n"
    + LINE_N
    + b" \r\n\r\ntrailer\n<<>>",
    "19-byte lf": b"\n0 3\n" + LINE_F + b"\n" + LINE_N + b"\n" + LINE_N + b"\ntrailer\n<<>>",
    "19-byte lf before trailer": b"\n0 1\n" + LINE_N + b"\ntrailer\n<<>>",
    "space-padded": b"\n0 2\n" + LINE_F + b" \n        17     0 n \ntrailer\n<<>>",
    "unknown marker": b"\n0 2\n" + LINE_F + b" \n0000000017 00000 x \ntrailer\n<<>>",
    "bad offset": b"\n0 1\n00000000z7 00000 n \ntrailer\n<<>>",
    "bad generation": b"\n0 1\n0000000017 0000z n \ntrailer\n<<>>",
    "bad free generation": b"\n0 1\n0000000017 0000z f \ntrailer\n<<>>",
    "truncated in a line": b"\n0 2\n" + LINE_F + b" \n00000000",
    "truncated before a line": b"\n0 2\n" + LINE_F + b" \n",
    "truncated before trailer": b"\n0 1\n" + LINE_F + b" \n",
    "truncated trailer": b"\n0 1\n" + LINE_F + b" \ntrai",
    "trailer at the end": b"\n0 1\n" + LINE_F + b" \ntrailer",
    "trailer then comment": b"\n0 1\n" + LINE_F + b" \ntrailer % note\n<<>>",
    "comment before header": b"\n% note\n0 1\n" + LINE_F + b" \ntrailer\n<<>>",
    "comment in header": b"\n0 % note\n1\n" + LINE_F + b" \ntrailer\n<<>>",
    "comment after header": b"\n0 1 % note\n" + LINE_F + b" \ntrailer\n<<>>",
    "comment between subsections": b"\n0 1\n" + LINE_F + b" \n% note\n3 1\n" + LINE_N + b" \ntrailer\n<<>>",
    "odd header whitespace": b"\n0\x00\t1\x0c\r\n" + LINE_F + b" \ntrailer\n<<>>",
    "signed header": b"\n+0 1\n" + LINE_F + b" \ntrailer\n<<>>",
    "float size": b"\n0 1.0\n" + LINE_F + b" \ntrailer\n<<>>",
    "no header": b"\ntrailer\n<<>>",
    "empty": b"",
    "size too small": b"\n0 1\n" + LINE_F + b" \n" + LINE_N + b" \ntrailer\n<<>>",
    "size too big": b"\n0 3\n" + LINE_F + b" \n" + LINE_N + b" \ntrailer\n<<>>",
    "huge size": b"\n0 99999999\n" + LINE_F + b" \ntrailer\n<<>>",
    "long whitespace after header": b"\n0 1" + b" " * 60 + b"\n" + LINE_F + b" \ntrailer\n<<>>",
    "short tail on whitespace": b"\n0 1\n" + LINE_F + b" \n  \n  1",
    "short tail on a digit": b"\n0 1\n" + LINE_F + b"     1 0\n",
}


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_corner_cases_match_the_original(data: bytes, strict: bool) -> None:
    _assert_same(b"xref" + data, strict)


def test_the_corner_cases_reach_the_branches_they_name() -> None:
    """Guards against cases that test nothing: some pass, some fail, as their names say."""
    assert _assert_same(b"xref" + CASES["subsections"], True)[0] == [
        (generic.NumberObject, {"xref_type": xref.XRefType.FREE, "location": None, "idnum": 0, "generation": 65535}),
        (generic.NumberObject, {"xref_type": xref.XRefType.STANDARD, "location": 17, "idnum": 3, "generation": 0}),
        (int, {"xref_type": xref.XRefType.STANDARD, "location": 17, "idnum": 4, "generation": 0}),
        (generic.NumberObject, {"xref_type": xref.XRefType.STANDARD, "location": 17, "idnum": 9, "generation": 0}),
    ]  # fmt: skip
    assert len(_assert_same(b"xref" + CASES["21-byte crlf in the 2nd subsection"], True)[0]) == 3
    assert len(_assert_same(b"xref" + CASES["19-byte lf"], True)[0]) == 3
    assert [e["location"] for _, e in _assert_same(b"xref" + CASES["space-padded"], False)[0]] == [None, 17]
    assert _assert_same(b"xref" + CASES["space-padded"], True)[1] is misc.PdfStrictReadError
    assert _assert_same(b"xref" + CASES["unknown marker"], True)[1:3] == (
        misc.PdfStrictReadError,
        "Unknown marker b'x'",
    )
    assert len(_assert_same(b"xref" + CASES["unknown marker"], False)[0]) == 1
    assert _assert_same(b"xref" + CASES["truncated in a line"], True)[1] is not None


# --- random tables: canonical lines mixed with everything the original tolerates or rejects ------------------------

OFFSETS = [b"0000000017", b"0000012345", b"9999999999", b"        17", b"17", b"000000001z", b"00000000170"]
GENERATIONS = [b"00000", b"65535", b"00001", b"    0", b"0", b"0000x"]
MARKERS = [b"n", b"f", b"x", b"nn", b""]
EOLS = [b" \n", b" \r", b"\r\n", b" \r\n", b"\n", b"\r", b"  \n", b"", b"\n\n"]
SEPARATORS = [b" ", b"  ", b"\n", b"\r\n", b"\t", b"\x00", b"% note\n", b""]
GAPS = [b"", b"\n", b"\r\n", b"  \n", b"% note\n", b"\x0c"]
TAILS = [b"trailer\n<<>>", b"trailer", b"trailer % c\n<<", b"", b"trai", b"1", b" 5", b"\n  \n 1", b"<<>>"]


def _mostly(options: list[bytes]) -> st.SearchStrategy[bytes]:
    """Mostly the canonical option (the first), so that whole subsections are canonical often enough."""
    return st.sampled_from(options[:1] * 40 + options)


@st.composite
def xref_lines(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 99)) == 0:
        return draw(st.binary(max_size=25))
    offset, generation = draw(_mostly(OFFSETS)), draw(_mostly(GENERATIONS))
    marker = draw(st.sampled_from(MARKERS[:2] * 40 + MARKERS))
    return offset + b" " + generation + b" " + marker + draw(st.sampled_from(EOLS[:3] * 20 + EOLS))


@st.composite
def xref_tables(draw: st.DrawFn) -> bytes:
    parts = [b"xref", draw(_mostly(GAPS[1:] + GAPS[:1]))]
    for _ in range(draw(st.integers(1, 4))):
        lines = draw(st.lists(xref_lines(), max_size=8))
        size = max(0, len(lines) + draw(st.sampled_from([0] * 20 + [-1, 1])))
        num = draw(_mostly([b"3", b"0", b"12", b"007", b"+1", b"1.5", b"x"]))
        parts += [num, draw(_mostly(SEPARATORS)), str(size).encode(), draw(_mostly(SEPARATORS[2:])), *lines]
        parts.append(draw(_mostly(GAPS)))
    parts.append(draw(_mostly(TAILS)))
    table = b"".join(parts)
    if draw(st.integers(0, 3)) == 0:  # and a stray byte somewhere
        at = draw(st.integers(0, len(table)))
        table = table[:at] + draw(st.binary(min_size=1, max_size=2)) + table[at + 1 :]
    return table


@settings(max_examples=1500, deadline=None)
@given(xref_tables() | st.binary(max_size=120).map(lambda b: b"xref" + b), st.booleans())
def test_random_tables_match_the_original(data: bytes, strict: bool) -> None:
    try:
        expected = _outcome(original, data, strict)
    except _Runaway:
        assume(False)  # the original never ends on this one: nothing to compare
    assert _outcome(ours, data, strict) == expected


# --- installed: what PdfFileReader makes of a signed PDF --------------------------------------------------------


@pytest.fixture
def restore_parser() -> Iterator[None]:
    installed = xref.parse_xref_table
    yield
    xref.parse_xref_table = installed


def _reader_view(pdf: bytes, fast: bool) -> list[object]:
    (xref_speedups.install if fast else xref_speedups.uninstall)()
    reader = PdfFileReader(io.BytesIO(pdf))
    sections = reader.xrefs._xref_sections
    return [(s.meta_info, vars(s.xref_data)) for s in sections] + [repr(t) for t in reader.trailer._trailer_revisions]


def test_reader_sees_the_same_xref_data(test_pki: TestPki, restore_parser: None) -> None:
    pdf = signed_official_pdf(test_pki, pages=3)
    fast = _reader_view(pdf, fast=True)
    assert fast == _reader_view(pdf, fast=False)
    assert len(fast) == 6  # three revisions: the document and two signatures, each a section and a trailer


def test_install_is_idempotent(restore_parser: None) -> None:
    xref_speedups.install()
    xref_speedups.install()
    assert xref.parse_xref_table is ours
    xref_speedups.uninstall()
    xref_speedups.uninstall()
    assert xref.parse_xref_table is original
