"""Exactly one relay and one receipt per document through SIGKILLs (SQLite and PostgreSQL): the service in a child
process kills itself right after the axis answered each sendEdoc and right after the sink's 250 for each receipt
(tests/e2e/crash_service.py); the test restarts it until every document is through. The axis simulator and the
SMTP sink live in the test's process. One packet per document at the simulator (and one sendEdoc per packet: the
restarted service asked getSentEdocList instead of sending again); one receipt per document by Message-ID."""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import os
import signal
import smtplib
import sys
import time
from collections import defaultdict
from email.message import EmailMessage
from pathlib import Path
from subprocess import DEVNULL, PIPE

from bridge.edxml import parse_edoc
from tests.e2e.harness import ROOT, document_mail, free_port, settings_for, simulator, wait_port
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.smtp_sink import SmtpSink

HUYEN = "000.00.32.H61"
DOCUMENTS = 11  # two kill points each: 22 kills per database


def config_toml(db_url: str, tmp: Path, axis_url: str, sink_port: int, smtp_port: int) -> str:
    s = settings_for(db_url, tmp, axis_url, sink_port)
    return f"""profile = "demo"
database_url = "{db_url}"
blob_dir = "{s.blob_dir}"
directory_file = "{s.directory_file}"
bridge_organ = "{s.bridge_organ}"
[smtp_in]
port = {smtp_port}
[smtp_out]
mode = "smtp"
port = {sink_port}
[api]
enabled = false
[axis]
base_url = "{axis_url}"
system_id = "{s.axis.system_id}"
secret = "{s.axis.secret.get_secret_value()}"
simulator = false
poll_interval = 0.2
[outbox]
initial_delay = 0.2
max_delay = 1.0
jitter = 0.1
idle_sleep = 0.05
lease = 1.0
heartbeat = 0.3
[checks]
analysis_processes = -1
clamd_enabled = false
sender_auth = false
trust_roots = []
intermediates = []
signatures_unchecked = "accept"
"""


async def test_killed_after_the_axis_answered_and_after_the_sinks_250(db_url: str, tmp_path: Path,
                                                                      mail_sink: SmtpSink) -> None:  # fmt: skip
    sim = simulator()
    await sim.start()
    smtp_port = free_port()
    config = tmp_path / "bridge.toml"
    config.write_text(config_toml(db_url, tmp_path, sim.base_url, mail_sink.port, smtp_port), encoding="utf-8")
    kills = tmp_path / "kills"
    kills.mkdir()
    from storage.migrate import upgrade

    await upgrade(db_url)
    mails = {n: document_mail(make_official_pdf(number=f"{n}/QĐ-UBND"), code=f"{n}/QĐ-UBND", recipients=HUYEN)
             for n in range(1, DOCUMENTS + 1)}  # fmt: skip
    for n, msg in mails.items():
        msg["Message-ID"] = f"<crash-{n}@tanhoa.vinhlong.gov.vn>"
    env = {**os.environ, "EDOC_CONFIG": str(config)}
    argv = [sys.executable, "-m", "tests.e2e.crash_service", str(config), str(kills)]
    forks = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env, stdin=PIPE, stdout=PIPE, stderr=DEVNULL)
    assert forks.stdin is not None and forks.stdout is not None
    restarts, acknowledged, service = 0, set[int](), 0
    deadline = time.monotonic() + 240
    try:
        while not _all_through(sim, mail_sink):
            assert time.monotonic() < deadline, f"not through after {restarts} restarts"
            forks.stdin.write(b"run\n")  # start the service
            service = int((await forks.stdout.readline()).split()[1])
            await wait_port(smtp_port, within=60)
            await _deliver_unacknowledged(smtp_port, mails, acknowledged)
            ended = asyncio.ensure_future(forks.stdout.readline())
            while not ended.done() and not _all_through(sim, mail_sink):
                assert time.monotonic() < deadline, f"not through after {restarts} restarts"
                await asyncio.wait({ended}, timeout=0.05)  # the service works; wake at its death or to look
            if not ended.done():
                break
            assert ended.result().split() == [b"ended", b"-9"], "the service ended by itself"
            service = 0
            restarts += 1
    finally:
        if service:  # through: the last service has nothing left to do (unless it has just killed itself)
            with contextlib.suppress(ProcessLookupError):
                os.kill(service, signal.SIGKILL)
        forks.stdin.close()
        await forks.wait()
        await sim.stop()
    # both kill points fired for every document (the very last one may be beaten by the test seeing all through)
    assert 2 * DOCUMENTS - 1 <= len(list(kills.iterdir())) <= 2 * DOCUMENTS and restarts >= 20
    by_code: dict[str, int] = defaultdict(int)
    for packet in sim.packets_for(HUYEN):
        by_code[parse_edoc(packet.body).code.code_number] += 1
    assert by_code == {str(n): 1 for n in mails}  # one packet per document
    assert set(sim.send_counts().values()) == {1}  # and never sent twice: the axis was asked first
    receipts: dict[str, set[str]] = defaultdict(set)
    for m in mail_sink.messages:
        receipts[str(m["X-Edoc-Document"])].add(str(m["Message-ID"]))
    assert len(receipts) == DOCUMENTS and all(len(ids) == 1 for ids in receipts.values())


async def _deliver_unacknowledged(port: int, mails: dict[int, EmailMessage], acknowledged: set[int]) -> None:
    """Send every mail not yet answered 250 (a client retrying after the server vanished mid-session)."""

    def send() -> None:
        for n, msg in mails.items():
            if n in acknowledged:
                continue
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
                    s.sendmail(msg["From"], [msg["To"]], msg.as_bytes(policy=email.policy.SMTP))
                acknowledged.add(n)
            except (OSError, smtplib.SMTPException):
                return  # killed meanwhile: the rest after the restart

    await asyncio.to_thread(send)


def _all_through(sim, sink: SmtpSink) -> bool:  # type: ignore[no-untyped-def]
    return (
        len(sim.packets_for(HUYEN)) >= DOCUMENTS
        and len({str(m["X-Edoc-Document"]) for m in sink.messages}) >= DOCUMENTS
    )
