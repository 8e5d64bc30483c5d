"""Several edoc-bridge processes (`edoc-bridge serve -c …`, each its own SMTP port and bot token) on one PostgreSQL
and one S3 bucket (or one blob folder), with the axis simulator, the receipt sink and the fake Bot API in the
caller's process; and a load of document mails sent by real SMTP clients over several connections per instance, a
client moving to another instance when its own is gone (as a mail server retries the next MX). Used by
tests/e2e/test_cluster.py and bench/scale.py."""

from __future__ import annotations

import asyncio
import email.policy
import os
import random
import signal
import smtplib
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bridge.edxml import parse_edoc
from storage.blobs_s3 import S3Location
from storage.engine import make_engine
from storage.tables import documents, register_entries
from tests.e2e.harness import BRIDGE_SECRET, BRIDGE_SYSTEM, DIRECTORY, ROOT, document_mail, free_port, wait_port
from tests.fixtures.pdfs import make_official_pdf

HUYEN = "000.00.32.H61"  # the recipient of every document of the load (at the axis)
TAN_HOA = "000.20.32.H61"  # their sender


@dataclass
class Node:
    index: int
    config: Path
    smtp_port: int
    token: str
    process: asyncio.subprocess.Process | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None


def blobs_toml(blobs: Path, s3: S3Location | None) -> str:
    """One S3 bucket shared by every instance (SeaweedFS in the tests), or without one a shared local folder."""
    if s3 is None:
        return '[blobs]\nbackend = "local"\n'
    return f"""[blobs]
backend = "s3"
s3_endpoint = "{s3.endpoint}"
s3_bucket = "{s3.bucket}"
s3_region = "{s3.region}"
s3_access_key = "{s3.access_key}"
s3_secret_key = "{s3.secret_key}"
"""


def node_toml(db_url: str, blobs: Path, s3: S3Location | None, axis_url: str, sink_port: int, bot_url: str,
              node: Node) -> str:  # fmt: skip
    return f"""profile = "demo"
database_url = "{db_url}"
blob_dir = "{blobs}"
directory_file = "{DIRECTORY}"
bridge_organ = "000.00.01.H61"
{blobs_toml(blobs, s3)}[smtp_in]
port = {node.smtp_port}
[smtp_out]
mode = "smtp"
port = {sink_port}
[api]
enabled = false
[axis]
base_url = "{axis_url}"
system_id = "{BRIDGE_SYSTEM}"
secret = "{BRIDGE_SECRET}"
simulator = false
poll_interval = 0.2
[outbox]
initial_delay = 0.2
max_delay = 1.0
jitter = 0.1
idle_sleep = 0.05
lease = 3.0
heartbeat = 0.5
[deliveries]
receipt_cap_per_day = 1000000
[cluster]
lease_retry = 0.5
lease_check = 0.5
[bot]
enabled = true
token = "{node.token}"
base_url = "{bot_url}/bot"
base_file_url = "{bot_url}/file/bot"
poll_timeout = 1.0
[checks]
analysis_processes = -1
clamd_enabled = false
sender_auth = false
trust_roots = []
intermediates = []
signatures_unchecked = "accept"
"""


class Cluster:
    """`count` bridge processes; `start()`, `kill(node)` (SIGKILL), `stop()`."""

    def __init__(self, db_url: str, s3: S3Location | None, tmp: Path, axis_url: str, sink_port: int, bot_url: str,
                 count: int) -> None:  # fmt: skip
        self.db_url = db_url
        self.nodes: list[Node] = []
        blobs = tmp / "blobs"  # without S3: shared by every instance, as a mounted volume would be
        for i in range(1, count + 1):
            node = Node(i, tmp / f"bridge-{i}.toml", free_port(), f"10000{i}:CLUSTER-NODE-{i}")
            node.config.write_text(node_toml(db_url, blobs, s3, axis_url, sink_port, bot_url, node), encoding="utf-8")
            self.nodes.append(node)
        self.logs = [tmp / f"bridge-{n.index}.log" for n in self.nodes]
        self._ended_cpu = 0.0

    async def start(self, within: float = 120) -> None:
        for node, log in zip(self.nodes, self.logs, strict=True):
            out = log.open("ab")
            argv = [sys.executable, "-m", "bridge.cli", "serve", "-c", str(node.config)]
            node.process = await asyncio.create_subprocess_exec(*argv, cwd=ROOT, stdout=out, stderr=out)
            out.close()
        await asyncio.gather(*(wait_port(n.smtp_port, within=within) for n in self.nodes))

    def cpu_seconds(self) -> float:
        """CPU time used so far by the instances alive now and those already ended (Linux /proc)."""
        return self._ended_cpu + sum(_cpu(n.process.pid) for n in self.nodes if n.alive and n.process)

    async def kill(self, node: Node) -> None:
        assert node.process is not None
        self._ended_cpu += _cpu(node.process.pid)
        os.kill(node.process.pid, signal.SIGKILL)
        await node.process.wait()

    async def stop(self) -> None:
        self._ended_cpu = self.cpu_seconds()
        for node in self.nodes:
            if node.alive:
                assert node.process is not None
                node.process.terminate()
        for node in self.nodes:
            if node.process is not None:
                try:
                    await asyncio.wait_for(node.process.wait(), 30)
                except TimeoutError:
                    node.process.kill()
                    await node.process.wait()

    def by_token(self, token: str) -> Node:
        return next(n for n in self.nodes if n.token == token)


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the load ---------------------------------------------------------------------------------------------------


def load_mails(count: int, tag: str) -> dict[int, bytes]:
    """`count` distinct document mails of Tân Hòa to the huyện (a PDF of its own each), ready to send."""
    mails = {}
    for n in range(1, count + 1):
        msg: EmailMessage = document_mail(make_official_pdf(number=f"{n}/QĐ-UBND"), code=f"{n}/QĐ-UBND",
                                          recipients=HUYEN)  # fmt: skip
        msg["Message-ID"] = f"<{tag}-{n}@tanhoa.vinhlong.gov.vn>"
        mails[n] = msg.as_bytes(policy=email.policy.SMTP)
    return mails


@dataclass
class Load:
    """Mails handed out to client connections; `acked[n]` = when the 250 came, `sent[n]` = when the last try began."""

    mails: dict[int, bytes]
    sent: dict[int, float] = field(default_factory=dict)
    acked: dict[int, float] = field(default_factory=dict)
    retried: int = 0  # tries that failed (the instance died mid-session) and went to another instance
    _todo: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._todo = sorted(self.mails, reverse=True)

    def take(self) -> int | None:
        with self._lock:
            return self._todo.pop() if self._todo else None

    def give_back(self, n: int) -> None:
        with self._lock:
            self._todo.append(n)
            self.retried += 1


def send_load(load: Load, nodes: list[Node], connections: int, sender: str, intake: str) -> None:
    """`connections` SMTP clients per instance (threads), each sending until the load is empty; a client whose
    instance died gives its unanswered mail back and moves on to a live instance."""

    def client(home: Node) -> None:
        node = home
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", node.smtp_port, timeout=60) as smtp:
                    while (n := load.take()) is not None:
                        load.sent[n] = time.monotonic()
                        try:
                            smtp.sendmail(sender, [intake], load.mails[n])
                        except BaseException:
                            load.give_back(n)  # not acknowledged: sent again (the same bytes), maybe elsewhere
                            raise
                        load.acked[n] = time.monotonic()
                    return
            except (OSError, smtplib.SMTPException):
                live = [x for x in nodes if x.alive and x is not node] or [x for x in nodes if x.alive]
                if not live:
                    return
                node = random.choice(live)

    threads = [threading.Thread(target=client, args=(n,)) for n in nodes for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# --- what came out ----------------------------------------------------------------------------------------------


def packets_by_number(sim: Any) -> dict[int, int]:
    found: dict[int, int] = defaultdict(int)
    for packet in sim.packets_for(HUYEN):
        found[int(parse_edoc(packet.body).code.code_number)] += 1
    return dict(found)


def receipts_by_document(sink: Any) -> dict[str, set[str]]:
    """Receipt Message-IDs by document id (X-Edoc-Document), of the mails the sink took."""
    found: dict[str, set[str]] = defaultdict(set)
    for m in sink.messages:
        if m["X-Edoc-Document"]:
            found[str(m["X-Edoc-Document"])].add(str(m["Message-ID"]))
    return dict(found)


async def registered(db_url: str) -> dict[int, list[str]]:
    """The registered documents of Tân Hòa (the load), ids by their number: `number → [document id, …]`."""
    engine = make_engine(db_url)
    try:
        q = (
            sa.select(documents.c.code_number, documents.c.id)
            .select_from(documents.join(register_entries, register_entries.c.document_id == documents.c.id))
            .where(documents.c.state == "registered", documents.c.sender == TAN_HOA)
            .distinct()
        )
        async with engine.connect() as conn:
            rows = (await conn.execute(q)).all()
    finally:
        await engine.dispose()
    found: dict[int, list[str]] = defaultdict(list)
    for number, doc_id in rows:
        found[int(number)].append(doc_id)
    return dict(found)
