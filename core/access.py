"""Who may do what in the dashboard and API: roles, users, and audit log entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    MONITOR = "monitor"  # Văn phòng UBND tỉnh: xem mọi thứ, không thao tác
    CLERK = "clerk"  # văn thư của một cơ quan
    LEADER = "leader"  # lãnh đạo của một cơ quan
    ADMIN = "admin"  # quản trị: danh bạ, hộp thư, gốc tin cậy, thư chết

    @property
    def label(self) -> str:
        return {
            "monitor": "Giám sát (Văn phòng UBND tỉnh)",
            "clerk": "Văn thư cơ quan",
            "leader": "Lãnh đạo cơ quan",
            "admin": "Quản trị hệ thống",
        }[self.value]

    @property
    def agency_bound(self) -> bool:
        return self in (Role.CLERK, Role.LEADER)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    organ_id: str = ""  # the agency of a clerk or leader
    full_name: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""
