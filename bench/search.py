"""Register search at scale: N distinct documents (default 100,000) with recipients and status histories, on
SQLite and on a throwaway PostgreSQL, then the console's main queries — each one what a search page runs
(the count and one page of rows) — with different values every run. Prints p50/p95 per query and, as the
baseline in the same process, the repository's older `documents.search` + `count` for the same filters
where it has them (it loads whole documents). The load is followed by ANALYZE (PostgreSQL: VACUUM ANALYZE, the
state autovacuum keeps a table in); nothing is cached by the bridge, the databases' own page caches stay warm.

    .venv/bin/python bench/search.py [--docs 100000] [--runs 40] [--db both|sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from core.doc_code import DocCode  # noqa: E402
from core.doc_types import TYPES  # noqa: E402
from core.document import Direction, Document, ProcessingState  # noqa: E402
from core.inbound import Channel  # noqa: E402
from core.organ_id import OrganId  # noqa: E402
from core.register_search import SearchFilters, SearchOrder, SortKey  # noqa: E402
from core.urgency import Urgency  # noqa: E402
from storage.engine import make_engine  # noqa: E402
from storage.repos.document_rows import document_row, recipient_rows, search_text  # noqa: E402
from storage.search_index import refresh_open_due, word_rows  # noqa: E402
from storage.tables import agencies, document_recipients, document_words, documents, status_events  # noqa: E402
from storage.uow import SqlUnitOfWork  # noqa: E402
from tests.fixtures import databases  # noqa: E402

AGENCIES = [f"000.00.{i:02d}.H61" for i in range(1, 81)]
WORDS = [
    "chuyển đổi số", "phòng chống thiên tai", "tiếp công dân", "ngân sách", "đất đai", "giáo dục", "y tế",
    "giao thông", "nông thôn mới", "an ninh trật tự", "văn hóa", "thuế", "môi trường", "cải cách hành chính",
]  # fmt: skip
STATES = [ProcessingState.REGISTERED] * 8 + [ProcessingState.HELD, ProcessingState.REJECTED]
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BATCH = 5000


def make_document(i: int, rnd: random.Random) -> Document:
    type_name = rnd.choice(list(TYPES))
    sender = rnd.choice(AGENCIES)
    recipients = rnd.sample([a for a in AGENCIES if a != sender], rnd.choice([1, 1, 2, 3]))
    at = NOW - timedelta(minutes=i * 2 + rnd.randrange(2))  # ~ 140 days of traffic
    return Document(
        id=f"b{i:07d}", direction=Direction.OUTGOING if rnd.random() < 0.7 else Direction.INCOMING,
        channel=rnd.choice(list(Channel)), received_at=at, sender=OrganId(sender),
        recipients=[OrganId(r) for r in recipients],
        code=DocCode.parse(f"{i + 1}/{rnd.choice(['QĐ', 'KH', 'TB'])}-UBND"),
        issued_date=at.date(), type_name=type_name, subject=f"Về việc {rnd.choice(WORDS)} đợt {i % 97} năm 2026",
        urgency=Urgency(rnd.choice([0, 0, 0, 1, 2, 3])), state=rnd.choice(STATES),
        due_date=(at + timedelta(days=rnd.choice([3, 7, 15, 30]))).date() if rnd.random() < 0.5 else None,
    )  # fmt: skip


def status_rows(doc: Document, rnd: random.Random) -> list[dict[str, Any]]:
    if doc.state is not ProcessingState.REGISTERED:
        return []
    out = []
    for r in doc.recipients:
        codes = ["01", "03"] + (["06"] if rnd.random() < 0.6 else [])
        for n, code in enumerate(codes):
            at = doc.received_at + timedelta(hours=n)
            out.append({"document_id": doc.id, "organ_id": str(r), "code": code, "at": at, "actor": "",
                        "description": "", "source": ""})  # fmt: skip
    return out


async def fill(url: str, n: int) -> None:
    rnd = random.Random(20261202)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(sa.insert(agencies), [
            {"organ_id": a, "name": f"Cơ quan {i}", "emails": [], "served": True, "tax_codes": [],
             "cert_fingerprints": [], "sender_policy": "directory", "extra": {}} for i, a in enumerate(AGENCIES)
        ])  # fmt: skip
    for start in range(0, n, BATCH):
        docs = [make_document(i, rnd) for i in range(start, min(start + BATCH, n))]
        async with engine.begin() as conn:
            await conn.execute(sa.insert(documents), [document_row(d) for d in docs])
            await conn.execute(sa.insert(document_recipients), [r for d in docs for r in recipient_rows(d)])
            await conn.execute(sa.insert(document_words), [w for d in docs for w in word_rows(d.id, search_text(d))])
            statuses = [s for d in docs for s in status_rows(d, rnd)]
            if statuses:
                await conn.execute(sa.insert(status_events), statuses)
            await refresh_open_due(conn, [d.id for d in docs])  # what the repositories do on each write
    async with engine.connect() as conn:  # statistics; on PostgreSQL also the visibility map autovacuum keeps
        await conn.execution_options(isolation_level="AUTOCOMMIT")  # (index-only scans need it after a bulk load)
        await conn.execute(sa.text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    await engine.dispose()


def queries(rnd: random.Random) -> dict[str, Callable[[], tuple[SearchFilters, SearchOrder, int]]]:
    """name → a maker of (filters, order, page) with fresh values each call."""
    today = (NOW + timedelta(hours=7)).date()

    def day() -> date:
        return today - timedelta(days=rnd.randrange(1, 130))

    def q(**kw: Any) -> SearchFilters:
        return SearchFilters(today=today, **kw)

    def agency() -> str:
        return rnd.choice(AGENCIES)

    def dates() -> SearchFilters:
        d = day()
        return q(date_from=d, date_to=d + timedelta(days=rnd.randrange(1, 15)), channel=rnd.choice(list(Channel)))

    newest = SearchOrder()
    return {
        "trang đầu, không lọc": lambda: (q(), newest, 1),
        "một cơ quan + trạng thái": lambda: (q(organ=agency(), states=(rnd.choice(STATES),)), newest, 1),
        "văn thư (phạm vi) + loại": lambda: (q(scope=agency(), type_name=rnd.choice(list(TYPES)[:6])), newest, 1),
        "từ khóa": lambda: (q(text=f"{rnd.choice(WORDS).split()[-1]} {rnd.randrange(97)}"), newest, 1),
        "khoảng ngày + kênh": lambda: (dates(), newest, 1),
        "quá hạn + độ khẩn": lambda: (q(overdue=True, urgency=Urgency(rnd.randrange(4))), newest, 1),
        "sắp xếp theo trích yếu": lambda: (
            q(direction=rnd.choice(list(Direction))),
            SearchOrder(SortKey.SUBJECT, rnd.random() < 0.5),
            1,
        ),
        "trang sâu (trang 200–1900)": lambda: (q(), newest, rnd.randrange(200, 1900)),
    }


async def timed(fn: Callable[[], Awaitable[Any]]) -> float:
    t = time.perf_counter()
    await fn()
    return (time.perf_counter() - t) * 1000


def summary(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms"


async def measure(url: str, runs: int, per: int = 50) -> list[tuple[str, list[float], list[float]]]:
    engine = make_engine(url)
    rnd = random.Random(7)
    out = []
    try:
        for name, make in queries(rnd).items():
            mine, base = [], []
            for _ in range(runs):
                f, order, page = make()

                async def page_run(f: SearchFilters = f, order: SearchOrder = order, page: int = page) -> None:
                    async with SqlUnitOfWork(engine) as u:
                        await u.search.count(f)
                        await u.search.rows(f, order, per, (page - 1) * per)

                async def baseline(f: SearchFilters = f, page: int = page) -> None:
                    async with SqlUnitOfWork(engine) as u:
                        kw = dict(text=f.text or None, organ=f.organ or f.scope, state=f.states or None,
                                  date_from=f.date_from, date_to=f.date_to, direction=f.direction)  # fmt: skip
                        await u.documents.count(**kw)
                        await u.documents.search(**kw, limit=per, offset=(page - 1) * per)

                mine.append(await timed(page_run))
                if order.key is SortKey.RECEIVED and not (f.channel or f.type_name or f.urgency or f.overdue):
                    base.append(await timed(baseline))
            out.append((name, mine, base))
    finally:
        await engine.dispose()
    return out


async def run_one(kind: str, n: int, runs: int, folder: Path) -> None:
    if kind == "sqlite":
        url, drop = databases.fresh_sqlite_url(folder), None
    else:
        server, reason = databases.pg_server_or_reason()
        if server is None:
            print(f"PostgreSQL: không chạy được ({reason})")
            return
        url = await server.create_database()
        drop = server
    t = time.perf_counter()
    await fill(url, n)
    print(f"\n{kind}: {n:,} văn bản nạp trong {time.perf_counter() - t:.1f} s; {runs} lần mỗi truy vấn, 50 dòng/trang")
    worst = 0.0
    for name, mine, base in await measure(url, runs):
        worst = max(worst, sorted(mine)[max(0, round(0.95 * len(mine)) - 1)])
        line = f"  {name:<28} {summary(mine)}"
        if base:
            line += f"   | cũ (documents.search): {summary(base)}"
        print(line)
    print(f"  p95 lớn nhất: {worst:.1f} ms ({'đạt' if worst < 300 else 'KHÔNG đạt'} mục tiêu < 300 ms)")
    if drop is not None:
        await drop.drop_database(url)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=40)
    p.add_argument("--db", choices=["both", "sqlite", "postgresql"], default="both")
    a = p.parse_args()
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    with tempfile.TemporaryDirectory(prefix="edoc-bench-search-") as tmp:
        for kind in kinds:
            asyncio.run(run_one(kind, a.docs, a.runs, Path(tmp)))
    databases.stop_all()


if __name__ == "__main__":
    main()
