"""Wire date formats: strict out, lenient in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bridge.edxml._text import VN_TZ, format_date, format_timestamp, parse_date, parse_timestamp


def test_formats() -> None:
    assert format_date(date(2025, 3, 4)) == "2025/03/04"
    assert format_timestamp(datetime(2025, 3, 4, 5, 6, 7)) == "2025/03/04 05:06:07"  # naive: already local
    assert format_timestamp(datetime(2025, 3, 4, 22, 0, tzinfo=UTC)) == "2025/03/05 05:00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025/03/14 08:15:30", datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ)),
        ("14/03/2025 08:15", datetime(2025, 3, 14, 8, 15, tzinfo=VN_TZ)),
        ("2025-03-14T08:15:30.123", datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ)),
        ("2025-03-14 08:15:30+0700", datetime(2025, 3, 14, 8, 15, 30, tzinfo=VN_TZ)),
        ("2025/03/14", datetime(2025, 3, 14, tzinfo=VN_TZ)),
    ],
)
def test_lenient_timestamps(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2025/13/01", "2025/02/30", "2025/03/14 25:00", "14.3.25", "hôm nay", "2025/03/14x"]
)
def test_unreadable(text: str) -> None:
    assert parse_timestamp(text) is None
    assert parse_date(text) is None
