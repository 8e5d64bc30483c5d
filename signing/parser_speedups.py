"""Behaviour-identical speed-ups for pyHanko's PDF tokenizer, installed by `install()`.

pyHanko reads PDF objects one byte at a time: names and "N G obj" headers through a generator
(misc._read_until_class), whitespace runs, literal strings "( … )" with their escapes and hex strings "< … >"
each with a read(1) per byte, read_object peeks twice before dispatching, a dictionary costs a read and a seek
per token, and text strings are decoded by a generator per byte. Reading the few objects a signature check needs
costs more than the cryptography.

These replacements read a small chunk (a dictionary: one buffer for it and everything inside it) and scan it
with regexes for the common, well-formed case; anything unusual (a comment, a "#xx" name escape, nested
parentheses, an unknown or out-of-range escape, a duplicate key, a token longer than the chunk, end of data)
seeks back to where the original starts and lets it answer, so results, errors and the stream position
afterwards stay the same. Checked against the originals in tests/integration/signing/test_parser_speedups.py.
"""

from __future__ import annotations

import binascii
import codecs
import os
import re
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic, misc

_original_delimiter = misc.read_until_delimiter
_original_whitespace = misc.read_until_whitespace
_original_decode_name = generic._decode_name
_original_non_whitespace = misc.read_non_whitespace
_original_until_regex = misc.read_until_regex
_original_string_literal = generic._read_string_literal_bytes
_original_hex_string = generic.read_hex_string_from_stream
_original_read_object = generic.read_object
_original_read_dictionary = generic.DictionaryObject.read_from_stream
_original_pdfdoc = generic.decode_pdfdocencoding

_WHITESPACE = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE) + b"]")
_NON_WHITESPACE = re.compile(b"[^" + re.escape(misc.PDF_WHITESPACE) + b"]")
_DELIMITER = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE + misc.PDF_DELIMITERS) + b"]")
# what _decode_name must look at closely: escapes, bytes outside 0x21-0x7E, delimiters
_UNPLAIN_NAME = re.compile(b"[^\x21-\x7e]|[#" + re.escape(misc.PDF_DELIMITERS) + b"]")
_CHUNK = 256
_PEEK = 20  # read_object's own look-ahead for "N G R"; also enough for most names, numbers and whitespace runs

# a literal string's body up to its first unescaped parenthesis (or a backslash ending the data)
_STRING_BODY = re.compile(rb"(?:[^()\\]+|\\.)*", re.DOTALL)
_STRING_ESCAPE = re.compile(rb"(\\(?:[0-9]{1,3}|[\r\n][\r\n]?|.))", re.DOTALL)  # split: text, escape, text …
_HEX_BODY = re.compile(rb"[0-9a-fA-F]*")
# "N G R" whose spacing reads the same to IndirectObject.read_from_stream (bytes.isspace) and read_non_whitespace
_REFERENCE = re.compile(rb"([0-9]+)[ \t\n\r\x0c]+([0-9]+)[ \t\n\r\x0c]+R")


def _escape_values() -> dict[bytes, bytes]:
    """Every escape _read_string_literal_bytes accepts, with the bytes it stands for; others make it raise."""
    values = {b"\\" + bytes((c,)): bytes((c,)) for c in b"() /%<>[]#_&$\\"}
    values.update({b"\\n": b"\n", b"\\r": b"\r", b"\\t": b"\t", b"\\b": b"\b", b"\\f": b"\f"})
    values.update({b"\\" + eol: b"" for eol in (b"\r", b"\n", b"\r\r", b"\r\n", b"\n\r", b"\n\n")})
    for width in (1, 2, 3):
        for value in range(min(8**width, 256)):  # above 0o377 bytes((octal,)) raises
            values[b"\\" + format(value, f"0{width}o").encode()] = bytes((value,))
    return values


_ESCAPE_VALUES = _escape_values()


def read_until_delimiter(stream: BinaryIO) -> bytes:
    """Bytes up to the next whitespace or delimiter, which is left unread (as the original does)."""
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        stop = _DELIMITER.search(chunk)
        if stop is not None:
            chunks.append(chunk[: stop.start()])
            stream.seek(stop.start() - len(chunk), os.SEEK_CUR)
            return b"".join(chunks)
        chunks.append(chunk)


def read_until_whitespace(stream: BinaryIO, maxchars: int | None = None) -> bytes:
    """Bytes up to the next whitespace, which is consumed; at most `maxchars` bytes are read."""
    if maxchars is not None and maxchars <= 0:
        return _original_whitespace(stream, maxchars)  # odd corners: let the original answer
    chunks: list[bytes] = []
    budget = maxchars
    while True:
        chunk = stream.read(_CHUNK if budget is None else min(_CHUNK, budget))
        if not chunk:
            return b"".join(chunks)
        stop = _WHITESPACE.search(chunk)
        if stop is not None:
            chunks.append(chunk[: stop.start()])
            stream.seek(stop.start() + 1 - len(chunk), os.SEEK_CUR)
            return b"".join(chunks)
        chunks.append(chunk)
        if budget is not None:
            budget -= len(chunk)
            if budget <= 0:
                return b"".join(chunks)


def read_non_whitespace(stream: BinaryIO, seek_back: bool = False, allow_eof: bool = False) -> bytes:
    """The next byte that is not PDF whitespace, consumed unless `seek_back`; comments go to the original."""
    chunk = stream.read(_PEEK)
    found = _NON_WHITESPACE.search(chunk)
    if found is None or chunk[found.start()] == 0x25:  # "%", a long whitespace run or the end of the data
        stream.seek(-len(chunk), os.SEEK_CUR)
        return _original_non_whitespace(stream, seek_back, allow_eof)  # type: ignore[no-any-return]
    at = found.start()
    stream.seek(at + (0 if seek_back else 1) - len(chunk), os.SEEK_CUR)
    return chunk[at : at + 1]


def read_until_regex(stream: BinaryIO, regex: re.Pattern[bytes], ignore_eof: bool = False) -> bytes:
    """Chunk size only matters for patterns longer than one byte: only the one-byte number pattern is sped up."""
    if regex is not generic.NumberObject.NumberPattern:
        return _original_until_regex(stream, regex, ignore_eof)  # type: ignore[no-any-return]
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            if ignore_eof:
                return b"".join(chunks)
            raise misc.PdfStreamError("Stream has ended unexpectedly")
        stop = regex.search(chunk)
        if stop is not None:
            chunks.append(chunk[: stop.start()])
            stream.seek(stop.start() - len(chunk), os.SEEK_CUR)
            return b"".join(chunks)
        chunks.append(chunk)


def _decode_name(name_bytes: bytes) -> Any:
    if _UNPLAIN_NAME.search(name_bytes):
        return _original_decode_name(name_bytes)
    return generic.NameObject("/" + name_bytes.decode("ascii"))


def _read_string_literal_bytes(stream: BinaryIO) -> bytes:
    """A literal string's bytes without nested parentheses, its escapes resolved as the original does."""
    start = stream.tell()
    stream.read(1)  # the "(" (the original does not check it either)
    data = stream.read(_CHUNK)
    while True:
        end = _STRING_BODY.match(data).end()  # type: ignore[union-attr]
        closer = data[end : end + 1]
        if closer == b")":
            body = _unescape(data[:end]) if b"\\" in data[:end] else data[:end]
            if body is not None:
                stream.seek(start + 2 + end)
                return body
            break
        if closer == b"(" or len(data) < _CHUNK:  # nested parentheses, or the data ends inside the string
            break
        more = stream.read(len(data))  # rare: a long string (or a backslash at the chunk's end)
        if not more:
            break
        data += more
    stream.seek(start)
    return _original_string_literal(stream)  # type: ignore[no-any-return]


def _unescape(body: bytes) -> bytes | None:
    """The body with its escapes resolved; None if one of them makes the original raise."""
    parts = _STRING_ESCAPE.split(body)
    try:
        parts[1::2] = [_ESCAPE_VALUES[escape] for escape in parts[1::2]]
    except KeyError:
        return None
    return b"".join(parts)


def read_hex_string_from_stream(stream: BinaryIO) -> Any:
    """A hex string made of hex digits and whitespace only; comments and bad bytes go to the original."""
    start = stream.tell()
    stream.read(1)  # the "<" (unchecked, as in the original)
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK * 16)
        end = chunk.find(b">")
        if end >= 0:
            chunks.append(chunk[:end])
            stream.seek(end + 1 - len(chunk), os.SEEK_CUR)
            break
        if not chunk:
            stream.seek(start)
            return _original_hex_string(stream)
        chunks.append(chunk)
    value = _hex_value(b"".join(chunks))
    if value is None:
        stream.seek(start)
        return _original_hex_string(stream)
    return generic.pdf_string(value)


def _hex_value(body: bytes) -> bytes | None:
    """The bytes a hex string's body stands for (whitespace ignored, an odd last digit padded with 0), or None
    if anything else is in it. Most bodies are bare digits: unhexlify alone checks and converts them."""
    try:
        return binascii.unhexlify(body + b"0" if len(body) % 2 else body)
    except binascii.Error:  # whitespace, or not hex at all
        pass
    digits = body.translate(None, misc.PDF_WHITESPACE)
    if not _HEX_BODY.fullmatch(digits):
        return None
    return binascii.unhexlify(digits + b"0" if len(digits) % 2 else digits)


def read_object(
    stream: BinaryIO,
    container_ref: Any,
    as_metadata_stream: bool = False,
    in_content_stream: generic.ContentOpReading = generic.ContentOpReading.NO,
) -> Any:
    """One peek, then the common object kinds read from it; everything else by the original."""
    if in_content_stream is not generic.ContentOpReading.NO:
        return _original_read_object(stream, container_ref, as_metadata_stream, in_content_stream)
    peek = stream.read(_PEEK)
    first = peek[:1]
    if first == b"/":
        result = _name_from(stream, peek)
    elif first.isdigit():
        result = _number_or_reference_from(stream, peek, container_ref)
    elif first and first in generic.NUMBER_SIGNS:
        result = _number_from(stream, peek)
    else:
        stream.seek(-len(peek), os.SEEK_CUR)
        if first == b"(":
            result = generic.read_string_from_stream(stream)
        elif peek[:2] == b"<<":
            result = _read_dictionary(stream, container_ref, as_metadata_stream)
        elif first == b"<" and len(peek) > 1:  # the original's two-byte peek seeks back too far at the end
            result = read_hex_string_from_stream(stream)
        elif first == b"[":
            result = generic.ArrayObject.read_from_stream(stream, container_ref, in_content_stream=in_content_stream)
        elif first == b"%" and not _line_ends_after(stream):
            # the one deliberate difference: pyHanko loops forever on a comment that runs to the end of the data
            raise misc.PdfReadError("A comment runs to the end of the data")
        else:
            return _original_read_object(stream, container_ref, as_metadata_stream, in_content_stream)
    result.container_ref = container_ref
    return result


def _line_ends_after(stream: BinaryIO) -> bool:
    """An end of line follows somewhere ahead; the stream stays where it was."""
    start = stream.tell()
    try:
        while chunk := stream.read(_CHUNK * 16):
            if b"\n" in chunk or b"\r" in chunk:
                return True
        return False
    finally:
        stream.seek(start)


def _name_from(stream: BinaryIO, peek: bytes) -> Any:
    stop = _DELIMITER.search(peek, 1)
    if stop is None:
        stream.seek(-len(peek), os.SEEK_CUR)
        return generic.NameObject.read_from_stream(stream)
    stream.seek(stop.start() - len(peek), os.SEEK_CUR)
    return _decode_name(peek[1 : stop.start()])


def _number_or_reference_from(stream: BinaryIO, peek: bytes, container_ref: Any) -> Any:
    if generic.INDIRECT_PATTERN.match(peek) is None:
        return _number_from(stream, peek)
    reference = _REFERENCE.match(peek)
    if reference is None or int(reference[1]) == 0:
        stream.seek(-len(peek), os.SEEK_CUR)
        return generic.IndirectObject.read_from_stream(stream, container_ref)
    stream.seek(reference.end() - len(peek), os.SEEK_CUR)
    return generic.IndirectObject(int(reference[1]), int(reference[2]), container_ref.get_pdf_handler())


def _number_from(stream: BinaryIO, peek: bytes) -> Any:
    stop = generic.NumberObject.NumberPattern.search(peek)
    if stop is None:
        stream.seek(-len(peek), os.SEEK_CUR)
        return generic.NumberObject.read_from_stream(stream)
    stream.seek(stop.start() - len(peek), os.SEEK_CUR)
    number = peek[: stop.start()]
    if number.find(b".") != -1:
        return generic.FloatObject(number.decode("ascii"))
    return generic.NumberObject(number.decode("ascii"))


# the common tokens in one regex each, whitespace first (a comment, or anything else, goes the slow way):
# a name of plain characters that a delimiter ends, ">>", and as values also a reference, an integer, "<<", "["
_WS = rb"[ \n\r\t\x0c\x00]*+"
_PLAIN_NAME = rb"/(?P<name>[!\x22$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]*+)(?=[ \n\r\t\x0c\x00()<>\[\]{}/%])"
_FAST_KEY = re.compile(_WS + rb"(?:" + _PLAIN_NAME + rb"|(?P<close>>>))")
_FAST_VALUE = re.compile(
    _WS
    + rb"(?:"
    + _PLAIN_NAME
    + rb"|(?P<ref>(?P<n>[0-9]++)[ \t\n\r\x0c]++(?P<g>[0-9]++)[ \t\n\r\x0c]++R)(?=[^a-zA-Z])"
    + rb"|(?P<int>[0-9]++)(?=[^+,\-.0-9])"
    + rb"|(?P<dict><<)|(?P<array>\[))"
)


# PDFDocEncoding as a charmap: pyHanko's entries for undefined bytes ("\u0000") become "\ufffe", undefined here
_PDFDOC_TABLE = "".join("\ufffe" if c == "\u0000" else c for c in generic._pdfDocEncoding)


def decode_pdfdocencoding(byte_array: bytes | bytearray) -> str:
    """pyHanko decodes text strings with a generator per byte; a charmap does it in C. A byte the encoding does
    not define goes to the original, so it raises its own error."""
    try:
        return codecs.charmap_decode(byte_array, "strict", _PDFDOC_TABLE)[0]
    except UnicodeDecodeError:
        return _original_pdfdoc(byte_array)  # type: ignore[no-any-return]


class _Unusual(Exception):
    """The buffer holds something the dictionary reader leaves to pyHanko (a comment, a nested string …)."""


class _NeedMore(Exception):
    """A token reaches the end of the buffer: read a bigger one (or, at the end of the data, let pyHanko say)."""


_DICT_CHUNK, _DICT_MAX = 2048, 1 << 21


def _read_dictionary(stream: BinaryIO, container_ref: Any, as_metadata_stream: bool) -> Any:
    """A dictionary (or stream) read from one buffer instead of a read and a seek per token.

    pyHanko's DictionaryObject.read_from_stream peeks, seeks and reads for every key and value; this parses
    the buffer with the same rules and builds the same objects, then lets pyHanko read any stream payload.
    Anything unusual, and every error, goes back to the start and to pyHanko's own reader."""
    start, size = stream.tell(), _DICT_CHUNK
    while size <= _DICT_MAX:
        buf = stream.read(size)
        try:
            data, end = _BufferReader(buf, container_ref, len(buf) < size).dictionary_items(0)
        except _NeedMore:
            stream.seek(start)
            if len(buf) < size:  # the data ends inside the dictionary
                break
            size *= 16  # a signature's /Contents (~16 KB of hex) then fits the second buffer
            continue
        except Exception:  # _Unusual, or a value pyHanko would refuse: it must raise its own error
            stream.seek(start)
            break
        stream.seek(start + end)
        return _dictionary_or_stream(stream, data, container_ref, as_metadata_stream)
    return _original_read_dictionary(stream, container_ref, as_metadata_stream=as_metadata_stream)


def read_dictionary(
    stream: BinaryIO,
    container_ref: Any,
    as_metadata_stream: bool = False,
    in_content_stream: generic.ContentOpReading = generic.ContentOpReading.NO,
) -> Any:
    """DictionaryObject.read_from_stream (pyHanko also calls it directly, e.g. for each trailer)."""
    if in_content_stream is not generic.ContentOpReading.NO:
        return _original_read_dictionary(stream, container_ref, as_metadata_stream, in_content_stream)
    return _read_dictionary(stream, container_ref, as_metadata_stream)


def _dictionary_or_stream(stream: BinaryIO, data: dict[Any, Any], container_ref: Any, as_metadata_stream: bool) -> Any:
    """The end of pyHanko's DictionaryObject.read_from_stream: a "stream" keyword makes it a stream object."""
    stream_data = generic._maybe_read_stream_payload(stream, data, container_ref.get_pdf_handler())
    if stream_data is None:
        return generic.DictionaryObject(data)
    stream_class: Any = generic.StreamObject
    if as_metadata_stream:
        try:
            from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
        except ImportError:  # as in pyHanko: without lxml, a plain stream
            pass
        else:
            stream_class = MetadataStream
    return stream_class(data, encoded_data=stream_data)


class _BufferReader:
    """Reads the objects inside a dictionary from bytes in memory, as read_object would read them."""

    def __init__(self, buf: bytes, container_ref: Any, at_end: bool) -> None:
        self.buf = buf
        self.at_end = at_end  # the buffer holds the rest of the data: a short look-ahead is what pyHanko sees too
        self.container_ref = container_ref
        self.handler = container_ref.get_pdf_handler()

    def skip(self, pos: int) -> int:
        """The next non-whitespace byte's position; a comment is unusual."""
        found = _NON_WHITESPACE.search(self.buf, pos)
        if found is None:
            raise _NeedMore
        if self.buf[found.start()] == 0x25:
            raise _Unusual
        return found.start()

    def dictionary_items(self, pos: int) -> tuple[dict[Any, Any], int]:
        """The entries of the "<< … >>" at `pos`, and the position after ">>"."""
        buf, data, fast_key = self.buf, {}, _FAST_KEY.match
        pos += 2
        while True:
            token = fast_key(buf, pos)
            if token is None:
                pos = self.skip(pos)
                if buf[pos] == 0x3E:  # ">": pyHanko takes the next byte as the second ">" without looking
                    if pos + 2 > len(buf):
                        raise _NeedMore
                    if buf[pos + 1] != 0x3E:
                        raise _Unusual
                    return data, pos + 2
                if buf[pos] != 0x2F:
                    raise _Unusual  # a key that is not a name: pyHanko's error
                key, pos = self.name(pos)
            elif token.lastgroup == "close":
                return data, token.end()
            else:
                key, pos = generic.NameObject("/" + token["name"].decode("ascii")), token.end()
            found = self.fast_value(pos)
            value, pos = self.value(self.skip(pos)) if found is None else found
            if key in data:
                raise _Unusual  # pyHanko warns or, when strict, raises
            data[key] = value

    def fast_value(self, pos: int) -> tuple[Any, int] | None:
        """The value after `pos` (whitespace first) when it is a plain name or integer, a reference, a
        dictionary or an array; else None (and value() reads it)."""
        buf = self.buf
        token = _FAST_VALUE.match(buf, pos)
        if token is None:
            return None
        kind, start, end = token.lastgroup, token.start(token.lastgroup), token.end()
        if kind == "name":
            result: Any = generic.NameObject("/" + token["name"].decode("ascii"))
        elif kind == "ref":
            number = int(token["n"])
            if number == 0 or end + 1 - start > _PEEK:  # pyHanko's own reader, or its 20-byte peek misses the R
                return None
            result = generic.IndirectObject(number, int(token["g"]), self.handler)
        elif kind == "int":
            if start + _PEEK > len(buf) and not self.at_end:
                return None
            if generic.INDIRECT_PATTERN.match(buf, start, start + _PEEK) is not None:
                return None  # a reference spaced unusually: value() reads it as pyHanko does
            result = generic.NumberObject(token["int"].decode("ascii"))
        elif kind == "dict":
            result, end = self.dictionary(start)
        else:
            result, end = self.array(start)
        result.container_ref = self.container_ref
        return result, end

    def value(self, pos: int) -> tuple[Any, int]:
        buf = self.buf
        first = buf[pos]
        if first == 0x2F:
            result, pos = self.name(pos)
        elif 0x30 <= first <= 0x39:
            result, pos = self.number_or_reference(pos)
        elif first in generic.NUMBER_SIGNS:
            result, pos = self.number(pos)
        elif first == 0x28:
            result, pos = self.literal_string(pos)
        elif first == 0x3C:
            result, pos = self.dictionary(pos) if buf[pos + 1 : pos + 2] == b"<" else self.hex_string(pos)
        elif first == 0x5B:
            result, pos = self.array(pos)
        else:
            result, pos = self.keyword(pos)
        result.container_ref = self.container_ref
        return result, pos

    def name(self, pos: int) -> tuple[Any, int]:
        stop = _DELIMITER.search(self.buf, pos + 1)
        if stop is None:
            raise _NeedMore
        return _decode_name(self.buf[pos + 1 : stop.start()]), stop.start()

    def number_or_reference(self, pos: int) -> tuple[Any, int]:
        peek = self.buf[pos : pos + _PEEK]  # what pyHanko's 20-byte peek sees
        if len(peek) < _PEEK and not self.at_end:
            raise _NeedMore
        if generic.INDIRECT_PATTERN.match(peek) is None:
            return self.number(pos)
        reference = _REFERENCE.match(peek)
        if reference is None or int(reference[1]) == 0:
            raise _Unusual
        return generic.IndirectObject(int(reference[1]), int(reference[2]), self.handler), pos + reference.end()

    def number(self, pos: int) -> tuple[Any, int]:
        stop = generic.NumberObject.NumberPattern.search(self.buf, pos)
        if stop is None:
            raise _NeedMore
        number = self.buf[pos : stop.start()]
        if number.find(b".") != -1:
            return generic.FloatObject(number.decode("ascii")), stop.start()
        return generic.NumberObject(number.decode("ascii")), stop.start()

    def literal_string(self, pos: int) -> tuple[Any, int]:
        buf = self.buf
        end = _STRING_BODY.match(buf, pos + 1).end()  # type: ignore[union-attr]
        closer = buf[end : end + 1]
        if closer == b"(":
            raise _Unusual  # nested parentheses
        if closer != b")":
            raise _NeedMore  # the buffer ends inside the string (or just after a backslash)
        body = buf[pos + 1 : end]
        if b"\\" in body:
            unescaped = _unescape(body)
            if unescaped is None:
                raise _Unusual
            body = unescaped
        return generic.pdf_string(body), end + 1

    def hex_string(self, pos: int) -> tuple[Any, int]:
        end = self.buf.find(b">", pos + 1)
        if end < 0:
            raise _NeedMore
        value = _hex_value(self.buf[pos + 1 : end])
        if value is None:
            raise _Unusual
        return generic.pdf_string(value), end + 1

    def dictionary(self, pos: int) -> tuple[Any, int]:
        data, pos = self.dictionary_items(pos)
        following = self.skip(pos)  # pyHanko looks for "stream" after every dictionary
        if self.buf[following] == 0x73:  # "s"
            raise _Unusual
        return generic.DictionaryObject(data), pos

    def array(self, pos: int) -> tuple[Any, int]:
        buf, items = self.buf, generic.ArrayObject()
        pos += 1
        while True:
            found = self.fast_value(pos)
            if found is None:
                pos = self.skip(pos)
                if buf[pos] == 0x5D:  # "]"
                    return items, pos + 1
                found = self.value(pos)
            item, pos = found
            items.append(item)

    def keyword(self, pos: int) -> tuple[Any, int]:
        word = self.buf[pos : pos + 5]
        if len(word) < 5 and not self.at_end:
            raise _NeedMore
        if word.startswith(b"true"):  # pyHanko reads the four bytes without looking at what follows
            return generic.BooleanObject(True), pos + 4
        if word == b"false":
            return generic.BooleanObject(False), pos + 5
        if word.startswith(b"null"):
            return generic.NullObject(), pos + 4
        raise _Unusual


# (module, attribute, replacement, original): pyHanko looks each up in that module's globals at every call;
# generic imported the misc helpers by name, so generic's copies are replaced too
_REPLACEMENTS: tuple[tuple[Any, str, Any, Any], ...] = (
    (misc, "read_until_delimiter", read_until_delimiter, _original_delimiter),
    (generic, "read_until_delimiter", read_until_delimiter, _original_delimiter),
    (misc, "read_until_whitespace", read_until_whitespace, _original_whitespace),
    (misc, "read_non_whitespace", read_non_whitespace, _original_non_whitespace),
    (generic, "read_non_whitespace", read_non_whitespace, _original_non_whitespace),
    (misc, "read_until_regex", read_until_regex, _original_until_regex),
    (generic, "read_until_regex", read_until_regex, _original_until_regex),
    (generic, "_decode_name", _decode_name, _original_decode_name),
    (generic, "_read_string_literal_bytes", _read_string_literal_bytes, _original_string_literal),
    (generic, "read_hex_string_from_stream", read_hex_string_from_stream, _original_hex_string),
    (generic, "read_object", read_object, _original_read_object),
    (generic.DictionaryObject, "read_from_stream", read_dictionary, _original_read_dictionary),  # a staticmethod
    (generic, "decode_pdfdocencoding", decode_pdfdocencoding, _original_pdfdoc),
)


def install() -> None:
    """Idempotent."""
    for owner, name, replacement, _ in _REPLACEMENTS:
        setattr(owner, name, staticmethod(replacement) if isinstance(owner, type) else replacement)


def uninstall() -> None:
    for owner, name, _, original in _REPLACEMENTS:
        setattr(owner, name, staticmethod(original) if isinstance(owner, type) else original)


def originals() -> tuple[Any, Any, Any]:
    """(read_until_delimiter, read_until_whitespace, _decode_name) as shipped, for equivalence tests."""
    return _original_delimiter, _original_whitespace, _original_decode_name


def original(name: str) -> Any:
    """The function pyHanko shipped under `name` (e.g. "read_object"), for equivalence tests."""
    return next(orig for _, attr, _, orig in _REPLACEMENTS if attr == name)
