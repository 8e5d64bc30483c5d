"""Search over the register: filters, sorting, pages with the total, links to each document, CSV/XLSX export
of the filtered result. Clerks and leaders search their own agency only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from bridge.api.auth import organ_scope
from bridge.api.monitoring import attachment
from bridge.reports.dashboard import agency_names
from bridge.reports.export import rows_csv, rows_xlsx
from bridge.web import labels
from bridge.web.common import PageUser, render
from bridge.web.search_form import PER_PAGE, SORT_LABELS, SearchForm, search_form
from core.doc_types import TYPES
from core.document import Direction, ProcessingState
from core.inbound import Channel
from core.register_search import SearchPage, SearchRow, SortKey
from core.urgency import Urgency
from core.vn_time import format_date, format_stamp, vietnam_date

# the sortable columns after "Nơi nhận", in the order the row's cells are written
TRAILING_SORTS = (SortKey.RECEIVED, SortKey.STATE, SortKey.URGENCY, SortKey.DUE)
EXPORT_LIMIT = 50_000  # rows in one export file
EXPORT_BATCH = 2_000
EXPORT_COLUMNS = [
    "Số, ký hiệu", "Mã định danh văn bản", "Loại văn bản", "Trích yếu", "Cơ quan gửi", "Nơi nhận", "Nhận lúc",
    "Trạng thái", "Kênh", "Chiều", "Độ khẩn", "Hạn xử lý",
]  # fmt: skip
Form = Annotated[SearchForm, Depends(search_form)]


def export_row(r: SearchRow, names: dict[str, str]) -> list[str]:
    return [
        r.code, r.document_id, r.type_name, r.subject, names.get(r.sender, r.sender),
        "; ".join(names.get(o, o) for o in r.recipients), format_stamp(r.received_at), labels.STATES[r.state],
        r.channel.label, labels.DIRECTIONS[r.direction], r.urgency.label, format_date(r.due_date) if r.due_date else "",
    ]  # fmt: skip


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)
    uow = bridge.deps.uow

    def today() -> Any:
        return vietnam_date(bridge.deps.clock.now())

    @r.get("/search")
    async def search(request: Request, user: PageUser, form: Form) -> HTMLResponse:
        filters = form.filters(organ_scope(user), today())
        async with uow() as u:
            total = await u.search.count(filters)
            rows = await u.search.rows(filters, form.order(), form.per, (form.page - 1) * form.per)
        names = await agency_names(uow)
        result = SearchPage(rows, total, form.page, form.per)
        agencies = [] if organ_scope(user) else sorted(names.items(), key=lambda x: x[1])
        return render(
            request, "search.html", "Tra cứu văn bản", f=form, result=result, names=names, agencies=agencies,
            states=list(ProcessingState), channels=list(Channel), directions=list(Direction), urgencies=list(Urgency),
            types=list(TYPES), sort_labels=SORT_LABELS, sort_keys=TRAILING_SORTS, per_page=PER_PAGE, today=today(),
        )  # fmt: skip

    @r.get("/search/export")
    async def export(
        user: PageUser, form: Form, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv"
    ) -> Response:
        filters = form.filters(organ_scope(user), today())
        names = await agency_names(uow)
        out: list[list[str]] = []
        while len(out) < EXPORT_LIMIT:
            async with uow() as u:
                batch = await u.search.rows(filters, form.order(), EXPORT_BATCH, len(out))
            out += [export_row(x, names) for x in batch]
            if len(batch) < EXPORT_BATCH:
                break
        stamp = f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
        if format == "xlsx":
            return attachment(rows_xlsx("Kết quả tra cứu", EXPORT_COLUMNS, out), "xlsx", f"tra-cuu-{stamp}.xlsx")
        return attachment(rows_csv(EXPORT_COLUMNS, out), "csv", f"tra-cuu-{stamp}.csv")

    return r
