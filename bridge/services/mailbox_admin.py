"""The polled IMAP mailboxes for the console and the CLI: the configured list with whether each is paused, and
pause/resume (audited in the same transaction). A paused mailbox is not polled (bridge/mailbox_pause.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bridge.services.admin import AdminError


@dataclass(frozen=True, slots=True)
class MailboxRow:
    name: str
    owner_organ: str
    host: str
    user: str
    folder: str
    paused_at: datetime | None
    paused_by: str


async def list_mailboxes(deps: Any, imap: Any) -> list[MailboxRow]:
    """Every `[[imap.mailboxes]]` entry in configuration order, with its pause."""
    async with deps.uow() as uow:
        pauses = await uow.mailbox_pauses.all()
    out = []
    for m in imap.mailboxes:
        p = pauses.get(m.name)
        out.append(MailboxRow(m.name, m.owner_organ, m.host, m.user, m.folder,
                              p.paused_at if p else None, p.paused_by if p else ""))  # fmt: skip
    return out


async def set_paused(deps: Any, imap: Any, actor: str, name: str, paused: bool) -> bool:
    """Pause or resume `name`; False when it already was so (nothing audited then)."""
    if name not in {m.name for m in imap.mailboxes}:
        raise AdminError(f"Không có hộp thư «{name}» trong cấu hình ([[imap.mailboxes]]).")
    async with deps.uow() as uow:
        changed = await (uow.mailbox_pauses.pause(name, actor) if paused else uow.mailbox_pauses.resume(name))
        if changed:
            action = "mailbox.pause" if paused else "mailbox.resume"
            await deps.audit.record_in(uow.audit, actor, action, name)
        await uow.commit()
    return changed


async def last_probes(deps: Any) -> dict[str, Any]:
    """The newest availability sample of each mailbox (bridge/probes.py), by name."""
    async with deps.uow() as uow:
        return await uow.availability.latest("mailbox")
