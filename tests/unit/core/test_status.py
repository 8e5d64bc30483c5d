from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.status import (
    LABELS,
    TRANSITIONS,
    InvalidTransition,
    StatusCode,
    StatusEvent,
    StatusHistory,
    current_status,
)

S = StatusCode
T0 = datetime(2024, 3, 5, 8, 0, 0)


def ev(code: StatusCode, minutes: int = 0, why: str = "") -> StatusEvent:
    return StatusEvent(code, T0 + timedelta(minutes=minutes), actor="test", description=why)


def history(*codes: StatusCode) -> StatusHistory:
    h = StatusHistory()
    for i, c in enumerate(codes):
        assert h.apply(ev(c, i))
    return h


def test_codes_and_labels() -> None:
    assert [c.value for c in S] == ["01", "02", "03", "04", "05", "06", "13", "15", "16"]
    assert set(LABELS) == set(S) == set(TRANSITIONS) - {None}
    assert S.REJECTED.label == "Từ chối tiếp nhận"
    assert S.DONE.label == "Hoàn thành"
    assert [c for c in S if c.needs_reason] == [S.REJECTED, S.RECALL_REQUESTED, S.RECALL_REFUSED]


@pytest.mark.parametrize(("text", "code"), [("05", S.PROCESSING), ("5", S.PROCESSING), (" 13 ", S.RECALL_REQUESTED)])
def test_parse(text: str, code: StatusCode) -> None:
    assert StatusCode.parse(text) is code


@pytest.mark.parametrize("text", ["", "07", "14", "999", "abc", "005", "٠٥"])
def test_parse_refuses_in_vietnamese(text: str) -> None:
    with pytest.raises(ValueError, match="Mã trạng thái không hợp lệ"):
        StatusCode.parse(text)


@pytest.mark.parametrize(
    "path",
    [
        [S.ARRIVED, S.ACCEPTED, S.ASSIGNED, S.PROCESSING, S.DONE],
        [S.ARRIVED, S.REJECTED],
        [S.ARRIVED, S.ACCEPTED, S.DONE],
        [S.ARRIVED, S.ACCEPTED, S.PROCESSING, S.DONE],
        [S.ARRIVED, S.ACCEPTED, S.ASSIGNED, S.ASSIGNED, S.PROCESSING],  # re-assignment
        [S.ARRIVED, S.RECALL_REQUESTED, S.RECALL_AGREED],
        [S.ARRIVED, S.ACCEPTED, S.PROCESSING, S.RECALL_REQUESTED, S.RECALL_REFUSED, S.DONE],
    ],
)
def test_allowed_paths(path: list[StatusCode]) -> None:
    assert history(*path).current is path[-1]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], S.ACCEPTED),  # the first status is always 01
        ([S.ARRIVED], S.DONE),
        ([S.ARRIVED, S.REJECTED], S.ACCEPTED),  # rejection is final
        ([S.ARRIVED, S.ACCEPTED, S.DONE], S.RECALL_REQUESTED),
        ([S.ARRIVED], S.RECALL_AGREED),  # 15/16 only answer a 13
        ([S.ARRIVED, S.ACCEPTED], S.RECALL_REFUSED),
        ([S.ARRIVED, S.RECALL_REQUESTED], S.PROCESSING),  # the 13 must be answered first
        ([S.ARRIVED, S.RECALL_REQUESTED, S.RECALL_AGREED], S.ACCEPTED),  # recalled is final
    ],
)
def test_refused_moves(path: list[StatusCode], bad: StatusCode) -> None:
    h = history(*path)
    assert not h.can_apply(bad)
    with pytest.raises(InvalidTransition, match="Không thể chuyển trạng thái"):
        h.apply(ev(bad, 99))
    assert [e.code for e in h.events] == path  # nothing appended


def test_refused_recall_restores_the_status_before_the_request() -> None:
    h = history(S.ARRIVED, S.ACCEPTED, S.ASSIGNED, S.RECALL_REQUESTED)
    assert h.current is S.RECALL_REQUESTED
    assert h.apply(ev(S.RECALL_REFUSED, 10, "Đã xử lý xong một phần"))
    assert h.current is S.ASSIGNED
    assert h.can_apply(S.PROCESSING)
    # a new recall request after a refused one is allowed
    assert h.apply(ev(S.RECALL_REQUESTED, 20))
    assert h.apply(ev(S.RECALL_AGREED, 21))
    assert h.current is S.RECALL_AGREED


def test_replaying_the_same_event_is_idempotent() -> None:
    h = history(S.ARRIVED, S.ACCEPTED, S.ASSIGNED)
    before = list(h.events)
    for e in before:
        assert h.apply(e) is False
    assert h.events == before


def test_replaying_a_status_already_reached_is_ignored() -> None:
    h = history(S.ARRIVED, S.ACCEPTED, S.PROCESSING)
    assert h.apply(ev(S.ACCEPTED, 50)) is False  # late duplicate with another timestamp
    assert h.apply(ev(S.PROCESSING, 51)) is False
    assert h.current is S.PROCESSING and len(h.events) == 3


def test_replaying_16_after_16_is_idempotent() -> None:
    h = history(S.ARRIVED, S.ACCEPTED, S.RECALL_REQUESTED, S.RECALL_REFUSED)
    assert h.apply(ev(S.RECALL_REFUSED, 60)) is False
    assert h.current is S.ACCEPTED


def test_reassignment_is_a_new_event_not_a_replay() -> None:
    h = history(S.ARRIVED, S.ACCEPTED, S.ASSIGNED)
    assert h.apply(ev(S.ASSIGNED, 30, "Giao lại phòng khác")) is True
    assert len(h.events) == 4


def test_current_status_of_raw_events() -> None:
    assert current_status([]) is None
    assert current_status(iter([ev(S.ARRIVED), ev(S.RECALL_REQUESTED), ev(S.RECALL_REFUSED)])) is S.ARRIVED


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_random_sequences_keep_history_consistent(codes: list[StatusCode]) -> None:
    h = StatusHistory()
    for i, code in enumerate(codes):
        allowed = h.can_apply(code)
        before = list(h.events)
        try:
            appended = h.apply(ev(code, i))
        except InvalidTransition:
            assert not allowed and h.events == before
            continue
        assert appended is allowed
        assert h.events == ([*before, ev(code, i)] if appended else before)
        if appended and code is not S.RECALL_REFUSED:
            assert h.current is code
    # the same events replayed in order change nothing
    events = list(h.events)
    for e in events:
        assert h.apply(e) is False
    assert h.events == events
