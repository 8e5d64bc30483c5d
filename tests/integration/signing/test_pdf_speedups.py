"""signing.pdf_speedups must behave exactly like the pypdf code it replaces."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.errors import PdfStreamError

from signing import pdf_speedups
from signing.completeness import check_pdf
from tests.fixtures.pdfs import make_official_pdf

original_hex = pdf_speedups.original()

HEX_CASES = [
    b"<>",
    b"<00ff>rest",
    b"<0A1b2C>",
    b"<abc>",  # odd number of digits: a trailing 0 is implied
    b"< 30 82\n05\r\t\f\x0012 >tail",
    b"<feff00540061006e>",  # UTF-16 with a BOM: a text string, not bytes
    b"<" + b"0123456789abcdef" * 5000 + b">x",  # longer than one read chunk
]


def _both(data: bytes, encoding: object = None) -> tuple[object, object]:
    ours, theirs = io.BytesIO(data), io.BytesIO(data)
    got = _outcome(lambda: pdf_speedups.read_hex_string_from_stream(ours, encoding), ours)
    want = _outcome(lambda: original_hex(theirs, encoding), theirs)
    return got, want


def _outcome(read, stream: io.BytesIO) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    try:
        value = read()
    except PdfStreamError as exc:
        return ("error", str(exc), stream.tell())
    return (type(value), value, stream.tell())


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_string_reader_matches_the_original(data: bytes) -> None:
    got, want = _both(data)
    assert got == want


@pytest.mark.parametrize("data", [b"<12zz>", b"<1234", b"<12<34>", b"< 1 2 % c >", b"<" + b"ab" * 9000 + b"g>"])
def test_hex_string_reader_fails_like_the_original(data: bytes) -> None:
    got, want = _both(data)
    assert got[0] == "error" and got == want


@given(st.binary(max_size=64).map(lambda b: b"<" + b + b">tail"))
def test_any_bytes_read_like_the_original(data: bytes) -> None:
    got, want = _both(data)
    assert got == want


def test_a_signed_pdf_reads_the_same_and_checks_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.pipeline.documents import signers, tan_hoa_document

    pdf = tan_hoa_document(signers())
    pdf_speedups.uninstall()
    try:
        want_report = check_pdf(pdf)
        want = _contents(pdf)
    finally:
        pdf_speedups.install()
    assert want and _contents(pdf) == want
    assert check_pdf(pdf) == want_report
    assert check_pdf(make_official_pdf(pages=2)).ok


def _contents(pdf: bytes) -> list[bytes]:
    """Every signature's /Contents (the long hex strings)."""
    reader = PdfReader(io.BytesIO(pdf))
    fields = reader.get_fields() or {}
    return [bytes(f["/V"]["/Contents"]) for f in fields.values() if f.get("/FT") == "/Sig" and "/V" in f]
