"""Completing a held document from the dashboard or the bot is audited in the completion's own transaction: a
failure after the change leaves neither the change nor its audit entry (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.bootstrap import access
from bridge.services.completion import Completion, CompletionOutcome, complete_held
from core.document import ProcessingState
from tests.fixtures.console import add_full_document
from tests.fixtures.dashboard import Seeded

LINES = "Người ký: Trần Văn Bình\nChức vụ: Phó Chủ tịch"


class Crash(Exception):
    pass


async def completions(seeded: Seeded) -> list[Any]:
    return [e for e in await access(seeded.bridge).store.recent_audit() if e.action == "document.complete"]


async def test_a_failure_after_the_change_leaves_neither(seeded: Seeded) -> None:
    await add_full_document(seeded.bridge, "doc-c")
    deps = seeded.bridge.deps

    async def crash(uow: Any) -> None:  # runs after the change and its audit entry, before the commit
        raise Crash

    with pytest.raises(Crash):
        await complete_held(deps, "doc-c", Completion(LINES, actor="vanthu_a", channel="dashboard"), finish=crash)
    async with deps.uow() as u:
        doc = await u.documents.get("doc-c")
    assert doc is not None and doc.state is ProcessingState.HELD
    assert not any(s.step == "completion" for s in doc.trail)
    assert await completions(seeded) == []

    done = await complete_held(deps, "doc-c", Completion(LINES, actor="vanthu_a", channel="dashboard"))
    assert done.outcome in (CompletionOutcome.HELD, CompletionOutcome.REGISTERED, CompletionOutcome.REJECTED)
    [entry] = await completions(seeded)
    assert (entry.actor, entry.target, entry.details["channel"]) == ("vanthu_a", "doc-c", "dashboard")
    assert entry.details["fields"] == ["Người ký", "Chức vụ"] and entry.details["outcome"] == done.outcome.value
    assert (await access(seeded.bridge).audit.verify()).ok


async def test_a_senders_mail_reply_is_not_an_account_action(seeded: Seeded) -> None:
    await add_full_document(seeded.bridge, "doc-m")
    done = await complete_held(seeded.bridge.deps, "doc-m", Completion(LINES, actor="vanthu@tanhoa.example.invalid"))
    assert done.outcome is not CompletionOutcome.NOTHING
    assert await completions(seeded) == []
