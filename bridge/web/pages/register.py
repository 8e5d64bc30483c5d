"""Sổ đến / sổ đi of one agency and year."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bridge.api.auth import check_organ, organ_scope
from bridge.reports.dashboard import agency_names
from bridge.reports.facts import VIETNAM
from bridge.reports.register_book import COLUMNS, TITLES, book_rows
from bridge.web.common import PageUser, render
from core.document import Book


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web", include_in_schema=False)
    uow = bridge.deps.uow

    @r.get("/register")
    async def register(
        request: Request, user: PageUser, organ: str = "", book: Book = Book.OUTGOING, year: int | None = None
    ) -> HTMLResponse:
        names = await agency_names(uow)
        organ = organ or organ_scope(user) or next(iter(sorted(names)), "")
        check_organ(user, organ)
        year = year or bridge.deps.clock.now().astimezone(VIETNAM).year
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

    return r
