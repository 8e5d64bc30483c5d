"""The command line as an operator meets it: every error one Vietnamese line and a non-zero exit, no traceback
(unless --debug); refusals to start come before migrations; `config check` masks secrets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("EDOC_")}
    return subprocess.run(
        [sys.executable, "-m", "bridge.cli", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def one_line_error(run: subprocess.CompletedProcess[str], *, code: int) -> str:
    assert run.returncode == code, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.fixture
def demo(tmp_path: Path) -> dict[str, str]:
    """The demo on throwaway storage and free ports, as environment variables."""
    return {
        "EDOC_CONFIG": str(ROOT / "config" / "demo.toml"),
        "EDOC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3",
        "EDOC_BLOB_DIR": str(tmp_path / "blobs"),
        "EDOC_SMTP_IN__PORT": str(free_port()),
        "EDOC_API__PORT": str(free_port()),
        "EDOC_AXIS__SIMULATOR_PORT": str(free_port()),
        "EDOC_AXIS__SIMULATOR_DATA_DIR": str(tmp_path / "sim"),
        "EDOC_SMTP_OUT__FOLDER": str(tmp_path / "mail-out"),
        "EDOC_CHECKS__TRUST_ROOTS": f'["{ROOT}/config/trust/demo-root.pem"]',
        "EDOC_CHECKS__INTERMEDIATES": f'["{ROOT}/config/trust/demo-intermediate.pem"]',
        "EDOC_DIRECTORY_FILE": str(ROOT / "config" / "agencies.toml"),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_production_defaults_refuse_to_start_before_migrations(tmp_path: Path) -> None:
    run = cli("serve", cwd=tmp_path, env={"EDOC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3"})
    assert run.returncode == 3, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert all(line.startswith("Không khởi động") for line in lines), lines
    assert any("checks.trust_roots trống" in line for line in lines)
    assert not (tmp_path / "db.sqlite3").exists()  # no migration ran


def test_a_port_in_use_is_named_before_migrations(tmp_path: Path, demo: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = cli("serve", cwd=tmp_path, env={**demo, "EDOC_SMTP_IN__PORT": str(port)})
    line = one_line_error(run, code=3)
    assert (
        line
        == f"Không khởi động: SMTP nhận thư (smtp_in.port): cổng 127.0.0.1:{port} đang được một chương trình khác dùng."
    )
    assert not (tmp_path / "db.sqlite3").exists()


def test_a_missing_config_file_is_an_error(tmp_path: Path) -> None:
    run = cli("migrate", "-c", str(tmp_path / "nope.toml"), cwd=tmp_path)
    assert one_line_error(run, code=3) == f"Không tìm thấy tệp cấu hình {tmp_path / 'nope.toml'}."


def test_a_wrong_value_names_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[outbox]\nworkers = "four"\n', encoding="utf-8")
    run = cli("migrate", "-c", str(bad), cwd=tmp_path)
    assert one_line_error(run, code=3) == f"Cấu hình sai: outbox.workers = 'four' (tệp {bad}): phải là số nguyên."


def test_config_check_prints_the_effective_configuration_with_secrets_masked(
    tmp_path: Path, demo: dict[str, str]
) -> None:
    secrets = {"EDOC_AXIS__SECRET": "axis-secret-not-shown", "EDOC_SMTP_OUT__PASSWORD": "relay-pw-not-shown"}
    run = cli("config", "check", cwd=tmp_path, env={**demo, **secrets})
    assert run.returncode == 0, run.stderr
    assert 'profile = "demo"    # tệp ' in run.stdout
    assert 'secret = "********"    # biến môi trường EDOC_AXIS__SECRET' in run.stdout
    assert 'password = "********"    # biến môi trường EDOC_SMTP_OUT__PASSWORD' in run.stdout
    assert "axis-secret-not-shown" not in run.stdout + run.stderr
    assert "relay-pw-not-shown" not in run.stdout + run.stderr
    assert "Cấu hình hợp lệ (profile = 'demo')." in run.stdout


def test_config_check_masks_the_database_password_and_fails_on_production_problems(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://edoc:db-pw-not-shown@127.0.0.1:1/edoc"
    run = cli("config", "check", cwd=tmp_path, env={"EDOC_DATABASE_URL": url})
    assert run.returncode == 3
    assert 'database_url = "postgresql+asyncpg://edoc:********@127.0.0.1:1/edoc"' in run.stdout
    assert "db-pw-not-shown" not in run.stdout + run.stderr
    assert "axis.secret" in run.stderr and "Traceback" not in run.stderr


def test_user_mistakes_are_one_line_each(tmp_path: Path, demo: dict[str, str]) -> None:
    assert cli("migrate", cwd=tmp_path, env=demo).returncode == 0
    pw = {**demo, "EDOC_NEW_PASSWORD": "a-long-enough-password"}
    short = cli("users", "add", "an", "--role", "admin", cwd=tmp_path, env={**demo, "EDOC_NEW_PASSWORD": "short"})
    assert one_line_error(short, code=1) == "Mật khẩu phải có ít nhất 12 ký tự (vai trò Quản trị hệ thống)."
    no_organ = cli("users", "add", "binh", "--role", "clerk", cwd=tmp_path, env=pw)
    assert one_line_error(no_organ, code=1) == "Văn thư và lãnh đạo phải thuộc một cơ quan (mã định danh)."
    assert cli("users", "add", "chi", "--role", "admin", cwd=tmp_path, env=pw).returncode == 0
    again = cli("users", "add", "chi", "--role", "admin", cwd=tmp_path, env=pw)
    assert one_line_error(again, code=1) == "Tên đăng nhập «chi» đã có."
    role = cli("users", "add", "dung", "--role", "boss", cwd=tmp_path, env=pw)
    assert one_line_error(role, code=2).startswith("Vai trò 'boss' không có")
    date = cli("report", "--from", "2026-13-01", cwd=tmp_path, env=demo)
    assert one_line_error(date, code=2) == "--from '2026-13-01': ngày phải có dạng YYYY-MM-DD (ví dụ 2026-06-30)."
    missing = cli("officials", "add", "--name", "An", cwd=tmp_path, env=demo)
    assert one_line_error(missing, code=2).startswith("Thiếu --organ.")
    unknown = cli("outbox", "list", "--bogus", cwd=tmp_path, env=demo)
    assert one_line_error(unknown, code=2).startswith("Không có tùy chọn --bogus.")


def test_tracebacks_only_with_debug(tmp_path: Path) -> None:
    unreachable = {"EDOC_DATABASE_URL": "postgresql+asyncpg://edoc@127.0.0.1:1/edoc"}
    quiet = cli("outbox", "list", cwd=tmp_path, env=unreachable)
    line = one_line_error(quiet, code=1)
    assert line.startswith("Lỗi hệ thống:") and line.endswith("(chạy lại với --debug để xem chi tiết)"), line
    loud = cli("--debug", "outbox", "list", cwd=tmp_path, env=unreachable)
    assert loud.returncode != 0 and "Traceback (most recent call last)" in loud.stderr


def test_config_check_refuses_an_unknown_key_naming_key_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[smtp_in]\nprot = 25\n", encoding="utf-8")
    run = cli("config", "check", "-c", str(bad), cwd=tmp_path)
    line = one_line_error(run, code=3)
    assert line.startswith(f"Cấu hình sai: smtp_in.prot (tệp {bad}): khóa không có trong cấu hình"), line
