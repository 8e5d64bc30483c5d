"""Two behaviour-identical speed-ups for pyHanko's validation hot spots, installed by `install()`.

1. Hex strings.
pyHanko reads `<…>` hex strings one byte at a time through a generator. A signature's /Contents is such a string
of 16–64 KiB of hex digits, so parsing it costs ~12 ms per signature on this machine, more than the whole
cryptographic check. `install()` swaps in a reader that scans the string in chunks and decodes it with
binascii. It keeps the original's results and errors: same bytes, same `pdf_string` type, `PdfStreamError` on a
non-hex byte or a truncated stream, and it defers to the original whenever a `%` comment appears inside the
string.

2. Name comparison. asn1crypto compares certificate names after RFC 4518 string preparation (stringprep tables,
pure Python, ~0.1 ms per Vietnamese attribute), recomputed for every certificate parsed from every PDF.
`NameTypeAndValue._ldap_string_prep` is a pure function of its string argument, so it is memoised.

Both are checked against the originals in tests/integration/signing/test_signatures_speedups.py.
"""

from __future__ import annotations

import binascii
import functools
import os
from typing import Any, BinaryIO

from asn1crypto.x509 import NameTypeAndValue
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE, PdfStreamError

_original = generic.read_hex_string_from_stream
_original_prep = NameTypeAndValue._ldap_string_prep
_HEX = b"0123456789abcdefABCDEF"
_CHUNK = 16384


def read_hex_string_from_stream(stream: BinaryIO) -> Any:
    start = stream.tell()
    stream.read(1)  # the opening "<"
    chunks: list[bytes] = []
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            raise PdfStreamError("Stream ended prematurely")
        end = chunk.find(b">")
        if end < 0:
            chunks.append(chunk)
            continue
        chunks.append(chunk[:end])
        stream.seek(end + 1 - len(chunk), os.SEEK_CUR)
        break
    raw = b"".join(chunks)
    if b"%" in raw:  # a comment inside a hex string: rare, let the original handle it exactly
        stream.seek(start)
        return _original(stream)
    digits = raw.translate(None, PDF_WHITESPACE)
    bad = digits.translate(None, _HEX)
    if bad:
        raise PdfStreamError("Unexpected token in hex string: " + repr(bad[:1]))
    if len(digits) % 2:
        digits += b"0"
    return generic.pdf_string(binascii.unhexlify(digits))


@functools.lru_cache(maxsize=8192)
def _prepped(string: str) -> str:
    return str(_original_prep(None, string))


def _ldap_string_prep(self: NameTypeAndValue, string: str) -> str:
    return _prepped(string)


def install() -> None:
    """Idempotent. read_object looks the reader up in the module's globals at each call."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    NameTypeAndValue._ldap_string_prep = _ldap_string_prep  # type: ignore[method-assign]


def uninstall() -> None:
    """Back to the shipped code (benchmarks compare both in one process)."""
    generic.read_hex_string_from_stream = _original
    NameTypeAndValue._ldap_string_prep = _original_prep  # type: ignore[method-assign]


def originals() -> tuple[Any, Any]:
    """(hex-string reader, string prep) as shipped, for equivalence tests."""
    return _original, _original_prep
