"""parse_message never raises: CPython's email test corpus and hypothesis-generated input."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.inbound import Channel, InboundMessage
from mail.mime import parse_message
from tests.fixtures.require import require

CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("msg_*.txt")) if CORPUS.is_dir() else []


def assert_well_formed(m: InboundMessage) -> None:
    assert isinstance(m.subject, str) and isinstance(m.body_text, str)
    assert all(isinstance(k, str) and k == k.lower() for k in m.headers)
    assert all(isinstance(a.data, bytes) and a.filename for a in m.attachments)
    assert all(isinstance(p, str) and p for p in m.problems)
    assert m.sender_address == m.sender_address.lower()


def test_corpus_is_present() -> None:
    require(len(corpus_files()) >= 40, f"CPython email test corpus at {CORPUS}")


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus_message_parses(path: Path) -> None:
    assert_well_formed(parse_message(path.read_bytes(), Channel.IMAP))


def test_corpus_facts() -> None:
    require(CORPUS.is_dir(), f"CPython email test corpus at {CORPUS}")
    gif = parse_message((CORPUS / "msg_07.txt").read_bytes(), Channel.IMAP)
    assert [(a.filename, a.content_type) for a in gif.attachments] == [("dingusfish.gif", "image/gif")]
    assert gif.attachments[0].data.startswith(b"GIF8")
    dsn = parse_message((CORPUS / "msg_16.txt").read_bytes(), Channel.IMAP)
    assert dsn.auto_submitted
    plain = parse_message((CORPUS / "msg_01.txt").read_bytes(), Channel.IMAP)
    assert (plain.sender_address, plain.subject) == ("bbb@ddd.com", "This is a test message")
    assert not plain.auto_submitted


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(raw: bytes) -> None:
    assert_well_formed(parse_message(raw, Channel.SMTP))


HEADER_NAMES = st.sampled_from(
    ["From", "To", "Subject", "Message-ID", "Content-Type", "Content-Disposition", "Content-Transfer-Encoding",
     "Return-Path", "Auto-Submitted", "Precedence", "MIME-Version"]
)  # fmt: skip
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["multipart/mixed; boundary=B", "multipart/alternative; boundary=B", "message/rfc822", "base64",
         "quoted-printable", 'attachment; filename*=utf-8\'\'%C3%B4%', "text/plain; charset=x-\u00e9",
         "=?utf-8?B?w7Q?=", "=?cp1258?Q?=F4?=", "<a@b>", "<>", "application/pdf; name=\"=?utf-8?B?", "--B", ""]
    ),
)  # fmt: skip
BODY_LINES = st.lists(
    st.one_of(st.sampled_from(["--B", "--B--", "", "JVBERi0x", "=C3=B4", "<p>x</p>"]), st.text(max_size=40)),
    max_size=20,
)


@st.composite
def mime_like(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=6))
        lines = [f"{n}: {v}" for n, v in headers] + ["", *draw(BODY_LINES)]
        parts.append("\r\n".join(lines))
    text = "\r\n--B\r\n".join(parts)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16-le"])), errors="surrogatepass")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mime_like())
def test_mime_like_input_never_raises(raw: bytes) -> None:
    assert_well_formed(parse_message(raw, Channel.IMAP))
