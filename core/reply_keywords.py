"""Status keywords in an agency's reply (mail or chat) and the tracking token that ties it to a delivery.

Only the first meaningful line counts: blank lines, quoted lines ("> …"), a salutation ("Kính gửi …")
are skipped, and reading stops at a signature ("-- ", "Trân trọng", "Sent from …") or at the header of
the quoted original ("Vào … đã viết:", "On … wrote:"). Keywords match with or without diacritics, in
any case, optionally after "Đã" ("Đã tiếp nhận"). Text after the keyword (separated by ":", "-" or a
space) and the lines of the same paragraph are the reason (required for 02 and 16) or a free note.

Tracking token: `EDOC-` followed by 16 hexadecimal digits (64 random bits), written in upper case,
e.g. `EDOC-3F9A0C12B7D45E61`. It is matched case-insensitively anywhere in the text, quotes included,
so that it survives in the quoted original or in a "Re:" subject.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from core.status import StatusCode

MAX_REASON = 2000  # a reason is a sentence or two, not a letter

# keyword as shown to people → status; the order of _PATTERNS below decides matching, not this dict
KEYWORDS: dict[str, StatusCode] = {
    "TIẾP NHẬN": StatusCode.ACCEPTED,
    "TỪ CHỐI: lý do": StatusCode.REJECTED,
    "PHÂN CÔNG": StatusCode.ASSIGNED,
    "ĐANG XỬ LÝ": StatusCode.PROCESSING,
    "HOÀN THÀNH": StatusCode.DONE,
    "ĐỒNG Ý THU HỒI": StatusCode.RECALL_AGREED,
    "KHÔNG ĐỒNG Ý THU HỒI: lý do": StatusCode.RECALL_REFUSED,
}

# folded spelling → status; longer phrases first so "khong dong y thu hoi" is not read as "dong y thu hoi"
_PHRASES: list[tuple[str, StatusCode]] = [
    ("khong dong y thu hoi", StatusCode.RECALL_REFUSED),
    ("tu choi thu hoi", StatusCode.RECALL_REFUSED),
    ("dong y thu hoi", StatusCode.RECALL_AGREED),
    ("khong tiep nhan", StatusCode.REJECTED),
    ("tu choi tiep nhan", StatusCode.REJECTED),
    ("tu choi", StatusCode.REJECTED),
    ("tiep nhan", StatusCode.ACCEPTED),
    ("phan cong", StatusCode.ASSIGNED),
    ("dang xu ly", StatusCode.PROCESSING),
    ("hoan thanh", StatusCode.DONE),
]
_KEYWORD = re.compile(
    r"[^a-z0-9]*(?:da\s+)?(" + "|".join(p.replace(" ", r"\s+") for p, _ in _PHRASES) + r")(?![a-z0-9])[\s:：\-–—.,;!]*",
)
_CODE_OF = {p: code for p, code in _PHRASES}

_SALUTATION = re.compile(r"(kinh gui|kinh thua|than gui|xin chao|chao|dear|hi|hello)\b")
_SIGNATURE = re.compile(
    r"(--\s*$|__+\s*$|tran trong|tran thanh cam on|than ai|best regards|regards|thanks|"
    r"sent from|gui tu|duoc gui tu|-+\s*original message|-+\s*forwarded message)"
)
# `\s*(?::\s*)?$`, not `\s*:?\s*$`: two whitespace runs around an optional colon try every split (quadratic).
_QUOTE_HEADER = re.compile(r"((vao|on) .*(viet|wrote)\s*(?::\s*)?$|(from|tu|sent|gui luc|date|ngay gui)\s*:)")
MAX_LINE = 2000  # characters of a line looked at for keywords, signatures and quote headers

TOKEN_PREFIX = "EDOC-"
_TOKEN = re.compile(r"(?<![0-9A-Za-z])EDOC-([0-9A-F]{16})(?![0-9A-Za-z])", re.IGNORECASE)


class InvalidReply(ValueError):
    """A keyword was found but the reply is unusable (e.g. TỪ CHỐI without a reason). Vietnamese text."""


@dataclass(frozen=True, slots=True)
class ReplyCommand:
    code: StatusCode
    reason: str = ""  # required for 02 and 16; otherwise an optional note ("đã vào sổ số 123")
    keyword: str = ""  # the line as the agency wrote it, for the trail


def _fold_aligned(text: str) -> str:
    """Lower case without diacritics, one output character per input character (so offsets map back)."""
    out = []
    for c in text:
        base = "".join(b for b in unicodedata.normalize("NFD", c) if unicodedata.category(b) != "Mn")
        base = {"Đ": "d", "đ": "d"}.get(c, base).lower()
        out.append(base if len(base) == 1 else c)
    return "".join(out)


def _is_end(folded: str) -> bool:
    folded = folded[:MAX_LINE]
    return bool(_SIGNATURE.match(folded) or _QUOTE_HEADER.match(folded))


def _own_lines(text: str) -> list[str]:
    """The agency's own lines: up to the signature or the quoted original, quoted lines dropped."""
    lines = []
    for raw in unicodedata.normalize("NFC", text).splitlines():
        line = raw.strip()
        if line.startswith(">"):
            continue
        if _is_end(_fold_aligned(line[:MAX_LINE])):
            break
        lines.append(line)
    return lines


def parse_reply(text: str) -> ReplyCommand | None:
    """The status command in a reply, or None when its first meaningful line holds no keyword.

    Raises InvalidReply when the keyword needs a reason (TỪ CHỐI, KHÔNG ĐỒNG Ý THU HỒI) and none is given.
    """
    if not isinstance(text, str):
        return None
    lines = _own_lines(text)
    for i, line in enumerate(lines):
        folded = _fold_aligned(line)
        if not folded.strip() or _SALUTATION.match(folded):
            continue
        m = _KEYWORD.match(folded)
        if m is None:
            return None
        code = _CODE_OF[" ".join(m.group(1).split())]
        reason = _paragraph(line[m.end() :], lines[i + 1 :])
        if code.needs_reason and not reason:
            raise InvalidReply(_missing_reason(code))
        return ReplyCommand(code, reason, line)
    return None


def _paragraph(rest: str, following: list[str]) -> str:
    """The rest of the keyword line plus the lines right below it, up to a blank line."""
    parts = [rest.strip()]
    for line in following:
        if not line:
            break
        parts.append(line)
    text = _TOKEN.sub("", " ".join(p for p in parts if p))  # the token is for us, not part of the reason
    text = " ".join(text.split()).strip("*_~`'\" ")
    return text[:MAX_REASON] if any(c.isalnum() for c in text) else ""  # "TỪ CHỐI: ." has no reason


def _missing_reason(code: StatusCode) -> str:
    if code is StatusCode.RECALL_REFUSED:
        return (
            "Thiếu lý do không đồng ý thu hồi. Vui lòng trả lời theo mẫu "
            "«KHÔNG ĐỒNG Ý THU HỒI: lý do», ví dụ «KHÔNG ĐỒNG Ý THU HỒI: văn bản đã được triển khai»."
        )
    return (
        "Thiếu lý do từ chối. Vui lòng trả lời theo mẫu «TỪ CHỐI: lý do», ví dụ «TỪ CHỐI: văn bản gửi nhầm nơi nhận»."
    )


def new_token() -> str:
    """A fresh tracking token, e.g. 'EDOC-3F9A0C12B7D45E61'."""
    return TOKEN_PREFIX + secrets.token_hex(8).upper()


def is_token(text: str) -> bool:
    return isinstance(text, str) and _TOKEN.fullmatch(text.strip()) is not None


def extract_token(text: str) -> str | None:
    """The first tracking token in the text (subject or body, quotes included), upper-cased; else None."""
    if not isinstance(text, str):
        return None
    m = _TOKEN.search(text)
    return TOKEN_PREFIX + m.group(1).upper() if m else None
