"""Wire formats of dates, timestamps and numbers, written strictly and read leniently."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

# Packets carry local Vietnamese time without an offset; Vietnam has no daylight saving time.
VN_TZ = timezone(timedelta(hours=7), "ICT")

_YMD = re.compile(r"(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_TIME = re.compile(r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?")
_MAX_STAMP = 64  # "yyyy/MM/dd HH:mm:ss.fff+hh:mm" with room for spaces; longer is not a date
# XML 1.0 Char production: anything else cannot be carried in a packet at all.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def format_date(d: date) -> str:
    return f"{d.year:04d}/{d.month:02d}/{d.day:02d}"


def format_timestamp(t: datetime) -> str:
    """`yyyy/MM/dd HH:mm:ss` in Vietnamese local time; a naive value is taken as already local."""
    if t.tzinfo is not None:
        t = t.astimezone(VN_TZ)
    return f"{format_date(t)} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def _split(text: str) -> tuple[date, str] | None:
    for pattern, order in ((_YMD, (1, 2, 3)), (_DMY, (3, 2, 1))):
        m = pattern.match(text)
        if m:
            y, mo, d = (int(m.group(i)) for i in order)
            try:
                return date(y, mo, d), text[m.end() :]
            except ValueError:
                return None
    return None


def parse_timestamp(text: str) -> datetime | None:
    """yyyy/MM/dd, dd/MM/yyyy or yyyy-MM-dd, with or without a time and offset → aware local time."""
    if len(text) > _MAX_STAMP:
        return None
    split = _split(text.strip())
    if split is None:
        return None
    day, rest = split
    m = _TIME.fullmatch(rest)
    if m is None:
        return None
    hh, mm, ss, offset = m.groups()
    try:
        naive = datetime(day.year, day.month, day.day, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    if offset is None:
        return naive.replace(tzinfo=VN_TZ)
    zone = _offset(offset)
    if zone is None:
        return None
    try:
        return naive.replace(tzinfo=zone).astimezone(VN_TZ)
    except OverflowError:  # 9999/12/31 23:59 at -23:59 is in year 10000 in Vietnam
        return None


def _offset(text: str) -> timezone | None:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:  # +99:99 is no offset at all
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(text: str) -> date | None:
    """The calendar day as written; a time part, if present, is ignored."""
    stamp = parse_timestamp(text)
    if stamp is None:
        return None
    split = _split(text.strip())
    return split[0] if split else None


_INT = re.compile(r"[+-]?[0-9]{1,18}")  # every field is a small count or code; 4,301 digits is a DoS on int()


def parse_int(text: str) -> int | None:
    t = text.strip()
    return int(t) if _INT.fullmatch(t) else None


def parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(t)


def bad_xml_char(text: str) -> str | None:
    m = _NOT_XML_CHAR.search(text)
    return m.group(0) if m else None
