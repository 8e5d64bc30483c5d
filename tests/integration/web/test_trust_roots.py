"""Trust roots administered from the CLI (`edoc-bridge trust list | add | remove`) and the console
(/web/admin/trust), on SQLite and PostgreSQL: refused certificates get a Vietnamese reason, every change is
in the audit log, the last root is never removed, and configured roots are listed but not removable."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import unquote_plus

import sqlalchemy as sa
from click.testing import Result
from typer.testing import CliRunner

from bridge.bootstrap import access
from bridge.cli import app
from storage.access import audit_log
from storage.engine import make_engine
from tests.fixtures.dashboard import Seeded
from tests.fixtures.pki import TestPki


async def _cli(config: Path, *args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, app, ["trust", *args, "--config", str(config)])


async def test_cli_lists_adds_and_removes_with_an_audit(db_url: str, tmp_path: Path, test_pki: TestPki) -> None:
    configured = tmp_path / "other-root.pem"
    configured.write_bytes(test_pki.other_root.cert_pem)
    config = tmp_path / "edoc.toml"
    config.write_text(
        f'database_url = "{db_url}"\nblob_dir = "{tmp_path / "blobs"}"\n[axis]\nsimulator_data_dir = "{tmp_path}"\n'
        f'[checks]\ntrust_roots = ["{configured}"]\ntrust_dir = "{tmp_path / "trust"}"\n',
        encoding="utf-8",
    )
    root, leaf = tmp_path / "root.der", tmp_path / "person.pem"
    root.write_bytes(test_pki.root.cert_der)
    leaf.write_bytes(test_pki.personal.cert_pem)
    listed = await _cli(config, "list")
    assert test_pki.other_root.sha256 in listed.output and "tệp cấu hình" in listed.output
    refused = await _cli(config, "add", str(leaf))
    assert "không phải của tổ chức cấp chứng thư (CA)" in str(refused.exception)
    added = await _cli(config, "add", str(root))
    assert added.exit_code == 0 and f"SHA-256 {test_pki.root.sha256}" in added.output
    assert (tmp_path / "trust" / f"{test_pki.root.sha256}.pem").is_file()
    assert "đã có" in str((await _cli(config, "add", str(root))).exception)
    listed = await _cli(config, "list")
    assert "Test Root CA chuyên dùng" in listed.output and "thư mục quản lý" in listed.output
    not_managed = await _cli(config, "remove", test_pki.other_root.sha256)
    assert "sửa cấu hình" in str(not_managed.exception)
    removed = await _cli(config, "remove", test_pki.root.sha256)
    assert removed.exit_code == 0 and "Đã gỡ chứng thư gốc" in removed.output
    assert not (tmp_path / "trust" / f"{test_pki.root.sha256}.pem").exists()
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(audit_log.c.action, audit_log.c.target))).all()
    finally:
        await engine.dispose()
    root_sha = test_pki.root.sha256
    assert [tuple(r) for r in rows] == [("trust_root.add", root_sha), ("trust_root.remove", root_sha)]


async def test_console_adds_and_removes_a_root(seeded: Seeded, client_for, test_pki: TestPki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    checks = seeded.bridge.settings.checks
    before = checks.trust_dir
    checks.trust_dir = str(tmp_path / "trust")
    try:
        c, monitor = await client_for("admin"), await client_for("giamsat")
        page = (await c.get("/web/admin/trust")).text
        assert "Chưa có chứng thư gốc nào" in page
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None
        upload = {"file": ("root.pem", test_pki.root.cert_pem, "application/x-pem-file")}
        r = await c.post("/web/admin/trust", data={"csrf": token[1]}, files=upload)
        assert "Đã thêm chứng thư gốc" in unquote_plus(r.headers["location"])
        other = {"file": ("other.pem", test_pki.other_root.cert_pem, "application/x-pem-file")}
        await c.post("/web/admin/trust", data={"csrf": token[1]}, files=other)
        page = (await c.get("/web/admin/trust")).text
        assert test_pki.root.sha256 in page and "Test Root CA chuyên dùng" in page
        assert (await monitor.get("/web/admin/trust")).status_code == 200
        denied = await monitor.post(f"/web/admin/trust/{test_pki.root.sha256}/remove", data={"csrf": token[1]})
        assert denied.status_code == 403
        leaf = {"file": ("leaf.pem", test_pki.personal.cert_pem, "application/x-pem-file")}
        r = await c.post("/web/admin/trust", data={"csrf": token[1]}, files=leaf)
        assert "không phải của tổ chức cấp chứng thư" in unquote_plus(r.headers["location"])
        r = await c.post(f"/web/admin/trust/{test_pki.root.sha256}/remove", data={"csrf": token[1]})
        assert "Đã gỡ chứng thư gốc" in unquote_plus(r.headers["location"])
        r = await c.post(f"/web/admin/trust/{test_pki.other_root.sha256}/remove", data={"csrf": token[1]})
        assert "Không gỡ chứng thư gốc cuối cùng" in unquote_plus(r.headers["location"])
        done = [(e.action, e.target) for e in await access(seeded.bridge).store.recent_audit(100)]
        assert ("trust_root.add", test_pki.root.sha256) in done and ("trust_root.remove", test_pki.root.sha256) in done
        log = (await c.get("/web/audit")).text
        assert "Thêm chứng thư gốc tin cậy" in log and "Gỡ chứng thư gốc tin cậy" in log
    finally:
        checks.trust_dir = before
