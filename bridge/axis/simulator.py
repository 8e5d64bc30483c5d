"""A local interconnection axis speaking the VXP-style HTTP API, for tests, demos and the `axis-sim` CLI.

It verifies the XroadVnpt-* HMAC headers, routes each packet to its recipient organs, and lets a test steer it
through `/_sim/*` control endpoints (or the mirroring Python methods): inspect and inject packets, go down,
answer FAIL, answer slowly, count sends per body to prove there is no duplicate.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import socket
from collections import Counter
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from os import PathLike

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bridge.axis.routing import UnroutablePacket, route, sender
from bridge.axis.signing import SignatureError, SignedRequest, file_from_body, verify_request
from bridge.axis.sim_api import (
    API_OPERATIONS,
    MESSAGE_TYPES,
    AxisFail,
    SimSystem,
    SystemSpec,
    VxpOperations,
    as_system,
)
from bridge.axis.sim_store import PacketStore, SimPacket
from core.ports import Clock

__all__ = ["API_OPERATIONS", "AxisSimulator", "SimMode", "SimPacket", "SimSystem"]

DEFAULT_MAX_BODY = 64 * 1024 * 1024
DEFAULT_FAIL_DESC = "Trục giả lập từ chối gói tin (fail_next)"


@dataclass(slots=True)
class SimMode:
    down: bool = False  # answer 503 to every API call
    fail_next: int = 0  # answer FAIL to the next N authenticated API calls …
    fail_op: str | None = None  # … of this operation only (None: any)
    fail_code: str = "-1"
    fail_desc: str = DEFAULT_FAIL_DESC
    delay: float = 0.0  # seconds to wait before answering an API call


class _EmbeddedServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit = asyncio.Event()

    def request_exit(self) -> None:
        self.should_exit = True
        self._exit.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the hosting process (pytest, the bridge's TaskGroup) owns SIGINT/SIGTERM

    async def main_loop(self) -> None:
        # uvicorn's loop polls should_exit every 0.1 s; waking on an event makes stop() (and every test) faster.
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), 0.1)


class AxisSimulator:
    def __init__(
        self,
        systems: Mapping[str, SystemSpec],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        data_dir: str | PathLike[str] | None = None,
        max_age: timedelta | float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Clock | None = None,
    ) -> None:
        """`max_age` (seconds or a timedelta): refuse requests whose XroadVnpt-timestamp is further than this from
        now; None or 0: never (the SDK stamps an instance once and long-lived instances keep that stamp for
        months, so a real axis cannot be refusing old stamps)."""
        self.systems = {sid: as_system(spec) for sid, spec in systems.items()}
        self.host, self._port = host, port
        self.mode = SimMode()
        self.calls: Counter[str] = Counter()  # API calls per operation, including refused ones
        self._store = PacketStore(data_dir)
        self._operations = VxpOperations(self._store)
        if isinstance(max_age, (int, float)):
            max_age = timedelta(seconds=max_age) if max_age > 0 else None
        self._max_age, self._max_body, self._clock = max_age, max_body, clock
        self._loaded = False
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        api = [Route(f"/{op}", self._api, methods=["POST"]) for op in API_OPERATIONS]
        control = [
            Route("/_sim/packets", self._ctl_packets, methods=["GET"]),
            Route("/_sim/inject", self._ctl_inject, methods=["POST"]),
            Route("/_sim/mode", self._ctl_mode, methods=["GET", "POST"]),
            Route("/_sim/sends", self._ctl_sends, methods=["GET"]),
            Route("/_sim/reset", self._ctl_reset, methods=["POST"]),
        ]
        self.app = Starlette(routes=api + control)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.started

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._port}"

    async def start(self) -> None:
        """Serve in the current event loop. After stop(), start() again reuses the same port and state."""
        if self._task is not None:
            raise RuntimeError("axis simulator already running")
        if not self._loaded:
            await self._store.load()
            self._loaded = True
        sock = self._bind()
        config = uvicorn.Config(
            self.app, log_config=None, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="axis-simulator")
        while not self._server.started:
            if self._task.done():
                task, self._task = self._task, None
                await task  # surfaces the startup error
                raise RuntimeError("axis simulator stopped during startup")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.request_exit()
        task, self._task, self._server = self._task, None, None
        await task

    async def serve(self) -> None:
        """Run until cancelled (the CLI's `asyncio.run(sim.serve())`; Ctrl-C cancels it and stops cleanly)."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def __aenter__(self) -> AxisSimulator:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when proto says TCP,
        # and without it Nagle + delayed ACK add ~40 ms to every answer.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self._port = sock.getsockname()[1]
        return sock

    # ---- Python control API (mirrors /_sim/*) ---------------------------------------------------------------

    def packets(self, organ: str | None = None) -> list[SimPacket]:
        return [p for p in self._store.all() if organ is None or p.to_code == organ]

    def packets_for(self, organ: str) -> list[SimPacket]:
        return self.packets(organ)

    def packet(self, doc_id: str) -> SimPacket | None:
        return self._store.get(doc_id)

    async def inject(
        self,
        packet: bytes,
        *,
        message_type: str = "edoc",
        to: str | Iterable[str] | None = None,
        from_code: str | None = None,
        doc_ids: Sequence[str] = (),
    ) -> list[str]:
        """Play another node: deliver `packet` (routed from its XML unless `to` is given); returns the docIds
        (`doc_ids` chooses them, one per recipient)."""
        _check_message_type(message_type)
        if to is None:
            found = await asyncio.to_thread(route, packet, message_type)
            recipients, scanned_from = found.recipients, found.from_code
        else:
            recipients = (to,) if isinstance(to, str) else tuple(to)
            scanned_from = "" if from_code is not None else await asyncio.to_thread(_sender_or_blank, packet)
        from_code = scanned_from if from_code is None else from_code
        _, added = await self._store.add(
            packet,
            sender_system="",
            from_code=from_code,
            recipients=recipients,
            message_type=message_type,
            doc_ids=doc_ids,
        )
        return [p.doc_id for p in added]

    def set_down(self, down: bool = True) -> None:
        self.mode.down = down

    def set_fail_next(self, n: int, op: str | None = None, *, code: str = "-1", desc: str | None = None) -> None:
        if op is not None and op not in API_OPERATIONS:
            raise ValueError(f"unknown operation {op!r}")
        self.mode.fail_next, self.mode.fail_op, self.mode.fail_code = n, op, code
        self.mode.fail_desc = desc or DEFAULT_FAIL_DESC

    def set_delay(self, seconds: float) -> None:
        self.mode.delay = max(0.0, seconds)

    def send_count(self, sha256: str) -> int:
        """How many sendEdoc calls were accepted with this exact body."""
        return self._store.sends[sha256]

    def send_counts(self) -> dict[str, int]:
        return dict(self._store.sends)

    async def reset(self) -> None:
        """Forget every packet, counter and mode (also on disk when data_dir is set)."""
        self.mode = SimMode()
        self.calls.clear()
        await self._store.clear()

    # ---- the axis API ---------------------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        op = request.url.path.rsplit("/", 1)[-1]
        self.calls[op] += 1
        if self.mode.delay:
            await asyncio.sleep(self.mode.delay)
        try:
            if self.mode.down:
                raise AxisFail("503", "Trục liên thông tạm ngừng (giả lập)", 503)
            body = await self._read_body(request)
            signed = self._verify(request)
            if op == "sendEdoc":
                body = _announced_file(signed, body)
            self._maybe_fail(op)
            system = self.systems[signed.system_id]
            answer = await self._operations.call(op, signed.system_id, system, signed.params, body)
        except AxisFail as fail:
            refusal: dict[str, str] = fail.answer()
            if op == "sendEdoc":  # the SDK reads DocId from every sendEdoc answer; without it, it loses the error
                refusal["DocId"] = ""
            return JSONResponse(refusal, status_code=fail.http_status)
        return JSONResponse(answer)

    def _verify(self, request: Request) -> SignedRequest:
        raw = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        now = self._clock.now() if self._clock is not None else None
        try:
            return verify_request(raw, self._secret_for, now=now, max_age=self._max_age)
        except SignatureError as exc:
            raise AxisFail("401", f"Xác thực yêu cầu thất bại: {exc}", 401) from exc

    def _secret_for(self, system_id: str) -> str | None:
        system = self.systems.get(system_id)
        return system.secret if system else None

    def _maybe_fail(self, op: str) -> None:
        mode = self.mode
        if mode.fail_next > 0 and mode.fail_op in (None, op):
            mode.fail_next -= 1
            raise AxisFail(mode.fail_code, mode.fail_desc)

    async def _read_body(self, request: Request) -> bytes:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self._max_body:
                raise AxisFail("413", f"Gói tin quá lớn (tối đa {self._max_body} byte)", 413)
            chunks.append(chunk)
        return b"".join(chunks)

    # ---- /_sim control endpoints ----------------------------------------------------------------------------

    async def _ctl_packets(self, request: Request) -> Response:
        organ = request.query_params.get("organ")
        with_body = request.query_params.get("body", "1") not in ("0", "false", "no")
        return JSONResponse({"packets": [p.to_json(with_body=with_body) for p in self.packets(organ)]})

    async def _ctl_inject(self, request: Request) -> Response:
        try:
            spec = await request.json()
            packet = base64.b64decode(spec["packet_b64"], validate=True)
            doc_ids = await self.inject(
                packet,
                message_type=spec.get("message_type", "edoc"),
                to=spec.get("to"),
                from_code=spec.get("from_code"),
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            return JSONResponse({"status": "FAIL", "ErrorCode": "400", "ErrorDesc": str(exc)}, 400)
        return JSONResponse({"status": "OK", "doc_ids": doc_ids})

    async def _ctl_mode(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self._configure(await request.json())
            except (ValueError, TypeError) as exc:
                return JSONResponse({"status": "FAIL", "ErrorCode": "400", "ErrorDesc": str(exc)}, 400)
        return JSONResponse(asdict(self.mode))

    async def _ctl_sends(self, _request: Request) -> Response:
        return JSONResponse({"sends": self.send_counts(), "calls": dict(self.calls)})

    async def _ctl_reset(self, _request: Request) -> Response:
        await self.reset()
        return JSONResponse({"status": "OK"})

    def _configure(self, changes: object) -> None:
        if not isinstance(changes, dict):
            raise TypeError("mode must be a JSON object")
        known = {f.name for f in fields(SimMode)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown mode keys {sorted(unknown)}; known: {sorted(known)}")
        if "down" in changes:
            if not isinstance(changes["down"], bool):
                raise TypeError("down must be true or false")
            self.set_down(changes["down"])
        if "delay" in changes:
            self.set_delay(float(changes["delay"]))
        if "fail_next" in changes:
            self.set_fail_next(
                int(changes["fail_next"]),
                changes.get("fail_op"),
                code=str(changes.get("fail_code", "-1")),
                desc=changes.get("fail_desc"),
            )


def _announced_file(signed: SignedRequest, body: bytes) -> bytes:
    """The packet a sendEdoc carries: the body (minus the SDK's trailing CRLF) whose SHA-256 is the signed hash-file."""
    announced = signed.params.get("hash-file", "")
    file = file_from_body(body, announced) if announced else None
    if file is None:
        raise AxisFail("401", "Xác thực yêu cầu thất bại: XroadVnpt-hash-file không khớp nội dung gói tin", 401)
    return file


def _sender_or_blank(packet: bytes) -> str:
    try:
        return sender(packet)
    except UnroutablePacket:
        return ""  # a test may inject deliberately broken bytes


def _check_message_type(message_type: str) -> None:
    if message_type not in MESSAGE_TYPES:
        raise ValueError(f"message_type must be one of {sorted(MESSAGE_TYPES)}, not {message_type!r}")
