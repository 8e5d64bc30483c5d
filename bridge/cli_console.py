"""`edoc-bridge mailboxes …`: the polled IMAP mailboxes (list with pause and last probe, pause, resume), on the
same use cases as the console's administration pages; changes audited under `cli:<user>`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.cli_errors import CliError
from bridge.cli_users import cli_actor
from core.vn_time import format_stamp

mailboxes_app = typer.Typer(help="Hộp thư IMAP được thăm dò: danh sách, tạm dừng, cho chạy lại")
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
