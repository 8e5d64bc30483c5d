"""Three bridge processes on one PostgreSQL and one SeaweedFS bucket (tests/e2e/cluster.py): DOCUMENTS mails of Tân Hòa
sent by real SMTP clients over several connections to each instance's SMTP port; half-way the leader (the instance
long-polling the Bot API, and so the axis poller too) is killed with SIGKILL, and its clients move to the others.
Every document is acknowledged (250) in the end, and each is registered once, relayed once (one packet at the
simulator, sent once) and answered once (one receipt Message-ID). After the kill a survivor takes the leader lease:
it polls the Bot API (and answers a message) and the axis (a packet for Tân Hòa is fetched, and in the end mailed)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from bridge.axis.sim_store import INITIAL
from bridge.axis.simulator import AxisSimulator
from storage.blobs_s3 import S3Location
from tests.e2e.axis_delivery_helpers import TAN_HOA, province_document, province_packet
from tests.e2e.cluster import (
    Cluster,
    Load,
    load_mails,
    packets_by_number,
    receipts_by_document,
    registered,
    send_load,
)
from tests.e2e.harness import TAN_HOA as TAN_HOA_CLERK
from tests.e2e.harness import simulator
from tests.fixtures.fake_bot_api import FakeBotApi
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.smtp_sink import SmtpSink

DOCUMENTS = 1000
INSTANCES = 3
CONNECTIONS = 2  # SMTP clients per instance
INTAKE = "vanban@edoc-bridge.local"
WITHIN = 900.0  # seconds: a bound on each wait, so a broken run fails instead of hanging CI


def _delivers(mail: EmailMessage, code: str) -> bool:
    """The delivery of the province's document `code` (no receipt of the load names that number)."""
    return code in mail.get_body(("plain",)).get_content()


def _fetched(sim: AxisSimulator, doc_id: str) -> bool:
    found = sim.packet(doc_id)
    return found is not None and found.status != INITIAL


async def _until(what: str, check: Callable[[], bool], every: float = 0.2) -> None:
    deadline = time.monotonic() + WITHIN
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(every)  # the next look; the cluster works meanwhile


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_three_instances_one_killed_every_document_once(
    db_url: str, s3_location: S3Location, tmp_path: Path, mail_sink: SmtpSink, fake_bot_api: FakeBotApi
) -> None:
    phases = {"begin": time.monotonic()}
    sim = simulator()
    await sim.start()
    mails = await asyncio.to_thread(load_mails, DOCUMENTS, "cluster")
    bot_url = f"http://127.0.0.1:{fake_bot_api.port}"
    cluster = Cluster(db_url, s3_location, tmp_path, sim.base_url, mail_sink.port, bot_url, INSTANCES)
    load = Load(mails)
    sending: asyncio.Future[None] | None = None
    try:
        phases["mails made"] = time.monotonic()
        await cluster.start()
        phases["instances up"] = time.monotonic()
        await _until("a leader polling the Bot API", lambda: bool(fake_bot_api.pollers))
        leader = cluster.by_token(fake_bot_api.pollers[-1])
        sending = asyncio.ensure_future(asyncio.to_thread(send_load, load, cluster.nodes, CONNECTIONS, TAN_HOA_CLERK,
                                                          INTAKE))  # fmt: skip
        await _until("half the mails acknowledged", lambda: len(load.acked) >= DOCUMENTS // 2, every=0.05)
        await cluster.kill(leader)
        phases["leader killed"] = time.monotonic()
        acked_at_kill, polls_at_kill = len(load.acked), len(fake_bot_api.pollers)

        # the bot: a survivor long-polls, and answers a message sent after the kill
        await _until("a survivor polling the Bot API", lambda: len(fake_bot_api.pollers) > polls_at_kill)
        assert {cluster.by_token(t).alive for t in fake_bot_api.pollers[polls_at_kill:]} == {True}
        phases["survivor polls"] = time.monotonic()
        fake_bot_api.inject_message(777001, "/help")
        await fake_bot_api.wait_call("sendMessage", chat_id=777001, within=WITHIN)
        phases["bot answered"] = time.monotonic()
        # the axis: a packet for a commune the bridge serves, put after the kill, is fetched (taken off the axis by
        # the new leader's poller; mailed to the commune through the shared outbox, after the load's jobs queued
        # before it: checked at the end)
        code = "7777/QĐ-UBND"  # no document of the load has this number
        [packet] = await sim.inject(province_packet(make_official_pdf(number=code), province_document(code=code)))
        await _until("the packet fetched by the new leader", lambda: _fetched(sim, packet))
        phases["axis packet fetched"] = time.monotonic()

        await asyncio.wait_for(sending, WITHIN)
        assert len(load.acked) == DOCUMENTS  # the clients of the dead instance went on elsewhere
        phases["all acknowledged"] = time.monotonic()
        await _until("every document relayed", lambda: len(sim.packets_for("000.00.32.H61")) >= DOCUMENTS, 0.5)
        phases["all relayed"] = time.monotonic()
        docs = await registered(db_url)  # registered before relayed: all of them by now
        doc_ids = {doc_id for ids in docs.values() for doc_id in ids}
        await _until("every document answered", lambda: doc_ids <= receipts_by_document(mail_sink).keys(), 0.5)
        phases["all answered"] = time.monotonic()
        await mail_sink.wait_for(lambda m: m["To"] == TAN_HOA.emails[0] and _delivers(m, code), timeout=WITHIN)
    finally:
        if sending is not None and not sending.done():
            for node in cluster.nodes:  # clients waiting on a hung instance end with it
                if node.alive:
                    await cluster.kill(node)
            await asyncio.wait([sending], timeout=120)
        await cluster.stop()
        cpu = cluster.cpu_seconds()
        await sim.stop()
    marks = list(phases.items())
    print("\ncluster phases (s):", ", ".join(f"{k} +{t - p:.1f}" for (_, p), (k, t) in itertools.pairwise(marks)),
          f"; CPU of the instances {cpu:.0f} s")  # fmt: skip
    assert 0 < acked_at_kill < DOCUMENTS and load.retried > 0  # the kill was mid-way and cut sessions

    numbers = set(mails)
    assert docs == await registered(db_url)  # nothing registered since
    assert set(docs) == numbers and {len(ids) for ids in docs.values()} == {1}  # registered once each
    assert packets_by_number(sim) == dict.fromkeys(numbers, 1)  # relayed once each …
    assert set(sim.send_counts().values()) == {1}  # … and never sent twice
    receipts = receipts_by_document(mail_sink)
    assert {len(receipts[doc_id]) for doc_id in doc_ids} == {1}  # answered once each (one receipt Message-ID)
