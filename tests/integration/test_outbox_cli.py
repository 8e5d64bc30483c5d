"""`edoc-bridge outbox retry | requeue | list` against a real database (SQLite and PostgreSQL).

retry: a job waiting for its next try runs now and keeps its attempts; requeue: a dead letter comes back with
its attempts reset. Each refuses, with exit code 1 and a message, a job in a state it does not act on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bridge.cli import app
from core.records import OutboxJob, OutboxState
from storage.engine import make_engine
from storage.outbox_queue import OutboxQueue
from storage.uow import SqlUnitOfWork

WAITING, DEAD, DONE, RUNNING = "waiting", "dead", "done", "running"


@dataclass
class Outbox:
    config: Path
    queue: OutboxQueue
    ids: dict[str, int]

    async def cli(self, *args: str) -> Result:
        """The typer app in a thread: the commands call asyncio.run themselves."""
        argv = ["outbox", *args, "--config", str(self.config)]
        return await asyncio.to_thread(CliRunner().invoke, app, argv)

    async def job(self, name: str) -> OutboxJob:
        found = await self.queue.get(self.ids[name])
        assert found is not None
        return found


@pytest.fixture
async def outbox(db_url: str, tmp_path: Path) -> AsyncIterator[Outbox]:
    """One job in each state, each tried 3 times; the waiting one is due in an hour, the running one is leased."""
    engine = make_engine(db_url)
    queue = OutboxQueue(engine)
    async with SqlUnitOfWork(engine) as uow:
        for name in (WAITING, DEAD, DONE, RUNNING):
            await uow.outbox.enqueue("relay", {"document_id": name}, f"relay:{name}")
        await uow.commit()
    ids = {j.payload["document_id"]: j.id for j in await queue.list()}
    for _ in range(3):
        await queue.claim("w", limit=10, lease=timedelta(seconds=-1))  # lease already over: retaken
    async with SqlUnitOfWork(engine) as uow:
        await uow.outbox.retry_later(ids[WAITING], "trục không trả lời", datetime.now(UTC) + timedelta(hours=1))
        await uow.outbox.bury(ids[DEAD], "trục từ chối")
        await uow.outbox.complete(ids[DONE])
        await uow.commit()
    await queue.claim("w", limit=10, lease=timedelta(minutes=5))  # RUNNING: held by a live worker
    config = tmp_path / "edoc.toml"
    config.write_text(
        f'database_url = "{db_url}"\nblob_dir = "{tmp_path / "blobs"}"\n'
        f'[axis]\nsimulator_data_dir = "{tmp_path / "axis-sim"}"\n',
        encoding="utf-8",
    )
    yield Outbox(config, queue, ids)
    await engine.dispose()


async def test_the_states_are_as_the_fixture_says(outbox: Outbox) -> None:
    states = {name: ((j := await outbox.job(name)).state, j.attempts) for name in outbox.ids}
    assert states == {
        WAITING: (OutboxState.TODO, 3),
        DEAD: (OutboxState.DEAD, 3),
        DONE: (OutboxState.DONE, 3),
        RUNNING: (OutboxState.DOING, 4),
    }


async def test_retry_runs_a_waiting_job_now_and_keeps_its_attempts(outbox: Outbox) -> None:
    before = await outbox.job(WAITING)
    result = await outbox.cli("retry", str(before.id))
    assert result.exit_code == 0, result.output
    assert f"Việc {before.id} sẽ được chạy lại ngay (giữ số lần thử: 3)" in result.stdout
    after = await outbox.job(WAITING)
    assert after.state is OutboxState.TODO and after.attempts == 3 and after.last_error == "trục không trả lời"
    assert after.run_after <= datetime.now(UTC) < before.run_after
    [claimed] = await outbox.queue.claim("w2", limit=10)  # due now: the next claim takes it
    assert claimed.id == before.id and claimed.attempts == 4


async def test_requeue_brings_a_dead_letter_back_with_its_attempts_reset(outbox: Outbox) -> None:
    dead = await outbox.job(DEAD)
    result = await outbox.cli("requeue", str(dead.id))
    assert result.exit_code == 0, result.output
    assert f"Đã đưa thư chết {dead.id} trở lại hàng đợi; số lần thử đặt lại về 0 (trước đó: 3)" in result.stdout
    after = await outbox.job(DEAD)
    assert after.state is OutboxState.TODO and after.attempts == 0 and after.run_after <= datetime.now(UTC)
    assert [j.id for j in await outbox.queue.claim("w2", limit=10)] == [dead.id]


async def test_retry_of_a_dead_letter_points_to_requeue_and_changes_nothing(outbox: Outbox) -> None:
    dead = await outbox.job(DEAD)
    result = await outbox.cli("retry", str(dead.id))
    assert result.exit_code == 1
    assert "thư chết" in result.stderr and f"edoc-bridge outbox requeue {dead.id}" in result.stderr
    assert await outbox.job(DEAD) == dead


async def test_requeue_of_a_waiting_job_points_to_retry_and_changes_nothing(outbox: Outbox) -> None:
    waiting = await outbox.job(WAITING)
    result = await outbox.cli("requeue", str(waiting.id))
    assert result.exit_code == 1
    assert "chưa phải thư chết" in result.stderr and f"edoc-bridge outbox retry {waiting.id}" in result.stderr
    assert await outbox.job(WAITING) == waiting


@pytest.mark.parametrize("command", ["retry", "requeue"])
async def test_completed_and_running_jobs_are_refused(outbox: Outbox, command: str) -> None:
    for name, says in ((DONE, "đã hoàn thành"), (RUNNING, "đang được xử lý")):
        job = await outbox.job(name)
        result = await outbox.cli(command, str(job.id))
        assert result.exit_code == 1 and says in result.stderr, (name, result.output)
        assert await outbox.job(name) == job


@pytest.mark.parametrize("command", ["retry", "requeue"])
async def test_an_unknown_job_is_refused(outbox: Outbox, command: str) -> None:
    result = await outbox.cli(command, "987654")
    assert result.exit_code == 1 and "Không có việc số 987654" in result.stderr


async def test_list_filters_by_state(outbox: Outbox) -> None:
    result = await outbox.cli("list", "--state", "dead")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert [r.split()[:2] for r in rows[:-1]] == [[str(outbox.ids[DEAD]), "dead"]]
    assert '"dead": 1' in rows[-1] and '"todo": 1' in rows[-1]
    bad = await outbox.cli("list", "--state", "buried")
    assert bad.exit_code == 2
