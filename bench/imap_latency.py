"""IMAP intake latency: APPEND to a real Dovecot → the document registered by a running edoc-bridge.

    .venv/bin/python bench/imap_latency.py [--count 200] [--rate 5] [--database sqlite|postgresql]

Starts a private Dovecot, the axis simulator, an SMTP sink for receipts and the whole bridge (SQLite file or a
throwaway PostgreSQL) polling one mailbox with IDLE. APPENDs `count` document mails at `rate` per second (0: as
fast as possible), each with its own số/ký hiệu, and records for each the time from the end of its APPEND to
the moment its document row (registered or held) is visible in the database. Prints p50/p95/max (target p95
< 1.5 s) and the throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import email.policy
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from storage.engine import make_engine
from tests.e2e.harness import document_mail, settings_for, simulator, start_bridge
from tests.fixtures.dovecot import Dovecot, new_account
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.smtp_sink import SmtpSink


def mail(n: int, pdf: bytes) -> bytes:
    msg = document_mail(pdf, code=f"{n}/QĐ-UBND", subject=f"Về việc thử độ trễ nhận thư số {n}")
    msg["Message-ID"] = f"<bench-{n}-{time.time_ns()}@tanhoa.vinhlong.gov.vn>"
    return msg.as_bytes(policy=email.policy.SMTP)


async def database_url(kind: str, tmp: Path) -> tuple[str, object | None]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'bench.db'}", None
    from tests.fixtures.databases import pg_server

    server = pg_server()
    return await server.create_database(migrated=False), server


async def watch(url: str, appended: dict[str, float], seen: dict[str, float], stored: dict[str, float],
                total: int) -> None:  # fmt: skip
    """Poll the database: when each mail's inbound row (UID n = mail n) and its document appear."""
    engine = make_engine(url)
    docs, inbound = sa.text("SELECT code_number FROM documents"), sa.text("SELECT uid FROM inbound")
    try:
        while len(seen) < total:
            async with engine.connect() as conn:
                now = time.perf_counter()
                for (uid,) in await conn.execute(inbound):
                    stored.setdefault(str(uid), now)
                for (number,) in await conn.execute(docs):
                    if number in appended and number not in seen:
                        seen[number] = now
            await asyncio.sleep(0.01)
    finally:
        await engine.dispose()


async def main(count: int, rate: float, kind: str) -> None:
    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="edoc-imap-bench-"))
    dovecot = Dovecot().start()
    axis = simulator()
    await axis.start()
    sink = await SmtpSink().start()
    url, pg = await database_url(kind, tmp)
    account = new_account(dovecot)
    s = settings_for(url, tmp, axis.base_url, sink.port)
    s.imap.mailboxes = [{"name": "bench", "host": dovecot.host, "port": dovecot.imap_port, "tls": False,
                         "user": account.user, "password": account.password}]  # fmt: skip
    s.deliveries.receipt_cap_per_day = count + 10  # every held/accepted receipt goes out, as in normal traffic
    bridge = await start_bridge(s)
    pdf = make_official_pdf()
    appended: dict[str, float] = {}
    seen: dict[str, float] = {}
    stored: dict[str, float] = {}
    watcher = asyncio.create_task(watch(url, appended, seen, stored, count))
    started = time.perf_counter()
    try:
        for n in range(1, count + 1):
            raw = mail(n, pdf)
            await account.append_async(raw)
            appended[str(n)] = time.perf_counter()
            if rate > 0:
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        await asyncio.wait_for(watcher, 120)
        elapsed = time.perf_counter() - started
    finally:
        watcher.cancel()
        await bridge.shutdown()
        await sink.stop()
        await axis.stop()
        dovecot.cleanup()
        if pg is not None:
            await pg.drop_database(url)  # type: ignore[attr-defined]
    print(f"IMAP APPEND → registered, {count} mails at {rate or 'max'}/s, {kind}:")
    p95 = report("APPEND → document registered", sorted(seen[k] - appended[k] for k in appended))
    report("APPEND → stored (inbound row)", sorted(stored[k] - appended[k] for k in appended if k in stored))
    print(f"  {count / elapsed:.1f} mails/s overall; target p95 < 1500 ms: {'met' if p95 < 1.5 else 'NOT met'}")


def report(label: str, latencies: list[float]) -> float:
    q = statistics.quantiles(latencies, n=100)
    print(f"  {label:32} p50 {q[49] * 1000:5.0f} ms   p95 {q[94] * 1000:5.0f} ms   max {latencies[-1] * 1000:5.0f} ms")
    return q[94]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="APPENDs per second (0 = as fast as possible)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.rate, args.database))
