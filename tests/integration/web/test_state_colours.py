"""States and the answers to a clerk's actions in their colours: held = warning, rejected = danger, registered =
success — on the held list, the document page, the search and the message after an action (never a refusal
in the success colour)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from bridge.services.completion import CompletionOutcome
from bridge.web import labels
from core.document import ProcessingState
from tests.fixtures.console import add_full_document
from tests.fixtures.dashboard import Seeded

CSS = (Path(labels.__file__).parent / "static" / "console.css").read_text(encoding="utf-8")


def csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m
    return m.group(1)


def message_class(page: str) -> str:
    m = re.search(r'<p class="msg ([a-z ]+)" id="message">', page)
    assert m, page
    return m.group(1)


def state_badge(page: str, state: str) -> str:
    m = re.search(rf'<span class="badge {state} ([a-z]+)"', page)
    assert m, state
    return m.group(1)


def colour_of(selector: str) -> str:
    """The --ok / --warn / --err colour variable a CSS rule uses (console.css)."""
    m = re.search(rf"(?:^|[,\s}}]){re.escape(selector)}(?:,[^{{]*)?\{{[^}}]*color:var\(--([a-z]+)\)", CSS, re.M)
    assert m, selector
    return m.group(1)


def test_every_state_and_outcome_has_its_tone() -> None:
    tones = {s: labels.state_tone(s) for s in (*ProcessingState, *CompletionOutcome)}
    assert tones[ProcessingState.HELD] == tones[CompletionOutcome.HELD] == tones[CompletionOutcome.WAITING] == "warn"
    assert tones[ProcessingState.REJECTED] == tones[CompletionOutcome.REJECTED] == "err"
    assert tones[ProcessingState.REGISTERED] == tones[CompletionOutcome.REGISTERED] == "ok"
    assert tones[CompletionOutcome.NOTHING] == tones[CompletionOutcome.NOT_HELD] == "err"  # nothing was done


def test_the_classes_have_the_colours() -> None:
    assert {colour_of(f".badge.{s}") for s in ("held", "warn")} == {"warn"}
    assert {colour_of(f".badge.{s}") for s in ("rejected", "err")} == {"err"}
    assert {colour_of(f".badge.{s}") for s in ("registered", "ok")} == {"ok"}
    assert (colour_of(".msg.ok"), colour_of(".msg.warn"), colour_of(".msg.err")) == ("ok", "warn", "err")


async def follow(c: httpx.AsyncClient, r: httpx.Response) -> str:
    assert r.status_code == 303, r.text
    return (await c.get(r.headers["location"])).text


async def test_held_is_a_warning_a_refusal_danger_a_registration_success(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    for doc_id in ("doc-r", "doc-a", "doc-c"):
        await add_full_document(seeded.bridge, doc_id)
    c = await client_for("vanthu_a")
    held = (await c.get("/web/held")).text
    assert state_badge(held, "held") == "warn"
    token = csrf(held)

    refused = await follow(c, await c.post("/web/held/doc-r/reject", data={"csrf": token, "reason": "Sai thể thức"}))
    assert "Đã từ chối văn bản" in refused and message_class(refused) == "err"
    assert state_badge((await c.get("/web/documents/doc-r")).text, "rejected") == "err"

    accepted = await follow(c, await c.post("/web/held/doc-a/accept", data={"csrf": token, "confirm": "1"}))
    assert "Đã tiếp nhận văn bản" in accepted and message_class(accepted) == "ok"
    assert state_badge((await c.get("/web/documents/doc-a")).text, "registered") == "ok"

    completed = await c.post("/web/documents/doc-c/complete", data={"csrf": token, "lines": "Chức vụ: Chủ tịch"})
    refused = await follow(c, completed)  # the fixture's sender address is refused when the checks run again
    assert "bị từ chối" in refused and message_class(refused) == "err"

    found = (await c.get("/web/search", params={"per": 100})).text
    assert {state_badge(found, s) for s in ("held", "rejected", "registered")} >= {"warn", "err", "ok"}
