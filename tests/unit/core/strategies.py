"""Hypothesis strategies for valid core values (shared by the core unit tests)."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from core.doc_code import DocCode
from core.doc_types import TYPES
from core.organ_id import OrganId

_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


organ_ids = st.builds(
    lambda v, z, y, letter, xx: OrganId(f"{v}.{z}.{y}.{letter}{xx}"),
    _digits(3),
    _digits(2),
    _digits(2),
    st.sampled_from(_ASCII_UPPER),
    _digits(2),
)

# An abbreviation group: an upper-case letter (or Đ) then letters/digits, mixed case allowed (QyĐ, TTr).
_groups = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(_ASCII_UPPER + "Đ"),
    st.text(_ASCII_UPPER + "abcdefghijklmnopqrstuvwxyzĐđ0123456789", max_size=6),
)
_type_abbrs = st.sampled_from(sorted(a for a in TYPES.values() if a))


@st.composite
def doc_codes(draw: st.DrawFn) -> DocCode:
    number = draw(st.text("0123456789", min_size=1, max_size=11))
    head = draw(st.one_of(_type_abbrs, _groups))
    rest = draw(st.lists(_groups, max_size=3))
    notation = "-".join([head, *rest])
    if draw(st.booleans()):
        notation = f"{draw(st.integers(1990, 2099))}/{notation}"
    if len(notation) > 30:
        notation = head
    return DocCode(number, notation)


dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
