"""Administration use cases shared by the console and the CLI: the agency directory and the chatbot officials.
Every change is written to the audit log under the acting user ("cli" from the command line)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bridge.services.officials import new_link_code
from core.agency import Agency, SenderPolicy
from core.officials import Official
from core.organ_id import InvalidOrganId, OrganId


class AdminError(ValueError):
    """A Vietnamese message for the administrator."""


async def list_agencies(deps: Any) -> list[Agency]:
    async with deps.uow() as uow:
        return sorted(await uow.agencies.list(), key=lambda a: a.organ_id.value)


def agency_from_form(
    organ_id: str,
    name: str,
    emails: str,
    parent_name: str = "",
    served: bool = True,
    sender_policy: str = "directory",
    tax_codes: str = "",
    abbreviation: str = "",
) -> Agency:
    """An Agency from what a person typed (addresses and tax codes one per line or comma-separated)."""
    try:
        organ = OrganId.parse(organ_id.strip())
    except InvalidOrganId as exc:
        raise AdminError(str(exc)) from exc
    if not name.strip():
        raise AdminError("Cần ghi tên cơ quan.")
    addresses = tuple(dict.fromkeys(e.strip().lower() for e in emails.replace(",", "\n").splitlines() if e.strip()))
    if bad := [e for e in addresses if "@" not in e or " " in e]:
        raise AdminError(f"Địa chỉ thư không hợp lệ: {', '.join(bad)}")
    try:
        policy = SenderPolicy(sender_policy)
    except ValueError as exc:
        raise AdminError("Chính sách kiểm tra người gửi phải là «directory» hoặc «dkim».") from exc
    codes = tuple(c.strip() for c in tax_codes.replace(",", "\n").splitlines() if c.strip())
    return Agency(organ, name.strip(), parent_name.strip(), addresses, served, tax_codes=codes,
                  sender_policy=policy, abbreviation=abbreviation.strip())  # fmt: skip


async def save_agency(deps: Any, audit: Any, actor: str, agency: Agency, *, new: bool) -> None:
    """Add (refused when the code exists) or edit an agency; the audit says which fields changed."""
    async with deps.uow() as uow:
        before = await uow.agencies.get(agency.organ_id.value)
        if new and before is not None:
            raise AdminError(f"Đã có cơ quan mã {agency.organ_id}.")
        if not new and before is None:
            raise AdminError(f"Không có cơ quan mã {agency.organ_id}.")
        if before is not None:  # keep what the form does not show
            agency = _keep(before, agency)
        await uow.agencies.upsert(agency)
        changed = [f for f in ("name", "parent_name", "emails", "served", "tax_codes", "sender_policy", "abbreviation")
                   if before is None or getattr(before, f) != getattr(agency, f)]  # fmt: skip
        action = "agency.add" if new else "agency.edit"  # audited in the same transaction (deps.audit)
        await deps.audit.record_in(uow.audit, actor, action, agency.organ_id.value, fields=changed)
        await uow.commit()


def _keep(before: Agency, after: Agency) -> Agency:
    from dataclasses import replace

    return replace(
        after,
        address=before.address,
        telephone=before.telephone,
        cert_fingerprints=before.cert_fingerprints,
        code_qd20=before.code_qd20,
        extra=before.extra,
    )


async def list_officials(deps: Any) -> list[Official]:
    async with deps.uow() as uow:
        return list(await uow.officials.all())


async def official_code(deps: Any, audit: Any, actor: str, official_id: int, ttl: timedelta) -> str:
    try:
        return await new_link_code(deps, official_id, ttl, actor=actor)  # audited with the code it issues
    except ValueError as exc:
        raise AdminError(str(exc)) from exc


async def unlink_official(deps: Any, audit: Any, actor: str, official_id: int) -> None:
    async with deps.uow() as uow:
        if await uow.officials.get(official_id) is None:
            raise AdminError(f"Không có cán bộ số {official_id}.")
        if not await uow.officials.unlink(official_id):
            raise AdminError(f"Cán bộ số {official_id} chưa liên kết chatbot.")
        await deps.audit.record_in(uow.audit, actor, "official.unlink", str(official_id))
        await uow.commit()
