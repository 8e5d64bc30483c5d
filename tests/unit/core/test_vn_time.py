from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from core.vn_time import format_date, format_short, format_stamp, format_time, to_vietnam, vietnam_date

LATE_UTC = datetime(2026, 12, 1, 21, 48, 20, tzinfo=UTC)


def test_a_utc_evening_is_the_next_morning_in_vietnam() -> None:
    assert format_time(LATE_UTC) == "04:48 ngày 02/12/2026"
    assert format_time(LATE_UTC, seconds=True) == "04:48:20 ngày 02/12/2026"
    assert format_stamp(LATE_UTC) == "02/12/2026 04:48"
    assert format_short(LATE_UTC) == "02/12 04:48"
    assert format_date(LATE_UTC) == "02/12/2026"
    assert vietnam_date(LATE_UTC) == date(2026, 12, 2)


def test_naive_values_are_stored_utc_and_other_zones_are_converted() -> None:
    assert format_time(datetime(2026, 12, 1, 23, 30)) == "06:30 ngày 02/12/2026"
    paris = timezone(timedelta(hours=1))
    assert format_time(datetime(2026, 12, 1, 23, 30, tzinfo=paris)) == "05:30 ngày 02/12/2026"
    assert to_vietnam(LATE_UTC).utcoffset() == timedelta(hours=7)


def test_a_plain_date_is_shown_as_is() -> None:
    assert format_date(date(2026, 1, 5)) == "05/01/2026"


def test_new_year_turns_at_vietnam_midnight() -> None:
    assert vietnam_date(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)).year == 2027
    assert vietnam_date(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)).year == 2026
