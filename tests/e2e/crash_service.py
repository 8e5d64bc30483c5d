"""The running service with two kill points, for the crash test: it SIGKILLs itself right after the axis
answered a sendEdoc, and right after the receipt sink answered 250 — once per packet or mail (remembered in
KILLS_DIR), so every document costs two kills and the service, restarted by the test, must finish each without
sending it twice.

`python -m tests.e2e.crash_service CONFIG KILLS_DIR` imports the bridge once, then for every line "run" on its
stdin forks a child running the service, writes "started PID", and when the child is gone "ended CODE" (-9 when
it killed itself): a restart costs a fork, not the seconds of importing the bridge again. EOF on stdin ends it."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import bridge.service
from bridge.bootstrap import Bridge, build
from bridge.settings import load_settings
from core.ports import OutgoingMail


class KillPoints:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def after(self, what: str) -> None:
        """Die now, unless this point was already died at (the marker is durable before the kill)."""
        marker = self.folder / hashlib.sha256(what.encode()).hexdigest()
        if marker.exists():
            return
        fd = os.open(marker, os.O_CREAT | os.O_WRONLY, 0o644)
        os.fsync(fd)
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)


class KilledAfterAxis:
    def __init__(self, inner: Any, kill: KillPoints) -> None:
        self._inner, self._kill = inner, kill

    async def send_edoc(self, from_code: str, packet: bytes, message_type: str = "edoc") -> str:
        answer = await self._inner.send_edoc(from_code, packet, message_type)
        self._kill.after("axis:" + hashlib.sha256(packet).hexdigest())
        return answer  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class KilledAfterSink:
    def __init__(self, inner: Any, kill: KillPoints) -> None:
        self._inner, self._kill = inner, kill

    async def send(self, mail: OutgoingMail) -> str:
        message_id = await self._inner.send(mail)
        self._kill.after(f"mail:{message_id}")
        return message_id  # type: ignore[no-any-return]


def main(config: str, kills: str) -> None:
    points = KillPoints(Path(kills))

    async def build_with_kill_points(settings: Any, **options: Any) -> Bridge:
        made = await build(settings, **options)
        made.deps.axis = KilledAfterAxis(made.deps.axis, points)
        made.deps.mail = KilledAfterSink(made.deps.mail, points)
        return made

    bridge.service.build = build_with_kill_points  # type: ignore[assignment]  # our own module, in this process only
    asyncio.run(bridge.service.run(load_settings(config)))


# what build() and the workers import on first use: imported once here, before forking
WARM = (
    "bridge.axis.client", "bridge.services.inbound_routes", "bridge.services.notifications", "mail.auth",
    "mail.mime", "mail.sender", "mail.smtp_server", "signing.analysis", "signing.completeness", "storage.blobs",
    "storage.engine", "storage.outbox_queue", "storage.uow",
)  # fmt: skip


def serve_forks(config: str, kills: str) -> None:
    for module in WARM:
        importlib.import_module(module)
    for command in sys.stdin:
        if command.strip() != "run":
            continue
        child = os.fork()
        if child == 0:  # the service: nothing of it on the protocol's stdout
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            try:
                main(config, kills)
            finally:
                os._exit(0)
        print(f"started {child}", flush=True)
        _, status = os.waitpid(child, 0)
        print(f"ended {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    serve_forks(sys.argv[1], sys.argv[2])
