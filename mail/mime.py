"""Raw RFC 5322 bytes → InboundMessage.

`parse_message` never raises: whatever is damaged (MIME structure, headers, charsets, base64) is decoded as
well as possible and described in Vietnamese in `problems`. The stdlib parser is used with `policy.default`,
but every header is read through `_Headers`, which re-parses the raw value with the policy's header factory
under a guard, because `policy.default` raises on access for some broken headers.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.message
import email.parser
import email.policy
import email.utils
import quopri
import re
import unicodedata
from collections.abc import Sequence
from html import unescape
from typing import Any

from core.inbound import Channel, InboundAttachment, InboundMessage

MAX_DEPTH = 40  # deeper nesting is hostile, not mail
_MAX_STRUCTURED_HEADER = 16_384  # longer values skip the (slow on hostile input) structured parser
_HEADER_FACTORY = email.policy.default.header_factory
_FALLBACK_CHARSETS = ("utf-8", "cp1258")  # Vietnamese mail without a usable charset is UTF-8 or Windows-1258
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
# Linear time on any input: a match may only start where a run of address characters starts (the lookbehind),
# and the runs are taken possessively, so a long run without "@" is scanned once, not once per position.
_ADDR_CHARS = r"[^\s<>\"'(),;:\[\]]"
_ADDR_SPEC = re.compile(rf"(?<!{_ADDR_CHARS}){_ADDR_CHARS}++@{_ADDR_CHARS}++")
_MAX_FROM = 4096  # characters of a From header looked at: an address is at most 320
_MSG_ID = re.compile(r"<([^<>\s]+)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_BOUNCE_LOCALPARTS = frozenset({"mailer-daemon", "postmaster"})
_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/zip": ".zip",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
_STRUCTURE_DEFECTS = frozenset(
    {
        "StartBoundaryNotFoundDefect",
        "CloseBoundaryNotFoundDefect",
        "MultipartInvariantViolationDefect",
        "NoBoundaryInMultipartDefect",
        "MultipartConversionDefect",
    }
)
_HEADER_DEFECTS = frozenset(
    {"MissingHeaderBodySeparatorDefect", "MisplacedEnvelopeHeaderDefect", "FirstHeaderLineIsContinuationDefect"}
)


def parse_message(
    raw: bytes,
    channel: Channel,
    *,
    envelope_from: str | None = None,
    recipients: Sequence[str] = (),
) -> InboundMessage:
    """Parse a whole message. `envelope_from=""` means the null sender `<>` (a bounce); None means unknown,
    in which case Return-Path is consulted."""
    result = InboundMessage(channel=channel, envelope_from=envelope_from or "", recipients=tuple(recipients))
    try:
        _Parse(result).run(bytes(raw), envelope_from)
    except Exception:  # last guard: a hostile message must never stop an edge
        _note(result, "Không phân tích được thư; thư được giữ nguyên để xử lý thủ công.")
    return result


# ---------------------------------------------------------------- text decoding


def _codec(charset: str | None) -> str | None:
    """A usable text codec name for a declared charset, or None."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").split("*", 1)[0].lower()  # RFC 2231 language suffix
    if name in {"", "unknown-8bit", "x-unknown", "us-ascii", "ascii"}:
        return None  # 8-bit data labelled ASCII is in practice UTF-8
    try:
        info = codecs.lookup(name)
    except Exception:
        return None
    if not getattr(info, "_is_text_encoding", True):  # base64, zlib, rot13 … are not charsets
        return None
    return info.name


def decode_text(data: bytes, charset: str | None) -> tuple[str, bool]:
    """Decode with the declared charset, then the fallbacks. The flag says whether nothing was lost."""
    declared = _codec(charset)
    for name in (declared, *_FALLBACK_CHARSETS):
        if name is None:
            continue
        try:
            return data.decode(name), True
        except Exception:
            continue
    return data.decode(declared or "utf-8", errors="replace"), False


def _recover_8bit(value: str) -> str:
    """Header values parsed from bytes carry raw 8-bit octets as surrogate escapes; decode them."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    try:
        data = value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        data = value.encode("utf-8", errors="replace")
    return decode_text(data, None)[0]


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    if encoding.lower() == "q":
        data = binascii.a2b_qp(payload.encode("ascii", errors="replace"), header=True)
    else:
        data = _lenient_b64(payload.encode("ascii", errors="replace"))
    return decode_text(data, charset)[0]


def decode_words(text: str) -> str:
    """RFC 2047 encoded words → text, tolerating unknown charsets and bad padding (fallback decoder)."""
    out: list[str] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if not (pos and between.isspace()):  # whitespace between adjacent encoded words is not text
            out.append(between)
        out.append(_decode_word(*match.groups()))
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _lenient_b64(data: bytes) -> bytes:
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except Exception:
        return b""


def _tidy(text: str) -> str:
    return unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).strip()


def _damaged(text: str) -> bool:
    return "\ufffd" in text or any("\udc80" <= ch <= "\udcff" for ch in text)


_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
_BREAK_TAGS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"})


def _html_parts(html: str) -> list[str]:
    """The text between tags, a line break for block tags, nothing inside script/style/head/title.

    One pass with cached positions of the next "<" and ">", so the time is linear in any input (the stdlib
    HTMLParser rescans unfinished tags: "<a" repeated 50,000 times took 26 s)."""
    parts: list[str] = []
    i, n, skipping = 0, len(html), 0
    next_lt, next_gt = html.find("<"), html.find(">")
    while i < n:
        if next_lt < i:
            next_lt = html.find("<", i)
        if next_lt < 0:
            if not skipping:
                parts.append(html[i:])
            break
        if not skipping:
            parts.append(html[i:next_lt])
        lt = next_lt
        if next_gt <= lt:
            next_gt = html.find(">", lt + 1)
        if next_gt < 0:  # no ">" anywhere after: the rest is text
            if not skipping:
                parts.append(html[lt:])
            break
        following = html.find("<", lt + 1)
        if 0 <= following < next_gt:  # a "<" that opens no tag is text
            if not skipping:
                parts.append("<")
            i, next_lt = lt + 1, following
            continue
        tag = html[lt + 1 : next_gt]
        name = tag.lstrip("/").split(None, 1)[0].rstrip("/").lower() if tag.strip("/ ") else ""
        if name in _SKIP_TAGS:
            skipping = max(0, skipping + (-1 if tag.startswith("/") else 1))
        elif name in _BREAK_TAGS and not skipping:
            parts.append("\n")
        i = next_gt + 1
    return parts


def html_to_text(html: str) -> str:
    parts = [unescape(p) for p in _html_parts(html)]
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# ---------------------------------------------------------------- guarded header access


class _Headers:
    """Read-only, never-raising view of one part's headers."""

    def __init__(self, part: email.message.Message) -> None:
        self._items: list[tuple[str, str]] = []
        try:
            for name, value in part.raw_items():
                self._items.append((str(name).strip().lower(), _unfold(str(value))))
        except Exception:
            pass

    def names(self) -> list[str]:
        return [name for name, _ in self._items]

    def raw(self, name: str) -> str | None:
        """Unfolded value with 8-bit octets decoded, RFC 2047 still encoded."""
        for key, value in self._items:
            if key == name:
                return _recover_8bit(value)
        return None

    def structured(self, name: str) -> Any | None:
        value = self.raw(name)
        if value is None or len(value) > _MAX_STRUCTURED_HEADER:
            return None
        try:
            return _HEADER_FACTORY(name, value)
        except Exception:
            return None

    def text(self, name: str) -> str | None:
        """Display text: RFC 2047 decoded by the policy, by our lenient decoder when the policy fails."""
        value = self.raw(name)
        if value is None:
            return None
        parsed = self.structured(name)
        if parsed is not None:
            text = str(parsed)
            if not _damaged(text):
                return _tidy(text)
        return _tidy(decode_words(value))

    def param(self, name: str, param: str) -> str | None:
        parsed = self.structured(name)
        try:
            value = parsed.params.get(param) if parsed is not None else None
        except Exception:
            value = None
        if value is None:
            value = self._compat_param(name, param)
        return None if value is None else decode_words(_recover_8bit(str(value)))

    def _compat_param(self, name: str, param: str) -> str | None:
        """compat32's regex-based parameter parser as a fallback for what the policy could not parse."""
        raw = self.raw(name)
        if raw is None:
            return None
        try:
            view = email.message.Message()
            view[name] = raw
            value = view.get_param(param, header=name)
            return email.utils.collapse_rfc2231_value(value) if value else None
        except Exception:
            return None

    def content_type(self, default: str) -> str:
        parsed = self.structured("content-type")
        value = getattr(parsed, "content_type", None) if parsed is not None else None
        if value is None:
            match = re.match(r"\s*([\w.+!#$&^-]+/[\w.+!#$&^-]+)", self.raw("content-type") or "")
            value = match.group(1) if match else default
        return str(value).lower()

    def disposition(self) -> str:
        parsed = self.structured("content-disposition")
        value = getattr(parsed, "content_disposition", None) if parsed is not None else None
        if value is None:
            value = (self.raw("content-disposition") or "").split(";", 1)[0]
        return str(value).strip().lower()


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n|\r", "", value)


# ---------------------------------------------------------------- the parse


class _Parse:
    def __init__(self, result: InboundMessage) -> None:
        self.result = result
        self.plain: list[str] = []
        self.html: list[str] = []
        self.nested_text: list[str] = []
        self.unnamed = 0

    def run(self, raw: bytes, envelope_from: str | None) -> None:
        if not raw.strip():
            _note(self.result, "Thư rỗng, không có nội dung.")
            return
        message = self._parse(raw)
        top = _Headers(message)
        self._fill_headers(top)
        self._fill_auto_submitted(top, envelope_from)
        self._walk(message, depth=0, nested=False)
        self.result.body_text = self._body()

    def _parse(self, raw: bytes) -> email.message.Message:
        for policy in (email.policy.default, email.policy.compat32):
            try:
                return email.message_from_bytes(raw, policy=policy)
            except Exception:
                continue
        _note(self.result, "Không phân tích được cấu trúc MIME của thư; chỉ đọc được phần tiêu đề.")
        try:
            return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        except Exception:
            return email.message.Message()

    def _fill_headers(self, headers: _Headers) -> None:
        r = self.result
        for name in headers.names():
            if name and name not in r.headers:
                r.headers[name] = headers.text(name) or ""
        r.subject = headers.text("subject") or ""
        if _damaged(r.subject):
            _note(r, "Tiêu đề thư có ký tự không giải mã được.")
        r.message_id = _message_id(headers.raw("message-id") or "")
        r.sender_address = _sender(headers)
        if not r.sender_address:
            _note(r, "Thư không có địa chỉ người gửi hợp lệ (trường From).")

    def _fill_auto_submitted(self, headers: _Headers, envelope_from: str | None) -> None:
        if envelope_from is None:
            return_path = headers.raw("return-path")
            null_sender = return_path is not None and return_path.strip() in {"<>", ""}
        else:
            null_sender = envelope_from.strip() in {"", "<>"}
        local = self.result.sender_address.partition("@")[0]
        self.result.auto_submitted = (
            (headers.text("auto-submitted") or "no").split(";", 1)[0].strip().lower() != "no"
            or (headers.text("precedence") or "").strip().lower() in {"bulk", "junk", "list"}
            or bool((headers.text("x-auto-response-suppress") or "").strip())
            or headers.content_type("text/plain") == "multipart/report"
            or null_sender
            or local in _BOUNCE_LOCALPARTS
        )

    def _walk(self, part: email.message.Message, *, depth: int, nested: bool) -> None:
        if depth > MAX_DEPTH:
            _note(self.result, f"Thư lồng nhau quá {MAX_DEPTH} tầng; các phần sâu hơn bị bỏ qua.")
            return
        headers = _Headers(part)
        ctype = headers.content_type(_default_type(part))
        payload = _payload(part)
        if isinstance(payload, list):
            self._defects(part, ctype)
            if ctype.startswith("message/") and ctype not in {"message/rfc822", "message/global"}:
                return  # delivery-status blocks and the like carry no document
            inner = nested or ctype.startswith("message/")
            for child in payload:
                if isinstance(child, email.message.Message):
                    self._walk(child, depth=depth + 1, nested=inner)
            return
        self._leaf(part, headers, ctype, depth=depth, nested=nested)

    def _leaf(self, part: email.message.Message, headers: _Headers, ctype: str, *, depth: int, nested: bool) -> None:
        filename = _safe_filename(headers.param("content-disposition", "filename") or "") or _safe_filename(
            headers.param("content-type", "name") or ""
        )
        data = _payload_bytes(part, headers)
        self._defects(part, filename or ctype)
        attachment = headers.disposition() == "attachment" or bool(filename)
        if ctype in {"message/rfc822", "message/global"} and not attachment:
            self._walk(_reparse(data), depth=depth + 1, nested=True)  # an encoded forwarded message
        elif (ctype in {"text/plain", "text/html"} and not attachment) or ctype.startswith("multipart/"):
            self._text(data, headers, ctype, nested=nested)
        elif ctype in {"message/delivery-status", "text/rfc822-headers", "message/disposition-notification"}:
            return
        else:
            self._attach(filename, ctype, data)

    def _text(self, data: bytes, headers: _Headers, ctype: str, *, nested: bool) -> None:
        charset = headers.param("content-type", "charset")
        text, clean = decode_text(data, charset)
        if not clean:
            shown = charset or "không khai báo"
            _note(self.result, f"Nội dung thư có bảng mã «{shown}» không khớp dữ liệu; đã giải mã gần đúng.")
        elif charset and _codec(charset) is None and charset.strip().lower() not in {"us-ascii", "ascii"}:
            _note(self.result, f"Nội dung thư dùng bảng mã không được hỗ trợ «{charset}»; đã giải mã gần đúng.")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if ctype == "text/html":
            text = html_to_text(text)
        target = self.nested_text if nested else self.html if ctype == "text/html" else self.plain
        target.append(text)

    def _attach(self, filename: str, ctype: str, data: bytes) -> None:
        if not filename:
            self.unnamed += 1
            filename = f"tep-dinh-kem-{self.unnamed}{_EXTENSIONS.get(ctype, '.bin')}"
        self.result.attachments.append(InboundAttachment(filename=filename, content_type=ctype, data=data))

    def _defects(self, part: email.message.Message, label: str) -> None:
        try:
            names = [type(d).__name__ for d in part.defects]
        except Exception:
            return
        for name in names:
            _note(self.result, _defect_sentence(name, label))

    def _body(self) -> str:
        for texts in (self.plain, self.html, self.nested_text):
            for text in texts:
                if text.strip():
                    return text.strip()
        return ""


def _note(result: InboundMessage, sentence: str) -> None:
    if sentence not in result.problems:
        result.problems.append(sentence)


def _defect_sentence(name: str, label: str) -> str:
    if name in _STRUCTURE_DEFECTS:
        return "Cấu trúc MIME của thư bị hỏng (ranh giới giữa các phần không đúng); một phần nội dung có thể bị mất."
    if name.startswith("InvalidBase64"):
        return f"Dữ liệu base64 của phần «{label}» bị lỗi hoặc bị cắt cụt; tệp có thể không còn nguyên vẹn."
    if name in _HEADER_DEFECTS:
        return "Phần tiêu đề của thư sai định dạng (thiếu dòng trống hoặc dòng tiêu đề không hợp lệ)."
    return f"Thư có lỗi định dạng MIME ({name})."


def _default_type(part: email.message.Message) -> str:
    try:
        return part.get_default_type()
    except Exception:
        return "text/plain"


def _payload(part: email.message.Message) -> Any:
    try:
        return part.get_payload()
    except Exception:
        return None


def _payload_bytes(part: email.message.Message, headers: _Headers) -> bytes:
    try:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and not _has_defect(part, "InvalidBase64LengthDefect"):
            return data  # on that defect the stdlib returns the base64 text itself: decode it ourselves
    except Exception:
        pass
    raw = _payload(part)
    if not isinstance(raw, str):
        return b""
    octets = raw.encode("ascii", errors="surrogateescape") if _ascii_or_escapes(raw) else raw.encode()
    cte = (headers.raw("content-transfer-encoding") or "").strip().lower()
    try:
        if cte == "base64":
            return _lenient_b64(octets)
        if cte == "quoted-printable":
            return quopri.decodestring(octets)
    except Exception:
        pass
    return octets


def _has_defect(part: email.message.Message, name: str) -> bool:
    try:
        return any(type(d).__name__ == name for d in part.defects)
    except Exception:
        return False


def _ascii_or_escapes(text: str) -> bool:
    try:
        text.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return False
    return True


def _reparse(data: bytes) -> email.message.Message:
    try:
        return email.message_from_bytes(data, policy=email.policy.default)
    except Exception:
        return email.message.Message()


def _safe_filename(name: str) -> str:
    """The last path component, printable, NFC (macOS sends decomposed Vietnamese), bounded in length."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if name in {"", ".", ".."}:
        return ""
    if len(name) > 180:
        stem, dot, ext = name.rpartition(".")
        name = stem[: 180 - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:180]
    return name


def _message_id(value: str) -> str:
    match = _MSG_ID.search(value)
    if match:
        return f"<{match.group(1)}>"
    token = re.sub(r"[\s<>]", "", value)
    return f"<{token}>" if token else ""


def _sender(headers: _Headers) -> str:
    parsed = headers.structured("from")
    spec = ""
    try:
        addresses = parsed.addresses if parsed is not None else ()
        spec = str(addresses[0].addr_spec) if addresses else ""
    except Exception:
        spec = ""
    if "@" not in spec:
        text = (headers.text("from") or "")[:_MAX_FROM]
        try:
            spec = email.utils.parseaddr(text)[1]
        except Exception:
            spec = ""
        if "@" not in spec:
            match = _ADDR_SPEC.search(text)
            spec = match.group(0) if match else ""
    spec = spec.strip().lower()
    return spec if "@" in spec and not _damaged(spec) else ""
