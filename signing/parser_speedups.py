"""Behaviour-identical speed-ups for pyHanko's PDF tokenizer, installed by `install()`.

pyHanko reads every name (/Type, /Annots …) and every "N G obj" header one byte at a time through a generator
(misc._read_until_class), then decodes each name byte by byte (generic._decode_name). Reading the few objects a
signature check needs costs more than the cryptography. These replacements scan with a regex and decode plain
ASCII names directly; anything unusual (a "#xx" escape, a byte that must be escaped) goes to the original, so
results, errors and the stream position afterwards stay the same. Checked against the originals in
tests/integration/signing/test_parser_speedups.py.
"""

from __future__ import annotations

import os
import re
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic, misc

_original_delimiter = misc.read_until_delimiter
_original_whitespace = misc.read_until_whitespace
_original_decode_name = generic._decode_name

_WHITESPACE = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE) + b"]")
_DELIMITER = re.compile(b"[" + re.escape(misc.PDF_WHITESPACE + misc.PDF_DELIMITERS) + b"]")
# what _decode_name must look at closely: escapes, bytes outside 0x21-0x7E, delimiters
_UNPLAIN_NAME = re.compile(b"[^\x21-\x7e]|[#" + re.escape(misc.PDF_DELIMITERS) + b"]")
_CHUNK = 256


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


def _decode_name(name_bytes: bytes) -> Any:
    if _UNPLAIN_NAME.search(name_bytes):
        return _original_decode_name(name_bytes)
    return generic.NameObject("/" + name_bytes.decode("ascii"))


def install() -> None:
    """Idempotent. pyHanko looks these up in its modules' globals at each call."""
    generic.read_until_delimiter = read_until_delimiter
    misc.read_until_delimiter = read_until_delimiter
    misc.read_until_whitespace = read_until_whitespace
    generic._decode_name = _decode_name


def uninstall() -> None:
    generic.read_until_delimiter = _original_delimiter
    misc.read_until_delimiter = _original_delimiter
    misc.read_until_whitespace = _original_whitespace
    generic._decode_name = _original_decode_name


def originals() -> tuple[Any, Any, Any]:
    """(read_until_delimiter, read_until_whitespace, _decode_name) as shipped, for equivalence tests."""
    return _original_delimiter, _original_whitespace, _original_decode_name
