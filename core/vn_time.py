"""Vietnam time for people, in one place: the bridge stores and computes in UTC and converts here, at the edge.

Every time a person reads (receipts, pages, exports, reports, the bot, the audit log) goes through these
functions, so a document registered at 23:30 UTC shows the next day's date, as the legal receipt must.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_NAME = "Asia/Ho_Chi_Minh"
# Vietnam has kept UTC+7 without daylight saving since 1975: the same answers where no tz database is installed.
_FIXED = timezone(timedelta(hours=7), "ICT")


@cache
def vietnam_zone() -> tzinfo:
    """Asia/Ho_Chi_Minh (loaded on first use, not at import)."""
    try:
        return ZoneInfo(ZONE_NAME)
    except ZoneInfoNotFoundError:
        return _FIXED


VIETNAM = vietnam_zone()  # for arithmetic in local time (register years, digest slots); display uses format_*


def to_vietnam(at: datetime) -> datetime:
    """The same instant in Vietnam time. A naive value is a stored UTC time (SQLite drops the offset)."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return aware.astimezone(vietnam_zone())


def vietnam_date(at: datetime) -> date:
    """The calendar day in Vietnam at that instant (register years, daily caps, report periods)."""
    return to_vietnam(at).date()


def vietnam_now(now_utc: datetime) -> datetime:
    """The Clock port's 'now' as Vietnam wall time (for register entries, which are local by law)."""
    return to_vietnam(now_utc)


def format_time(at: datetime, *, seconds: bool = False) -> str:
    """'04:48 ngày 02/12/2026' (with seconds: '04:48:20 ngày 02/12/2026')."""
    local = to_vietnam(at)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{clock} ngày {local:%d/%m/%Y}"


def format_stamp(at: datetime, *, seconds: bool = False) -> str:
    """'02/12/2026 04:48' — compact, for table cells and one-line lists."""
    local = to_vietnam(at)
    return f"{local:%d/%m/%Y %H:%M:%S}" if seconds else f"{local:%d/%m/%Y %H:%M}"


def format_short(at: datetime) -> str:
    """'02/12 04:48' — for status trails in chat, where the year is obvious."""
    return f"{to_vietnam(at):%d/%m %H:%M}"


def format_date(day: date | datetime) -> str:
    """'02/12/2026'; a datetime is first taken to Vietnam time (never the UTC calendar day)."""
    d = vietnam_date(day) if isinstance(day, datetime) else day
    return f"{d:%d/%m/%Y}"
