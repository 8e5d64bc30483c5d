"""SMTP ingest: 1,000 mails with a ~50 KB PDF over 8 connections into (a) a bare aiosmtpd sink and
(b) edoc-bridge (SQLite, in its own process), then the time until every document is relayed to the axis.

    .venv/bin/python bench/smtp_ingest.py [--mails 1000] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from subprocess import DEVNULL, PIPE

import aiosmtplib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import (  # noqa: E402
    free_port,
    settings_for,
    settings_toml,
    simulator,
    wait_port,
)
from tests.fixtures.pdfs import make_official_pdf  # noqa: E402
from tests.fixtures.smtp_sink import SmtpSink  # noqa: E402

SINK_SERVER = """
import asyncio, sys
from aiosmtpd.smtp import SMTP
class H:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"
async def main():
    loop = asyncio.get_running_loop()
    factory = lambda: SMTP(H(), hostname="bench", data_size_limit=64 << 20)
    srv = await loop.create_server(factory, "127.0.0.1", int(sys.argv[1]))
    await srv.serve_forever()
asyncio.run(main())
"""


def mails(n: int, pdf: bytes) -> list[bytes]:
    out = []
    for i in range(1, n + 1):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "vanthu@tanhoa.vinhlong.gov.vn", "vanban@edoc-bridge.local", f"Văn bản {i}"
        m["Message-ID"] = f"<bench-{i}@tanhoa.vinhlong.gov.vn>"
        m.set_content(
            f"Số: {i}/QĐ-UBND\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: Văn bản thử số {i}\n"
            "Nơi nhận: 000.00.32.H61\n"
        )
        m.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{i}.pdf")
        out.append(m.as_bytes(policy=SMTP))
    return out


async def blast(port: int, raws: list[bytes], connections: int) -> float:
    chunks = [raws[i::connections] for i in range(connections)]

    async def one(chunk: list[bytes]) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=120)
        await client.connect()
        for raw in chunk:
            await client.sendmail("vanthu@tanhoa.vinhlong.gov.vn", ["vanban@edoc-bridge.local"], raw)
        await client.quit()

    start = time.perf_counter()
    await asyncio.gather(*(one(c) for c in chunks))
    return time.perf_counter() - start


async def client_process(port: int, batch: Path, connections: int) -> float:
    """The SMTP client runs in a process of its own for both servers, so that neither measurement shares
    the client's CPU with the axis simulator and receipt sink living in this process."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", str(port), str(batch), str(connections), stdout=PIPE
    )
    out, _ = await proc.communicate()
    if proc.returncode:
        raise SystemExit(f"SMTP client failed ({proc.returncode})")
    return float(out.decode().strip().splitlines()[-1])


def client_main(port: int, batch: Path, connections: int) -> None:
    raws = pickle.loads(batch.read_bytes())
    print(asyncio.run(blast(port, raws, connections)))


async def bare_sink(batch: Path, connections: int) -> float:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", SINK_SERVER, str(port))
    try:
        await wait_port(port)
        return await client_process(port, batch, connections)
    finally:
        proc.terminate()
        await proc.wait()


async def bridge(batch: Path, count: int, connections: int) -> tuple[float, float]:
    sim, sink = simulator(), SmtpSink()
    await sim.start()
    await sink.start()
    with tempfile.TemporaryDirectory() as tmp:
        s = settings_for(f"sqlite+aiosqlite:///{tmp}/bench.sqlite3", Path(tmp), sim.base_url, sink.port)
        s.outbox.initial_delay = 0.5
        cfg = Path(tmp) / "bench.toml"
        cfg.write_text(settings_toml(s), encoding="utf-8")
        env = {**os.environ, "EDOC_CONFIG": str(cfg)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bridge.cli", "serve", cwd=ROOT, env=env, stdout=DEVNULL, stderr=DEVNULL
        )
        try:
            await wait_port(s.smtp_in.port, within=60)
            start = time.perf_counter()
            accept = await client_process(s.smtp_in.port, batch, connections)
            while len(sim.packets_for("000.00.32.H61")) < count:
                if time.perf_counter() - start > 600:
                    raise SystemExit(f"only {len(sim.packets_for('000.00.32.H61'))} relayed after 600 s")
                await asyncio.sleep(0.1)
            relayed = time.perf_counter() - start
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)
            await sink.stop()
            await sim.stop()
    return accept, relayed


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mails", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=8)
    a = ap.parse_args()
    pdf = make_official_pdf(pages=5)
    raws = mails(a.mails, pdf)
    print(
        f"{a.mails} mails, PDF {len(pdf) / 1024:.1f} KiB, message {len(raws[0]) / 1024:.1f} KiB, "
        f"{a.connections} connections"
    )
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "mails.pickle"
        batch.write_bytes(pickle.dumps(raws))
        t_sink = await bare_sink(batch, a.connections)
        print(f"(a) bare aiosmtpd sink : {a.mails / t_sink:8.1f} msgs/s ({t_sink:.2f} s)")
        t_bridge, t_relayed = await bridge(batch, len(raws), a.connections)
    print(f"(b) edoc-bridge accept : {a.mails / t_bridge:8.1f} msgs/s ({t_bridge:.2f} s)")
    print(f"ratio bridge/sink      : {t_sink / t_bridge:8.2f}")
    print(f"all relayed to the axis: {t_relayed:8.2f} s after the first mail ({a.mails / t_relayed:.1f} docs/s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        raise SystemExit(0)
    asyncio.run(main())
