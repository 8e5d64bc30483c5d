"""The agency directory file (TOML) → core Agency records."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from core.agency import Agency, SenderPolicy
from core.organ_id import OrganId


class DirectoryError(ValueError):
    pass


def _agency(row: dict[str, Any]) -> Agency:
    try:
        return Agency(
            organ_id=OrganId.parse(row["organ_id"]),
            name=row["name"],
            parent_name=row.get("parent_name", ""),
            emails=tuple(e.strip().lower() for e in row.get("emails", [])),
            served=bool(row.get("served", True)),
            address=row.get("address", ""),
            telephone=row.get("telephone", ""),
            tax_codes=tuple(row.get("tax_codes", [])),
            cert_fingerprints=tuple(f.lower().replace(":", "") for f in row.get("cert_fingerprints", [])),
            sender_policy=SenderPolicy(row.get("sender_policy", "directory")),
            code_qd20=row.get("code_qd20", ""),
            abbreviation=row.get("abbreviation", ""),
        )
    except (KeyError, ValueError) as exc:
        raise DirectoryError(f"Dòng danh bạ không hợp lệ ({row.get('organ_id', '?')}): {exc}") from exc


def load_directory(path: str | Path) -> list[Agency]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    agencies = [_agency(row) for row in data.get("agency", [])]
    seen: set[str] = set()
    for a in agencies:
        if a.organ_id.value in seen:
            raise DirectoryError(f"Mã định danh bị trùng trong danh bạ: {a.organ_id}")
        seen.add(a.organ_id.value)
    return agencies
