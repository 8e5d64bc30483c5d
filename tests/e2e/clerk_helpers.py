"""Helpers of the clerk/official journeys (issue 16): a dashboard session on the running service's database."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import httpx

from core.access import Role
from tests.e2e.harness import TAN_HOA

PASSWORD = "mật-khẩu-văn-thư-1"


async def add_user(database_url: str, username: str, role: Role, organ: str, clock: Any = None) -> None:
    """A dashboard user, created as `edoc-bridge users add` does, on the service's database."""
    from bridge.services.accounts import Accounts
    from bridge.services.audit import AuditLog
    from bridge.services.deps import SystemClock
    from storage.access import AccessStore
    from storage.engine import make_engine

    engine = make_engine(database_url)
    try:
        store = AccessStore(engine)
        clock = clock or SystemClock()
        await Accounts(store, AuditLog(store, clock), clock).create_user(username, PASSWORD, role, organ)
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def web_session(base: str, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A logged-in browser-like client (session cookie)."""
    async with httpx.AsyncClient(base_url=base, timeout=15) as c:
        r = await c.post("/web/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 303 and r.headers["location"] == "/web/", r.text
        yield c


def body_of(msg: EmailMessage) -> str:
    return str(msg.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def reply_to(receipt: EmailMessage, text: str, *, sender: str = TAN_HOA, keep_token: bool = True,
             pdf: bytes | None = None) -> EmailMessage:  # fmt: skip
    """What a clerk's mail client sends on "Trả lời": to the Reply-To, "Re: " subject, In-Reply-To/References,
    their text above the quoted receipt. `keep_token=False`: the clerk deleted the token and the references."""
    msg = EmailMessage()
    subject = str(receipt["Subject"])
    if not keep_token:
        subject = re.sub(r"\s*\[EDOC-[0-9A-F]{16}\]", "", subject)
    msg["From"], msg["To"], msg["Subject"] = sender, str(receipt["Reply-To"] or receipt["From"]), f"Re: {subject}"
    if keep_token:
        msg["In-Reply-To"] = msg["References"] = str(receipt["Message-ID"])
    quoted = "\n".join(f"> {line}" for line in body_of(receipt).splitlines())
    original = quoted if keep_token else re.sub(r"EDOC-[0-9A-F]{16}", "(mã)", quoted)
    msg.set_content(f"{text}\n\nTrân trọng.\n\nVào lúc 10:00, Cầu nối văn bản điện tử đã viết:\n{original}\n")
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="12-QD-UBND-sua.pdf")
    return msg
