"""Officials: created by an admin with a one-time link code; `/start CODE` links their chat."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bridge.services.deps import Deps
from core.officials import Official, Role
from core.vn_time import format_time

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read and typed by people


def repo(uow, deps: Deps):  # type: ignore[no-untyped-def]
    return uow.officials


@dataclass(frozen=True, slots=True)
class NewOfficial:
    official: Official
    code: str
    expires_at_text: str


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


async def create_official(
    deps: Deps,
    name: str,
    organ_id: str,
    role: Role | str,
    email: str = "",
    code_ttl: timedelta = timedelta(days=3),
    actor: str = "cli",
) -> NewOfficial:
    """Raises ValueError (Vietnamese) for an unknown agency or role. Audited (by `actor`) in the same
    transaction; the code itself is never written to the audit log."""
    role = role if isinstance(role, Role) else Role.parse(role)
    if not name.strip():
        raise ValueError("Cần ghi họ tên cán bộ.")
    async with deps.uow() as uow:
        if await uow.agencies.get(organ_id) is None:
            raise ValueError(f"Không có cơ quan mã {organ_id} trong danh bạ.")
        official = await repo(uow, deps).add(name.strip(), organ_id, role, email.strip().lower())
        code, expires = await _issue_code(uow, deps, official.id, code_ttl)
        details = {"name": official.name, "organ_id": organ_id, "role": role.value}
        await deps.audit.record_in(uow.audit, actor, "official.create", str(official.id), **details)
        await uow.commit()
    return NewOfficial(official, code, format_time(expires))


async def new_link_code(
    deps: Deps, official_id: int, code_ttl: timedelta = timedelta(days=3), actor: str = "cli"
) -> str:
    """A fresh code for an official who changes phone or lost the first one."""
    async with deps.uow() as uow:
        if await repo(uow, deps).get(official_id) is None:
            raise ValueError(f"Không có cán bộ số {official_id}.")
        code, _ = await _issue_code(uow, deps, official_id, code_ttl)
        await deps.audit.record_in(uow.audit, actor, "official.code", str(official_id))
        await uow.commit()
    return code


async def _issue_code(uow, deps: Deps, official_id: int, ttl: timedelta):  # type: ignore[no-untyped-def]
    code, expires = new_code(), deps.clock.now() + ttl
    await repo(uow, deps).add_code(code, official_id, expires)
    return code, expires


async def link_chat(deps: Deps, chat_id: str, code: str) -> Official | None:
    """The official the code belongs to, now linked to this chat; None for an unknown, used or expired code."""
    code = code.strip().upper()
    if not code:
        return None
    async with deps.uow() as uow:
        r = repo(uow, deps)
        official_id = await r.use_code(code, deps.clock.now())
        if official_id is None:
            return None
        await r.link(official_id, chat_id)
        official = await r.get(official_id)
        await uow.commit()
    return official


async def official_of_chat(deps: Deps, chat_id: str) -> Official | None:
    async with deps.uow() as uow:
        return await repo(uow, deps).by_chat(chat_id)
