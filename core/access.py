"""Who may do what in the dashboard and API: roles, users, and audit log entries.

The one rule for "may this user act on this document" lives here (`may_act`): every route, page, bot action
and command asks it. Seeing is wider than acting: a recipient agency reads a document addressed to it, but
only the agency the document belongs to decides on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.document import Direction, Document, ProcessingState


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
    key_id: str = ""  # which audit key made `hash` (an HMAC); "" for an unkeyed entry


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed to an admin: never the token, only an id made from its hash."""

    id: str
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """Failed logins counted for one username or one client address (`key`)."""

    key: str
    failures: int
    first_at: datetime
    last_at: datetime
    locked_until: datetime | None = None


def organ_scope(user: User) -> str | None:
    """The agency a user is limited to, or None for every agency (monitor, admin)."""
    return user.organ_id if user.role.agency_bound else None


# A document reaches its recipients only once registered (and stays theirs if later recalled); before that
# (received, held, rejected) it is still its sender's and deciding agency's business, its reasons included.
SHARED_STATES = frozenset({ProcessingState.REGISTERED, ProcessingState.RECALLED})


def may_see(user: User, doc: Document) -> bool:
    """Province-wide roles see everything; a clerk or leader what their agency may see (`agency_may_see`)."""
    scope = organ_scope(user)
    return scope is None or agency_may_see(scope, doc)


def agency_may_see(organ_id: str, doc: Document) -> bool:
    """What the agency sent or decides on, always; what it receives, once released to it — never a recipient
    reading the sender's held or rejected document."""
    if not organ_id:
        return False
    if str(doc.sender) == organ_id or agency_may_act(organ_id, doc):
        return True
    return doc.state in SHARED_STATES and any(str(r) == organ_id for r in doc.recipients)


def deciding_agencies(doc: Document) -> frozenset[str]:
    """Whose clerk or leader decides on a document: the sending agency of an outgoing one (it is still theirs
    until released), the receiving served agency of an incoming one (axis → agency)."""
    if doc.direction is Direction.OUTGOING:
        return frozenset({str(doc.sender)}) if doc.sender is not None else frozenset()
    return frozenset(str(r) for r in doc.recipients)


def agency_may_act(organ_id: str, doc: Document) -> bool:
    """The same rule for someone known only by their agency (a chatbot official)."""
    return bool(organ_id) and organ_id in deciding_agencies(doc)


def may_act(user: User, doc: Document, *, admins_act: bool) -> bool:
    """May this user accept, reject or assign this document? Admins only when the installation says so
    (`security.admins_decide_documents`); the monitor never; a clerk or leader for their own agency only."""
    if not user.active:
        return False
    if user.role is Role.ADMIN:
        return admins_act
    return user.role.agency_bound and agency_may_act(user.organ_id, doc)
