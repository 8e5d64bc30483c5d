"""Held documents waiting for their sender: tracking tokens, reminders and expiry (pure rules, no I/O).

A held document's receipts carry one token; the sender's reply with the token (or a dashboard form, or a chat
reply) completes the same document. Nobody completing it: a reminder after `remind_after` of silence, then the
document is given up after `expire_after` (both measured from the last thing that happened to it, reminders
excepted), with a receipt that says so."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.document import Document, ProcessingState
from core.metadata import metadata_line
from core.text import fold
from core.verdict import Outcome

REMINDER_STEP = "held_reminder"
EXPIRED_CODE = "held.expired"


@dataclass(frozen=True, slots=True)
class HeldToken:
    """The tracking token of a held document's receipts (upper case, EDOC-…)."""

    token: str
    document_id: str
    address: str  # where its receipts go: a mail address or a chat id
    organ_id: str  # the sending agency ("" when unknown)
    created_at: datetime

    def expired(self, now: datetime, lifetime: timedelta) -> bool:
        return now >= self.created_at + lifetime


class Due(StrEnum):
    REMIND = "remind"
    EXPIRE = "expire"


def last_activity(doc: Document) -> datetime:
    """When the document last changed (arrival, completion, a clerk): reminders do not count."""
    times = [r.at for r in doc.trail if r.step != REMINDER_STEP]
    return max([doc.received_at, *times])


def reminded_since(doc: Document, since: datetime) -> bool:
    return any(r.step == REMINDER_STEP and r.at >= since for r in doc.trail)


def waiting_for_checks(doc: Document) -> bool:
    """Held only because clamd/DNS was down: the bridge itself will finish it, nobody is reminded."""
    return any(r.outcome is Outcome.RETRY for r in doc.reasons)


def due(doc: Document, now: datetime, remind_after: timedelta, expire_after: timedelta) -> Due | None:
    if doc.state is not ProcessingState.HELD or waiting_for_checks(doc):
        return None
    since = last_activity(doc)
    if now - since >= expire_after:
        return Due.EXPIRE
    if now - since >= remind_after and not reminded_since(doc, since):
        return Due.REMIND
    return None


def expires_at(doc: Document, expire_after: timedelta) -> datetime:
    return last_activity(doc) + expire_after


# --- a reply's own text and the completed metadata ---------------------------------------------------------

_QUOTE_START = re.compile(
    r"^\s*(>|-{2,}\s*$|-{3,}|_{3,}|-- $)"  # quoted lines, separators, the signature mark
    r"|^\s*(vao|on)\b.*\b(viet|wrote)\s*:?\s*$"  # "Vào … đã viết:", "On … wrote:"
    r"|^\s*(from|tu|sent|gui luc|date|ngay gui|subject|chu de|tieu de)\s*:"  # Outlook's quoted header block
)


def reply_text(body: str) -> str:
    """What the replier wrote: the text before the quoted original, its header block or a signature. The
    quoted receipt repeats `Key: value` lines (its facts and examples) that must not be read as answers."""
    out: list[str] = []
    for line in body.splitlines():
        if line.rstrip() == "--" or _QUOTE_START.search(fold(line) if not line.startswith(">") else ">"):
            break
        out.append(line)
    return "\n".join(out)


def merged_lines(base: str, *updates: str) -> str:
    """`base` (the original mail's text) with every field an update sets replaced by the update's line; the
    updates' own `Key: value` lines follow in order (a later completion wins over an earlier one)."""
    replaced: set[str] = set()
    added: list[str] = []
    for text in updates:
        for line in text.splitlines():
            found = metadata_line(line)
            if found is not None:
                replaced.add(found[0])
                added = [a for a in added if (metadata_line(a) or ("", ""))[0] != found[0]]
                added.append(line.strip())
    kept = [line for line in base.splitlines() if (metadata_line(line) or ("", ""))[0] not in replaced]
    return "\n".join([*kept, *added])


def completed_fields(text: str) -> list[str]:
    """The fields a completion's text sets, in order (for the trail and the answer)."""
    return list(dict.fromkeys(f[0] for line in text.splitlines() if (f := metadata_line(line)) is not None))
