"""Behaviour-identical speed-up for pyHanko's cross-reference table parser, installed by `install()`.

pyHanko's xref.parse_xref_table reads a table one 20-byte line at a time (reads, seeks, a split and two int()
per line; a number reader and two whitespace skips per "num size" subsection header): opening a 50-page signed
PDF spends ~0.2 ms there. This version reads a subsection's header with one regex, then its size*20 bytes with
one read, and when every line has the canonical form "nnnnnnnnnn ggggg n" (or "f") + " \\r", " \\n" or "\\r\\n"
it builds the entries at once (filling each frozen XRefEntry's __dict__ as its __init__ would, in half the
time), leaving the stream where the original would. Anything else (other whitespace,
the 21-byte CRLF or 19-byte lines the original tolerates, comments, signs, a short read, the end of the data)
seeks back to the start of that subsection and lets the original parse the rest of the table: between
subsections the original keeps no state but the stream position, so entries, errors and the position
afterwards stay the same. Checked against the original in tests/integration/signing/test_xref_speedups.py.

The one difference: the entries of a canonical subsection are read before the first one is yielded, so a
consumer that stops early (pyHanko's own stops only to raise) finds the stream at the end of that subsection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from itertools import chain
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic, misc, xref
from pyhanko.pdf_utils.xref import XRefEntry, XRefType

_original = xref.parse_xref_table

_WS = rb"[ \n\r\t\x0c\x00]+"  # misc.PDF_WHITESPACE
_HEADER = re.compile(rb"([0-9]+)" + _WS + rb"([0-9]+)" + _WS)
_LINE = re.compile(rb"([0-9]{10}) ([0-9]{5}) ([nf])(?: \r| \n|\r\n)")
_HEADER_CHUNK = 48
_MAX_FAST_SIZE = 1 << 20  # entries (a 20 MB read); a bigger or absurd header goes to the original
_SKIPPED = misc.PDF_WHITESPACE + b"%"


def parse_xref_table(stream: BinaryIO, strict: bool) -> Iterator[XRefEntry]:
    """The entries of the table at the stream's position, as xref.parse_xref_table yields them."""
    misc.read_non_whitespace(stream)
    stream.seek(-1, os.SEEK_CUR)
    while True:
        start = stream.tell()  # here the original's loop starts a subsection
        entries = _canonical_subsection(stream)
        if entries is None:
            stream.seek(start)
            # `start` holds neither whitespace nor "%", so the original's first step (skipping them) is a no-op
            yield from _original(stream, strict)
            return
        yield from entries
        # the original's end of a subsection, step by step
        misc.read_non_whitespace(stream)
        stream.seek(-1, os.SEEK_CUR)
        tag = stream.read(7)
        if tag == b"trailer":
            misc.read_non_whitespace(stream)
            stream.seek(-1, os.SEEK_CUR)
            return
        stream.seek(-7, os.SEEK_CUR)
        if len(tag) < 7 and _peek(stream) in _SKIPPED:  # b"" (the end) is in it too
            # the data ends within 7 bytes, so the seek went back past the next non-whitespace byte; the
            # original reads a number right here, without skipping whitespace first, and fails: do the same
            generic.NumberObject.read_from_stream(stream)


def _canonical_subsection(stream: BinaryIO) -> list[XRefEntry] | None:
    """A subsection's entries with the stream after its last line, or None if anything in it is unusual."""
    chunk = stream.read(_HEADER_CHUNK)
    header = _HEADER.match(chunk)
    # the whitespace run must end inside the chunk. A "%" after it does no harm: no line starts with one, and
    # with no lines the end of the subsection skips the comment as the original's header reading would
    if header is None or header.end() == len(chunk):
        return None
    size = int(header[2])
    if size > _MAX_FAST_SIZE:
        return None
    stream.seek(header.end() - len(chunk), os.SEEK_CUR)
    data = stream.read(size * 20)
    lines = _LINE.findall(data)
    if len(lines) != size:  # `size` 20-byte matches in at most size*20 bytes: that is every byte
        return None
    first = generic.NumberObject(header[1])  # the original's first idnum is a NumberObject, the others ints
    return _entries(first, lines)


def _entries(first: int, lines: list[tuple[bytes, bytes, bytes]]) -> list[XRefEntry]:
    """XRefEntry is a frozen dataclass: its __init__ stores each field with object.__setattr__, ~0.5 µs an entry.
    Filling a new instance's __dict__ makes the same object in half the time (see _direct_entries_work)."""
    if not lines:  # "num 0"
        return []
    new, standard, free = object.__new__, XRefType.STANDARD, XRefType.FREE
    entries = []
    idnums = chain((first,), range(first + 1, first + len(lines)))
    for idnum, (offset, generation, marker) in zip(idnums, lines, strict=True):
        entry = new(XRefEntry)
        if marker == b"n":
            entry.__dict__.update(xref_type=standard, location=int(offset), idnum=idnum, generation=int(generation))
        else:
            entry.__dict__.update(xref_type=free, location=None, idnum=idnum, generation=int(generation))
        entries.append(entry)
    return entries


def _direct_entries_work() -> bool:
    """Whether a filled __dict__ makes the very object XRefEntry's constructor makes (so with pyHanko as pinned)."""
    try:
        built = object.__new__(XRefEntry)
        built.__dict__.update(xref_type=XRefType.FREE, location=None, idnum=1, generation=2)
    except AttributeError:  # __slots__
        return False
    made = XRefEntry(XRefType.FREE, None, 1, 2)
    return vars(built) == vars(made) and built == made and not hasattr(XRefEntry, "__post_init__")


_DIRECT_ENTRIES_WORK = _direct_entries_work()


def _peek(stream: BinaryIO) -> bytes:
    byte = stream.read(1)
    stream.seek(-len(byte), os.SEEK_CUR)
    return byte


def install() -> None:
    """Idempotent; does nothing if a pyHanko upgrade changed XRefEntry. XRefCache._read_xref_table looks
    parse_xref_table up in xref's globals at every call."""
    if _DIRECT_ENTRIES_WORK:
        xref.parse_xref_table = parse_xref_table


def uninstall() -> None:
    xref.parse_xref_table = _original


def original() -> Any:
    """xref.parse_xref_table as pyHanko shipped it, for equivalence tests."""
    return _original
