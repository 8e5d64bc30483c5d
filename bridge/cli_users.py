"""`edoc-bridge users …` and `edoc-bridge audit …`: accounts, API tokens, locked logins and the audit chain.

Each command needs only the database (no analysis processes, no axis client); every change is audited in the
same transaction, under the actor `cli:<operating-system user>`."""

from __future__ import annotations

import asyncio
import getpass
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from core.vn_time import format_time

audit_app = typer.Typer(help="Nhật ký kiểm toán")
users_app = typer.Typer(help="Người dùng bảng điều khiển và mã truy cập API")
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Tệp cấu hình TOML")]


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (containers)
        return f"cli:uid{os.getuid()}"


def with_access(config: Path | None, action: Any) -> Any:
    """Run `action(access)` (bridge.bootstrap.Access) against the configured database."""
    from bridge.bootstrap import access_for
    from bridge.cli import _settings
    from bridge.services.deps import SystemClock
    from storage.engine import make_engine

    settings = _settings(config)

    async def main() -> Any:
        engine = make_engine(settings.database_url)
        try:
            return await action(access_for(settings, engine, SystemClock()))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def run_or_explain(config: Path | None, action: Any) -> Any:
    """AccountError → its Vietnamese message as one line on stderr, exit 1 (bridge.cli_errors)."""
    from bridge.cli_errors import CliError
    from bridge.services.accounts import AccountError

    try:
        return with_access(config, action)
    except AccountError as exc:
        raise CliError(str(exc)) from None


def _new_password() -> str:
    return os.environ.get("EDOC_NEW_PASSWORD") or typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)


@audit_app.command("verify")
def audit_verify(
    head: Annotated[
        str | None, typer.Option(help="Đầu chuỗi ghi trên báo cáo định kỳ, dạng SỐ:MÃBĂM (mặc định: tệp đầu chuỗi)")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Kiểm tra chuỗi nhật ký kiểm toán (khóa HMAC, đầu chuỗi ghi ngoài CSDL); mã thoát 1 nếu bị sửa."""
    expected = None
    if head:
        seq, _, digest = head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise typer.BadParameter("dạng SỐ:MÃBĂM (64 ký tự hex)", param_hint="--head")
        expected = (int(seq), digest.lower())
    v = with_access(config, lambda a: a.audit.verify(head=expected))
    if not v.keyed:
        typer.echo("Cảnh báo: chưa cấu hình security.audit_key; ai ghi được CSDL cũng tính lại được chuỗi.", err=True)
    if v.ok:
        at = f"; khớp đầu chuỗi mục {v.head[0]}" if v.head else "; chưa có đầu chuỗi ghi bên ngoài để so"
        typer.echo(f"Nhật ký nguyên vẹn: {v.checked} mục{at}.")
        return
    typer.echo(f"NHẬT KÝ BỊ SỬA tại mục {v.first_bad}: {v.problem} (đã kiểm {v.checked} mục trước đó).", err=True)
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head(config: ConfigOpt = None) -> None:
    """In đầu chuỗi hiện tại (SỐ:MÃBĂM) để ghi ra ngoài hệ thống."""
    head = with_access(config, lambda a: a.audit.current_head())
    typer.echo(f"{head[0]}:{head[1]}" if head else "0:")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="monitor|clerk|leader|admin")],
    organ: Annotated[str, typer.Option(help="Mã định danh cơ quan (văn thư, lãnh đạo)")] = "",
    full_name: Annotated[str, typer.Option(help="Họ và tên")] = "",
    config: ConfigOpt = None,
) -> None:
    """Tạo người dùng; mật khẩu đọc từ bàn phím (hoặc biến EDOC_NEW_PASSWORD)."""
    from bridge.cli_errors import CliError
    from core.access import Role

    try:
        kind = Role(role)
    except ValueError:
        raise CliError(f"Vai trò {role!r} không có; chọn một trong: {', '.join(r.value for r in Role)}.", 2) from None
    password = _new_password()
    run_or_explain(config, lambda a: a.accounts.create_user(username, password, kind, organ, full_name, cli_actor()))
    typer.echo(f"Đã tạo người dùng {username}.")


@users_app.command("list")
def users_list(config: ConfigOpt = None) -> None:
    """Liệt kê người dùng (vai trò, cơ quan, đang dùng hay bị khóa) và các tên/địa chỉ đang bị khóa đăng nhập."""

    async def read(a: Any) -> Any:
        return await a.accounts.users(), await a.accounts.locked_logins()

    users, locked = with_access(config, read)
    for u in users:
        state = "đang dùng" if u.active else "ĐÃ KHÓA"
        typer.echo(f"{u.username:<20} {u.role.value:<8} {u.organ_id or '-':<16} {state:<10} {u.full_name}")
    for f in locked:
        typer.echo(f"Khóa đăng nhập: {f.key} ({f.failures} lần sai) đến {format_time(f.locked_until)}")


@users_app.command("disable")
def users_disable(username: str, config: ConfigOpt = None) -> None:
    """Khóa người dùng: mọi phiên đăng nhập và mã truy cập API của họ hết hiệu lực ngay."""
    run_or_explain(config, lambda a: a.accounts.disable(username, cli_actor()))
    typer.echo(f"Đã khóa {username}; các phiên và mã truy cập của người này đã bị hủy.")


@users_app.command("enable")
def users_enable(username: str, config: ConfigOpt = None) -> None:
    """Mở lại người dùng đã khóa (mã truy cập cũ không trở lại: cấp mã mới)."""
    run_or_explain(config, lambda a: a.accounts.enable(username, cli_actor()))
    typer.echo(f"Đã mở lại {username}.")


@users_app.command("passwd")
def users_passwd(username: str, config: ConfigOpt = None) -> None:
    """Đặt mật khẩu mới (đọc từ bàn phím hoặc EDOC_NEW_PASSWORD); các phiên đăng nhập của người đó kết thúc."""
    password = _new_password()
    run_or_explain(config, lambda a: a.accounts.set_password(username, password, cli_actor()))
    typer.echo(f"Đã đổi mật khẩu của {username}.")


@users_app.command("unlock")
def users_unlock(key: Annotated[str, typer.Argument(help="user:TÊN hoặc addr:ĐỊA_CHỈ (xem users list)")],
                 config: ConfigOpt = None) -> None:  # fmt: skip
    """Gỡ khóa đăng nhập của một tên hoặc một địa chỉ trước khi hết hạn."""
    if not with_access(config, lambda a: a.accounts.unlock(key, cli_actor())):
        typer.echo(f"«{key}» không bị khóa.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Đã gỡ khóa {key}.")


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument()] = "",
    name: Annotated[str, typer.Option(help="Tên mã")] = "api",
    days: Annotated[float | None, typer.Option(help="Số ngày hiệu lực (0 = đến khi thu hồi)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="Liệt kê các mã (của USERNAME hoặc của mọi người)")] = False,
    config: ConfigOpt = None,
) -> None:
    """Cấp mã truy cập API (Bearer) cho một người dùng (mã chỉ hiện một lần), hoặc liệt kê các mã (--list)."""
    if list_:
        for t in with_access(config, lambda a: a.accounts.tokens(username or None)):
            until = format_time(t.expires_at) if t.expires_at else "đến khi thu hồi"
            typer.echo(f"{t.id}  {t.username:<20} {t.name:<16} cấp {format_time(t.created_at)}, hiệu lực {until}")
        return
    if not username:
        raise typer.BadParameter("cần tên người dùng (hoặc --list)", param_hint="USERNAME")
    typer.echo(run_or_explain(config, lambda a: a.accounts.issue_token(username, name, cli_actor(), days)))


@users_app.command("revoke")
def users_revoke(token_id: Annotated[str, typer.Argument(help="Số mã (cột đầu của users token --list)")],
                 config: ConfigOpt = None) -> None:  # fmt: skip
    """Thu hồi một mã truy cập API; có hiệu lực từ yêu cầu kế tiếp."""
    t = run_or_explain(config, lambda a: a.accounts.revoke(token_id, cli_actor()))
    typer.echo(f"Đã thu hồi mã {t.id} ({t.name}) của {t.username}.")
