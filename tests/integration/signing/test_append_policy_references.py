"""The byte-level reference reader behind the fast path's dangling-reference check must miss no reading of
"N G R": a missed one would let an earlier revision point at an object the signature revision creates."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.append_policy import Declined, _existed_before, _references, _references_ending_at
from tests.fixtures.pdfs import make_official_pdf, sign_pdf, signed_official_pdf
from tests.fixtures.pki import TestPki
from tests.fixtures.revisions import free_objects, single_revision


def _window_reading(text: bytes) -> Iterator[tuple[int, int, int]]:
    """The slow, exhaustive reading: every R after a separator, the window before it read in full."""
    for r_token in re.finditer(rb"[\x00\t\n\x0c\r ]R", text):
        yield from _references_ending_at(text, r_token.start() + 1)


def _numbers(text: bytes) -> set[int]:
    return {number for _start, number, _generation in _references(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"<< /Annots [56 0 R] >>", {56}),
        (b"/P 7 0 R/Q 8 1 R", {7, 8}),
        (b"[1 2 0 R]", {2}),  # 1 is a plain number
        (b"/A 0056 0 R", {56}),  # leading zeros
        (b"56\n0\r\nR", {56}),
        (b"56 %comment\n0 R", {56}),
        (b"56 0 %comment\nR", {56}),
        (b"%c 56\n9 0 R", {9}),
        # a string holding "%": the comment could start there or later, both readings are reported
        (b"(7 %) 56 %y\n0 R", {7, 56}),
        (b"7 %a 56 %\n0 R", {7, 56}),
        (b"/Contents <" + b"0" * 20000 + b"> 5 0 R", {5}),
        (b"name/A56 0 R", {56}),  # not a reference to pyHanko, reported anyway: only declines more often
        (b"(no reference) 0R 5 R", set()),
    ],
)
def test_every_reading_is_found(text: bytes, expected: set[int]) -> None:
    assert _numbers(text) == expected


@settings(max_examples=3000)
@given(
    st.lists(
        st.sampled_from([b" ", b"\n", b"\r", b"\x00", b"%", b"R", b"0", b"1", b"56", b"007", b"(", b"/A", b"x"]),
        max_size=40,
    ).map(b"".join)
)
def test_the_fast_reading_finds_all_the_window_reading_does(text: bytes) -> None:
    assert set(_window_reading(text)) <= set(_references(text))


def test_signed_documents_read_the_same_both_ways(test_pki: TestPki) -> None:
    pdf = signed_official_pdf(test_pki, pages=5)
    fast = sorted(_references(pdf))
    assert fast == sorted(_window_reading(pdf))
    assert len(fast) > 20  # pages, fonts, contents, fields …


def test_an_endless_reference_like_run_declines() -> None:
    assert len(list(_references(b"1 " * 40000 + b"R"))) == 1  # without comments the reading is unique
    with pytest.raises(Declined):
        list(_references(b"%" + b"1 " * 100000 + b"\nR"))  # with one, 200 KB would have to be read back


def _documents(pki: TestPki) -> list[bytes]:
    signed = signed_official_pdf(pki, pages=3)
    packed = single_revision(make_official_pdf(pages=2), object_streams=True)
    return [
        signed,  # three revisions with classic xref tables
        free_objects(signed, [3, 5]),  # a revision that frees objects (generation bumped)
        sign_pdf(packed, pki.personal, "ChuKyCaNhan"),  # object streams + cross-reference streams
    ]


def test_existence_before_a_revision_is_what_pyhanko_looks_up(test_pki: TestPki) -> None:
    """Every (N, G) an earlier text could name, in every revision: the dictionary look-ups answer as pyHanko."""
    checked = 0
    for pdf in _documents(test_pki):
        xrefs = PdfFileReader(io.BytesIO(pdf)).xrefs
        for revision in range(1, xrefs.total_revisions):
            for number in range(0, 60):
                for generation in (0, 1, 2):
                    want = xrefs.get_historical_ref(generic.Reference(number, generation), revision - 1) is not None
                    assert _existed_before(xrefs, revision, number, generation) is want, (revision, number, generation)
                    checked += want
    assert checked > 50  # plenty of objects that do exist, not only ones that do not
