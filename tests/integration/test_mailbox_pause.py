"""Pausing a polled mailbox (SQLite and PostgreSQL): `edoc-bridge mailboxes list | pause | resume` audited, and the
poll loop (bridge.mailboxes.run_mailbox) stops polling a paused mailbox and starts again once it is resumed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from bridge.cli import app
from bridge.mailboxes import MailboxHealth, run_mailbox
from bridge.settings import Imap
from mail.imap_poller import MailboxConfig
from storage.access import audit_log
from storage.engine import make_engine
from storage.uow import SqlUnitOfWork

MAILBOX = (
    'name = "vanthu-tanhoa"\nhost = "127.0.0.1"\nport = 9\ntls = false\nuser = "vt"\nowner_organ = "000.00.31.H61"\n'
)


def _config(db_url: str, tmp: Path) -> Path:
    path = tmp / "edoc.toml"
    path.write_text(
        f'database_url = "{db_url}"\nblob_dir = "{tmp / "blobs"}"\n[axis]\nsimulator_data_dir = "{tmp / "sim"}"\n'
        f"[[imap.mailboxes]]\n{MAILBOX}",
        encoding="utf-8",
    )
    return path


async def _cli(config: Path, *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, ["mailboxes", *args, "--config", str(config)])


async def test_cli_pauses_and_resumes_with_an_audit(db_url: str, tmp_path: Path) -> None:
    config = _config(db_url, tmp_path)
    listed = await _cli(config, "list")
    assert listed.exit_code == 0 and "vanthu-tanhoa  000.00.31.H61" in listed.output and "đang thăm dò" in listed.output
    assert "Đã tạm dừng hộp thư vanthu-tanhoa" in (await _cli(config, "pause", "vanthu-tanhoa")).output
    assert "từ trước" in (await _cli(config, "pause", "vanthu-tanhoa")).output
    assert "tạm dừng từ" in (await _cli(config, "list")).output
    unknown = await _cli(config, "pause", "khong-co")
    assert "Không có hộp thư «khong-co»" in str(unknown.exception)  # main() prints it, exit 1
    assert "Đã cho chạy lại hộp thư vanthu-tanhoa" in (await _cli(config, "resume", "vanthu-tanhoa")).output
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(audit_log.c.action, audit_log.c.target))).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [("mailbox.pause", "vanthu-tanhoa"), ("mailbox.resume", "vanthu-tanhoa")]


async def _until(condition: object, stop: asyncio.Event) -> None:
    while not condition():  # type: ignore[operator]
        assert not stop.is_set()
        await asyncio.sleep(0.01)


async def test_a_paused_mailbox_is_not_polled_until_resumed(db_url: str) -> None:
    engine = make_engine(db_url)
    settings = Imap(idle=False, poll_interval=0.05, lease_retry=0.05, lease_check=0.05, alert_after=3, mailboxes=[])
    config = MailboxConfig("vanthu-tanhoa", "127.0.0.1", 9, "vt", "x", tls=False)
    health, stop = MailboxHealth(config.name, ""), asyncio.Event()

    async def pause(paused: bool) -> None:
        async with SqlUnitOfWork(engine) as uow:
            await (uow.mailbox_pauses.pause(config.name, "t") if paused else uow.mailbox_pauses.resume(config.name))
            await uow.commit()

    await pause(True)
    loop = asyncio.create_task(run_mailbox(engine, config, object(), settings, health, stop))
    try:
        async with asyncio.timeout(60):
            await _until(lambda: health.paused, stop)
            assert health.poller is None and not health.leader  # never took the lease, never built a poller
            await pause(False)
            await _until(lambda: health.poller is not None, stop)  # polling (the server refuses: it retries)
            assert not health.paused
            await pause(True)  # while polling: the watcher ends the poller, the loop goes back to waiting
            await _until(lambda: health.paused and not health.leader, stop)
    finally:
        stop.set()
        await loop
        await engine.dispose()
