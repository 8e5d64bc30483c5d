"""Search over the register: filters, sorting, pages with the total, links, Vietnamese labels, CSV/XLSX export,
scope of a clerk, and a fixed number of queries per page whatever its size (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from core.document import ProcessingState
from tests.fixtures.console import add_many_documents
from tests.fixtures.dashboard import AGENCY_A, Seeded

SEEDED = 4  # documents of tests.fixtures.dashboard: a_registered, a_held (A), b_held, b_rejected (B)


def ids(page: str) -> list[str]:
    return re.findall(r'class="open" href="/web/documents/([^"]+)"', page)


def total(page: str) -> int:
    m = re.search(r"Tìm thấy ([\d.]+) văn bản", page)
    assert m, page
    return int(m.group(1).replace(".", ""))


async def test_filters_sorting_paging_and_labels(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    docs = await add_many_documents(seeded.bridge, 250)
    c = await client_for("giamsat")
    page = (await c.get("/web/search")).text
    assert total(page) == 250 + SEEDED and len(ids(page)) == 50 and "trang 1/6" in page
    assert ids(page)[:2] == ["m000000", "m000001"] and "m000060" not in ids(page)  # newest first
    assert "Đã vào sổ" in page and "Chờ văn thư duyệt" in page and ">held<" not in page and "None" not in page
    table = page.split('id="results"')[1]
    heads = [table.index(f">{h}") for h in ("Nhận lúc", "Trạng thái", "Độ khẩn", "Hạn xử lý")]
    assert heads == sorted(heads)  # the header order is the cells' order
    seen: list[str] = []
    for n in range(1, 7):
        seen += ids((await c.get("/web/search", params={"page": n})).text)
    assert len(seen) == len(set(seen)) == 250 + SEEDED
    want = {d.id for d in docs if d.state is ProcessingState.REJECTED and d.channel.value == "imap"}
    got = (await c.get("/web/search", params={"state": "rejected", "channel": "imap", "per": 100})).text
    assert set(ids(got)) == want and total(got) == len(want)
    got = (await c.get("/web/search", params={"type": "Kế hoạch", "urgency": "2", "direction": "outgoing"})).text
    expect = {d.id for d in docs if d.type_name == "Kế hoạch" and d.urgency == 2 and d.direction.value == "outgoing"}
    assert total(got) == len(expect)
    overdue = {d.id for d in docs if d.due_date and d.due_date < datetime.now(UTC).date() - timedelta(days=0)
               and d.state is ProcessingState.REGISTERED}  # fmt: skip
    got = (await c.get("/web/search", params={"overdue": "1", "per": 100})).text
    assert set(ids(got)) == overdue and overdue
    got = (await c.get("/web/search", params={"q": "chuyen doi so", "per": 100})).text
    assert set(ids(got)) >= {d.id for d in docs if "chuyển đổi số" in d.subject}
    day = (datetime.now(UTC) - timedelta(days=3)).astimezone().date().isoformat()
    got = (await c.get("/web/search", params={"from": day, "to": day, "per": 100})).text
    assert 20 <= total(got) <= 26
    asc = ids((await c.get("/web/search", params={"sort": "received", "desc": "0", "per": 25})).text)
    assert asc[0] == "m000249"
    by_code = (await c.get("/web/search", params={"sort": "code", "desc": "0", "organ": AGENCY_A})).text
    assert total(by_code) == 125 + 2
    assert (await c.get("/web/search", params={"state": "nope"})).status_code == 422
    assert (await c.get("/web/search", params={"page": "0"})).status_code == 422
    blank = {"state": "", "channel": "", "urgency": "", "from": "", "to": "", "overdue": "", "type": ""}
    assert (await c.get("/web/search", params=blank)).status_code == 200  # what an untouched form sends
    assert (await c.get("/web/search", params={"from": "2026-13-01"})).status_code == 422


async def test_a_clerk_searches_only_their_agency(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_many_documents(seeded.bridge, 40)
    c = await client_for("vanthu_b")
    page = (await c.get("/web/search", params={"organ": AGENCY_A, "per": 100})).text
    assert total(page) == 0  # the form's agency narrows the clerk's own scope, never widens it
    page = (await c.get("/web/search", params={"per": 100})).text
    assert total(page) == 20 + 2 and "m000000" not in ids(page) and "m000001" in ids(page)


async def test_export_of_the_filtered_result(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    docs = await add_many_documents(seeded.bridge, 60)
    c = await client_for("admin")
    r = await c.get("/web/search/export", params={"state": "held", "format": "csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    held = [d for d in docs if d.state is ProcessingState.HELD]
    assert rows[0][0] == "Số, ký hiệu" and len(rows) == 1 + len(held) + 2
    assert {row[7] for row in rows[1:]} == {"Chờ văn thư duyệt"}
    r = await c.get("/web/search/export", params={"type": "Báo cáo", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.max_row == 1 + sum(d.type_name == "Báo cáo" for d in docs)


async def test_one_page_costs_the_same_queries_whatever_its_size(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_many_documents(seeded.bridge, 120)
    c = await client_for("giamsat")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = seeded.bridge.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        sizes = []
        for per in (25, 100):
            statements.clear()
            assert len(ids((await c.get("/web/search", params={"per": per})).text)) == per
            sizes.append(len([s for s in statements if "documents" in s]))
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert sizes[0] == sizes[1] <= 4, sizes
