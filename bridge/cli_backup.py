"""`edoc-bridge backup create|restore|verify`: the database and every blob into a folder, back into a fresh
installation, and the check that nothing is missing or altered (docs/backup.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

backup_app = typer.Typer(help="Sao lưu, khôi phục và kiểm tra CSDL cùng kho tệp (docs/backup.md)")
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Tệp cấu hình TOML")]
PgBin = Annotated[str, typer.Option("--pg-bin", help="Thư mục chứa pg_dump/pg_restore (mặc định: tự tìm)")]
Folder = Annotated[Path, typer.Argument(help="Thư mục sao lưu")]
SHOWN = 20  # problems printed one per line; the rest counted


def _run(config: Path | None, action: Any) -> Any:
    from bridge.cli import _settings
    from bridge.cli_errors import CliError
    from storage.db_backup import BackupError

    settings = _settings(config)
    try:
        return asyncio.run(action(settings))
    except BackupError as exc:
        raise CliError(str(exc)) from None


@backup_app.command("create")
def backup_create(folder: Folder, config: ConfigOpt = None, pg_bin: PgBin = "") -> None:
    """Sao lưu CSDL (pg_dump hoặc SQLite) và mọi tệp (thư mục hoặc bucket S3) vào một thư mục mới."""
    from bridge.backup import create

    manifest, copied = _run(config, lambda s: create(s, folder, pg_bin=pg_bin))
    head = manifest["audit_head"]
    typer.echo(
        f"Đã sao lưu vào {folder}: CSDL {manifest['database']}, {copied.blobs} tệp"
        f"{f', đầu chuỗi nhật ký {head[0]}:{head[1]}' if head else ''}."
    )
    if copied.unreadable:
        _problems([f"KHÔNG SAO LƯU ĐƯỢC tệp {line}" for line in copied.unreadable])
        raise typer.Exit(1)


@backup_app.command("restore")
def backup_restore(folder: Folder, config: ConfigOpt = None, pg_bin: PgBin = "") -> None:
    """Khôi phục một bản sao lưu vào CSDL MỚI, TRỐNG và kho tệp của cấu hình; sau đó chạy `backup verify`."""
    from bridge.backup import restore_into

    manifest, copied = _run(config, lambda s: restore_into(s, folder, pg_bin=pg_bin))
    typer.echo(
        f"Đã khôi phục bản sao lưu lúc {manifest['taken_at']} (UTC): CSDL {manifest['database']}, {copied.blobs} tệp. "
        "Tiếp theo: edoc-bridge migrate, rồi edoc-bridge backup verify."
    )
    if copied.unreadable:
        _problems([f"KHÔNG KHÔI PHỤC ĐƯỢC tệp {line}" for line in copied.unreadable])
        raise typer.Exit(1)


@backup_app.command("verify")
def backup_verify(config: ConfigOpt = None) -> None:
    """Kiểm tra mọi tệp CSDL tham chiếu (có mặt, đúng SHA-256) và chuỗi nhật ký kiểm toán; mã thoát 1 nếu sai."""
    from bridge.backup import verify

    checked = _run(config, verify)
    audit = checked.audit
    problems = list(checked.problems)
    if not audit.ok:
        problems.append(f"NHẬT KÝ KIỂM TOÁN BỊ SỬA tại mục {audit.first_bad}: {audit.problem}")
    if problems:
        _problems(problems)
        typer.echo(f"Kiểm tra KHÔNG ĐẠT: {len(problems)} vấn đề (đã kiểm {checked.blobs} tệp).", err=True)
        raise typer.Exit(1)
    head = f", khớp đầu chuỗi mục {audit.head[0]}" if audit.head else ", chưa có đầu chuỗi ghi ngoài CSDL để so"
    typer.echo(
        f"Kiểm tra đạt: {checked.blobs} tệp CSDL tham chiếu đều có và đúng SHA-256; "
        f"nhật ký kiểm toán nguyên vẹn ({audit.checked} mục{head})."
    )


def _problems(lines: list[str]) -> None:
    for line in lines[:SHOWN]:
        typer.echo(line, err=True)
    if len(lines) > SHOWN:
        typer.echo(f"… và {len(lines) - SHOWN} vấn đề khác.", err=True)
