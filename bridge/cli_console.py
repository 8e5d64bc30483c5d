"""`edoc-bridge mailboxes …` (list with pause and last probe, pause, resume) and `edoc-bridge trust …` (trust
roots: list, add, remove), on the same use cases as the console's administration pages; changes audited under
`cli:<user>`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.cli_errors import CliError
from bridge.cli_users import cli_actor
from core.vn_time import format_date, format_stamp

mailboxes_app = typer.Typer(help="Hộp thư IMAP được thăm dò: danh sách, tạm dừng, cho chạy lại")
trust_app = typer.Typer(help="Chứng thư gốc tin cậy để kiểm tra chữ ký số: danh sách, thêm, gỡ")
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Tệp cấu hình TOML")]
Name = Annotated[str, typer.Argument(help="Tên hộp thư (name trong [[imap.mailboxes]])")]


def _run(config: Path | None, action: Any) -> Any:
    from bridge.cli import _with_bridge
    from bridge.services.admin import AdminError

    try:
        return _with_bridge(config, action)
    except AdminError as exc:
        raise CliError(str(exc), 1) from exc


@mailboxes_app.command("list")
def mailboxes_list(config: ConfigOpt = None) -> None:
    """Liệt kê hộp thư đã cấu hình: cơ quan, máy chủ, đang thăm dò hay tạm dừng, lần kiểm tra gần nhất."""
    from bridge.services.mailbox_admin import last_probes, list_mailboxes

    async def act(b: Any) -> Any:
        return await list_mailboxes(b.deps, b.settings.imap), await last_probes(b.deps)

    rows, probes = _run(config, act)
    if not rows:
        typer.echo("Không cấu hình hộp thư nào ([[imap.mailboxes]]).")
    for m in rows:
        state = f"tạm dừng từ {format_stamp(m.paused_at)} ({m.paused_by})" if m.paused_at else "đang thăm dò"
        probe = probes.get(m.name)
        seen = "chưa kiểm tra" if probe is None else (
            f"{'kết nối được' if probe.up else 'LỖI: ' + probe.detail} lúc {format_stamp(probe.at)}")  # fmt: skip
        typer.echo(f"{m.name}  {m.owner_organ or '—'}  {m.user}@{m.host}/{m.folder}  [{state}]  {seen}")


@mailboxes_app.command("pause")
def mailboxes_pause(name: Name, config: ConfigOpt = None) -> None:
    """Tạm dừng thăm dò một hộp thư (mọi máy chạy dịch vụ dừng trong lần kiểm tra kế tiếp)."""
    _set(config, name, True)


@mailboxes_app.command("resume")
def mailboxes_resume(name: Name, config: ConfigOpt = None) -> None:
    """Cho thăm dò lại một hộp thư đã tạm dừng."""
    _set(config, name, False)


def _set(config: Path | None, name: str, paused: bool) -> None:
    from bridge.services.mailbox_admin import set_paused

    changed = _run(config, lambda b: set_paused(b.deps, b.settings.imap, cli_actor(), name, paused))
    word = "tạm dừng" if paused else "cho chạy lại"
    typer.echo(f"Đã {word} hộp thư {name}." if changed else f"Hộp thư {name} đã {word} từ trước: không đổi gì.")


@trust_app.command("list")
def trust_list(config: ConfigOpt = None) -> None:
    """Liệt kê chứng thư gốc: chủ thể, hiệu lực, dấu vân tay SHA-256, nguồn (thư mục quản lý / tệp cấu hình)."""
    from bridge.cli import _settings
    from bridge.trust_roots import list_roots

    roots = list_roots(_settings(config).checks)
    if not roots:
        typer.echo("Chưa có chứng thư gốc nào: chữ ký số không kiểm tra được, văn bản được giữ lại.")
    for r in roots:
        source = "thư mục quản lý" if r.managed else f"tệp cấu hình {r.file}"
        typer.echo(f"{r.sha256}  {r.subject}  [{format_date(r.not_before.date())} – {format_date(r.not_after.date())}]"
                   f"  ({source})")  # fmt: skip


@trust_app.command("add")
def trust_add(
    file: Annotated[Path, typer.Argument(help="Tệp PEM hoặc DER của chứng thư CA")], config: ConfigOpt = None
) -> None:
    """Thêm một chứng thư gốc (chỉ chứng thư CA còn hiệu lực); có hiệu lực từ văn bản kế tiếp."""
    from bridge.trust_roots import MAX_SIZE, add_root

    try:
        with file.open("rb") as f:
            data = f.read(MAX_SIZE + 1)
    except OSError as exc:
        raise CliError(f"Không đọc được tệp {file}: {exc.strerror}", 2) from exc
    info = _run(config, lambda b: add_root(b.deps, b.settings.checks, cli_actor(), data))
    typer.echo(f"Đã thêm chứng thư gốc {info.subject} (SHA-256 {info.sha256}).")


@trust_app.command("remove")
def trust_remove(
    sha256: Annotated[str, typer.Argument(help="Dấu vân tay SHA-256 (như trong `trust list`)")],
    config: ConfigOpt = None,
) -> None:
    """Gỡ một chứng thư gốc trong thư mục quản lý; không gỡ gốc cuối cùng."""
    from bridge.trust_roots import remove_root

    info = _run(config, lambda b: remove_root(b.deps, b.settings.checks, cli_actor(), sha256))
    typer.echo(f"Đã gỡ chứng thư gốc {info.subject}.")
