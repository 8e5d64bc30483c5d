"""The audit chain: keyed (HMAC, key from configuration), its head kept outside the database, every change
detected and named — edits, deletions, truncation of the newest rows, a chain recomputed without the key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from bridge.bootstrap import Bridge, access, build
from bridge.services.audit import AuditLog, chain_hash, content_of
from storage.access import AccessStore, audit_log
from tests.fixtures.settings import base_settings

KEY = "khóa-kiểm-toán-thử-nghiệm-32-byte!"


@pytest.fixture
async def bridge(db_url: str, tmp_path: Path) -> AsyncIterator[Bridge]:
    s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
    s.security.audit_key, s.axis.simulator = KEY, False
    b = await build(s)
    yield b
    await b.close()


async def entries(b: Bridge, n: int) -> AuditLog:
    audit = access(b).audit
    for i in range(n):
        await audit.record("admin", "agency.update", f"000.00.3{i}.H61", field="emails", value=f"ubnd{i}@vl.gov.vn")
    return audit  # type: ignore[no-any-return]


async def change(b: Bridge, q: sa.Executable) -> None:
    async with b.engine.begin() as conn:
        await conn.execute(q)


async def test_the_chain_is_keyed_and_names_the_entry_that_broke(bridge: Bridge) -> None:
    audit = await entries(bridge, 6)
    good = await audit.verify()
    assert good.ok and good.keyed and good.checked == 6 and good.head == (6, (await audit.current_head())[1])
    await change(bridge, sa.update(audit_log).where(audit_log.c.seq == 4).values(actor="kẻ gian"))
    bad = await audit.verify()
    assert not bad.ok and bad.first_bad == 4 and "bị sửa" in bad.problem
    await change(bridge, sa.update(audit_log).where(audit_log.c.seq == 4).values(actor="admin"))
    assert (await audit.verify()).ok
    await change(bridge, sa.delete(audit_log).where(audit_log.c.seq == 3))
    gap = await audit.verify()
    assert not gap.ok and gap.first_bad == 4 and "thiếu mục" in gap.problem


async def test_deleting_the_newest_rows_is_detected(bridge: Bridge) -> None:
    audit = await entries(bridge, 5)
    head = await audit.current_head()
    await change(bridge, sa.delete(audit_log).where(audit_log.c.seq > 3))
    cut = await audit.verify()  # the remaining chain is whole: only the head outside the database shows it
    assert not cut.ok and cut.first_bad == 4 and "thiếu các mục mới nhất" in cut.problem
    # the head printed on a period report catches it too, with the head file gone
    Path(bridge.settings.blob_dir).parent.joinpath("audit-head.json").unlink()
    assert (await audit.verify(head=head)).first_bad == 4
    # and new entries after the cut do not move the head over the hole
    await entries(bridge, 2)
    again = await audit.verify(head=head)
    assert not again.ok and again.first_bad == 5 and "khác với đầu chuỗi" in again.problem


async def test_a_chain_recomputed_without_the_key_is_detected(bridge: Bridge) -> None:
    audit = await entries(bridge, 3)
    async with bridge.engine.begin() as conn:  # an attacker with the database but not the key rewrites entry 2 on
        rows = (await conn.execute(sa.select(audit_log).order_by(audit_log.c.seq))).all()
        prev = rows[0].hash
        for r in rows[1:]:
            digest = chain_hash(prev, content_of(r.seq, r.at, "kẻ gian", r.action, r.target, dict(r.details)))
            q = sa.update(audit_log).where(audit_log.c.seq == r.seq)
            await conn.execute(q.values(actor="kẻ gian", prev_hash=prev, hash=digest, key_id=""))
            prev = digest
    v = await audit.verify(head=(0, ""))
    assert not v.ok and v.first_bad == 2 and "không có khóa" in v.problem
    other = AuditLog(AccessStore(bridge.engine), bridge.deps.clock, b"another key")
    w = await other.verify(head=(0, ""))
    assert not w.ok and w.first_bad == 1 and "khóa khác" in w.problem


async def test_an_action_and_its_entry_commit_together(bridge: Bridge) -> None:
    """A unit of work that rolls back leaves no audit entry (and does not move the head)."""
    audit = bridge.deps.audit
    async with bridge.deps.uow() as uow:
        await audit.record_in(uow.audit, "admin", "agency.update", "x")
        # no commit: rolled back
    assert await audit.current_head() is None
    async with bridge.deps.uow() as uow:
        await audit.record_in(uow.audit, "admin", "agency.update", "y")
        await uow.commit()
    assert (await audit.verify()).head == await audit.current_head()
