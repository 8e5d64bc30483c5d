"""The pages. Forms post with the session's CSRF token; every action goes to the audit log."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bridge.api.auth import SESSION_COOKIE, can_act, check_csrf, check_organ, current_user, organ_scope
from bridge.api.monitoring import bridge_access, period_report
from bridge.mailboxes import mailbox_views
from bridge.reports.dashboard import agency_names, dashboard, held_documents, pollers_health
from bridge.reports.export import _breakdowns
from bridge.reports.facts import VIETNAM
from bridge.reports.period import ratio
from bridge.reports.register_book import COLUMNS, TITLES, book_rows
from bridge.reports.svg import funnel_svg, traffic_svg
from core.access import Role, User
from core.document import Book
from core.records import OutboxState

TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).with_name("templates"))), autoescape=select_autoescape(["html"])
)


class LoginRequired(Exception):
    pass


async def page_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise LoginRequired
    return user


PageUser = Annotated[User, Depends(page_user)]


def render(request: Request, name: str, title: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    html = TEMPLATES.get_template(name).render(title=title, user=user, csrf=getattr(request.state, "csrf", ""), **ctx)
    return HTMLResponse(html, status_code=status)


def back(to: str, message: str = "") -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"{to}?msg={quote(message)}" if message else to, status_code=303)


def web_router(bridge: Any) -> APIRouter:
    router = APIRouter(prefix="/web", include_in_schema=False)
    uow = bridge.deps.uow

    def now() -> Any:
        return bridge.deps.clock.now()

    @router.get("/login")
    async def login_page(request: Request, msg: str = "") -> HTMLResponse:
        request.state.user = None
        return render(request, "login.html", "Đăng nhập", message=msg, error=bool(msg))

    @router.post("/login")
    async def login(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
        session = await bridge_access(bridge).accounts.login(username.strip(), password)
        if session is None:
            return back("/web/login", "Sai tên đăng nhập hoặc mật khẩu")
        resp = RedirectResponse("/web/", status_code=303)
        resp.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="strict", path="/")
        return resp

    @router.post("/logout")
    async def logout(request: Request, user: PageUser, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        await bridge_access(bridge).accounts.logout(request.cookies.get(SESSION_COOKIE, ""), user)
        resp = back("/web/login", "Đã đăng xuất")
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    @router.get("/")
    async def home(request: Request, user: PageUser, days: int = 30) -> HTMLResponse:
        d = await dashboard(uow, now(), organ_scope(user), max(1, min(days, 366)))
        pollers = pollers_health(mailbox_views(bridge), now()) if organ_scope(user) is None else None
        return render(
            request,
            "dashboard.html",
            "Tổng quan",
            d=d,
            pollers=pollers,
            traffic_svg=traffic_svg(d.days, d.series),
            funnel_svg=funnel_svg(d.funnel),
        )

    @router.get("/held")
    async def held(request: Request, user: PageUser, msg: str = "") -> HTMLResponse:
        docs = await held_documents(uow, organ_scope(user))
        acting = user.role in (Role.ADMIN, Role.CLERK, Role.LEADER)
        return render(request, "held.html", "Văn bản chờ duyệt", docs=docs, can_act=acting, message=msg)

    async def decide(request: Request, user: User, doc_id: str, csrf: str, reason: str | None) -> Response:
        check_csrf(request, csrf)
        async with uow() as u:
            doc = await u.documents.get(doc_id)
        if doc is None or not can_act(user, doc):
            raise HTTPException(
                404 if doc is None or user.role is Role.MONITOR else 403, "Không có quyền với văn bản này"
            )
        try:
            from bridge.services import checks_review  # issue 3: the clerk's use cases
        except ImportError as exc:
            raise HTTPException(501, "Chức năng duyệt văn bản giữ lại chưa sẵn sàng") from exc
        try:
            if reason is None:
                await checks_review.release_held(bridge.deps, doc_id, clerk=user.username)
            else:
                await checks_review.reject_held(bridge.deps, doc_id, clerk=user.username, reason=reason)
        except checks_review.ReviewError as exc:
            return back("/web/held", str(exc))
        bridge.wake.set()
        action = "document.release" if reason is None else "document.reject"
        await bridge_access(bridge).audit.record(user.username, action, doc_id, reason=reason or "")
        return back("/web/held", "Đã tiếp nhận văn bản" if reason is None else "Đã từ chối văn bản")

    @router.post("/held/{doc_id}/accept")
    async def accept(request: Request, user: PageUser, doc_id: str, csrf: Annotated[str, Form()] = "") -> Response:
        return await decide(request, user, doc_id, csrf, None)

    @router.post("/held/{doc_id}/reject")
    async def reject(
        request: Request, user: PageUser, doc_id: str, reason: Annotated[str, Form()], csrf: Annotated[str, Form()] = ""
    ) -> Response:
        return await decide(request, user, doc_id, csrf, reason)

    @router.get("/outbox")
    async def outbox(request: Request, user: PageUser, msg: str = "") -> HTMLResponse:
        if user.role not in (Role.ADMIN, Role.MONITOR):
            raise HTTPException(403, "Chỉ quản trị và giám sát xem hàng đợi")
        stats = await bridge.queue.stats()
        counts = {s.value: n for s, n in stats.counts.items()}
        dead = await bridge.queue.list(state=OutboxState.DEAD, limit=200)
        todo = await bridge.queue.list(state=OutboxState.TODO, limit=200)
        return render(
            request,
            "outbox.html",
            "Hàng đợi",
            stats={"counts": counts},
            dead=dead,
            todo=todo,
            is_admin=user.role is Role.ADMIN,
            message=msg,
        )

    @router.post("/outbox/{job_id}/requeue")
    async def requeue(request: Request, user: PageUser, job_id: int, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        if user.role is not Role.ADMIN:
            raise HTTPException(403, "Chỉ quản trị được đưa lại thư chết")
        if not await bridge.queue.requeue(job_id):
            return back("/web/outbox", "Không tìm thấy thư chết này")
        bridge.wake.set()
        await bridge_access(bridge).audit.record(user.username, "outbox.requeue", str(job_id))
        return back("/web/outbox", f"Đã đưa việc {job_id} trở lại hàng đợi")

    @router.get("/search")
    async def search(
        request: Request,
        user: PageUser,
        q: str = "",
        organ: str = "",
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
    ) -> HTMLResponse:
        scope = organ_scope(user) or organ or None
        names = await agency_names(uow)
        async with uow() as u:
            docs = await u.documents.search(text=q or None, organ=scope, date_from=start, date_to=end, limit=200)
        agencies = [] if organ_scope(user) else sorted(names.items(), key=lambda x: x[1])
        return render(
            request,
            "search.html",
            "Tra cứu",
            docs=docs,
            q=q,
            organ=organ,
            start=start,
            end=end,
            names=names,
            agencies=agencies,
        )

    @router.get("/register")
    async def register(
        request: Request, user: PageUser, organ: str = "", book: Book = Book.OUTGOING, year: int | None = None
    ) -> HTMLResponse:
        names = await agency_names(uow)
        organ = organ or organ_scope(user) or next(iter(sorted(names)), "")
        check_organ(user, organ)
        year = year or now().astimezone(VIETNAM).year
        rows = await book_rows(uow, organ, book, year)
        agencies = [(o, n) for o, n in sorted(names.items()) if organ_scope(user) in (None, o)]
        return render(
            request,
            "register.html",
            TITLES[book],
            book_title=TITLES[book],
            organ=organ,
            book=book.value,
            organ_name=names.get(organ, organ),
            year=year,
            rows=rows,
            columns=COLUMNS[book],
            agencies=agencies,
        )

    @router.get("/report")
    async def report(
        request: Request,
        user: PageUser,
        start: Annotated[date | None, Query(alias="from")] = None,
        end: Annotated[date | None, Query(alias="to")] = None,
    ) -> HTMLResponse:
        r = await period_report(bridge, user, start, end)
        return render(
            request,
            "report.html",
            "Báo cáo",
            r=r,
            start=r.start.isoformat(),
            end=r.end.isoformat(),
            breakdowns=_breakdowns(r.total),
            ratio=ratio,
        )

    @router.get("/audit")
    async def audit(request: Request, user: PageUser) -> HTMLResponse:
        if user.role is not Role.ADMIN:
            raise HTTPException(403, "Chỉ quản trị xem nhật ký kiểm toán")
        acc = bridge_access(bridge)
        return render(
            request, "audit.html", "Nhật ký", v=await acc.audit.verify(), entries=await acc.store.recent_audit(200)
        )

    return router


def install(app: Any, bridge: Any) -> None:
    """Routes plus the redirect to the login page for a page visited without a session."""
    app.include_router(web_router(bridge))

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/web/login", status_code=303)
