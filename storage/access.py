"""Users, sessions, API tokens and the hash-chained audit log (tables + store).

The tables live on storage.tables.metadata so the schema-drift check sees them once this module is imported;
the migration is the "access" branch off 0001."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.access import AuditEntry, Role, User
from storage.tables import BigId, UtcDateTime, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("organ_id", sa.String(20), nullable=False, server_default=""),
    sa.Column("full_name", sa.Text(), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_id"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text(), nullable=False, server_default=""),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_id"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.Text(), nullable=False),
    sa.Column("action", sa.Text(), nullable=False),
    sa.Column("target", sa.Text(), nullable=False, server_default=""),
    sa.Column("details", sa.JSON(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Serialises appends to the chain on PostgreSQL (SQLite's BEGIN already takes the write lock).
_AUDIT_LOCK = 0x65D0C_0A0D

# (seq, prev_hash) -> the new entry with its hash
MakeEntry = Callable[[int, str], AuditEntry]


def _user(r: Any) -> User:
    return User(r.id, r.username, Role(r.role), r.organ_id, r.full_name, r.active)


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r.seq, r.at, r.actor, r.action, r.target, dict(r.details), r.prev_hash, r.hash)


class AccessStore:
    """Each method is its own short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add_user(
        self, username: str, password_hash: str, role: Role, organ_id: str, full_name: str, at: datetime
    ) -> User:
        row = dict(
            username=username,
            password_hash=password_hash,
            role=role.value,
            organ_id=organ_id,
            full_name=full_name,
            active=True,
            created_at=at,
        )
        async with self._engine.begin() as conn:
            new_id = (await conn.execute(sa.insert(users).values(row).returning(users.c.id))).scalar_one()
        return User(new_id, username, role, organ_id, full_name, True)

    async def set_password(self, username: str, password_hash: str) -> bool:
        q = sa.update(users).where(users.c.username == username).values(password_hash=password_hash)
        async with self._engine.begin() as conn:
            return (await conn.execute(q)).rowcount > 0

    async def credentials(self, username: str) -> tuple[User, str] | None:
        async with self._engine.connect() as conn:
            r = (await conn.execute(sa.select(users).where(users.c.username == username))).first()
        return (_user(r), r.password_hash) if r else None

    async def list_users(self) -> builtins.list[User]:
        async with self._engine.connect() as conn:
            return [_user(r) for r in await conn.execute(sa.select(users).order_by(users.c.username))]

    async def add_session(self, token_hash: str, user_id: int, csrf: str, expires_at: datetime) -> None:
        row = dict(token_hash=token_hash, user_id=user_id, csrf=csrf, expires_at=expires_at)
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(sessions).values(row))

    async def session(self, token_hash: str, now: datetime) -> tuple[User, str] | None:
        """The user and CSRF token of a live session."""
        q = (
            sa.select(users, sessions.c.csrf)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now, users.c.active)
        )
        async with self._engine.connect() as conn:
            r = (await conn.execute(q)).first()
        return (_user(r), r.csrf) if r else None

    async def end_session(self, token_hash: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash))

    async def add_token(self, token_hash: str, user_id: int, name: str, at: datetime) -> None:
        row = dict(token_hash=token_hash, user_id=user_id, name=name, created_at=at)
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(api_tokens).values(row))

    async def token_user(self, token_hash: str) -> User | None:
        q = (
            sa.select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash == token_hash, users.c.active)
        )
        async with self._engine.connect() as conn:
            r = (await conn.execute(q)).first()
        return _user(r) if r else None

    async def append_audit(self, make: MakeEntry) -> AuditEntry:
        """Append one entry after the current last one, atomically."""
        async with self._engine.begin() as conn:
            await _lock_chain(conn)
            last = (await conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1))).first()
            entry = make(last.seq + 1 if last else 1, last.hash if last else "")
            row = dict(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                details=entry.details,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
            await conn.execute(sa.insert(audit_log).values(row))
        return entry

    async def audit_entries(self, after: int = 0, limit: int = 1000) -> builtins.list[AuditEntry]:
        q = sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
        async with self._engine.connect() as conn:
            return [_entry(r) for r in await conn.execute(q)]

    async def recent_audit(self, limit: int = 100) -> builtins.list[AuditEntry]:
        q = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [_entry(r) for r in await conn.execute(q)]


async def _lock_chain(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
