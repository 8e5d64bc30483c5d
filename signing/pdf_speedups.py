"""A behaviour-identical speed-up for pypdf's hex-string reader, installed by `install()`.

pypdf reads `<…>` hex strings one byte at a time. A signed PDF's signature dictionaries carry /Contents hex
strings of 16–64 KiB, which the completeness checks (signing.completeness walks every object for active content)
read in ~9 ms each: half the time of checking a signed one-page PDF. This reader scans the string in chunks and
decodes it with binascii, with the original's results and errors: the same string object, `PdfStreamError` with
the same message on a non-hex byte or a truncated stream, and the stream left where the original leaves it.
(signing/sig_speedups.py does the same for pyHanko's own parser.) Checked against the original in
tests/integration/signing/test_pdf_speedups.py.
"""

from __future__ import annotations

import binascii
import os
from typing import Any

from pypdf.errors import STREAM_TRUNCATED_PREMATURELY, PdfStreamError
from pypdf.generic import _data_structures, _utils
from pypdf.generic._utils import create_string_object

_original = _utils.read_hex_string_from_stream
_WHITESPACE = b"\x00\t\n\f\r "  # pypdf's WHITESPACES, the bytes read_non_whitespace skips
_HEX = b"0123456789abcdefABCDEF"
_CHUNK = 16384


def read_hex_string_from_stream(stream: Any, forced_encoding: Any = None) -> Any:
    stream.read(1)  # the opening "<"
    start = stream.tell()
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            _fail(stream, start, b"".join(chunks))
        end = chunk.find(b">")
        if end < 0:
            chunks.append(chunk)
            continue
        chunks.append(chunk[:end])
        stream.seek(end + 1 - len(chunk), os.SEEK_CUR)  # just after the ">"
        break
    raw = b"".join(chunks)
    digits = raw.translate(None, _WHITESPACE)
    if digits.translate(None, _HEX):
        _fail(stream, start, raw)
    if len(digits) % 2:
        digits += b"0"
    return create_string_object(binascii.unhexlify(digits), forced_encoding)


def _fail(stream: Any, start: int, raw: bytes) -> None:
    """Raise what the byte-wise original raises on `raw` (the bytes after "<"), leaving the stream where it
    leaves it: just after the first bad byte, else (the stream ended before ">") at the end."""
    for i, byte in enumerate(raw):
        tok = bytes((byte,))
        if tok not in _WHITESPACE and tok not in _HEX:
            stream.seek(start + i + 1)
            raise PdfStreamError(f"Invalid hexadecimal character {tok!r} in hex string")
    raise PdfStreamError(STREAM_TRUNCATED_PREMATURELY)


def install() -> None:
    """Idempotent. pypdf's read_object looks the reader up in its module's globals at each call."""
    _data_structures.read_hex_string_from_stream = read_hex_string_from_stream  # type: ignore[assignment]


def uninstall() -> None:
    _data_structures.read_hex_string_from_stream = _original  # type: ignore[assignment]


def original() -> Any:
    return _original
