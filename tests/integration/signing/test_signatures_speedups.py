"""signing.sig_speedups must behave exactly like the pyHanko/asn1crypto code it replaces."""

from __future__ import annotations

import io

import pytest
from asn1crypto.x509 import NameTypeAndValue
from pyhanko.pdf_utils.misc import PdfStreamError

from signing import sig_speedups

original_hex, original_prep = sig_speedups.originals()

HEX_CASES = [
    b"<>",
    b"<00ff>rest",
    b"<0A1b2C>",
    b"<abc>",  # odd number of digits: a trailing 0 is implied
    b"< 30 82\n05\r\t\f\x0012 >tail",
    b"<30 % a comment > inside\n 31>after",
    b"<" + b"0123456789abcdef" * 5000 + b">x",  # longer than one read chunk
]


@pytest.mark.parametrize("data", HEX_CASES)
def test_hex_string_reader_matches_the_original(data: bytes) -> None:
    ours, theirs = io.BytesIO(data), io.BytesIO(data)
    got, want = sig_speedups.read_hex_string_from_stream(ours), original_hex(theirs)
    assert (type(got), got, ours.tell()) == (type(want), want, theirs.tell())


@pytest.mark.parametrize("data", [b"<12zz>", b"<1234", b"<12<34>"])
def test_hex_string_reader_rejects_what_the_original_rejects(data: bytes) -> None:
    with pytest.raises(PdfStreamError):
        original_hex(io.BytesIO(data))
    with pytest.raises(PdfStreamError):
        sig_speedups.read_hex_string_from_stream(io.BytesIO(data))


@pytest.mark.parametrize("value", ["UBND xã Tân Hòa", "  Nguyễn   Văn An ", "MST:0100686209-199", "ＡＢＣ", ""])
def test_memoised_string_prep_matches_the_original(value: str) -> None:
    ntv = NameTypeAndValue()
    assert sig_speedups._ldap_string_prep(ntv, value) == original_prep(ntv, value)
