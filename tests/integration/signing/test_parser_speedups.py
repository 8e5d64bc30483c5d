"""signing.parser_speedups must behave exactly like the pyHanko tokenizer code it replaces."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

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


# --- read_non_whitespace, literal and hex strings, numbers and read_object --------------------------------------

# PDF tokens and near-misses: whitespace incl. NUL and form feed, comments, escapes (valid, unknown, out of range),
# nesting, references, numbers, keywords and stream bodies
PDF_PIECES = [
    b" ", b"\n", b"\r", b"\r\n", b"\t", b"\x00", b"\x0c", b"\x0b", b"%", b"% note\n", b"%\r", b"(", b")", b"\\",
    b"\\n", b"\\r", b"\\t", b"\\b", b"\\f", b"\\053", b"\\0", b"\\12", b"\\377", b"\\400", b"\\8", b"\\(", b"\\)",
    b"\\\\", b"\\\r\n", b"\\\n", b"\\q", b"<", b">", b"<<", b">>", b"[", b"]", b"/", b"/Type", b"/A#20B", b"#",
    b"0", b"1", b"7", b"12", b"+", b"-", b".", b"3.25", b"1 0 R", b"12 0 R", b"0 0 R", b"1 0 obj", b"R", b"true",
    b"false", b"null", b"stream\n", b"endstream", b"/Length 3", b"abc", b"FEFF", b"0a", b"z", b"\xfe\xff", b"\xc3\xa1",
]  # fmt: skip
PDF_BYTES = st.binary(max_size=300) | st.lists(st.sampled_from(PDF_PIECES), max_size=60).map(b"".join)
STARTS = st.integers(min_value=0, max_value=30)


@pytest.fixture(scope="module", params=[False, True], ids=["lenient", "strict"])
def handler(request: pytest.FixtureRequest) -> PdfFileReader:
    """A real reader: read_object asks its container for the handler (strictness, /Length references)."""
    out = io.BytesIO()
    PdfFileWriter().write(out)
    return PdfFileReader(io.BytesIO(out.getvalue()), strict=request.param)


def _shape(obj: object) -> object:
    """Type, value and container_ref of a parsed object and everything in it, without dereferencing."""
    ref = getattr(obj, "container_ref", None)
    value: object = obj
    if isinstance(obj, dict):
        value = tuple((key, _shape(item)) for key, item in dict.items(obj))
        if isinstance(obj, generic.StreamObject):
            value = (value, obj._encoded_data)
    elif isinstance(obj, list):
        value = tuple(_shape(item) for item in list.__iter__(obj))
    elif isinstance(obj, generic.IndirectObject):
        value = (obj.idnum, obj.generation, id(obj.get_pdf_handler()))
    elif isinstance(obj, generic.TextStringObject):
        value = (str(obj), obj.autodetected_encoding)
    elif isinstance(obj, generic.FloatObject | generic.BooleanObject):
        value = str(obj)
    elif isinstance(obj, generic.NullObject):
        value = None  # its str() is the default repr, with the object's address
    return (type(obj), value, ref)


def _run(installed: bool, read: Callable[[io.BytesIO], object], data: bytes, start: int) -> tuple[object, ...]:
    """`read` looks pyHanko's functions up as pyHanko does, so it runs the speed-ups or the originals."""
    if installed:
        parser_speedups.install()
    else:
        parser_speedups.uninstall()
    try:
        return _outcome_any(read, data, start)
    finally:
        parser_speedups.install()


def _outcome_any(read: Callable[[io.BytesIO], object], data: bytes, start: int) -> tuple[object, ...]:
    stream = io.BytesIO(data)
    stream.seek(min(start, len(data)))
    try:
        value = read(stream)
    except Exception as exc:  # whatever the original raises, the speed-up must raise too
        return ("error", type(exc), str(exc), stream.tell())
    return (_shape(value), stream.tell())


def _assert_same(read: Callable[[io.BytesIO], object], data: bytes, start: int = 0) -> None:
    assert _run(True, read, data, start) == _run(False, read, data, start)


def _non_whitespace(seek_back: bool, allow_eof: bool) -> Callable[[io.BytesIO], object]:
    return lambda s: misc.read_non_whitespace(s, seek_back=seek_back, allow_eof=allow_eof)


def _object(handler: PdfFileReader) -> Callable[[io.BytesIO], object]:
    ref = generic.Reference(1, 0, handler)
    return lambda s: generic.read_object(s, ref)


def _number(s: io.BytesIO) -> object:
    return generic.NumberObject.read_from_stream(s)


def _literal(s: io.BytesIO) -> object:
    return generic._read_string_literal_bytes(s)


def _hex(s: io.BytesIO) -> object:
    return generic.read_hex_string_from_stream(s)


def test_the_speedups_are_what_pyhanko_calls() -> None:
    parser_speedups.install()
    assert misc.read_non_whitespace is generic.read_non_whitespace is parser_speedups.read_non_whitespace
    assert misc.read_until_regex is generic.read_until_regex is parser_speedups.read_until_regex
    assert generic.read_object is parser_speedups.read_object
    assert generic.DictionaryObject.read_from_stream is parser_speedups.read_dictionary
    assert generic.StreamObject.read_from_stream is parser_speedups.read_dictionary
    assert generic._read_string_literal_bytes is parser_speedups._read_string_literal_bytes
    assert generic.read_hex_string_from_stream is parser_speedups.read_hex_string_from_stream
    # and pyHanko's own callers reach them: read_string_from_stream and the dictionary reader find them as globals
    calls: list[str] = []
    spy = parser_speedups._read_string_literal_bytes

    def counting(stream: io.BytesIO) -> bytes:
        calls.append("literal")
        return spy(stream)

    generic._read_string_literal_bytes = counting
    try:
        ref = generic.Reference(1, 0, None)
        # pyHanko's own dictionary reader (the speed-up reads dictionaries from a buffer without these calls)
        parsed = parser_speedups.original("read_from_stream")(io.BytesIO(b"<< /T (x) >>"), ref)
    finally:
        parser_speedups.install()
    assert calls == ["literal"] and parsed == {"/T": "x"}


def test_uninstall_restores_pyhankos_functions() -> None:
    parser_speedups.uninstall()
    try:
        assert generic.read_object is parser_speedups.original("read_object")
        assert misc.read_non_whitespace is parser_speedups.original("read_non_whitespace")
        assert generic.DictionaryObject.read_from_stream is parser_speedups.original("read_from_stream")
    finally:
        parser_speedups.install()
    assert generic.read_object is parser_speedups.read_object


@pytest.mark.parametrize("seek_back", [False, True])
@pytest.mark.parametrize("allow_eof", [False, True])
@pytest.mark.parametrize(
    "data", [b"", b"x", b"  x", b"\x00\x0c\tx", b" " * 40 + b"x", b"   ", b"% c\n x", b"%c", b"\x0bx", b" %\r\n\n/"]
)
def test_read_non_whitespace_matches_the_original(data: bytes, seek_back: bool, allow_eof: bool) -> None:
    _assert_same(_non_whitespace(seek_back, allow_eof), data)


@pytest.mark.parametrize(
    "data",
    [
        b"(plain)", b"()", b"(a(b)c)", b"(a\\(b)", b"(D\\07220261126Z)", b"(\\376\\377\\000V\\000\\057)", b"(\\0)",
        b"(\\12)", b"(\\1234)", b"(\\400)", b"(\\8)", b"(\\q)", b"(a\\\r\nb)", b"(a\\\n\nb)", b"(a\\\rb)", b"(\\n\\t)",
        b"(unterminated", b"(tail\\", b"", b"(", b"x" + b"(" + b"y" * 600 + b")", b"(" + b"\\053" * 300 + b")",
        b"(\\" + b"y" * 255 + b")", b"(\xfe\xff\x00A)", b"(\xc3\xa1)",
    ],
)  # fmt: skip
def test_literal_strings_match_the_original(data: bytes) -> None:
    _assert_same(_literal, data)


@pytest.mark.parametrize(
    "data",
    [b"<>", b"<0a1B>", b"<0a1>", b"< 0a\n1b\x00>", b"<0g>", b"<0a%c\n1b>", b"<0a", b"", b"<" + b"ab" * 5000 + b">"],
)
def test_hex_strings_match_the_original(data: bytes) -> None:
    _assert_same(_hex, data)


@pytest.mark.parametrize("data", [b"12 ", b"-3.5]", b"+.", b"", b"1" * 40, b"7", b"1.2.3 ", b"--", b"12,5 "])
def test_numbers_match_the_original(data: bytes) -> None:
    _assert_same(_number, data)


@pytest.mark.parametrize(
    "data",
    [
        b"/Type /Page", b"/" + b"N" * 30 + b" ", b"/A#20B ", b"12 0 R ", b"12 0 R", b"0 0 R ",
        b"1\x0b0 R ", b"1 0\x00R ",
        b"1 0 %c\nR ", b"12 0 obj", b"123456789012345678 0 R", b"3.25 ", b"-7]", b"(s\\053)", b"<0a1b>", b"[1 /A (b)]",
        b"<< /A 1 /B [2 0 R] /C << /D (e) >> >>", b"<< /A 1 /A 2 >>", b"<< /Length 3 >>\nstream\nabc\nendstream",
        b"<< /Length 5 >>stream\nabc\nendstream", b"<< 1 2 >>", b"true ", b"false", b"null", b"%c\n/A", b"", b"}",
        b"<", b"[", b"(", b"/",
    ],
)  # fmt: skip
def test_read_object_matches_the_original(handler: PdfFileReader, data: bytes) -> None:
    _assert_same(_object(handler), data)


@pytest.mark.parametrize("data", [b"\x00<", b"(<", b"x<<", b"x(", b"x/", b"x7", b"x1 0 R"])
def test_read_object_near_the_end_matches_the_original(handler: PdfFileReader, data: bytes) -> None:
    """At the last byte pyHanko's two-byte peek for "<<" seeks back one byte too far: so must the speed-up."""
    _assert_same(_object(handler), data, 1)


def test_objects_are_fresh_each_time(handler: PdfFileReader) -> None:
    read = _object(handler)
    for data in (b"/Type ", b"12 0 R ", b"7 ", b"(s) ", b"<0a> "):
        first, second = read(io.BytesIO(data)), read(io.BytesIO(data))
        assert first == second and first is not second


@given(PDF_BYTES, STARTS, st.booleans(), st.booleans())
def test_read_non_whitespace_anywhere(data: bytes, start: int, seek_back: bool, allow_eof: bool) -> None:
    _assert_same(_non_whitespace(seek_back, allow_eof), data, start)


@given(PDF_BYTES, STARTS)
def test_strings_and_numbers_anywhere(data: bytes, start: int) -> None:
    for read in (_literal, _hex, _number):
        _assert_same(read, data, start)
    _assert_same(_literal, b"(" + data, start)
    _assert_same(_hex, b"<" + data, start)


@given(PDF_BYTES, STARTS)
def test_read_object_anywhere(handler: PdfFileReader, data: bytes, start: int) -> None:
    data += b"\n"  # pyHanko's read_object loops forever on a comment that runs to the end of the data
    for opening in (b"", b"<< ", b"[", b"(", b"<"):
        _assert_same(_object(handler), opening + data, start)


@pytest.mark.parametrize("data", [b"%c", b"%", b"  %comment without an end"])
def test_a_comment_running_to_the_end_raises_instead_of_looping(data: bytes) -> None:
    """pyHanko's read_object loops forever here; a hostile PDF must not hang validation."""
    stream = io.BytesIO(data)
    stream.seek(len(data) - len(data.lstrip()))
    with pytest.raises(PdfError, match="comment runs to the end"):
        parser_speedups.read_object(stream, None)


def test_a_comment_with_an_end_is_read_as_pyhanko_reads_it() -> None:
    stream = io.BytesIO(b"%c\n/Name ")
    assert parser_speedups.read_object(stream, generic.TrailerReference(None)) == "/Name"


# --- dictionaries read from one buffer ---------------------------------------------------------------------------

_LONG = b"x" * 5000


@pytest.mark.parametrize(
    "data",
    [
        b"<< /Type /Page /Kids [ 3 0 R 4 0 R ] /Count 2 >>\nendobj", b"<<>>", b"<< >> ", b"<</A<</B[1 2.5 -3]>>>>x",
        b"<< /A 1 >x", b"<< /A 1 >", b"<< /A 1", b"<< /A", b"<<", b"<< /A 1 /A 2 >>", b"<< 1 2 >>", b"<< /A ) >>",
        b"<< /A << /B 1 >> stream\nabc\nendstream >>", b"<< /A << /B 1 >>s >>", b"<< /A << /B 1 >>%c\n >>",
        b"<< /A %c\n 1 >>", b"<< /A (a(b)c) >>", b"<< /A (a\\)b\\053\\n) >>", b"<< /A (bad \\q) >>",
        b"<< /A <0a 1B c> >>", b"<< /A <0g> >>", b"<< /A <FEFF0041> /B (\xfe\xff\x00A) >>",
        b"<< /A true /B false /C null >>", b"<< /A truex /B nullz >>", b"<< /A fals >>", b"<< /A nul >>",
        b"<< /A 1.2.3 >>", b"<< /A -- >>", b"<< /A 12,5 >>", b"<< /A 0 0 R >>", b"<< /A 1 0 R>>",
        b"<< /A 1" + b" " * 30 + b"0 R >>", b"<< /A 1\x0b0 R >>", b"<< /A 1 0 obj >>", b"<< /A#20B /C#4a >>",
        b"<< /A /B#2 >>", b"<< /A [ /B [ (c) <0d> ] ] >>", b"<< /A [ 1 2 >>", b"<< /A R >>", b"<< /A { >>",
        b"<< /Length 3 >>\nstream\nabc\nendstream", b"<< /Length 4 >>\nstream\nabc\nendstream",
        b"<< /Length 9 >>stream\nabc\nendstream", b"<< /Length 3 >> % c\nstream\nabc\nendstream",
        b"<< /A (" + _LONG + b") /B 1 >>", b"<< /A <" + b"0" * 40000 + b"> /B 2 0 R >>",
        b"<< /A [" + b" 1 0 R" * 2000 + b" ] >>", b"<< /A (" + _LONG + b")", b"<< /A (" + _LONG + b"\\",
        b"<</A/B/C[/D 1 2 0 R<</E 3>>]>>", b"<< /A 1\x0b0 R >>", b"<< /A 12 0 Rx >>", b"<< /A 12 0 R>>",
        b"<< /A 1234567890 123456 R >>", b"<< /A 123456789 12345 R >>", b"<< /A 12 >>", b"<< /A 12",
        b"<< /A 12, /B 1-2 /C 3+ >>", b"<< /A 1 0 R", b"<< /A 1 0 R ", b"<< /\xc3\xa1 1 /A\x01 2 >>",
        b"<< /A\x0b1 >>", b"<< /A#41 /B#41 >>", b"<< /A /B#4 >>", b"<< /A << >> /B [ ] /C />>",
        b"<<\x00/A\x0c1\x00>>", b"<< /A 1 /B 2 >>" + b" " * 3000, b"<< /Contents <" + b"0a" * 9000 + b"> /M (x) >>",
    ],
)  # fmt: skip
def test_dictionaries_match_the_original(handler: PdfFileReader, data: bytes) -> None:
    _assert_same(_object(handler), data)
    _assert_same(_dictionary(handler), data)


def test_a_metadata_stream_is_read_as_one() -> None:
    ref = generic.Reference(1, 0, None)
    data = b"<< /Type /Metadata /Subtype /XML /Length 5 >>\nstream\n<x/>\nendstream"
    for as_metadata in (False, True):
        _assert_same(lambda s, m=as_metadata: generic.read_object(s, ref, as_metadata_stream=m), data)  # type: ignore[misc]
    parsed = generic.read_object(io.BytesIO(data), ref, as_metadata_stream=True)
    assert type(parsed).__name__ == "MetadataStream"


def _dictionary(handler: PdfFileReader) -> Callable[[io.BytesIO], object]:
    ref = generic.Reference(1, 0, handler)
    return lambda s: generic.DictionaryObject.read_from_stream(s, ref)


_SPACE = st.sampled_from([b" ", b"\n", b"\r\n", b"\t", b"\x00", b"\x0c", b"", b"  "])
_READABLE = [
    b"1", b"-2", b"3.25", b".5", b"+7", b"0", b"12 0 R", b"3  1 R", b"true", b"false", b"null", b"/Name", b"/A#20B",
    b"/", b"(text)", b"(a\\)b)", b"(\\053)", b"(\xfe\xff\x00A)", b"()", b"<0a1b>", b"<FEFF0041>", b"<>", b"<0 a>",
]  # fmt: skip
_ODD = [b"0 0 R", b"1 0 obj", b"(n(e)st)", b"<zz>", b"R", b"%c\n", b"1.2.3", b"truex", b"(\\q)"]
_ATOMS = st.sampled_from(_READABLE * 3 + _ODD)  # mostly what the buffer reader reads itself


def _pdf_value(depth: int) -> st.SearchStrategy[bytes]:
    if depth == 0:
        return _ATOMS
    inner = _pdf_value(depth - 1)
    entries = st.lists(
        st.tuples(st.sampled_from([b"/K", b"/Type", b"/A#20", b"/K"]), _SPACE, inner, _SPACE), max_size=5
    )
    dictionary = entries.map(lambda items: b"<<" + b"".join(k + s + v + t for k, s, v, t in items) + b">>")
    array = st.lists(st.tuples(_SPACE, inner), max_size=5).map(
        lambda items: b"[" + b"".join(s + v for s, v in items) + b"]"
    )
    return _ATOMS | dictionary | array


@given(
    _pdf_value(3).filter(lambda v: v.startswith(b"<<")) | _pdf_value(3).map(lambda v: b"<< /V " + v + b" >>"),
    st.sampled_from([b"", b"\nendobj", b" stream\nabc\nendstream", b"\nstream\r\nabc\nendstream", b">"]),
    st.integers(min_value=0, max_value=400),
    st.sampled_from([None] * 6 + [b"", b"%", b"(", b" ", b"R", b"\\"]),
)
def test_generated_dictionaries_match_the_original(
    handler: PdfFileReader, body: bytes, tail: bytes, cut: int, insert: bytes | None
) -> None:
    """Well-formed dictionaries (which the buffer reader reads) and damaged ones (which it hands back)."""
    data = b"<< /Length 3 " + body[2:] + tail if tail.startswith((b" stream", b"\nstream")) else body + tail
    if insert is not None:
        cut = min(cut, len(data))
        data = data[:cut] + insert + data[cut:]
    data += b"\n"  # pyHanko's read_object loops forever on a comment that runs to the end of the data
    _assert_same(_object(handler), data)


@pytest.mark.parametrize("byte", range(256))
def test_each_pdfdocencoding_byte_decodes_like_the_original(byte: int) -> None:
    for data in (bytes([byte]), b"ab" + bytes([byte]) + b"c"):
        assert _decoded(parser_speedups.decode_pdfdocencoding, data) == _decoded(_original_pdfdoc, data)


@given(st.binary(max_size=200))
def test_pdfdocencoding_decodes_like_the_original(data: bytes) -> None:
    assert _decoded(parser_speedups.decode_pdfdocencoding, data) == _decoded(_original_pdfdoc, data)


_original_pdfdoc = parser_speedups.original("decode_pdfdocencoding")


def _decoded(decode: Callable[[bytes], str], data: bytes) -> tuple[object, ...]:
    try:
        return ("text", decode(data))
    except UnicodeDecodeError as exc:
        return ("error", exc.args)
