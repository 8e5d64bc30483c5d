"""Inbound pipeline end to end: N mails, each with a PDF signed by a person and by UBND xã Tân Hòa, through SMTP
into an in-process edoc-bridge (SQLite, axis simulator, receipt sink) with every check on: real clamd (when
installed), pyHanko with the test root, completeness, PDF metadata. Prints docs/s and SMTP-to-receipt latency.

    .venv/bin/python bench/pipeline.py [--mails 1000] [--connections 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import aiosmtplib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import settings_for, simulator, start_bridge  # noqa: E402
from tests.fixtures.clamd import ClamdServer, clamd_binary  # noqa: E402
from tests.fixtures.pki import write_crls  # noqa: E402
from tests.fixtures.smtp_sink import SmtpSink, StoreResult  # noqa: E402
from tests.integration.pipeline.documents import signers, tan_hoa_document  # noqa: E402

SENDER = "vanthu@tanhoa.vinhlong.gov.vn"


class TimedSink(SmtpSink):
    """Records when each receipt arrived, by the số/ký hiệu in its subject."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}
        self.changed = asyncio.Event()

    async def all_arrived(self, n: int) -> None:
        while len(self.arrived) < n:
            self.changed.clear()
            await self.changed.wait()

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        result = await super().store(raw, envelope_from=envelope_from, recipients=recipients, peer=peer)
        subject = str(self.messages[-1]["Subject"])
        for word in subject.split():
            if word.endswith("/QĐ-UBND") and word.split("/")[0].isdigit():
                self.arrived.setdefault(int(word.split("/")[0]), time.monotonic())
        self.changed.set()
        return result


def mail(i: int, pdf: bytes) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = SENDER, "vanban@edoc-bridge.local", f"Gửi văn bản {i}/QĐ-UBND"
    m["Message-ID"] = f"<bench-pipeline-{i}@tanhoa.vinhlong.gov.vn>"
    m.set_content(
        f"Số: {i}/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Văn bản thử số {i}\nNơi nhận: 000.00.32.H61\n"
    )
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{i}-QD-UBND.pdf")
    return m.as_bytes(policy=SMTP)


async def send_all(port: int, mails: dict[int, bytes], connections: int, sent: dict[int, float]) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in mails:
        queue.put_nowait(i)

    async def connection() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=120)
        await client.connect()
        try:
            while not queue.empty():
                i = queue.get_nowait()
                sent[i] = time.monotonic()
                await client.sendmail(SENDER, ["vanban@edoc-bridge.local"], mails[i])
        finally:
            await client.quit()

    await asyncio.gather(*(connection() for _ in range(connections)))


async def run(n: int, connections: int, workers: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    pdf = tan_hoa_document(signers())
    mails = {i: mail(i, pdf) for i in range(1, n + 1)}
    root = tmp / "root.pem"
    root.write_bytes(signers().pki.root.cert_pem)
    clamd = ClamdServer(tmp / "clamd").start() if clamd_binary() else None
    sink, axis = await TimedSink().start(), simulator()
    await axis.start()
    s = settings_for(f"sqlite+aiosqlite:///{tmp}/bridge.sqlite3", tmp, axis.base_url, sink.port)
    s.outbox.workers = workers
    s.deliveries.receipt_cap_per_day = n + 1  # every receipt is measured, none held back by the daily cap
    s.checks.trust_roots = [str(root)]
    s.checks.crl_dir = str(write_crls(signers().pki, tmp / "crl"))
    if clamd is not None:
        s.checks.clamd_enabled, s.checks.clamd_host, s.checks.clamd_port = True, clamd.host, clamd.port
    bridge = await start_bridge(s)
    sent: dict[int, float] = {}
    try:
        started = time.monotonic()
        await send_all(s.smtp_in.port, mails, connections, sent)
        smtp_done = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sink.all_arrived(n), 600)
        finished = max(sink.arrived.values(), default=time.monotonic())
    finally:
        await bridge.shutdown()
        await axis.stop()
        await sink.stop()
        if clamd is not None:
            clamd.stop()
    report(n, sent, sink, started, smtp_done, finished, clamd is not None, len(pdf), workers, connections)


def report(n, sent, sink, started, smtp_done, finished, scanned, pdf_size, workers, connections) -> None:  # type: ignore[no-untyped-def]
    latencies = sorted(sink.arrived[i] - sent[i] for i in sink.arrived)
    accepted = sum("Đã tiếp nhận và chuyển" in str(m["Subject"]) for m in sink.messages)
    print(f"{n} mails, signed PDF {pdf_size / 1024:.0f} KB, clamd={'on' if scanned else 'off'}, "
          f"workers={workers}, SMTP connections={connections}")  # fmt: skip
    print(f"receipts: {len(sink.arrived)}/{n} ({accepted} accepted)")
    print(f"SMTP ingest: {n / (smtp_done - started):.1f} mails/s")
    print(f"end to end: {len(sink.arrived) / (finished - started):.1f} docs/s ({finished - started:.1f} s)")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"SMTP-to-receipt latency: median {statistics.median(latencies):.2f} s, p95 {p95:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(run(args.mails, args.connections, args.workers))


if __name__ == "__main__":
    main()
