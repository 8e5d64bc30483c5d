"""Nothing is lost: the axis down for a while, and the service killed between 250 and relay."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from subprocess import DEVNULL

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bridge.edxml import parse_edoc
from core.records import OutboxState
from storage.outbox_queue import OutboxQueue
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
    url = bridge.settings.database_url
    await eventually(lambda: _outbox_settled(url), within=60, what="every job done")
    assert len(axis.packets_for(HUYEN)) == 3  # nothing is left to run: no later duplicate can come
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

    async def start() -> asyncio.subprocess.Process:  # not blocking the loop: the simulator lives on it
        argv = [sys.executable, "-m", "bridge.cli", "serve"]
        return await asyncio.create_subprocess_exec(*argv, cwd=ROOT, env=env, stdout=DEVNULL, stderr=DEVNULL)

    proc = await start()
    try:
        await wait_port(settings.smtp_in.port, within=120)
        await send_mail(settings.smtp_in.port, document_mail(make_official_pdf(), recipients=HUYEN))
        proc.send_signal(signal.SIGKILL)  # right after 250: the pipeline and relay have not happened
        assert await proc.wait() == -signal.SIGKILL
        assert sim.packets_for(HUYEN) == []
        sim.set_down(False)
        proc = await start()  # a job the killed service had claimed moves once its lease has passed
        await eventually(lambda: _outbox_settled(db_url), within=180, what="every job done after the restart")
        [packet] = sim.packets_for(HUYEN)  # nothing is left to run: no later duplicate can come
        assert parse_edoc(packet.body).code.code_number == "12"
        assert list(sim.send_counts().values()) == [1]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await sim.stop()


async def _outbox_settled(db_url: str) -> bool:
    """A relay done, and no job waiting or running (dead letters count as unsettled: they would be a failure)."""
    engine = create_async_engine(db_url)
    try:
        jobs = await OutboxQueue(engine).list(limit=500)
    finally:
        await engine.dispose()
    relayed = any(j.kind == "relay" and j.state is OutboxState.DONE for j in jobs)
    return relayed and all(j.state is OutboxState.DONE for j in jobs)
