"""The inbound pipeline end to end, every check on: mails of UBND xã Tân Hòa, each with its own signed PDF (a
personal and an organisation signature; no two mails share bytes, so no cache hides work), DKIM-signed and
SPF-authorised against a local DNS server, into the edoc-bridge service running as its own process (`edoc-bridge
serve`: SQLite, clamd, pyHanko with the test root, completeness, PDF metadata, DKIM/SPF), relayed to the axis
simulator, receipts to an SMTP sink. Prints docs/s, p50/p95 SMTP-to-receipt latency and the service's RSS
(main process + its analysis processes: peak, and growth from the first to the last tenth of a paced run).

    .venv/bin/python bench/pipeline.py --mails 1000                 # burst: all at once over --connections
    .venv/bin/python bench/pipeline.py --rate 5 --duration 1800     # paced: 5 mails/s for 30 minutes

Signed PDFs are made once by a process pool and kept in var/bench-pdfs/ (one per document number), so a second
run starts at once; the first run of 9,000 takes a while.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.policy
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import aiosmtplib
import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mail.smtp_server import StoreResult  # noqa: E402
from tests.e2e.harness import DIRECTORY, free_port, simulator, wait_port  # noqa: E402
from tests.fixtures.clamd import ClamdServer, clamd_binary  # noqa: E402
from tests.fixtures.fake_dns import FakeDNS  # noqa: E402
from tests.fixtures.pki import write_crls  # noqa: E402
from tests.fixtures.smtp_sink import SmtpSink  # noqa: E402

SENDER, DOMAIN, SELECTOR = "vanthu@tanhoa.vinhlong.gov.vn", "tanhoa.vinhlong.gov.vn", "bench"
INTAKE, HUYEN = "vanban@edoc-bridge.local", "000.00.32.H61"
PDFS = ROOT / "var" / "bench-pdfs"


# --- inputs -----------------------------------------------------------------------------------------------------


def bench_signers() -> Any:
    """The test PKI and Tân Hòa's certificates, kept in var/bench-pdfs/pki.json: the PDFs made by one run (or one
    process of the pool) and the trust root and CRLs the service is given must come from the same PKI."""
    from dataclasses import fields, replace

    from cryptography import x509

    from tests.fixtures.pki import CertKeyPair, TestPki
    from tests.integration.pipeline.documents import Signers, signers

    store = PDFS / "pki.json"

    def dump(pair: CertKeyPair) -> dict[str, Any]:
        key = pair.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())  # fmt: skip
        return {"cert": pair.cert_pem.decode(), "key": key.decode(), "chain": [c.public_bytes(
            serialization.Encoding.PEM).decode() for c in pair.chain]}  # fmt: skip

    def load(data: dict[str, Any]) -> CertKeyPair:
        key = serialization.load_pem_private_key(data["key"].encode(), None)
        chain = tuple(x509.load_pem_x509_certificate(c.encode()) for c in data["chain"])
        return CertKeyPair(x509.load_pem_x509_certificate(data["cert"].encode()), key, chain)  # type: ignore[arg-type]

    if store.exists():
        data = json.loads(store.read_text("utf-8"))
        pki = replace(signers().pki, **{f.name: load(data["pki"][f.name]) for f in fields(TestPki)})
        return Signers(pki, load(data["tan_hoa"]), load(data["long_phuoc"]))
    made = signers()
    PDFS.mkdir(parents=True, exist_ok=True)
    data = {"pki": {f.name: dump(getattr(made.pki, f.name)) for f in fields(TestPki)},
            "tan_hoa": dump(made.tan_hoa), "long_phuoc": dump(made.long_phuoc)}  # fmt: skip
    store.write_text(json.dumps(data), "utf-8")
    return made


def _make_pdf(number: int) -> int:
    from tests.integration.pipeline.documents import tan_hoa_document

    path = PDFS / f"{number}.pdf"
    if not path.exists():
        pdf = tan_hoa_document(bench_signers(), number=f"{number}/QĐ-UBND", summary=f"V/v văn bản thử số {number}")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pdf)
        tmp.replace(path)
    return number


def ensure_pdfs(first: int, count: int, processes: int) -> None:
    PDFS.mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(first, first + count) if not (PDFS / f"{n}.pdf").exists()]
    if not missing:
        return
    print(f"making {len(missing)} signed PDFs in {PDFS} ({processes} processes)…", flush=True)
    started = time.monotonic()
    with ProcessPoolExecutor(processes) as pool:
        for done, _ in enumerate(pool.map(_make_pdf, missing, chunksize=8), 1):
            if done % 500 == 0:
                print(f"  {done}/{len(missing)} ({time.monotonic() - started:.0f} s)", flush=True)
    took = time.monotonic() - started
    print(f"made {len(missing)} PDFs in {took:.0f} s ({took / len(missing) * 1000:.0f} ms each, wall)", flush=True)


def mail(number: int, key: bytes) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = SENDER, INTAKE, f"Gửi văn bản {number}/QĐ-UBND"
    m["Message-ID"] = f"<bench-{number}-{time.time_ns()}@{DOMAIN}>"
    m.set_content(
        f"Số: {number}/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Văn bản thử số {number}\n"
        f"Người ký: Nguyễn Văn An\nChức vụ: Chủ tịch\nNơi nhận: {HUYEN}\n"
    )
    pdf = (PDFS / f"{number}.pdf").read_bytes()
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{number}-QD-UBND.pdf")
    raw = m.as_bytes(policy=email.policy.SMTP)
    signature = dkim.sign(raw, SELECTOR.encode(), DOMAIN.encode(), key, include_headers=[b"from", b"to", b"subject"])
    return bytes(signature) + raw


def dkim_key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    return private, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"


# --- the receipt sink -------------------------------------------------------------------------------------------


class TimedSink(SmtpSink):
    """Notes when each document's first receipt arrived (by the number in its subject); keeps no mail."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[int, float] = {}
        self.receipts = 0
        self.kinds: dict[str, int] = {}  # receipts by the first words of their subject
        self.changed = asyncio.Event()

    async def store(self, raw: bytes, *, envelope_from: str, recipients: list[str], peer: str) -> StoreResult:
        self.receipts += 1
        head = raw.split(b"\r\n\r\n", 1)[0]
        message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.default)
        subject = str(message["Subject"]).removeprefix("[edoc-bridge] ")
        kind = " ".join(subject.split()[:3])
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        for word in subject.split():
            number = word.split("/")[0]
            if word.endswith("/QĐ-UBND") and number.isdigit():
                self.arrived.setdefault(int(number), time.monotonic())
        self.changed.set()
        return StoreResult(duplicate=False, id=str(self.receipts))


# --- the service ------------------------------------------------------------------------------------------------


def config(tmp: Path, axis_url: str, sink_port: int, smtp_port: int, dns_port: int, clamd: ClamdServer | None,
           root: Path, crls: Path, workers: int) -> str:  # fmt: skip
    scan = (f"clamd_enabled = true\nclamd_host = \"{clamd.host}\"\nclamd_port = {clamd.port}\n" if clamd
            else "clamd_enabled = false\n")  # fmt: skip
    return f"""profile = "demo"
database_url = "sqlite+aiosqlite:///{tmp}/bridge.sqlite3"
blob_dir = "{tmp}/blobs"
directory_file = "{DIRECTORY}"
bridge_organ = "000.00.01.H61"
[smtp_in]
port = {smtp_port}
[smtp_out]
mode = "smtp"
port = {sink_port}
[api]
enabled = false
[axis]
base_url = "{axis_url}"
system_id = "edoc-bridge"
secret = "bridge-secret"
simulator = false
poll_interval = 1.0
[outbox]
workers = {workers}
[deliveries]
receipt_cap_per_day = 1000000
[checks]
{scan}trust_roots = ["{root}"]
intermediates = []
crl_dir = "{crls}"
sender_auth = true
dns_servers = ["127.0.0.1:{dns_port}"]
"""


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the analysis pool), KiB."""
    total = 0
    for p in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            for child in map(int, text):
                found += [child, *_children(child)]
    return found


# --- sending ----------------------------------------------------------------------------------------------------


async def send_burst(port: int, numbers: list[int], key: bytes, connections: int, sent: dict[int, float]) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in numbers:
        queue.put_nowait(n)

    async def connection() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=300)
        await client.connect()
        try:
            while not queue.empty():
                n = queue.get_nowait()
                raw = mail(n, key)
                sent[n] = time.monotonic()
                await client.sendmail(SENDER, [INTAKE], raw)
        finally:
            await client.quit()

    await asyncio.gather(*(connection() for _ in range(connections)))


async def send_paced(port: int, numbers: list[int], key: bytes, rate: float, sent: dict[int, float]) -> None:
    """One mail every 1/rate seconds on its own schedule (a slow answer does not delay the next mail)."""
    start = time.monotonic()

    async def one(n: int) -> None:
        raw = mail(n, key)
        sent[n] = time.monotonic()
        await aiosmtplib.send(raw, sender=SENDER, recipients=[INTAKE], hostname="127.0.0.1", port=port, timeout=300)

    tasks = []
    for i, n in enumerate(numbers):
        await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))  # the pace itself, not a wait for a result
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)


# --- the run ----------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    count = args.mails if not args.rate else int(args.rate * args.duration)
    numbers = list(range(args.first, args.first + count))
    bench_signers()  # made (and kept) before the pool starts, so every process signs with the same PKI
    ensure_pdfs(args.first, count, args.make_processes)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    pki = bench_signers().pki
    root = tmp / "root.pem"
    root.write_bytes(pki.root.cert_pem)
    crls = write_crls(pki, tmp / "crl")  # revocation is checked: the test CA's CRLs
    private, public = dkim_key()
    dns = FakeDNS().start()
    dns.set(f"{SELECTOR}._domainkey.{DOMAIN}", "TXT", [public])
    dns.set(DOMAIN, "TXT", ["v=spf1 ip4:127.0.0.1 -all"])
    clamd = ClamdServer(tmp / "clamd").start() if clamd_binary() else None
    sink, axis = await TimedSink().start(), simulator()
    await axis.start()
    smtp_port = free_port()
    cfg = tmp / "bridge.toml"
    cfg.write_text(config(tmp, axis.base_url, sink.port, smtp_port, dns.port, clamd, root, crls, args.workers), "utf-8")
    env = {**os.environ, "EDOC_CONFIG": str(cfg)}
    service = await asyncio.create_subprocess_exec(sys.executable, "-m", "bridge.cli", "serve", cwd=ROOT, env=env,
                                                   stdout=DEVNULL, stderr=DEVNULL)  # fmt: skip
    sent: dict[int, float] = {}
    samples: list[tuple[float, int]] = []
    try:
        await wait_port(smtp_port, within=120)
        sampler = asyncio.create_task(_sample(service.pid, samples))
        started = time.monotonic()
        if args.rate:
            await send_paced(smtp_port, numbers, private, args.rate, sent)
        else:
            await send_burst(smtp_port, numbers, private, args.connections, sent)
        smtp_done = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_all_arrived(sink, numbers), args.timeout)
        finished = max(sink.arrived.values(), default=time.monotonic())
        with contextlib.suppress(TimeoutError):  # the relays finish after the receipts: counted, not timed
            await asyncio.wait_for(_all_relayed(axis, len(numbers)), 120)
        sampler.cancel()
    finally:
        service.terminate()
        try:
            await asyncio.wait_for(service.wait(), 60)
        except TimeoutError:
            service.kill()
            await service.wait()
        await axis.stop()
        await sink.stop()
        dns.stop()
        if clamd is not None:
            clamd.stop()
    report(args, numbers, sent, sink, axis, started, smtp_done, finished, samples, clamd is not None)
    print(f"documents: {outcomes(tmp / 'bridge.sqlite3')}")


async def _all_arrived(sink: TimedSink, numbers: list[int]) -> None:
    want = set(numbers)
    while not want <= sink.arrived.keys():
        sink.changed.clear()
        await sink.changed.wait()


async def _all_relayed(axis: Any, n: int) -> None:
    while len(axis.packets()) < n:  # noqa: ASYNC110 - the simulator has no event to wait on
        await asyncio.sleep(0.2)


def outcomes(db: Path) -> dict[str, int]:
    """Documents by state, with the reasons of those not registered (read from the service's database)."""
    import sqlite3
    from collections import Counter

    found: Counter[str] = Counter()
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        for state, reasons in conn.execute("SELECT state, reasons FROM documents"):
            codes = sorted({r["code"] for r in json.loads(reasons)}) if state != "registered" else []
            found[state + (f" ({', '.join(codes)})" if codes else "")] += 1
    return dict(found)


async def _sample(pid: int, samples: list[tuple[float, int]]) -> None:
    while True:
        samples.append((time.monotonic(), rss_kib(pid)))
        await asyncio.sleep(1.0)  # a measurement interval


def report(args, numbers, sent, sink, axis, started, smtp_done, finished, samples, scanned) -> None:  # type: ignore[no-untyped-def]
    n = len(numbers)
    arrived = [k for k in numbers if k in sink.arrived]
    latencies = sorted(sink.arrived[k] - sent[k] for k in arrived)
    mode = (
        f"paced {args.rate:g}/s for {args.duration:g} s" if args.rate else f"burst over {args.connections} connections"
    )
    print(f"{n} mails ({mode}), each its own signed PDF; clamd={'on' if scanned else 'off'}, signatures, DKIM/SPF, "
          f"completeness on; workers={args.workers}")  # fmt: skip
    print(f"receipts: {len(arrived)}/{n} documents ({sink.receipts} receipt mails: {sink.kinds}); packets at the "
          f"axis: {len(axis.packets())}")  # fmt: skip
    print(f"SMTP: {n / (smtp_done - started):.1f} mails/s accepted")
    print(f"end to end: {len(arrived) / (finished - started):.2f} docs/s ({finished - started:.1f} s)")
    if latencies:
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        print(f"SMTP-to-receipt latency: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s, "
              f"max {latencies[-1]:.2f} s")  # fmt: skip
    if samples:
        peak = max(kib for _, kib in samples)
        tenth = max(1, len(samples) // 10)
        first, last = samples[:tenth], samples[-tenth:]
        early, late = statistics.mean(k for _, k in first), statistics.mean(k for _, k in last)
        print(f"service RSS (with analysis processes): peak {peak / 1024:.0f} MiB; first tenth {early / 1024:.0f} MiB, "
              f"last tenth {late / 1024:.0f} MiB ({(late - early) / early * 100:+.1f}%)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000, help="burst mode: how many mails")
    parser.add_argument("--rate", type=float, default=0.0, help="paced mode: mails per second (0 = burst)")
    parser.add_argument("--duration", type=float, default=1800.0, help="paced mode: seconds")
    parser.add_argument("--connections", type=int, default=8, help="burst mode: SMTP connections")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--first", type=int, default=1, help="number of the first document")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for the last receipt")
    parser.add_argument("--make-processes", type=int, default=max(1, (os.cpu_count() or 2)))
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
