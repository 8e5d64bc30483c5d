"""The same load through 1, 2 and 3 edoc-bridge instances on this machine (one PostgreSQL, one SeaweedFS bucket
— or a shared blob folder without the `weed` binary — the axis simulator, a receipt sink and the fake Bot API in
this process; tests/e2e/cluster.py). Prints, for each: docs/s from the first mail sent to the last receipt, p50/p95
SMTP-to-receipt latency, and how many acknowledged documents were lost (no receipt or no packet in time) or
duplicated (more than one packet, or more than one receipt Message-ID).

    .venv/bin/python bench/scale.py --mails 300            # 1, 2, 3 instances, 2 SMTP connections each

The mails (each its own PDF, unsigned; e2e test profile: clamd and DKIM/SPF off, signatures not checked) are made
once and sent to every configuration; each configuration has a fresh database and bucket, so nothing is
deduplicated against an earlier run. The connections are spread over the instances' SMTP ports. On 2 cores expect
no speed-up: the point is that nothing is lost, duplicated or slowed by contention."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mail.smtp_server import StoreResult  # noqa: E402
from storage.blobs_s3 import S3Location  # noqa: E402
from tests.e2e.cluster import Cluster, Load, load_mails, packets_by_number, receipts_by_document, send_load  # noqa: E402
from tests.e2e.harness import TAN_HOA, simulator  # noqa: E402
from tests.fixtures import databases  # noqa: E402
from tests.fixtures.fake_bot_api import FakeBotApi  # noqa: E402
from tests.fixtures.seaweedfs import SeaweedFS, weed_binary  # noqa: E402
from tests.fixtures.smtp_sink import SmtpSink  # noqa: E402

INTAKE = "vanban@edoc-bridge.local"


class TimedSink(SmtpSink):
    """Keeps the receipts, and when the first one for each document number arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        result = await super().store(raw, envelope_from=envelope_from, recipients=recipients, peer=peer)
        for word in str(self.messages[-1]["Subject"]).split():
            number = word.split("/")[0]
            if word.endswith("/QĐ-UBND") and number.isdigit():
                self.arrived.setdefault(int(number), time.monotonic())
        return result


async def one_run(instances: int, mails: dict[int, bytes], args: argparse.Namespace, s3: SeaweedFS | None) -> str:
    server = await asyncio.to_thread(databases.pg_server)
    db_url = await server.create_database()
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{instances}-"))
    location = None
    if s3 is not None:
        location = S3Location(bucket=s3.new_bucket(), endpoint=s3.endpoint, region=s3.region,
                              access_key=s3.access_key, secret_key=s3.secret_key, timeout=60.0)  # fmt: skip
    sink, axis, bot = await TimedSink().start(), simulator(), FakeBotApi()
    await axis.start()
    await bot.start()
    cluster = Cluster(db_url, location, tmp, axis.base_url, sink.port, f"http://127.0.0.1:{bot.port}", instances)
    load = Load(mails)
    try:
        await cluster.start()
        started = time.monotonic()
        per_instance = max(1, args.connections // instances)
        await asyncio.to_thread(send_load, load, cluster.nodes, per_instance, TAN_HOA, INTAKE)
        smtp_done = time.monotonic()
        deadline = smtp_done + args.timeout

        def through() -> bool:
            relayed = len(axis.packets_for("000.00.32.H61")) >= len(load.acked)
            return (relayed and load.acked.keys() <= sink.arrived.keys()) or time.monotonic() > deadline

        while not through():  # noqa: ASYNC110 - the next look every 0.5 s; the instances work meanwhile
            await asyncio.sleep(0.5)
    finally:
        await cluster.stop()
        await axis.stop()
        await bot.stop()
        await sink.stop()
    packets = packets_by_number(axis)
    receipts = receipts_by_document(sink)
    acked = sorted(load.acked)
    answered = [n for n in acked if n in sink.arrived]
    lost = sum(1 for n in acked if n not in sink.arrived or n not in packets)
    duplicated = sum(1 for c in packets.values() if c > 1) + sum(1 for ids in receipts.values() if len(ids) > 1)
    latencies = sorted(sink.arrived[n] - load.sent[n] for n in answered)
    end = max(sink.arrived.values(), default=time.monotonic())
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))] if latencies else float("nan")
    p50 = statistics.median(latencies) if latencies else float("nan")
    await server.drop_database(db_url)
    return (
        f"{instances} instance{'s' if instances > 1 else ' '}: {len(answered) / (end - started):6.2f} docs/s "
        f"({len(answered)}/{len(mails)} answered in {end - started:.1f} s; "
        f"SMTP {len(acked) / (smtp_done - started):.1f} mails/s), latency p50 {p50:.2f} s, p95 {p95:.2f} s; "
        f"lost {lost}, duplicated {duplicated}"
    )


async def run(args: argparse.Namespace) -> None:
    print(f"making {args.mails} mails…", flush=True)
    mails = await asyncio.to_thread(load_mails, args.mails, f"scale-{time.time_ns()}")
    binary = weed_binary()
    s3 = SeaweedFS(Path(tempfile.mkdtemp(prefix="bench-scale-s3-")), binary=binary).start() if binary else None
    print(f"blobs: {'SeaweedFS (S3)' if s3 else 'a shared local folder (no weed binary)'}; PostgreSQL; "
          f"{args.connections} SMTP connections in all", flush=True)  # fmt: skip
    try:
        for instances in args.instances:
            print(await one_run(instances, mails, args, s3), flush=True)
    finally:
        if s3 is not None:
            s3.stop()
        databases.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--connections", type=int, default=6, help="SMTP connections in all, spread over instances")
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the last receipt")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
