"""The agency directory."""

from __future__ import annotations

import builtins
from typing import Any

import sqlalchemy as sa

from core.agency import Agency, SenderPolicy
from core.organ_id import OrganId
from storage.repos._base import Repository
from storage.tables import agencies as t
from storage.tables import agency_emails as e


def _row(a: Agency) -> dict[str, Any]:
    return {
        "organ_id": str(a.organ_id),
        "name": a.name,
        "parent_name": a.parent_name,
        "emails": list(a.emails),
        "served": a.served,
        "address": a.address,
        "telephone": a.telephone,
        "tax_codes": list(a.tax_codes),
        "cert_fingerprints": list(a.cert_fingerprints),
        "sender_policy": a.sender_policy.value,
        "code_qd20": a.code_qd20,
        "abbreviation": a.abbreviation,
        "extra": dict(a.extra),
    }


def _agency(r: Any) -> Agency:
    return Agency(
        organ_id=OrganId(r.organ_id),
        name=r.name,
        parent_name=r.parent_name,
        emails=tuple(r.emails),
        served=r.served,
        address=r.address,
        telephone=r.telephone,
        tax_codes=tuple(r.tax_codes),
        cert_fingerprints=tuple(r.cert_fingerprints),
        sender_policy=SenderPolicy(r.sender_policy),
        code_qd20=r.code_qd20,
        abbreviation=r.abbreviation,
        extra=dict(r.extra),
    )


class AgencyRepository(Repository):
    async def get(self, organ_id: OrganId | str) -> Agency | None:
        row = (await self._conn.execute(sa.select(t).where(t.c.organ_id == str(organ_id)))).first()
        return _agency(row) if row else None

    async def by_email(self, address: str) -> Agency | None:
        """The agency owning this address (case-insensitive); the lowest organ_id if several claim it."""
        q = (
            sa.select(t)
            .join(e, e.c.organ_id == t.c.organ_id)
            .where(e.c.address == address.strip().lower())
            .order_by(t.c.organ_id)
            .limit(1)
        )
        row = (await self._conn.execute(q)).first()
        return _agency(row) if row else None

    async def upsert(self, agency: Agency) -> None:
        row = _row(agency)
        ins = self._insert(t).values(row)
        await self._conn.execute(ins.on_conflict_do_update(index_elements=[t.c.organ_id], set_=row))
        await self._conn.execute(sa.delete(e).where(e.c.organ_id == row["organ_id"]))
        addresses = dict.fromkeys(a.strip().lower() for a in agency.emails)
        if addresses:
            await self._conn.execute(sa.insert(e), [{"address": a, "organ_id": row["organ_id"]} for a in addresses])

    async def list(self, served: bool | None = None) -> builtins.list[Agency]:
        q = sa.select(t).order_by(t.c.organ_id)
        if served is not None:
            q = q.where(t.c.served == served)
        return [_agency(r) for r in await self._conn.execute(q)]
