"""The cross-reference sections of a PDF exactly as written, so that a file readers could understand differently
is refused (core.signature_policy.Ambiguity) instead of being read one way by pyHanko and another by pypdf.

    layout = scan_xrefs(pdf, reader)   # reader: the pyHanko PdfFileReader already opened on the same bytes
    layout.sections                   # oldest first: sections[i] is revision i as pyHanko numbers them
    layout.problems                   # duplicates, overlapping subsections, wrong offsets, hybrid mismatches, loops

Tables are read here, line by line; trailer dictionaries, cross-reference streams and object streams are read with
pyHanko's public object reader (`generic.read_object`) from the offsets the file declares. Every in-use entry of
every section is checked: an offset must hold "N G obj" for the N and G it names, an object-stream entry must be
listed at its index in that stream. The result also tells, per revision, which objects were written or freed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from core.signature_policy import Ambiguity, StructureProblem

_WS = rb"[\x00\t\n\x0c\r ]"
_OBJ_HEADER = re.compile(_WS + rb"*(\d+)" + _WS + rb"+(\d+)" + _WS + rb"+obj(?![A-Za-z0-9])")
_SUBSECTION = re.compile(_WS + rb"*(\d+)[ \t]+(\d+)[ \t]*(?:\r\n|\r|\n)")
_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])" + _WS + rb"*")
_TRAILER = re.compile(_WS + rb"*trailer")
_STARTXREF = re.compile(rb"startxref" + _WS + rb"+(\d+)")
_XREF_AT = re.compile(_WS + rb"*xref")
_SPACE = re.compile(_WS + rb"*")
MAX_SECTIONS = 1000  # far beyond any real signing history; more is treated as unreadable


@dataclass(frozen=True, slots=True)
class XrefEntry:
    in_use: bool
    offset: int = 0  # in use, uncompressed: where "N G obj" starts
    generation: int = 0
    stream: int = -1  # in use, compressed: the object stream holding it
    index: int = 0  # … and its position there


@dataclass(slots=True)
class XrefSection:
    startxref: int
    entries: dict[int, XrefEntry] = field(default_factory=dict)
    size: int = 0
    prev: int | None = None
    own_streams: set[int] = field(default_factory=set)  # object numbers of this section's cross-reference streams


@dataclass(slots=True)
class XrefLayout:
    sections: list[XrefSection]
    problems: list[StructureProblem]

    def entry_before(self, revision: int, number: int) -> XrefEntry | None:
        """The latest entry for `number` in the sections before `revision` (None: never mentioned)."""
        for section in reversed(self.sections[:revision]):
            if number in section.entries:
                return section.entries[number]
        return None

    def in_use_before(self, revision: int, number: int) -> bool:
        entry = self.entry_before(revision, number)
        return entry is not None and entry.in_use

    def size_before(self, revision: int) -> int:
        return max((s.size for s in self.sections[:revision]), default=0)


class _Unreadable(Exception):
    pass


def scan_xrefs(data: bytes, reader: PdfFileReader) -> XrefLayout:
    scanner = _Scanner(data, reader)
    try:
        sections = scanner.chain()
    except _Unreadable:
        return XrefLayout([], scanner.problems or [StructureProblem(Ambiguity.UNREADABLE_XREF)])
    layout = XrefLayout(sections, scanner.problems)
    if not layout.problems:
        scanner.check_offsets(layout)
        _same_reading(layout, reader)
    return layout


class _Scanner:
    def __init__(self, data: bytes, reader: PdfFileReader) -> None:
        self.data, self.reader = data, reader
        self.problems: list[StructureProblem] = []
        self._stream = io.BytesIO(data)
        self._object_streams: dict[int, list[int]] = {}  # offset → object numbers in header order

    # -- the chain of sections ---------------------------------------------------------------------------
    def chain(self) -> list[XrefSection]:
        at = self.data.rfind(b"startxref")
        found = _STARTXREF.match(self.data, at) if at >= 0 else None
        if found is None:
            raise _Unreadable
        position: int | None = int(found.group(1))
        seen: set[int] = set()
        newest_first: list[XrefSection] = []
        while position is not None:
            if position in seen:
                self.problems.append(StructureProblem(Ambiguity.PREV_LOOP))
                raise _Unreadable
            if len(seen) >= MAX_SECTIONS:
                raise _Unreadable
            seen.add(position)
            section = self._section(position)
            newest_first.append(section)
            position = section.prev
        return newest_first[::-1]

    def _section(self, position: int) -> XrefSection:
        if not 0 <= position < len(self.data):
            raise _Unreadable
        table = _XREF_AT.match(self.data, position)
        if table is not None:
            return self._table(position, table.end())
        section = XrefSection(position)
        self._xref_stream(position, section, section.entries)
        return section

    def _table(self, position: int, at: int) -> XrefSection:
        section = XrefSection(position)
        ranges: list[tuple[int, int]] = []
        while (end := _TRAILER.match(self.data, at)) is None:
            header = _SUBSECTION.match(self.data, at)
            if header is None:
                raise _Unreadable
            start, count = int(header.group(1)), int(header.group(2))
            at = header.end()
            if count * 18 > len(self.data) - at:
                raise _Unreadable
            ranges.append((start, start + count))
            for number in range(start, start + count):
                line = _ENTRY.match(self.data, at)
                if line is None:
                    raise _Unreadable
                at = line.end()
                entry = XrefEntry(line.group(3) == b"n", offset=int(line.group(1)), generation=int(line.group(2)))
                if not entry.in_use:
                    entry = XrefEntry(False, generation=int(line.group(2)))
                self._add(section, section.entries, number, entry)
        self._overlaps(section, ranges)
        trailer = self._read_object(end.end())
        if not isinstance(trailer, generic.DictionaryObject):
            raise _Unreadable
        self._trailer_values(section, trailer)
        hybrid = trailer.raw_get("/XRefStm") if "/XRefStm" in trailer else None
        if hybrid is not None:
            self._hybrid(section, _integer(hybrid))
        return section

    def _hybrid(self, section: XrefSection, position: int) -> None:
        """A table with a cross-reference stream for the objects that only newer readers see: the two readings may
        add objects, never disagree about one."""
        from_stream: dict[int, XrefEntry] = {}
        self._xref_stream(position, XrefSection(position), from_stream, owner=section)
        for number, entry in from_stream.items():
            listed = section.entries.get(number)
            if listed is None or (not listed.in_use and entry.in_use):
                section.entries[number] = entry
            elif listed != entry:
                self.problems.append(StructureProblem(Ambiguity.HYBRID_MISMATCH, number))

    def _xref_stream(
        self, position: int, section: XrefSection, into: dict[int, XrefEntry], owner: XrefSection | None = None
    ) -> None:
        header = _OBJ_HEADER.match(self.data, position)
        if header is None:
            raise _Unreadable
        stream = self._read_object(header.end())
        if not isinstance(stream, generic.StreamObject) or stream.get("/Type") != "/XRef":
            raise _Unreadable
        (owner or section).own_streams.add(int(header.group(1)))
        widths = [_integer(w) for w in stream.raw_get("/W")]
        size = _integer(stream.raw_get("/Size"))
        index = [_integer(i) for i in stream.raw_get("/Index")] if "/Index" in stream else [0, size]
        if len(widths) != 3 or min(widths) < 0 or len(index) % 2:
            raise _Unreadable
        rows = stream.data
        width = sum(widths)
        ranges = list(zip(index[::2], index[1::2], strict=True))
        at = 0
        for start, count in ranges:
            if width == 0 or at + count * width > len(rows):
                raise _Unreadable
            for number in range(start, start + count):
                fields = _fields(rows[at : at + width], widths)
                at += width
                self._add(section, into, number, _stream_entry(fields))
        self._overlaps(section, [(s, s + c) for s, c in ranges])
        if owner is None:
            self._trailer_values(section, stream)

    def _add(self, section: XrefSection, into: dict[int, XrefEntry], number: int, entry: XrefEntry) -> None:
        earlier = into.get(number)
        if earlier is not None and earlier != entry:
            self.problems.append(StructureProblem(Ambiguity.DUPLICATE_OBJECT, number))
        into[number] = entry

    def _overlaps(self, section: XrefSection, ranges: list[tuple[int, int]]) -> None:
        reached = -1
        for start, end in sorted(ranges):
            if start < reached and not any(p.ambiguity is Ambiguity.DUPLICATE_OBJECT for p in self.problems):
                self.problems.append(StructureProblem(Ambiguity.OVERLAPPING_SUBSECTIONS, start))
            reached = max(reached, end)

    def _trailer_values(self, section: XrefSection, trailer: generic.DictionaryObject) -> None:
        section.size = _integer(trailer.raw_get("/Size")) if "/Size" in trailer else 0
        section.prev = _integer(trailer.raw_get("/Prev")) if "/Prev" in trailer else None

    def _read_object(self, at: int) -> Any:
        self._stream.seek(_SPACE.match(self.data, at).end())  # type: ignore[union-attr]  # always matches
        try:
            return generic.read_object(self._stream, generic.TrailerReference(self.reader))
        except Exception as e:  # whatever the object parser objects to
            raise _Unreadable from e

    # -- every entry names the object it points at ----------------------------------------------------------
    def check_offsets(self, layout: XrefLayout) -> None:
        for revision, section in enumerate(layout.sections):
            for number, entry in section.entries.items():
                if not entry.in_use:
                    continue
                if entry.stream >= 0:
                    ok = self._in_object_stream(layout, revision, number, entry)
                else:
                    header = _OBJ_HEADER.match(self.data, entry.offset) if entry.offset < len(self.data) else None
                    ok = header is not None and (int(header.group(1)), int(header.group(2))) == (
                        number,
                        entry.generation,
                    )
                if not ok:
                    layout.problems.append(StructureProblem(Ambiguity.WRONG_OFFSET, number, revision))

    def _in_object_stream(self, layout: XrefLayout, revision: int, number: int, entry: XrefEntry) -> bool:
        container = layout.sections[revision].entries.get(entry.stream) or layout.entry_before(revision, entry.stream)
        if container is None or not container.in_use or container.stream >= 0:
            return False
        listed = self._object_stream_numbers(container.offset)
        return entry.index < len(listed) and listed[entry.index] == number

    def _object_stream_numbers(self, offset: int) -> list[int]:
        if offset not in self._object_streams:
            numbers: list[int] = []
            header = _OBJ_HEADER.match(self.data, offset)
            try:
                stream = self._read_object(header.end()) if header else None
            except _Unreadable:
                stream = None
            if isinstance(stream, generic.StreamObject) and stream.get("/Type") == "/ObjStm":
                first, count = _integer(stream.raw_get("/First")), _integer(stream.raw_get("/N"))
                tokens = stream.data[:first].split()
                numbers = [int(t) for t in tokens[: 2 * count : 2] if t.isdigit()]
            self._object_streams[offset] = numbers
        return self._object_streams[offset]


def _same_reading(layout: XrefLayout, reader: PdfFileReader) -> None:
    """pyHanko must have found the same sections: same count, same /Size each."""
    sections = layout.sections
    if reader.total_revisions != len(sections):
        layout.problems.append(StructureProblem(Ambiguity.UNREADABLE_XREF))
        return
    for revision, section in enumerate(sections):
        size = reader.get_historical_resolver(revision).trailer_view.get("/Size")
        if not isinstance(size, int) or int(size) != section.size:
            layout.problems.append(StructureProblem(Ambiguity.UNREADABLE_XREF, revision=revision))


def _integer(value: Any) -> int:
    if isinstance(value, generic.IndirectObject) or not isinstance(value, int) or isinstance(value, bool):
        raise _Unreadable(f"not a direct integer: {value!r}")
    return int(value)


def _fields(row: bytes, widths: list[int]) -> list[int]:
    values, at = [], 0
    for width in widths:
        values.append(int.from_bytes(row[at : at + width], "big") if width else -1)
        at += width
    return values


def _stream_entry(fields: list[int]) -> XrefEntry:
    kind = 1 if fields[0] == -1 else fields[0]  # a zero-width type field means "in use, uncompressed"
    second, third = fields[1], max(fields[2], 0)
    if kind == 1:
        return XrefEntry(True, offset=second, generation=third)
    if kind == 2:
        return XrefEntry(True, stream=second, index=third)
    return XrefEntry(False, generation=third)  # free (0) and, as the standard says, unknown types
