"""Two processes' pollers of one mailbox on PostgreSQL, over a real Dovecot: when the leader's lease session
is terminated, it stops polling and the other takes over; no message is stored as new twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bridge.mailboxes import MailboxHealth, run_mailbox
from storage.engine import make_engine
from storage.locks import lock_key
from tests.fixtures.dovecot import ImapAccount
from tests.fixtures.settings import base_settings
from tests.integration.mail.test_imap import MemorySink, config, mail, until, until_flags

pytestmark = pytest.mark.dovecot


@dataclass
class ProcessSink:
    """One process's door to the shared store, remembering which UIDs this process handed in."""

    shared: MemorySink
    uids: list[int] = field(default_factory=list)

    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        self.uids.append(uid)
        return await self.shared.store_imap(raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        return await self.shared.last_uid(mailbox, uidvalidity)


@dataclass
class Process:
    engine: AsyncEngine
    health: MailboxHealth
    sink: ProcessSink
    stop: asyncio.Event
    task: asyncio.Task[None] | None = None


@pytest.fixture
async def processes(db_url: str) -> AsyncIterator[tuple[Process, Process]]:
    """Two bridge processes (own engine, own health) on one PostgreSQL database and one shared store."""
    shared, stop = MemorySink(), asyncio.Event()
    procs = [Process(make_engine(db_url), MailboxHealth("", ""), ProcessSink(shared), stop) for _ in range(2)]
    yield procs[0], procs[1]
    stop.set()
    for p in procs:
        if p.task is not None:
            await asyncio.wait_for(p.task, 10)
        await p.engine.dispose()


def start(p: Process, account: ImapAccount, lease_retry: float) -> None:
    settings = base_settings().imap.model_copy(
        update={"idle": True, "poll_interval": 0.5, "lease_retry": lease_retry, "lease_check": 0.3}
    )
    cfg = config(account)
    p.health.name = cfg.name
    p.task = asyncio.create_task(run_mailbox(p.engine, cfg, p.sink, settings, p.health, p.stop))


async def terminate_lease_session(engine: AsyncEngine, name: str) -> None:
    """What a server restart or a network cut does to the leader: its lock session is gone."""
    holders = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND ((classid::bigint << 32) | objid::bigint) = CAST(:k AS bigint)"
    )
    async with engine.connect() as conn:
        [pid] = (await conn.execute(holders, {"k": lock_key(name)})).scalars()
        assert (await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar()


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
async def test_leader_losing_its_lease_stops_and_the_other_takes_over(
    processes: tuple[Process, Process], imap_account: ImapAccount
) -> None:
    leader, other = processes
    # the leader retries slowly once it lost the lease, so the other (retrying fast) is the one to take over
    start(leader, imap_account, lease_retry=1.0)
    await until(lambda: leader.health.leader and bool(leader.health.poller and leader.health.poller.connected))
    start(other, imap_account, lease_retry=0.1)
    first = [imap_account.append(mail(n)) for n in (1, 2, 3)]
    await until(lambda: leader.sink.shared.new_calls == 3, what="first mails stored by the leader")
    await until_flags(imap_account, lambda f: all(r"\Seen" in f[u] for u in first), "\\Seen on the first mails")
    assert not other.health.leader and other.sink.uids == []

    await terminate_lease_session(other.engine, f"imap:{leader.health.name}")  # run_mailbox's lock name
    await until(lambda: other.health.leader, within=10, what="the other process takes the lease")
    await until(lambda: not leader.health.leader, within=10, what="the old leader steps down")
    assert leader.health.poller is not None
    await until(lambda: not leader.health.poller.connected, within=10, what="the old leader's IMAP session closed")

    handed_in_by_old_leader = list(leader.sink.uids)
    second = [await imap_account.append_async(mail(n)) for n in (4, 5, 6)]
    await until(lambda: leader.sink.shared.new_calls == 6, what="later mails stored by the new leader")
    await until_flags(imap_account, lambda f: all(r"\Seen" in f[u] for u in second), "\\Seen on the later mails")
    assert leader.sink.uids == handed_in_by_old_leader  # the old leader polls no more
    assert set(second) <= set(other.sink.uids)
    new = [uid for (_, uid, is_new, _) in leader.sink.shared.calls if is_new]
    assert sorted(new) == sorted(first + second)  # each message stored as new exactly once
    assert not leader.health.leader and other.health.leader
