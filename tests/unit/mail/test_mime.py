"""parse_message on hand-made hostile and Vietnamese mail."""

from __future__ import annotations

import base64
import time
import unicodedata
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from core.inbound import Channel
from mail.mime import decode_text, decode_words, html_to_text, parse_message

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def crlf(text: str, charset: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(charset)


def vietnamese_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Văn thư UBND xã X <VanThu@UBND-XaX.gov.vn>"
    msg["To"] = "cau-noi@edoc.test"
    msg["Subject"] = "Công văn số 12/UBND-VP về việc triển khai văn bản điện tử"
    msg["Message-ID"] = "<abc.123@ubnd-xax.gov.vn>"
    msg.set_content("Kính gửi Văn phòng,\nXin gửi kèm công văn.")
    msg.add_alternative("<p>Kính gửi <b>Văn phòng</b></p>", subtype="html")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="Công văn số 12.pdf")
    return msg.as_bytes(policy=SMTP)


def test_vietnamese_mail_is_decoded() -> None:
    m = parse_message(vietnamese_mail(), Channel.SMTP, envelope_from="vanthu@ubnd-xax.gov.vn", recipients=["a@b"])
    assert m.subject == "Công văn số 12/UBND-VP về việc triển khai văn bản điện tử"
    assert m.sender_address == "vanthu@ubnd-xax.gov.vn"
    assert m.message_id == "<abc.123@ubnd-xax.gov.vn>"
    assert m.body_text == "Kính gửi Văn phòng,\nXin gửi kèm công văn."
    assert [(a.filename, a.content_type, a.data) for a in m.attachments] == [
        ("Công văn số 12.pdf", "application/pdf", PDF)
    ]
    assert m.headers["to"] == "cau-noi@edoc.test"
    assert m.headers["from"].startswith("Văn thư UBND xã X")
    assert m.recipients == ("a@b",)
    assert m.envelope_from == "vanthu@ubnd-xax.gov.vn"
    assert m.channel is Channel.SMTP
    assert not m.auto_submitted
    assert m.problems == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?utf-8?B?Q8O0bmcgdsSDbg==?= =?utf-8?Q?_s=E1=BB=91_12?=", "Công văn số 12"),
        ("=?windows-1258?Q?C=F4ng_v=E3n?=", "Công văn"),
        ("=?UTF-8*vi?B?VsSDbiBi4bqjbg==?=", "Văn bản"),  # RFC 2231 language suffix in an encoded word
        ("=?x-bogus?B?VsSDbiBi4bqjbg==?=", "Văn bản"),  # unknown charset: UTF-8 fallback
        ("=?utf-8?B?VsSDbiBi4bqjbg?=", "Văn bản"),  # missing padding
    ],
)
def test_encoded_subjects(header: str, expected: str) -> None:
    raw = crlf(f"From: a@b.vn\nSubject: {header}\n\nx\n")
    assert parse_message(raw, Channel.IMAP).subject == expected


def test_raw_8bit_headers_in_utf8_and_windows_1258() -> None:
    utf8 = parse_message(crlf("From: Nguyễn Văn A <NVA@Bộ.vn>\nSubject: Tài liệu họp\n\nx"), Channel.SMTP)
    assert utf8.subject == "Tài liệu họp"
    assert utf8.sender_address == "nva@bộ.vn"
    legacy = parse_message(crlf("From: a@b.vn\nSubject: Công văn\n\nx", "cp1258"), Channel.SMTP)
    assert legacy.subject == "Công văn"


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        ("attachment; filename*=utf-8''C%C3%B4ng%20v%C4%83n.pdf", "Công văn.pdf"),
        ("attachment; filename*0*=utf-8''C%C3%B4ng%20; filename*1*=v%C4%83n.pdf", "Công văn.pdf"),
        ('attachment; filename="=?utf-8?B?Q8O0bmcgdsSDbi5wZGY=?="', "Công văn.pdf"),  # Outlook style
        ('attachment; filename="../../etc/Công văn.pdf"', "Công văn.pdf"),
        ('attachment; filename="C:\\\\Users\\\\vt\\\\Công văn.pdf"', "Công văn.pdf"),
        ("attachment; filename*=x-bogus''C%C3%B4ng%20v%C4%83n.pdf", "Công văn.pdf"),
    ],
)
def test_attachment_filenames(disposition: str, expected: str) -> None:
    raw = crlf(
        "From: a@b.vn\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nthân\n"
        f"--B\nContent-Type: application/pdf\nContent-Disposition: {disposition}\n"
        f"Content-Transfer-Encoding: base64\n\n{base64.encodebytes(PDF).decode()}\n--B--\n"
    )
    m = parse_message(raw, Channel.IMAP)
    assert [a.filename for a in m.attachments] == [expected]
    assert m.attachments[0].data == PDF
    assert m.body_text == "thân"


def test_decomposed_filename_is_normalised() -> None:
    nfd = unicodedata.normalize("NFD", "Văn bản.pdf")
    raw = crlf(f'From: a@b.vn\nContent-Type: application/pdf; name="{nfd}"\n\nx')
    assert parse_message(raw, Channel.IMAP).attachments[0].filename == "Văn bản.pdf"


def test_attachments_without_names_get_one() -> None:
    raw = crlf(
        "From: a@b.vn\nContent-Type: multipart/mixed; boundary=B\n\n"
        "--B\nContent-Type: application/pdf\n\n%PDF-1.4\n--B\nContent-Type: image/png\n\npng\n--B--\n"
    )
    assert [a.filename for a in parse_message(raw, Channel.IMAP).attachments] == [
        "tep-dinh-kem-1.pdf",
        "tep-dinh-kem-2.png",
    ]


def test_nested_multiparts_and_forwarded_message() -> None:
    inner = EmailMessage()
    inner["From"] = "goc@so.vn"
    inner["Subject"] = "Thư gốc"
    inner.set_content("Nội dung thư gốc")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="goc.pdf")
    outer = EmailMessage()
    outer["From"] = "chuyen@so.vn"
    outer["Subject"] = "Fwd: Thư gốc"
    outer.set_content("Chuyển tiếp")
    outer.add_alternative("<p>Chuyển tiếp</p>", subtype="html")
    outer.add_attachment(b"<xml/>", maintype="application", subtype="xml", filename="a.xml")
    outer.add_attachment(inner)  # message/rfc822
    m = parse_message(outer.as_bytes(policy=SMTP), Channel.IMAP)
    assert m.body_text == "Chuyển tiếp"
    assert m.subject == "Fwd: Thư gốc"
    assert [(a.filename, a.data) for a in m.attachments] == [("a.xml", b"<xml/>"), ("goc.pdf", PDF)]


def test_html_only_body_is_stripped() -> None:
    html = "<html><head><style>p{}</style><script>alert(1)</script></head><body><p>Kính&nbsp;gửi &amp; chào</p>"
    raw = crlf(f"From: a@b.vn\nContent-Type: text/html; charset=utf-8\n\n{html}<br>Dòng 2</body></html>")
    assert parse_message(raw, Channel.IMAP).body_text == "Kính gửi & chào\n\nDòng 2"


def test_unknown_and_wrong_charsets_fall_back_and_are_reported() -> None:
    raw = crlf("From: a@b.vn\nContent-Type: text/plain; charset=x-bogus\n\nNội dung")
    m = parse_message(raw, Channel.IMAP)
    assert m.body_text == "Nội dung"
    assert any("x-bogus" in p for p in m.problems)
    legacy = crlf("From: a@b.vn\nContent-Type: text/plain; charset=windows-1258\n\nCông văn", "cp1258")
    assert parse_message(legacy, Channel.IMAP).body_text == "Công văn"
    codec_trick = crlf("From: a@b.vn\nContent-Type: text/plain; charset=base64\n\nTm9pIGR1bmc=")
    assert parse_message(codec_trick, Channel.IMAP).body_text == "Tm9pIGR1bmc="


@pytest.mark.parametrize("kept", [1002, 1001])  # 4n+2 (bad padding) and 4n+1 (impossible length)
def test_truncated_base64_and_missing_close_boundary(kept: int) -> None:
    encoded = base64.b64encode(PDF).decode()[:kept]
    lines = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    raw = crlf(
        "From: a@b.vn\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nthân\n"
        f"--B\nContent-Type: application/pdf; name=cat.pdf\nContent-Transfer-Encoding: base64\n\n{lines}"
    )
    m = parse_message(raw, Channel.IMAP)
    assert m.attachments[0].filename == "cat.pdf"
    assert m.attachments[0].data == PDF[: kept * 3 // 4]
    assert any("base64" in p and "cat.pdf" in p for p in m.problems)
    assert any("Cấu trúc MIME" in p for p in m.problems)
    assert m.body_text == "thân"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r\n\r\n",
        b"\x00\xff\xfe\x00garbage\x80\x81",
        b'Message-ID: <<<>>>\r\nFrom: <<<@@@>>>\r\nContent-Type: multipart/mixed; boundary="\r\n\r\nxx',
        b"Content-Type: multipart/mixed\r\n\r\n--\r\n--\r\n",
        b'From: a@b\r\nContent-Type: text/plain; charset="\x00"\r\n\r\nx',
        b"From: a@b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
        b"From: a@b\r\nContent-Disposition: attachment; filename*0*=''%ZZ; filename*1*=\x00\r\n\r\nx",
        b'From: (((((((((((((((((((((((((\r\nTo: """""\r\nSubject: =?utf-8?B?====?=\r\n\r\n',
        b"Subject: " + b"=?utf-8?q?" * 5000 + b"\r\n\r\n",
        b"From: a@b\r\nX-Long: " + b"a" * 200_000 + b"\r\n\r\nx",
        b"\r\n".join([b"Content-Type: multipart/mixed; boundary=B%d\r\n\r\n--B%d" % (i, i) for i in range(3000)]),
    ],
    ids=lambda raw: repr(raw[:24]),
)
def test_hostile_input_never_raises(raw: bytes) -> None:
    start = time.perf_counter()
    m = parse_message(raw, Channel.SMTP)
    assert isinstance(m.body_text, str) and isinstance(m.subject, str)
    assert all(isinstance(p, str) and p for p in m.problems)
    assert time.perf_counter() - start < 20  # a guard against pathological slowness, not a benchmark


def test_empty_and_deep_inputs_are_reported() -> None:
    assert parse_message(b"", Channel.SMTP).problems == ["Thư rỗng, không có nội dung."]
    deep = b"".join(b"Content-Type: message/rfc822\r\n\r\n" for _ in range(200)) + b"From: a@b\r\n\r\nx"
    assert any("tầng" in p for p in parse_message(b"From: a@b.vn\r\n" + deep, Channel.SMTP).problems)


def test_headers_are_lower_cased_first_value() -> None:
    raw = crlf("From: a@b.vn\nX-Test: một\nx-test: hai\nSUBJECT: Chủ đề\n\nx")
    m = parse_message(raw, Channel.IMAP)
    assert m.headers["x-test"] == "một"
    assert m.headers["subject"] == "Chủ đề"
    assert set(m.headers) == {"from", "x-test", "subject"}


def test_missing_from_is_a_problem() -> None:
    m = parse_message(crlf("Subject: x\n\nbody"), Channel.IMAP)
    assert m.sender_address == ""
    assert any("From" in p for p in m.problems)
    assert m.body_text == "body"


AUTO_CASES = [
    ("Auto-Submitted: auto-replied\n", None, True),
    ("Auto-Submitted: auto-generated; owner-email=x@y\n", None, True),
    ("Auto-Submitted: no\n", None, False),
    ("Precedence: bulk\n", None, True),
    ("Precedence: Junk\n", None, True),
    ("Precedence: list\n", None, True),
    ("Precedence: first-class\n", None, False),
    ("X-Auto-Response-Suppress: All\n", None, True),
    ("Content-Type: multipart/report; report-type=delivery-status; boundary=B\n", None, True),
    ("Return-Path: <>\n", None, True),
    ("Return-Path: <a@b.vn>\n", None, False),
    ("", "", True),
    ("", "<>", True),
    ("", "a@b.vn", False),
    ("", None, False),
]


@pytest.mark.parametrize(("extra", "envelope_from", "expected"), AUTO_CASES)
def test_auto_submitted(extra: str, envelope_from: str | None, expected: bool) -> None:
    raw = crlf(f"From: a@b.vn\n{extra}Subject: x\n\n--B\n\nx\n--B--\n")
    assert parse_message(raw, Channel.SMTP, envelope_from=envelope_from).auto_submitted is expected


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.b.vn", "Mail Delivery System <postmaster@b.vn>"])
def test_bounces_from_daemons_are_auto_submitted(sender: str) -> None:
    raw = crlf(f"From: {sender}\nSubject: Undelivered\n\nx")
    assert parse_message(raw, Channel.SMTP, envelope_from="x@b.vn").auto_submitted


def test_helpers() -> None:
    assert decode_words("=?utf-8?q?a?= =?utf-8?q?b?= c") == "ab c"
    assert decode_text(b"\xff\xfe\xfd", "utf-8") == ("ÿ₫ư", True)  # windows-1258 fallback
    assert decode_text(b"\x81\xff", None)[1] is False
    assert html_to_text("<div>a</div><div>b</div>") == "a\n\nb"
