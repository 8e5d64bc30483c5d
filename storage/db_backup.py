"""Copy the database out and back: pg_dump/pg_restore (custom format) for PostgreSQL, the SQLite online backup API
for SQLite. Restores go only into an EMPTY database, so a backup never mixes with live data."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """One Vietnamese line for the operator."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("CSDL SQLite trong bộ nhớ không sao lưu được: database_url phải trỏ tới một tệp.")
    return Path(database)


def pg_tool(name: str, bin_dir: str = "") -> str:
    """pg_dump/pg_restore: from `bin_dir`, else PATH, else the newest /usr/lib/postgresql/*/bin."""
    candidates = [str(Path(bin_dir) / name)] if bin_dir else []
    candidates += [shutil.which(name) or ""]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    raise BackupError(f"Không tìm thấy {name} (cài gói postgresql-client cùng phiên bản với máy chủ, hoặc --pg-bin).")


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _pg_env(url: str) -> dict[str, str]:
    """libpq's variables from a SQLAlchemy URL: the password never appears on a command line."""
    u = make_url(url)
    env = {**os.environ, "PGDATABASE": u.database or "", "PGAPPNAME": "edoc-bridge-backup"}
    for var, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username), ("PGPASSWORD", u.password)):
        if value:
            env[var] = str(value)
    return env


async def _run(args: list[str], env: dict[str, str], what: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        first = err.decode(errors="replace").strip().splitlines()[:1]
        raise BackupError(f"{what} thất bại (mã {process.returncode}): {first[0] if first else 'không rõ lỗi'}")


async def dump(url: str, target: Path, *, pg_bin: str = "") -> None:
    """The whole database into the file `target` (written under a temporary name, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    if is_sqlite(url):
        await asyncio.to_thread(_sqlite_copy, sqlite_path(url), partial)
    else:
        args = [pg_tool("pg_dump", pg_bin), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
        await _run(args, _pg_env(url), "pg_dump")
    os.replace(partial, target)


async def restore(url: str, source: Path, *, pg_bin: str = "") -> None:
    """`source` (from `dump`) into the empty database `url` (PostgreSQL: created beforehand, e.g. createdb)."""
    if is_sqlite(url):
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"Tệp CSDL {target} đã có dữ liệu: chỉ khôi phục vào một CSDL mới (tệp chưa có).")
        target.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_sqlite_copy, source, target)
        return
    if await _pg_has_tables(url):
        raise BackupError(f"CSDL {make_url(url).database!r} đã có bảng: chỉ khôi phục vào một CSDL mới, trống.")
    args = [pg_tool("pg_restore", pg_bin), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    await _run([*args, f"--dbname={make_url(url).database}", str(source)], _pg_env(url), "pg_restore")


async def _pg_has_tables(url: str) -> bool:
    import asyncpg

    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password, database=u.database)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
    finally:
        await conn.close()
    return bool(count)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the service writes."""
    if not source.is_file():
        raise BackupError(f"Không có tệp CSDL SQLite {source}.")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
