"""signing.parser_speedups must behave exactly like the pyHanko tokenizer code it replaces."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError

from signing import parser_speedups
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pdfs import signed_official_pdf
from tests.fixtures.pki import TestPki

original_delimiter, original_whitespace, original_decode_name = parser_speedups.originals()

# bytes the tokenizer treats specially, mixed with ordinary ones, so random inputs hit every branch
TOKEN_BYTES = st.binary(max_size=600) | st.lists(
    st.sampled_from([b" ", b"\n", b"\r", b"\x00", b"/", b"(", b">", b"%", b"#", b"#4A", b"a", b"Z", b"9", b"\xc3\xa1"]),
    max_size=80,
).map(b"".join)


def _outcome(read: Callable[[io.BytesIO], object], data: bytes, start: int = 0) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        value = read(stream)
    except (PdfError, ValueError, TypeError) as exc:
        return ("error", type(exc), str(exc), stream.tell())
    return (type(value), value, stream.tell())


@pytest.mark.parametrize(
    "data",
    [b"", b"Type", b"Type/Page", b"Annots [", b"abc def", b"x" * 1000 + b">>", b"name%comment", b"\x00", b"a\x00b"],
)
def test_read_until_delimiter_matches_the_original(data: bytes) -> None:
    assert _outcome(parser_speedups.read_until_delimiter, data) == _outcome(original_delimiter, data)


@pytest.mark.parametrize("maxchars", [None, 1, 3, 20, 300])
@pytest.mark.parametrize("data", [b"", b"12 0 obj", b"%PDF-1.7\n", b"abc", b"x" * 700 + b" y", b"\n\nz"])
def test_read_until_whitespace_matches_the_original(data: bytes, maxchars: int | None) -> None:
    def ours(s: io.BytesIO) -> bytes:
        return parser_speedups.read_until_whitespace(s, maxchars)

    def theirs(s: io.BytesIO) -> bytes:
        return original_whitespace(s, maxchars)  # type: ignore[no-any-return]

    assert _outcome(ours, data) == _outcome(theirs, data)


@given(TOKEN_BYTES, st.integers(min_value=0, max_value=40), st.none() | st.integers(min_value=1, max_value=300))
def test_readers_match_the_original_anywhere(data: bytes, start: int, maxchars: int | None) -> None:
    start = min(start, len(data))
    assert _outcome(parser_speedups.read_until_delimiter, data, start) == _outcome(original_delimiter, data, start)

    def ours(s: io.BytesIO) -> bytes:
        return parser_speedups.read_until_whitespace(s, maxchars)

    def theirs(s: io.BytesIO) -> bytes:
        return original_whitespace(s, maxchars)  # type: ignore[no-any-return]

    assert _outcome(ours, data, start) == _outcome(theirs, data, start)


@pytest.mark.parametrize(
    "name", [b"Type", b"ByteRange", b"A#20B", b"Ti#C3#AAu", b"bad#", b"bad#zz", b"caf\xc3\xa9", b"a(b", b"", b"~!"]
)
def test_name_decoding_matches_the_original(name: bytes) -> None:
    assert _name_outcome(parser_speedups._decode_name, name) == _name_outcome(original_decode_name, name)


@given(TOKEN_BYTES)
def test_any_name_decodes_like_the_original(name: bytes) -> None:
    assert _name_outcome(parser_speedups._decode_name, name) == _name_outcome(original_decode_name, name)


def test_each_name_is_a_fresh_object() -> None:
    """read_object sets container_ref on what it returns: a shared NameObject would carry one document's
    reference into another."""
    first, second = parser_speedups._decode_name(b"Type"), parser_speedups._decode_name(b"Type")
    assert first == second == "/Type" and first is not second and isinstance(first, generic.NameObject)


def _name_outcome(decode: Callable[[bytes], object], name: bytes) -> tuple[object, ...]:
    try:
        value = decode(name)
    except PdfError as exc:
        return ("error", type(exc), str(exc))
    return (type(value), value)


async def test_validation_reports_are_the_same_with_and_without(test_pki: TestPki) -> None:
    pdf = signed_official_pdf(test_pki, pages=3)
    validator = PdfSignatureValidator([test_pki.root_pem])
    try:
        with_speedups = await validator.validate_here(pdf)
        parser_speedups.uninstall()
        try:
            without = await validator.validate_here(pdf)
        finally:
            parser_speedups.install()
    finally:
        validator.close()
    assert [r.indication.name for r in with_speedups] == ["TOTAL_PASSED", "TOTAL_PASSED"]
    assert with_speedups == without
