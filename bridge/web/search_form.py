"""The search form's query string ⇄ SearchFilters/SearchOrder, and the links that keep the other filters when
the sort or the page changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import HTTPException, Query

from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.register_search import SearchFilters, SearchOrder, SortKey
from core.urgency import Urgency

PER_PAGE = (25, 50, 100)
MAX_PAGE = 100_000
SORT_LABELS = {
    SortKey.RECEIVED: "Nhận lúc",
    SortKey.CODE: "Số, ký hiệu",
    SortKey.SUBJECT: "Trích yếu",
    SortKey.SENDER: "Cơ quan gửi",
    SortKey.STATE: "Trạng thái",
    SortKey.DUE: "Hạn xử lý",
    SortKey.URGENCY: "Độ khẩn",
}


@dataclass(frozen=True, slots=True)
class SearchForm:
    q: str = ""
    organ: str = ""
    state: tuple[ProcessingState, ...] = ()
    channel: Channel | None = None
    direction: Direction | None = None
    type: str = ""
    start: date | None = None
    end: date | None = None
    urgency: Urgency | None = None
    overdue: bool = False
    sort: SortKey = SortKey.RECEIVED
    desc: bool = True
    page: int = 1
    per: int = 50

    def filters(self, scope: str | None, today: date) -> SearchFilters:
        return SearchFilters(
            text=self.q[:200],
            scope=scope,
            organ=self.organ or None,
            states=self.state,
            channel=self.channel,
            direction=self.direction,
            type_name=self.type,
            date_from=self.start,
            date_to=self.end,
            urgency=self.urgency,
            overdue=self.overdue,
            today=today,
        )

    def order(self) -> SearchOrder:
        return SearchOrder(self.sort, self.desc)

    def params(self, **change: Any) -> str:
        """The query string of this search with some values changed (page reset unless given)."""
        form = replace(self, **{"page": 1, **change})
        pairs: list[tuple[str, str]] = []
        for key, value in (("q", form.q), ("organ", form.organ), ("type", form.type)):
            if value:
                pairs.append((key, value))
        pairs += [("state", s.value) for s in form.state]
        for key, enum_value in (("channel", form.channel), ("direction", form.direction)):
            if enum_value is not None:
                pairs.append((key, enum_value.value))
        if form.urgency is not None:
            pairs.append(("urgency", str(int(form.urgency))))
        if form.start:
            pairs.append(("from", form.start.isoformat()))
        if form.end:
            pairs.append(("to", form.end.isoformat()))
        if form.overdue:
            pairs.append(("overdue", "1"))
        if form.sort is not SortKey.RECEIVED or not form.desc:
            pairs += [("sort", form.sort.value), ("desc", "1" if form.desc else "0")]
        if form.per != 50:
            pairs.append(("per", str(form.per)))
        if form.page != 1:
            pairs.append(("page", str(form.page)))
        return urlencode(pairs)

    def sort_link(self, key: SortKey) -> str:
        desc = not self.desc if key is self.sort else key in (SortKey.RECEIVED, SortKey.URGENCY)
        return self.params(sort=key, desc=desc)


def _choice(kind: Any, text: str) -> Any:
    """'' = no filter; a value that is not one of `kind` is a 422 (the page says the input is invalid)."""
    if not text:
        return None
    try:
        return kind(text)
    except ValueError as exc:
        raise HTTPException(422, "Giá trị lọc không hợp lệ") from exc


def search_form(
    q: Annotated[str, Query(max_length=500)] = "",
    organ: Annotated[str, Query(max_length=40)] = "",
    state: Annotated[list[str] | None, Query()] = None,
    channel: str = "",
    direction: str = "",
    type: Annotated[str, Query(max_length=100)] = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    urgency: str = "",
    overdue: str = "",
    sort: SortKey = SortKey.RECEIVED,
    desc: bool = True,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    per: Annotated[int, Query(ge=1, le=100)] = 50,
) -> SearchForm:
    """FastAPI dependency: a value of the wrong kind (a date 2026-13-01, state=abc) is a 422 page."""
    states = tuple(dict.fromkeys(s for s in (_choice(ProcessingState, x) for x in state or ()) if s))
    level = _choice(int, urgency)
    if level is not None and level not in {u.value for u in Urgency}:
        raise HTTPException(422, "Độ khẩn không hợp lệ")
    return SearchForm(
        q.strip(), organ.strip(), states, _choice(Channel, channel), _choice(Direction, direction), type.strip(),
        _choice(date.fromisoformat, start), _choice(date.fromisoformat, end),
        Urgency(level) if level is not None else None, overdue in ("1", "true", "on"), sort, desc,
        page, per if per in PER_PAGE else 50,
    )  # fmt: skip
