"""MailboxPoller against a real Dovecot: delivery to the sink before \\Seen, IDLE, restarts, UIDVALIDITY, TLS."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import statistics
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from mail.imap_poller import Backoff, MailboxConfig, MailboxPoller
from tests.fixtures.dovecot import Dovecot, ImapAccount, new_account

pytestmark = pytest.mark.dovecot

FAST = Backoff(initial=0.05, factor=2.0, maximum=0.3, jitter=0.0)
PROCESSED = "Đã xử lý"


def mail(n: int, marker: str = "") -> bytes:
    return (
        f"From: =?utf-8?q?V=C4=83n_th=C6=B0?= <vanthu@xa-a.gov.vn>\r\nTo: vanthu@huyen-b.gov.vn\r\n"
        f"Subject: Cong van so {n}/UBND {marker}\r\nMessage-ID: <{n}.{marker or 'ok'}@xa-a.gov.vn>\r\n"
        f"Date: Wed, 26 Nov 2025 09:00:00 +0700\r\n\r\nNoi dung van ban {n} {marker}\r\n"
    ).encode()


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class MemorySink:
    """Idempotent on (mailbox, uidvalidity, uid) and on the message hash, like the real inbound store."""

    keys: dict[tuple[str, int, int], str] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[int, int, bool, float]] = field(default_factory=list)  # validity, uid, new, loop time
    fail_marker: bytes | None = None
    before_store: Callable[[int], Awaitable[None]] | None = None

    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        if self.before_store is not None:
            await self.before_store(uid)
        if self.fail_marker is not None and self.fail_marker in raw:
            raise RuntimeError("kho lưu trữ tạm thời lỗi")
        key, h = (mailbox, uidvalidity, uid), digest(raw)
        new = key not in self.keys and h not in self.bodies
        self.keys[key] = h
        self.bodies.setdefault(h, raw)
        self.calls.append((uidvalidity, uid, new, asyncio.get_running_loop().time()))
        return new

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None:
        uids = [uid for (m, v, uid) in self.keys if (m, v) == (mailbox, uidvalidity)]
        return max(uids) if uids else None

    @property
    def new_calls(self) -> int:
        return sum(1 for call in self.calls if call[2])


async def until(predicate: Callable[[], bool], within: float = 15.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def until_flags(account: ImapAccount, check: Callable[[dict[int, set[str]]], bool], what: str) -> None:
    for _ in range(300):
        if check(await account.flags_async()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {await account.flags_async()}")


def config(account: ImapAccount, *, tls: bool = False, **kwargs: object) -> MailboxConfig:
    server = account.server
    return MailboxConfig(
        name=f"imap:{account.user}",
        host=server.host,
        port=server.imaps_port if tls else server.imap_port,
        user=account.user,
        password=account.password,
        tls=tls,
        **kwargs,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def running(poller: MailboxPoller) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(poller.run(stop))
    try:
        yield task
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, 10)


async def test_stored_before_seen_and_raw_bytes_intact(imap_account: ImapAccount) -> None:
    old = imap_account.append(mail(0), flags=r"\Seen")  # read by a person before the bridge existed
    raws = [mail(1), mail(2)]
    uids = [imap_account.append(raw) for raw in raws]
    flags_during_store: dict[int, set[str]] = {}

    async def look_at_server(uid: int) -> None:
        flags_during_store[uid] = (await imap_account.flags_async())[uid]

    sink = MemorySink(before_store=look_at_server)
    poller = MailboxPoller(config(imap_account), sink, backoff=FAST)
    async with running(poller):
        await until(lambda: sink.new_calls == 2, what="two messages stored")
        await until_flags(imap_account, lambda f: all(r"\Seen" in f[u] for u in uids), "\\Seen on both")
    assert sorted(sink.bodies.values()) == sorted(raws)  # byte for byte
    assert all(r"\Seen" not in flags for flags in flags_during_store.values())
    assert sorted(flags_during_store) == uids
    assert old not in {uid for (_, uid, _, _) in sink.calls}  # first contact does not replay read history
    assert (poller.stored, poller.duplicates, poller.healthy()) == (2, 0, True)
    assert poller.last_success is not None and poller.uidvalidity == imap_account.server.uidvalidity(imap_account.user)


async def test_failing_message_stays_unseen_and_others_go_on(imap_account: ImapAccount) -> None:
    good1 = imap_account.append(mail(1))
    bad = imap_account.append(mail(2, "POISON"))
    good2 = imap_account.append(mail(3))
    sink = MemorySink(fail_marker=b"POISON")
    poller = MailboxPoller(config(imap_account), sink, backoff=Backoff(initial=0.3, maximum=0.3, jitter=0.0))
    async with running(poller):
        await until(lambda: sink.new_calls == 2, what="the good messages")
        flags = await imap_account.flags_async()
        await until_flags(imap_account, lambda f: r"\Seen" in f[good1] and r"\Seen" in f[good2], "good seen")
        assert r"\Seen" not in (await imap_account.flags_async())[bad]
        assert poller.message_failures >= 1 and poller.failing_messages == 1
        assert "UID" in (poller.last_error or "") and poller.healthy()

        sink.fail_marker = None  # storage works again: the retry goes through without any new mail
        await until(lambda: sink.new_calls == 3, what="the retried message")
        await until_flags(imap_account, lambda f: r"\Seen" in f[bad], "\\Seen on the retried message")
    assert poller.failing_messages == 0
    assert [uid for (_, uid, new, _) in sink.calls if new] == [good1, good2, bad]
    assert set(flags) == {good1, bad, good2}


async def test_idle_push_latency(imap_account: ImapAccount) -> None:
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account), sink, idle=True, poll_interval=3600, idle_timeout=3600)
    latencies: list[float] = []
    async with running(poller):
        await until(lambda: poller.last_success is not None, what="first sync")
        await asyncio.sleep(0.2)  # now in IDLE: only a server push can wake the poller (no polling, no timeout)
        for n in range(5):
            started = asyncio.get_running_loop().time()
            await imap_account.append_async(mail(n))
            await until(lambda n=n: sink.new_calls == n + 1, what=f"message {n} via IDLE")
            latencies.append(sink.calls[-1][3] - started)
    print(
        f"\nIDLE push latency APPEND→sink over {len(latencies)} messages: "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    assert sink.new_calls == 5


async def test_crash_mid_stream_loses_and_duplicates_nothing(imap_account: ImapAccount) -> None:
    raws = [mail(n) for n in range(20)]
    for raw in raws:
        imap_account.append(raw)

    class CrashingSink(MemorySink):
        """Dies right after durably storing the 7th message: before the poller could set \\Seen."""

        async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
            new = await super().store_imap(raw, mailbox=mailbox, uidvalidity=uidvalidity, uid=uid)
            if len(self.calls) == 7:
                raise asyncio.CancelledError  # the process is killed here
            return new

    sink = CrashingSink()
    crashed = asyncio.create_task(MailboxPoller(config(imap_account), sink, backoff=FAST).run(asyncio.Event()))
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(crashed, 15)
    assert sink.new_calls == 7
    seventh = sink.calls[-1][1]
    assert r"\Seen" not in (await imap_account.flags_async())[seventh]
    more = [mail(n) for n in range(20, 30)]
    for raw in more:
        imap_account.append(raw)

    restarted = MemorySink(keys=sink.keys, bodies=sink.bodies)  # same durable store, a new process
    second = MailboxPoller(config(imap_account), restarted, backoff=FAST)
    async with running(second):
        await until(lambda: len(restarted.keys) == 30, what="all 30 messages")
        await until_flags(imap_account, lambda f: all(r"\Seen" in x for x in f.values()), "all seen")
    assert set(restarted.bodies) == {digest(raw) for raw in raws + more}
    assert [uid for (_, uid, new, _) in restarted.calls if not new] == [seventh]  # acknowledged, not re-stored
    assert restarted.new_calls == 23 and second.duplicates == 1


async def test_uidvalidity_change_resyncs_without_loss(private_dovecot: Dovecot) -> None:
    account = new_account(private_dovecot)
    first = [mail(n) for n in range(3)]
    uids = [account.append(raw) for raw in first]
    sink = MemorySink()
    poller = MailboxPoller(config(account), sink, backoff=FAST, idle_timeout=3600)
    async with running(poller):
        await until(lambda: sink.new_calls == 3, what="the first three")
        await until_flags(account, lambda f: all(r"\Seen" in x for x in f.values()), "all seen")
        old_validity = poller.uidvalidity
        # stored, but the \Seen was lost (a crash between sink and STORE)
        await asyncio.to_thread(private_dovecot.set_flags, account.user, uids[2], r"\Seen", add=False)
        new_validity = await asyncio.to_thread(private_dovecot.change_uidvalidity, account.user)
        later = [mail(n) for n in range(3, 5)]
        for raw in later:
            await account.append_async(raw)
        await until(lambda: sink.new_calls == 5, what="the two new messages under the new UIDVALIDITY")
        await until(lambda: len(sink.calls) == 6, what="the unflagged one seen again")
        await until_flags(account, lambda f: len(f) == 5 and all(r"\Seen" in x for x in f.values()), "all seen")
    assert poller.uidvalidity == new_validity != old_validity
    assert set(sink.bodies) == {digest(raw) for raw in first + later}
    replayed = [call for call in sink.calls if not call[2]]
    assert len(replayed) == 1 and replayed[0][0] == new_validity  # recognised by its hash
    assert poller.healthy() and poller.consecutive_failures == 0


async def test_reconnects_after_dovecot_restart(private_dovecot: Dovecot) -> None:
    account = new_account(private_dovecot)
    account.append(mail(1))
    sink = MemorySink()
    poller = MailboxPoller(config(account), sink, backoff=Backoff(initial=0.05, maximum=0.2, jitter=0.0))
    async with running(poller):
        await until(lambda: sink.new_calls == 1 and poller.connected, what="first message")
        await asyncio.to_thread(private_dovecot.stop)
        await until(lambda: poller.consecutive_failures >= 3, what="failed reconnects")
        assert not poller.healthy(3) and not poller.connected
        assert poller.last_error
        started = asyncio.get_running_loop().time()
        await asyncio.to_thread(private_dovecot.start)
        await until(lambda: poller.connected and poller.consecutive_failures == 0, what="reconnect")
        reconnect = asyncio.get_running_loop().time() - started
        await account.append_async(mail(2))
        await until(lambda: sink.new_calls == 2, what="mail after the restart")
    assert poller.healthy()
    print(f"\nreconnect after Dovecot restart: {reconnect * 1000:.0f} ms (backoff cap 200 ms)")


async def test_implicit_tls_with_verified_self_signed_certificate(imap_account: ImapAccount) -> None:
    raw = mail(1)
    imap_account.append(raw)
    sink = MemorySink()
    trusted = config(imap_account, tls=True, ssl_context=imap_account.server.client_ssl_context())
    poller = MailboxPoller(trusted, sink, backoff=FAST)
    async with running(poller):
        await until(lambda: sink.new_calls == 1, what="message over IMAPS")
    assert list(sink.bodies.values()) == [raw]


async def test_untrusted_certificate_is_refused(imap_account: ImapAccount) -> None:
    imap_account.append(mail(1))
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account, tls=True), sink, backoff=FAST)  # system trust store only
    async with running(poller):
        await until(lambda: poller.consecutive_failures >= 2, what="TLS failures")
    assert "CERTIFICATE_VERIFY_FAILED" in (poller.last_error or "")
    assert sink.calls == [] and not poller.healthy(2)


async def test_polling_fallback_without_idle(imap_account: ImapAccount) -> None:
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account), sink, idle=False, poll_interval=0.2)
    async with running(poller):
        await until(lambda: poller.last_success is not None, what="first poll")
        for n in range(3):
            await imap_account.append_async(mail(n))
        await until(lambda: sink.new_calls == 3, what="three polled messages")
        await until_flags(imap_account, lambda f: all(r"\Seen" in x for x in f.values()), "all seen")


async def test_processed_messages_move_to_a_vietnamese_folder(imap_account: ImapAccount) -> None:
    raws = [mail(1), mail(2)]
    for raw in raws:
        imap_account.append(raw)
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account, processed_folder=PROCESSED), sink, backoff=FAST)
    async with running(poller):
        await until(lambda: sink.new_calls == 2, what="both messages")
        await until_flags(imap_account, lambda f: f == {}, "an empty INBOX")
    assert len(await asyncio.to_thread(imap_account.flags, PROCESSED)) == 2


async def test_poll_once_does_not_refetch_the_last_message(imap_account: ImapAccount) -> None:
    for n in range(2):
        imap_account.append(mail(n))
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account), sink)
    await poller.poll_once()
    assert sink.new_calls == 2
    await poller.poll_once()  # `UID 3:*` matches UID 2 when nothing is newer: must not fetch it again
    assert len(sink.calls) == 2
    read_by_someone = imap_account.append(mail(9), flags=r"\Seen")
    await poller.poll_once()  # above the last stored UID: delivered although already \Seen
    assert [call[1] for call in sink.calls] == [1, 2, read_by_someone]


async def test_idle_is_reissued_before_it_times_out(imap_account: ImapAccount) -> None:
    sink = MemorySink()
    poller = MailboxPoller(config(imap_account), sink, idle_timeout=0.3, poll_interval=3600)
    async with running(poller):
        await until(lambda: poller.last_success is not None, what="first sync")
        first = poller.last_success
        await asyncio.sleep(1.0)  # no mail: only the IDLE renewal (DONE, resync, IDLE) moves last_success
        assert poller.last_success is not None and first is not None and poller.last_success > first
        assert poller.connected and poller.consecutive_failures == 0
        await imap_account.append_async(mail(1))
        await until(lambda: sink.new_calls == 1, what="mail after several IDLE renewals")


async def test_mail_arriving_during_a_sync_is_not_left_for_the_next_idle_renewal(
    imap_account: ImapAccount,
) -> None:
    imap_account.append(mail(1))

    async def append_while_storing(uid: int) -> None:
        if uid == 1:  # its EXISTS reaches the poller in the reply to UID STORE, not during IDLE
            await imap_account.append_async(mail(2))
            await asyncio.sleep(0.7)  # past Dovecot's ~0.5 s new-mail notification delay

    sink = MemorySink(before_store=append_while_storing)
    poller = MailboxPoller(config(imap_account), sink, idle_timeout=3600, poll_interval=3600)
    async with running(poller):
        await until(lambda: sink.new_calls == 2, within=10, what="the message appended during the sync")
