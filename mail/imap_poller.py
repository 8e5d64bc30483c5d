"""Poll an official public mailbox over IMAP (aioimaplib) and hand every new message to a durable sink.

One `MailboxPoller` per mailbox runs one loop, so polls of a mailbox never overlap. No business logic here:
the sink decides what a message means; this module only guarantees delivery to it.

Delivery rule (at least once, made exactly once by the sink):
  1. SELECT the folder, read UIDVALIDITY, ask the sink for the last UID it stored under that validity.
  2. Pending = messages without \\Seen, plus every UID above the last stored one (even if a person already
     read it), plus messages that failed earlier. With `processed_folder`, pending = everything in the folder
     (processed messages are moved out, so whatever remains is not done).
  3. For each pending UID in ascending order: UID FETCH (BODY.PEEK[], so fetching marks nothing) → sink
     (returns after durable storage) → only then \\Seen, or MOVE to `processed_folder`.
     A sink error leaves the message untouched, is logged and counted, and the UID is retried later with
     backoff; the other messages go on.
  4. UIDVALIDITY changed (or first contact): the sink knows no UID for the new validity, so only step 2's
     "not \\Seen" part applies. Messages stored under the old validity but not yet flagged come again; the
     sink recognises them by its own idempotency key (mailbox, uidvalidity, uid) plus the message hash and
     answers False, and they are then flagged. Mail read by a person before the bridge ever saw it, on first
     contact or after a validity change, is not imported (old history is never replayed as new documents).
Then wait: IDLE when the server offers it (re-issued every `idle_timeout`, well before the 30-minute limit
of RFC 2177) or sleep `poll_interval`; any connection error ends the session and we reconnect with
exponential backoff.

Messages are fetched one UID at a time (after a UID SEARCH) so memory stays bounded by the largest message,
and a `UID SEARCH UID n:*` is filtered to UIDs ≥ n because `n:*` matches the highest UID when no newer
message exists.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import aioimaplib

from core.ports import Clock

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    name: str  # the sink's mailbox key: keep it stable for a mailbox
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: bool = True  # implicit TLS (IMAPS, port 993); aioimaplib cannot STARTTLS
    ssl_context: ssl.SSLContext | None = None  # None: system trust store, full verification
    processed_folder: str | None = None  # move processed messages there instead of flagging \Seen
    owner_organ: str = ""  # the agency whose public mailbox this is (for the caller)


class ImapSink(Protocol):
    async def store_imap(self, raw: bytes, *, mailbox: str, uidvalidity: int, uid: int) -> bool:
        """Store durably before returning. True if new, False if (mailbox, uidvalidity, uid) or the same
        bytes were already stored."""
        ...

    async def last_uid(self, mailbox: str, uidvalidity: int) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before reconnect attempt n (and before retrying a message that failed n times)."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.1  # ± this fraction, so many pollers do not reconnect in lockstep

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** min(max(attempt - 1, 0), 60))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))


class ImapError(Exception):
    """The server refused a command or the connection was lost."""


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class MailboxPoller:
    def __init__(
        self,
        config: MailboxConfig,
        sink: ImapSink,
        *,
        idle: bool = True,
        poll_interval: float = 30.0,
        idle_timeout: float = 300.0,
        backoff: Backoff | None = None,
        clock: Clock | None = None,
        command_timeout: float = 60.0,
    ) -> None:
        self.config = config
        self._sink = sink
        self._idle = idle
        self._poll_interval = poll_interval
        self._idle_timeout = idle_timeout
        self._backoff = backoff or Backoff()
        self._clock = clock or _SystemClock()
        self._command_timeout = command_timeout
        self._retry: dict[tuple[int, int], tuple[int, float]] = {}  # (validity, uid) → (failures, due)
        self._running = False
        # health, read by the API / dashboard
        self.last_success: datetime | None = None
        self.last_error: str | None = None
        self.consecutive_failures = 0
        self.connected = False
        self.uidvalidity: int | None = None
        self.stored = 0  # messages the sink took as new
        self.duplicates = 0  # messages the sink already had
        self.message_failures = 0  # sink errors, all time

    def healthy(self, threshold: int = 3) -> bool:
        """False once `threshold` sessions in a row failed (connect, login, select, search, fetch …)."""
        return self.consecutive_failures < threshold

    @property
    def failing_messages(self) -> int:
        return len(self._retry)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set. Never raises for IMAP or network errors: it reconnects."""
        if self._running:
            raise RuntimeError(f"mailbox {self.config.name} is already being polled")
        self._running = True
        try:
            while not stop.is_set():
                try:
                    await self._session(stop)
                except Exception as exc:  # any failure ends this session; reconnect later
                    self._failed(exc)
                    await _sleep(stop, self._backoff.delay(self.consecutive_failures))
        finally:
            self._running = False

    async def poll_once(self) -> None:
        """Connect, process what is pending, log out (a CLI or benchmark one-shot)."""
        session = await self._open()
        try:
            await self._sync(session)
        finally:
            await session.close()

    # session -----------------------------------------------------------------------------------------------
    async def _session(self, stop: asyncio.Event) -> None:
        session = await self._open()
        self.connected = True
        try:
            resyncs = 0
            while not stop.is_set():
                await self._sync(session)
                if stop.is_set():
                    break
                # announced during our own commands: IDLE would not announce it again (bounded, in case a
                # server announces EXISTS on every reply)
                if session.new_mail_announced and resyncs < 10:
                    resyncs += 1
                    continue
                resyncs = 0
                if self._idle and session.can_idle:
                    await session.idle(stop, self._wait_time(self._idle_timeout))
                else:
                    await _sleep(stop, self._wait_time(self._poll_interval))
        finally:
            self.connected = False
            await session.close()

    async def _open(self) -> _Session:
        session = await _Session.open(self.config, self._command_timeout)
        if self.config.processed_folder:
            try:
                await session.ensure_folder(self.config.processed_folder)
            except BaseException:
                await session.close()
                raise
        return session

    async def _sync(self, session: _Session) -> None:
        validity = await session.select(self.config.folder)
        if self.uidvalidity is not None and validity != self.uidvalidity:
            log.warning("mailbox %s: UIDVALIDITY %s → %s, resync", self.config.name, self.uidvalidity, validity)
            self._retry.clear()
        self.uidvalidity = validity
        last = await self._sink.last_uid(self.config.name, validity)
        for uid in await self._pending(session, validity, last):
            await self._deliver(session, validity, uid)
        self.consecutive_failures = 0
        self.last_success = self._clock.now()

    async def _pending(self, session: _Session, validity: int, last: int | None) -> list[int]:
        if self.config.processed_folder:
            uids = set(await session.search("ALL"))
        else:
            uids = set(await session.search("UNSEEN"))
            if last is not None:
                uids |= {u for u in await session.search("UID", f"{last + 1}:*") if u > last}
        uids |= {uid for (v, uid) in self._retry if v == validity}
        now = asyncio.get_running_loop().time()
        return sorted(u for u in uids if self._retry.get((validity, u), (0, 0.0))[1] <= now)

    async def _deliver(self, session: _Session, validity: int, uid: int) -> None:
        raw = await session.fetch(uid)
        if raw is None:  # expunged meanwhile by someone else
            self._retry.pop((validity, uid), None)
            return
        try:
            new = await self._sink.store_imap(raw, mailbox=self.config.name, uidvalidity=validity, uid=uid)
        except Exception as exc:  # not stored: leave it unseen and go on with the others
            self._message_failed(validity, uid, exc)
            return
        self._retry.pop((validity, uid), None)
        if new:
            self.stored += 1
        else:
            self.duplicates += 1
        if self.config.processed_folder:
            await session.move(uid, self.config.processed_folder)
        else:
            await session.mark_seen(uid)

    # bookkeeping -------------------------------------------------------------------------------------------
    def _wait_time(self, default: float) -> float:
        """Wait no longer than until the next failed message is due for a retry."""
        if not self._retry:
            return default
        due = min(d for _, d in self._retry.values()) - asyncio.get_running_loop().time()
        return max(0.05, min(default, due))

    def _failed(self, exc: BaseException) -> None:
        self.consecutive_failures += 1
        self.last_error = _describe(exc)
        log.warning(
            "mailbox %s: session failed (%d in a row): %s",
            self.config.name,
            self.consecutive_failures,
            self.last_error,
        )

    def _message_failed(self, validity: int, uid: int, exc: BaseException) -> None:
        failures = self._retry.get((validity, uid), (0, 0.0))[0] + 1
        due = asyncio.get_running_loop().time() + self._backoff.delay(failures)
        self._retry[(validity, uid)] = (failures, due)
        self.message_failures += 1
        self.last_error = f"UID {uid}: {_describe(exc)}"
        log.error(
            "mailbox %s: storing UID %d failed (%d times), left unseen: %s",
            self.config.name,
            uid,
            failures,
            self.last_error,
            exc_info=exc,
        )


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


# IMAP plumbing --------------------------------------------------------------------------------------------
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_FETCH_START = re.compile(rb"^\d+ FETCH \((?P<items>.*)\{(?P<size>\d+)\}$")
_UID_ITEM = re.compile(rb"UID (\d+)")


class _Protocol(aioimaplib.IMAP4ClientProtocol):
    """Remembers an untagged EXISTS, which aioimaplib drops when it arrives in the reply to another command
    (e.g. our UID STORE). Without this, mail arriving during a sync would wait for the next IDLE renewal."""

    new_mail = False

    def _untagged_response(self, line: bytes) -> aioimaplib.Command:
        if line.endswith(b" EXISTS"):
            self.new_mail = True
        return super()._untagged_response(line)


class _Client(aioimaplib.IMAP4):
    protocol: _Protocol

    def create_client(
        self,
        host: str,
        port: int,
        loop: asyncio.AbstractEventLoop,
        conn_lost_cb: Callable[[Exception | None], None] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:  # as aioimaplib's, with our protocol class
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = _Protocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(
            local_loop.create_connection(lambda: self.protocol, host, port, ssl=ssl_context)
        )


class _Session:
    """One logged-in connection. Every command is raced against connection loss, which aioimaplib does not
    report to pending commands (they would otherwise wait for their timeout)."""

    def __init__(self, client: _Client, lost: asyncio.Event, timeout: float) -> None:
        self._client = client
        self._lost = lost
        self._timeout = timeout

    @classmethod
    async def open(cls, config: MailboxConfig, command_timeout: float) -> _Session:
        lost = asyncio.Event()
        context = (config.ssl_context or ssl.create_default_context()) if config.tls else None
        client = _Client(
            config.host, config.port, timeout=command_timeout, conn_lost_cb=lambda _exc: lost.set(), ssl_context=context
        )
        session = cls(client, lost, command_timeout)
        try:
            await session._call(client.wait_hello_from_server())
            _check(await session._call(client.login(config.user, config.password)), "LOGIN")
            # the LOGIN reply's capability list is mangled by aioimaplib: ask again (IDLE, MOVE, UIDPLUS)
            await session._call(asyncio.wait_for(client.protocol.capability(), command_timeout))
        except BaseException:
            await session.close()
            raise
        return session

    @property
    def new_mail_announced(self) -> bool:
        """An EXISTS arrived since the last SELECT."""
        return self._client.protocol.new_mail

    @property
    def can_idle(self) -> bool:
        return self._client.has_capability("IDLE")

    async def select(self, folder: str) -> int:
        response = _check(await self._call(self._client.select(encode_mailbox_name(folder))), "SELECT")
        self._client.protocol.new_mail = False  # SELECT's own EXISTS is what the following SEARCH sees
        for line in response.lines:
            if isinstance(line, bytes) and (match := _UIDVALIDITY.search(line)):
                return int(match.group(1))
        raise ImapError(f"SELECT {folder}: no UIDVALIDITY in the reply")

    async def search(self, *criteria: str) -> list[int]:
        response = _check(await self._call(self._client.uid_search(*criteria, charset=None)), "UID SEARCH")
        return [int(token) for line in response.lines[:-1] for token in bytes(line).split() if token.isdigit()]

    async def fetch(self, uid: int) -> bytes | None:
        response = _check(await self._call(self._client.uid("fetch", str(uid), "(UID BODY.PEEK[])")), "UID FETCH")
        return _bodies(response.lines).get(uid)

    async def ensure_folder(self, folder: str) -> None:
        response = await self._call(self._client.create(encode_mailbox_name(folder)))
        if response.result != "OK":  # usually [ALREADYEXISTS]; a real problem shows up at MOVE
            log.debug("CREATE %s: %s", folder, response.lines[-1:] if response.lines else "")

    async def mark_seen(self, uid: int) -> None:
        _check(await self._call(self._client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Seen)")), "UID STORE")

    async def move(self, uid: int, folder: str) -> None:
        target = encode_mailbox_name(folder)
        if self._client.has_capability("MOVE"):
            _check(await self._call(self._client.uid("move", str(uid), target)), "UID MOVE")
            return
        _check(await self._call(self._client.uid("copy", str(uid), target)), "UID COPY")
        flags = r"(\Seen \Deleted)"
        _check(await self._call(self._client.uid("store", str(uid), "+FLAGS.SILENT", flags)), "UID STORE")
        if self._client.has_capability("UIDPLUS"):
            _check(await self._call(self._client.uid("expunge", str(uid))), "UID EXPUNGE")
        else:  # plain EXPUNGE also removes other \Deleted messages; acceptable for a bridge-owned mailbox
            _check(await self._call(self._client.expunge()), "EXPUNGE")

    async def idle(self, stop: asyncio.Event, seconds: float) -> None:
        """IDLE until the server reports new mail, `seconds` pass, or `stop` is set."""
        queue = self._client.protocol.idle_queue
        while not queue.empty():  # leftovers of the previous IDLE: we have just synced anyway
            queue.get_nowait()
        idle = await self._call(self._client.idle_start(timeout=seconds))
        while not stop.is_set():
            push = await self._call(self._client.wait_server_push(seconds + 5.0), stop=stop)
            if push is None or push == aioimaplib.STOP_WAIT_SERVER_PUSH:
                break
            lines = [bytes(line) for line in push]
            if any(line.startswith(b"BYE") for line in lines):
                raise ImapError("server closed the connection: " + lines[0].decode(errors="replace"))
            if any(line.endswith(b"EXISTS") for line in lines):
                break
        self._client.idle_done()
        _check(await self._call(asyncio.wait_for(idle, self._timeout)), "IDLE")

    async def close(self) -> None:
        if not self._lost.is_set() and self._client.get_state() in ("AUTH", "SELECTED"):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.logout(), 2.0)
        transport = self._client.protocol.transport
        if transport is not None:
            transport.close()

    async def _call(self, awaitable: Awaitable[T], *, stop: asyncio.Event | None = None) -> T:
        """Await `awaitable` unless the connection drops first (ImapError) or `stop` is set (None)."""
        if self._lost.is_set():
            raise ImapError("connection lost")
        task = asyncio.ensure_future(awaitable)
        watchers = [asyncio.ensure_future(self._lost.wait())]
        if stop is not None:
            watchers.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait({task, *watchers}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (task, *watchers):
                if not waiter.done():
                    waiter.cancel()
        if task.done() and not task.cancelled():
            return task.result()
        if self._lost.is_set():
            raise ImapError("connection lost")
        return None  # type: ignore[return-value]  # stopped


def _check(response: aioimaplib.Response, what: str) -> aioimaplib.Response:
    if response.result != "OK":
        last = response.lines[-1] if response.lines else b""
        raise ImapError(f"{what}: {response.result} {bytes(last).decode(errors='replace')}".strip())
    return response


def _bodies(lines: list[bytes | bytearray]) -> dict[int, bytes]:
    """UID → BODY[] from an aioimaplib FETCH reply (a literal arrives as a bytearray after its line)."""
    found: dict[int, bytes] = {}
    for index, line in enumerate(lines):
        match = _FETCH_START.match(line) if type(line) is bytes else None
        if not match or b"BODY[]" not in match["items"]:
            continue
        following = lines[index + 1] if index + 1 < len(lines) else b""
        body = bytes(following) if isinstance(following, bytearray) else b""
        closing = lines[index + 2] if body and index + 2 < len(lines) else b""
        uid = _UID_ITEM.search(match["items"]) or _UID_ITEM.search(bytes(closing))
        if uid and (body or match["size"] == b"0"):
            found[int(uid.group(1))] = body
    return found


def encode_mailbox_name(name: str) -> str:
    """A mailbox name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 §5.1.3):
    "Đã xử lý" → '"&ARAA4w- x&Hu0- l&AP0-"'."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return '"' + "".join(out).replace("\\", "\\\\").replace('"', '\\"') + '"'


async def probe_mailbox(config: MailboxConfig, within: float = 30.0) -> str:
    """Log in and select the folder, then leave: "" when the mailbox can be polled, else why not (for the
    availability samples of the period report). Reads nothing, flags nothing."""
    try:
        session = await _Session.open(config, within)
        try:
            await session.select(config.folder)
        finally:
            await session.close()
    except Exception as exc:
        return _describe(exc)
    return ""
