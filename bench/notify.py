"""Registration → chat notification latency: N documents registered for a served agency (sổ đến + status 01,
as the axis intake writes them), the running bridge's sweep + outbox workers send them through PTB to the
fake Bot API. Prints p50/p95/max of registration-commit → sendMessage received (target p95 < 1 s).

    .venv/bin/python bench/notify.py [--n 500] [--rate 50] [--db sqlite|postgresql] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge.bootstrap import build
from bridge.services.officials import create_official, link_chat
from core.document import Book, Direction, Document
from core.inbound import Channel
from core.organ_id import OrganId
from core.status import StatusCode, StatusEvent
from tests.e2e.harness import settings_for
from tests.fixtures.databases import fresh_database_url
from tests.fixtures.fake_bot_api import FakeBotApi

TAN_HOA, PROVINCE = "000.20.32.H61", "000.00.00.H61"


async def register(uow, n: int) -> str:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    doc = Document(
        id=uuid.uuid4().hex, direction=Direction.INCOMING, channel=Channel.AXIS, received_at=now,
        sender=OrganId.parse(PROVINCE), recipients=[OrganId.parse(TAN_HOA)], type_name="Công văn",
        subject=f"Văn bản thử số {n} — BENCH{n:05d}",
    )  # fmt: skip
    await uow.documents.add(doc)
    await uow.register.next_entry(TAN_HOA, Book.INCOMING, doc.id, now)
    await uow.statuses.add(doc.id, TAN_HOA, StatusEvent(StatusCode.ARRIVED, now, "system"), "axis")
    return doc.id


async def main(n: int, rate: float, db: str, workers: int) -> None:
    fake = FakeBotApi()
    await fake.start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    s = settings_for(await fresh_database_url(db), tmp, "http://127.0.0.1:9", 9)  # type: ignore[arg-type]
    s.smtp_in.enabled, s.api.enabled = False, False
    s.bot.enabled, s.bot.token, s.bot.poll_timeout = True, "123456:BENCH", 1
    s.bot.base_url, s.bot.base_file_url, s.bot.digest_times = fake.base_url, fake.base_file_url, []
    s.axis.poll_interval, s.outbox.workers = 3600, workers
    running = await start_bridge_no_api(s)
    side = await build(s)
    made = await create_official(side.deps, "Văn thư", TAN_HOA, "văn thư")
    await link_chat(side.deps, "101", made.code)
    committed: dict[int, float] = {}
    start = time.monotonic()
    for i in range(n):
        async with side.deps.uow() as uow:
            await register(uow, i)
            await uow.commit()
        committed[i] = time.monotonic()
        if rate > 0:  # 0: all at once (a burst; real Telegram would cap it at ~30 messages/s per bot)
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 60
    while len(fake.calls_of("sendMessage", 101)) < n and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    got = {}
    for method, params, at in fake.calls:
        if method == "sendMessage" and "BENCH" in params.get("text", ""):
            got[int(params["text"].split("BENCH")[1][:5])] = at
    lat = sorted(got[i] - committed[i] for i in got)
    q = statistics.quantiles(lat, n=100)
    print(f"db={db} registrations={n} rate={rate}/s notified={len(got)} workers={s.outbox.workers}")
    print(f"registration→sendMessage p50={q[49] * 1000:.0f} ms p95={q[94] * 1000:.0f} ms max={lat[-1] * 1000:.0f} ms")
    await side.close()
    await running.shutdown()
    await fake.stop()


async def start_bridge_no_api(s):  # type: ignore[no-untyped-def]
    from bridge.service import run
    from storage.migrate import upgrade

    await upgrade(s.database_url)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(s, stop, ready=ready))
    await asyncio.wait_for(ready.wait(), 30)

    class Running:
        async def shutdown(self) -> None:
            stop.set()
            await asyncio.wait_for(task, 30)

    return Running()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--rate", type=float, default=50.0, help="registrations per second; 0 = all at once")
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--workers", type=int, default=4)
    a = ap.parse_args()
    asyncio.run(main(a.n, a.rate, a.db, a.workers))
