"""Nothing is lost: the axis down for a while, and the service killed between 250 and relay."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.edxml import parse_edoc
from tests.e2e.harness import (
    ROOT,
    document_mail,
    eventually,
    send_mail,
    settings_for,
    settings_toml,
    simulator,
    wait_port,
)
from tests.fixtures.pdfs import make_official_pdf

HUYEN = "000.00.32.H61"


async def test_axis_down_documents_queue_then_all_delivered_once(bridge, axis, mail_sink) -> None:
    axis.set_down(True)
    pdfs = [make_official_pdf(number=f"{n}/QĐ-UBND") for n in (21, 22, 23)]
    for n, pdf in zip((21, 22, 23), pdfs, strict=True):
        await send_mail(bridge.settings.smtp_in.port, document_mail(pdf, code=f"{n}/QĐ-UBND", recipients=HUYEN))
    # relays are failing and being retried while the axis is down
    await eventually(lambda: axis.calls.get("sendEdoc", 0) >= 3, what="failed relay attempts")
    assert axis.packets_for(HUYEN) == []
    axis.set_down(False)
    packets = await eventually(lambda: len(axis.packets_for(HUYEN)) == 3 and axis.packets_for(HUYEN), within=30)
    codes = sorted(parse_edoc(p.body).code.code_number for p in packets)
    assert codes == ["21", "22", "23"]
    await asyncio.sleep(1.0)  # any duplicate would show up now
    assert len(axis.packets_for(HUYEN)) == 3
    assert all(n == 1 for n in axis.send_counts().values())


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_sigkill_after_250_relays_exactly_once_after_restart(db_url: str, tmp_path: Path, mail_sink) -> None:  # type: ignore[no-untyped-def]
    sim = simulator()
    await sim.start()
    sim.set_down(True)  # nothing can be relayed before the kill
    settings = settings_for(db_url, tmp_path, sim.base_url, mail_sink.port)
    config = tmp_path / "bridge.toml"
    config.write_text(settings_toml(settings), encoding="utf-8")
    env = {**os.environ, "EDOC_CONFIG": str(config)}

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    proc = start()
    try:
        await wait_port(settings.smtp_in.port, within=60)
        await send_mail(settings.smtp_in.port, document_mail(make_official_pdf(), recipients=HUYEN))
        proc.send_signal(signal.SIGKILL)  # right after 250: the pipeline and relay have not happened
        proc.wait(10)
        assert sim.packets_for(HUYEN) == []
        sim.set_down(False)
        proc = start()
        packets = await eventually(lambda: sim.packets_for(HUYEN), within=60, what="relay after restart")
        await asyncio.sleep(1.5)
        assert len(sim.packets_for(HUYEN)) == 1
        assert parse_edoc(packets[0].body).code.code_number == "12"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        await sim.stop()
