"""JSON and file routes for the Provincial Office: dashboard figures, held documents, period report, register
exports, audit log. Every route needs a user; clerks and leaders see their agency only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from bridge.api.auth import check_organ, may_act_here, organ_scope, require_roles, require_user
from bridge.api.errors import MAX_YEAR, MIN_YEAR
from bridge.api.views import document_summary, plain
from bridge.mailboxes import mailbox_views
from bridge.reports.dashboard import dashboard, held_documents, pollers_health
from bridge.reports.export import rows_csv, rows_xlsx
from bridge.reports.facts import VIETNAM
from bridge.reports.making import PeriodError, ReportSigningError, make_report, report_file
from bridge.reports.period import PeriodReport
from bridge.reports.register_book import COLUMNS, TITLES, book_rows
from bridge.reports.report_json import report_json
from core.access import Role, User
from core.document import Book
from core.organ_id import InvalidOrganId, OrganId

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = {"xlsx": XLSX, "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def attachment(data: bytes, fmt: str, name: str) -> Response:
    """`filename*=` carries the exact (UTF-8) name; `filename=` an ASCII stand-in for old clients."""
    plain_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    disposition = f"attachment; filename=\"{plain_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=FILE_TYPES[fmt], headers={"Content-Disposition": disposition})


async def period_report(bridge: Any, user: User, start: date | None, end: date | None) -> PeriodReport:
    """The current half-year unless a period is given; a reversed or impossible period is a 422."""
    try:
        return await make_report(bridge.deps, start, end, scope=organ_scope(user))
    except PeriodError as exc:
        raise HTTPException(422, str(exc)) from exc


async def report_download(bridge: Any, r: PeriodReport, fmt: str) -> Response:
    try:
        data = await report_file(r, fmt, bridge.settings.report)
    except ReportSigningError as exc:
        raise HTTPException(503, str(exc)) from exc
    return attachment(data, fmt, f"bao-cao-{r.start:%Y%m%d}-{r.end:%Y%m%d}.{fmt}")


def monitoring_router(bridge: Any) -> APIRouter:
    router = APIRouter(tags=["giám sát"])
    uow = bridge.deps.uow

    @router.get("/api/dashboard", summary="Số liệu bảng điều khiển: lưu lượng theo ngày, phễu trạng thái, theo cơ quan")
    async def dashboard_api(
        user: Annotated[User, Depends(require_user)], days: Annotated[int, Query(ge=1, le=366)] = 30
    ) -> dict[str, Any]:
        now = bridge.deps.clock.now()
        d = await dashboard(uow, now, organ_scope(user), days)
        return {
            "from": d.start.isoformat(),
            "to": d.end.isoformat(),
            "days": [x.isoformat() for x in d.days],
            "series": d.series,
            "funnel": [{"stage": s, "count": n} for s, n in d.funnel],
            "agencies": [plain(r) for r in d.agencies],
            "pollers": pollers_health(mailbox_views(bridge), now) if organ_scope(user) is None else None,
        }

    @router.get("/api/held", summary="Văn bản đang giữ chờ văn thư, kèm lý do")
    async def held(user: Annotated[User, Depends(require_user)]) -> list[dict[str, Any]]:
        docs = await held_documents(uow, user)
        return [
            {**document_summary(d), "reasons": plain(d.reasons), "may_act": may_act_here(bridge, user, d)} for d in docs
        ]

    @router.get(
        "/api/reports/period",
        summary="Báo cáo định kỳ (Điều 24 NĐ 30/2020): JSON, XLSX hoặc PDF",
        responses={200: {"content": {XLSX: {}, "application/pdf": {}}}},
    )
    async def report(
        user: Annotated[User, Depends(require_user)],
        start: Annotated[date | None, Query(alias="from", description="Từ ngày (mặc định: nửa năm hiện tại)")] = None,
        end: Annotated[date | None, Query(alias="to", description="Đến ngày")] = None,
        format: Annotated[str, Query(pattern="^(json|xlsx|pdf)$")] = "json",
    ) -> Any:
        r = await period_report(bridge, user, start, end)
        if format in ("xlsx", "pdf"):
            return await report_download(bridge, r, format)
        head = await bridge.deps.audit.current_head()  # the audit chain's head, kept outside with the report
        return {**report_json(r), "audit_head": f"{head[0]}:{head[1]}" if head else ""}

    @router.get(
        "/api/register/{organ_id}/{book}/export",
        summary="Xuất sổ đến/đi theo mẫu NĐ 30 (CSV hoặc XLSX)",
        responses={200: {"content": {XLSX: {}, "text/csv": {}}}},
    )
    async def register_export(
        user: Annotated[User, Depends(require_user)],
        organ_id: Annotated[str, Path(max_length=40)],
        book: Book,
        year: Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR)] = None,
        format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv",
    ) -> Response:
        check_organ(user, organ_id)
        try:
            organ_id = str(OrganId.parse(organ_id))
        except InvalidOrganId as exc:
            raise HTTPException(422, str(exc)) from exc
        year = year or datetime.now(UTC).astimezone(VIETNAM).year
        rows = await book_rows(uow, organ_id, book, year)
        name = f"so-{book.value}-{organ_id}-{year}.{format}"
        if format == "xlsx":
            return attachment(rows_xlsx(TITLES[book], COLUMNS[book], rows), "xlsx", name)
        return attachment(rows_csv(COLUMNS[book], rows), "csv", name)

    @router.get("/api/audit", summary="Nhật ký kiểm toán (chỉ quản trị)")
    async def audit(
        _: Annotated[User, Depends(require_roles(Role.ADMIN))], limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[dict[str, Any]]:
        return [plain(e) for e in await bridge_access(bridge).store.recent_audit(limit)]

    @router.get("/api/audit/verify", summary="Kiểm tra chuỗi băm của nhật ký kiểm toán (chỉ quản trị)")
    async def audit_verify(_: Annotated[User, Depends(require_roles(Role.ADMIN, Role.MONITOR))]) -> dict[str, Any]:
        v = await bridge_access(bridge).audit.verify()
        return {"ok": v.ok, "checked": v.checked, "first_bad": v.first_bad, "problem": v.problem}

    return router


def bridge_access(bridge: Any) -> Any:
    from bridge.bootstrap import access

    return access(bridge)
