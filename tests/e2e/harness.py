"""Start the whole edoc-bridge in the test's event loop (or as a subprocess) on temporary storage and free ports."""

from __future__ import annotations

import asyncio
import email.policy
import smtplib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from bridge.axis.simulator import AxisSimulator, SimSystem
from bridge.settings import Settings
from tests.fixtures.settings import base_settings

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "config" / "agencies.toml"
BRIDGE_SYSTEM, BRIDGE_SECRET = "edoc-bridge", "bridge-secret"
PROVINCE_SYSTEM, PROVINCE_SECRET = "vxp.h61", "province-secret"
SERVED = ("000.20.32.H61", "000.21.32.H61")  # the communes in config/agencies.toml
PROVINCE = ("000.00.00.H61", "000.00.01.H61", "000.00.32.H61")
TAN_HOA = "vanthu@tanhoa.vinhlong.gov.vn"


E2E_TOKEN = "e2e-read-only-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def simulator(data_dir: Path | None = None) -> AxisSimulator:
    systems = {
        BRIDGE_SYSTEM: SimSystem(BRIDGE_SECRET, frozenset(SERVED)),
        PROVINCE_SYSTEM: SimSystem(PROVINCE_SECRET, frozenset(PROVINCE)),
    }
    return AxisSimulator(systems=systems, data_dir=data_dir)


def settings_for(db_url: str, tmp: Path, axis_url: str, sink_port: int) -> Settings:
    s = base_settings(
        database_url=db_url, blob_dir=str(tmp / "blobs"), directory_file=str(DIRECTORY), bridge_organ="000.00.01.H61"
    )
    s.smtp_in.port = free_port()
    s.api.port = free_port()
    s.api.machine_token = E2E_TOKEN
    s.smtp_out.port = sink_port
    s.axis.base_url, s.axis.system_id, s.axis.secret = axis_url, BRIDGE_SYSTEM, BRIDGE_SECRET
    s.axis.simulator, s.axis.poll_interval = False, 0.2
    s.outbox.initial_delay, s.outbox.max_delay, s.outbox.jitter, s.outbox.idle_sleep = 0.2, 1.0, 0.1, 0.05
    s.checks.signatures_unchecked = "accept"  # these runs test the flows; signature checks have their own tests
    return s


def settings_toml(s: Settings) -> str:
    return f"""profile = "{s.profile}"
database_url = "{s.database_url}"
blob_dir = "{s.blob_dir}"
directory_file = "{s.directory_file}"
bridge_organ = "{s.bridge_organ}"
[smtp_in]
port = {s.smtp_in.port}
[smtp_out]
port = {s.smtp_out.port}
[api]
port = {s.api.port}
secure_cookies = {str(s.api.secure_cookies).lower()}
[checks]
clamd_enabled = {str(s.checks.clamd_enabled).lower()}
sender_auth = {str(s.checks.sender_auth).lower()}
signatures_unchecked = "{s.checks.signatures_unchecked}"
[axis]
base_url = "{s.axis.base_url}"
system_id = "{s.axis.system_id}"
secret = "{s.axis.secret.get_secret_value()}"
simulator = false
poll_interval = {s.axis.poll_interval}
[outbox]
initial_delay = {s.outbox.initial_delay}
max_delay = {s.outbox.max_delay}
jitter = {s.outbox.jitter}
idle_sleep = {s.outbox.idle_sleep}
"""


@dataclass
class RunningBridge:
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.settings.api.port}"

    async def shutdown(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


async def start_bridge(settings: Settings, *, clock: Any = None) -> RunningBridge:
    from bridge.service import run
    from storage.migrate import upgrade

    await upgrade(settings.database_url)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run(settings, stop, ready=ready, clock=clock))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({task, waiter}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raises the start-up error
    assert ready.is_set(), "bridge did not start"
    await wait_port(settings.api.port)
    return RunningBridge(settings, stop, task)


async def wait_port(port: int, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"port {port} never opened")


def document_mail(
    pdf: bytes,
    *,
    sender: str = TAN_HOA,
    to: str = "vanban@edoc-bridge.local",
    code: str = "12/QĐ-UBND",
    recipients: str = "000.00.32.H61, 000.00.01.H61",
    subject: str = "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027",
    extra: str = "",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, f"Gửi văn bản {code}"
    msg.set_content(
        f"Kính gửi,\n\nSố: {code}\nNgày: 20/11/2026\nLoại: Quyết định\nTrích yếu: {subject}\n"
        f"Người ký: Nguyễn Văn An\nChức vụ: Chủ tịch\nNơi nhận: {recipients}\n{extra}\nTrân trọng.\n"
    )
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="12-QD-UBND.pdf")
    return msg


async def send_mail(port: int, msg: EmailMessage) -> dict[str, Any]:
    def _send() -> dict[str, Any]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
            return s.sendmail(msg["From"], [msg["To"]], msg.as_bytes(policy=email.policy.SMTP))

    return await asyncio.to_thread(_send)


async def eventually(probe: Callable[[], Any], within: float = 20, what: str = "condition") -> Any:
    """Poll an (async or sync) probe until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def api_get(base: str, path: str) -> Any:
    headers = {"Authorization": f"Bearer {E2E_TOKEN}"}  # the API needs a user: the read-only machine token
    async with httpx.AsyncClient(base_url=base, timeout=10, headers=headers) as c:
        r = await c.get(path)
        r.raise_for_status()
        return r.json()
