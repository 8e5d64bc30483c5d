"""Users, sessions, API tokens and the hash-chained audit log (tables + store).

The tables live on storage.tables.metadata so the schema-drift check sees them once this module is imported;
the migration is the "access" branch off 0001."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.access import AuditEntry, LoginFailures, Role, TokenInfo, User
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
    sa.Column("expires_at", UtcDateTime(), nullable=True),  # None: until revoked
    sa.Index(None, "user_id"),
)

# Failed logins per key ("user:<name>" or "addr:<client address>"), shared by every process.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("first_at", UtcDateTime(), nullable=False),
    sa.Column("last_at", UtcDateTime(), nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
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
    sa.Column("key_id", sa.String(16), nullable=False, server_default=""),  # "": unkeyed (before access_0002)
)

# Serialises appends to the chain on PostgreSQL (SQLite's BEGIN already takes the write lock).
_AUDIT_LOCK = 0x65D0C_0A0D
TOKEN_ID_LEN = 12  # hex characters of the token's hash shown as its id

# (seq, prev_hash) -> the new entry with its hash
MakeEntry = Callable[[int, str], AuditEntry]
# called with the transaction's AuditRepository, to record what it did in the same transaction
Audit = Callable[["AuditRepository"], Awaitable[Any]]


def _user(r: Any) -> User:
    return User(r.id, r.username, Role(r.role), r.organ_id, r.full_name, r.active)


def _entry(r: Any) -> AuditEntry:
    return AuditEntry(r.seq, r.at, r.actor, r.action, r.target, dict(r.details), r.prev_hash, r.hash, r.key_id)


def _failures(r: Any) -> LoginFailures:
    return LoginFailures(r.key, r.failures, r.first_at, r.last_at, r.locked_until)


class AuditRepository:
    """The audit chain inside a caller's transaction (a unit of work's or the store's own)."""

    def __init__(self, conn: AsyncConnection, appended: list[AuditEntry] | None = None) -> None:
        self._conn = conn
        self.appended = appended if appended is not None else []  # entries this transaction wrote

    async def append(self, make: MakeEntry) -> AuditEntry:
        """Append one entry after the current last one; the lock is held until the transaction ends."""
        await _lock_chain(self._conn)
        last = await self.last()
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
            key_id=entry.key_id,
        )
        await self._conn.execute(sa.insert(audit_log).values(row))
        self.appended.append(entry)
        return entry

    async def last(self) -> AuditEntry | None:
        r = (await self._conn.execute(sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(1))).first()
        return _entry(r) if r else None

    async def at(self, seq: int) -> AuditEntry | None:
        r = (await self._conn.execute(sa.select(audit_log).where(audit_log.c.seq == seq))).first()
        return _entry(r) if r else None


class AccessStore:
    """Each method is its own short transaction; the ones that change something take `audit`, run in the same
    transaction, so a change and its audit entry are committed together or not at all. `on_commit` gets the
    entries a committed transaction appended (the audit head written outside the database)."""

    def __init__(
        self, engine: AsyncEngine, on_commit: Callable[[builtins.list[AuditEntry]], Awaitable[None]] | None = None
    ) -> None:
        self._engine = engine
        self.on_commit = on_commit

    @asynccontextmanager
    async def _changing(self, audit: Audit | None) -> AsyncIterator[AsyncConnection]:
        repo: AuditRepository | None = None
        async with self._engine.begin() as conn:
            yield conn
            if audit is not None:
                repo = AuditRepository(conn)
                await audit(repo)
        if repo is not None and repo.appended and self.on_commit is not None:
            await self.on_commit(repo.appended)

    async def add_user(
        self,
        username: str,
        password_hash: str,
        role: Role,
        organ_id: str,
        full_name: str,
        at: datetime,
        audit: Audit | None = None,
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
        async with self._changing(audit) as conn:
            new_id = (await conn.execute(sa.insert(users).values(row).returning(users.c.id))).scalar_one()
        return User(new_id, username, role, organ_id, full_name, True)

    async def set_password(self, username: str, password_hash: str, audit: Audit | None = None) -> bool:
        """New password; every session of the user ends (API tokens stay: they are revoked on their own)."""
        async with self._changing(audit) as conn:
            user_id = await _user_id(conn, username)
            if user_id is None:
                return False
            await conn.execute(sa.update(users).where(users.c.id == user_id).values(password_hash=password_hash))
            await conn.execute(sa.delete(sessions).where(sessions.c.user_id == user_id))
        return True

    async def set_active(self, username: str, active: bool, audit: Audit | None = None) -> bool:
        """Enable or disable; disabling ends every session and API token of the user in the same transaction."""
        async with self._changing(audit) as conn:
            user_id = await _user_id(conn, username)
            if user_id is None:
                return False
            await conn.execute(sa.update(users).where(users.c.id == user_id).values(active=active))
            if not active:
                await conn.execute(sa.delete(sessions).where(sessions.c.user_id == user_id))
                await conn.execute(sa.delete(api_tokens).where(api_tokens.c.user_id == user_id))
        return True

    async def credentials(self, username: str) -> tuple[User, str] | None:
        async with self._engine.connect() as conn:
            r = (await conn.execute(sa.select(users).where(users.c.username == username))).first()
        return (_user(r), r.password_hash) if r else None

    async def list_users(self) -> builtins.list[User]:
        async with self._engine.connect() as conn:
            return [_user(r) for r in await conn.execute(sa.select(users).order_by(users.c.username))]

    async def add_session(
        self, token_hash: str, user_id: int, csrf: str, expires_at: datetime, audit: Audit | None = None
    ) -> None:
        row = dict(token_hash=token_hash, user_id=user_id, csrf=csrf, expires_at=expires_at)
        async with self._changing(audit) as conn:
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

    async def end_session(self, token_hash: str, audit: Audit | None = None) -> None:
        async with self._changing(audit) as conn:
            await conn.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash))

    async def add_token(
        self,
        token_hash: str,
        user_id: int,
        name: str,
        at: datetime,
        expires_at: datetime | None = None,
        audit: Audit | None = None,
    ) -> None:
        row = dict(token_hash=token_hash, user_id=user_id, name=name, created_at=at, expires_at=expires_at)
        async with self._changing(audit) as conn:
            await conn.execute(sa.insert(api_tokens).values(row))

    async def token_user(self, token_hash: str, now: datetime) -> User | None:
        """The active user of a token that is neither revoked nor expired."""
        q = (
            sa.select(users)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == token_hash,
                users.c.active,
                sa.or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > now),
            )
        )
        async with self._engine.connect() as conn:
            r = (await conn.execute(q)).first()
        return _user(r) if r else None

    async def tokens(self, username: str | None = None) -> builtins.list[TokenInfo]:
        q = sa.select(api_tokens, users.c.username).join(users, api_tokens.c.user_id == users.c.id)
        if username is not None:
            q = q.where(users.c.username == username)
        q = q.order_by(users.c.username, api_tokens.c.created_at)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return [TokenInfo(r.token_hash[:TOKEN_ID_LEN], r.username, r.name, r.created_at, r.expires_at) for r in rows]

    async def revoke_token(
        self, token_id: str, audit_for: Callable[[TokenInfo], Audit] | None = None
    ) -> builtins.list[TokenInfo]:
        """Every token whose id (a prefix of its hash) is `token_id`; the token is deleted (and audited, in the
        same transaction) only when exactly one matches."""
        prefix = token_id.strip().lower()
        if not prefix or len(prefix) > 64 or any(c not in "0123456789abcdef" for c in prefix):
            return []
        q = (
            sa.select(api_tokens, users.c.username)
            .join(users, api_tokens.c.user_id == users.c.id)
            .where(api_tokens.c.token_hash.startswith(prefix, autoescape=True))
        )
        async with self._engine.begin() as conn:
            rows = (await conn.execute(q)).all()
            found = [
                TokenInfo(r.token_hash[:TOKEN_ID_LEN], r.username, r.name, r.created_at, r.expires_at) for r in rows
            ]
            if len(rows) != 1:
                return found
            await conn.execute(sa.delete(api_tokens).where(api_tokens.c.token_hash == rows[0].token_hash))
            repo = AuditRepository(conn)
            if audit_for is not None:
                await audit_for(found[0])(repo)
        if repo.appended and self.on_commit is not None:
            await self.on_commit(repo.appended)
        return found

    # --- failed logins ---------------------------------------------------------------------------------

    async def login_failures(self, keys: Sequence[str]) -> dict[str, LoginFailures]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(sa.select(login_failures).where(login_failures.c.key.in_(list(keys))))
            return {r.key: _failures(r) for r in rows}

    async def save_login_failures(self, found: LoginFailures, audit: Audit | None = None) -> None:
        row = dict(
            failures=found.failures, first_at=found.first_at, last_at=found.last_at, locked_until=found.locked_until
        )
        async with self._changing(audit) as conn:
            done = await conn.execute(sa.update(login_failures).where(login_failures.c.key == found.key).values(row))
            if done.rowcount == 0:
                await conn.execute(sa.insert(login_failures).values(key=found.key, **row))

    async def clear_login_failures(self, key: str, audit: Audit | None = None) -> bool:
        async with self._changing(audit) as conn:
            return (await conn.execute(sa.delete(login_failures).where(login_failures.c.key == key))).rowcount > 0

    async def locked_logins(self, now: datetime) -> builtins.list[LoginFailures]:
        q = sa.select(login_failures).where(login_failures.c.locked_until > now).order_by(login_failures.c.key)
        async with self._engine.connect() as conn:
            return [_failures(r) for r in await conn.execute(q)]

    # --- audit log -------------------------------------------------------------------------------------

    async def append_audit(self, make: MakeEntry) -> AuditEntry:
        """Append one entry in its own transaction."""
        repo: AuditRepository
        async with self._engine.begin() as conn:
            repo = AuditRepository(conn)
            entry = await repo.append(make)
        if self.on_commit is not None:
            await self.on_commit(repo.appended)
        return entry

    async def audit_entries(self, after: int = 0, limit: int = 1000) -> builtins.list[AuditEntry]:
        q = sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
        async with self._engine.connect() as conn:
            return [_entry(r) for r in await conn.execute(q)]

    async def recent_audit(self, limit: int = 100) -> builtins.list[AuditEntry]:
        q = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [_entry(r) for r in await conn.execute(q)]

    async def audit_at(self, seq: int) -> AuditEntry | None:
        async with self._engine.connect() as conn:
            return await AuditRepository(conn).at(seq)

    async def last_audit(self) -> AuditEntry | None:
        async with self._engine.connect() as conn:
            return await AuditRepository(conn).last()


async def _user_id(conn: AsyncConnection, username: str) -> int | None:
    return (await conn.execute(sa.select(users.c.id).where(users.c.username == username))).scalar_one_or_none()


async def _lock_chain(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _AUDIT_LOCK})
