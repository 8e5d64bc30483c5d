"""Command line: `edoc-bridge serve | migrate | axis-sim | agencies import | outbox …`."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bridge.cli_errors import CliError
from bridge.cli_users import cli_actor
from bridge.settings import Settings, load_settings

app = typer.Typer(help="edoc-bridge: cầu nối văn bản điện tử (email, chatbot ⇄ trục liên thông)", no_args_is_help=True)
agencies_app = typer.Typer(help="Danh bạ cơ quan")
outbox_app = typer.Typer(help="Hàng đợi gửi đi (outbox) và thư chết")
app.add_typer(agencies_app, name="agencies")
app.add_typer(outbox_app, name="outbox")
officials_app = typer.Typer(help="Cán bộ dùng chatbot (mã liên kết dùng một lần)")
app.add_typer(officials_app, name="officials")

config_app = typer.Typer(help="Cấu hình")
app.add_typer(config_app, name="config")
crl_app = typer.Typer(help="Danh sách chứng thư số bị thu hồi (CRL)")
app.add_typer(crl_app, name="crl")
demo_app = typer.Typer(help="Chế độ thử nghiệm (make run)")
app.add_typer(demo_app, name="demo")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="Tệp cấu hình TOML (chỉ ghi điều khác config/default.toml)")
]


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Hiện chi tiết lỗi (traceback) và nhật ký gỡ lỗi")] = False,
) -> None:
    """edoc-bridge: cầu nối văn bản điện tử (email, chatbot ⇄ trục liên thông)."""
    level = logging.DEBUG if debug else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not debug:  # per-request / per-command chatter
        for noisy in ("httpx", "mail.log", "pyhanko", "pyhanko_certvalidator", "alembic.runtime.plugins"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main() -> int:
    """The `edoc-bridge` command: errors as one Vietnamese line, tracebacks only with --debug."""
    from bridge.cli_errors import run as run_cli

    return run_cli(typer.main.get_command(app))


def _settings(config: Path | None) -> Settings:
    settings = load_settings(config)
    for folder in (Path(settings.blob_dir), Path(settings.axis.simulator_data_dir)):
        folder.mkdir(parents=True, exist_ok=True)
    if settings.database_url.startswith("sqlite") and ":///" in settings.database_url:
        Path(settings.database_url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    return settings


@app.command()
def migrate(config: ConfigOpt = None) -> None:
    """Tạo/cập nhật lược đồ cơ sở dữ liệu (Alembic)."""
    from storage.migrate import upgrade

    settings = _settings(config)
    asyncio.run(upgrade(settings.database_url))
    typer.echo("Đã cập nhật cơ sở dữ liệu.")


@app.command()
def serve(config: ConfigOpt = None) -> None:
    """Chạy dịch vụ: SMTP, hàng đợi, thăm dò trục, API (và trục mô phỏng nếu bật)."""
    from bridge.profiles import refuse_unsafe
    from bridge.service import run
    from storage.migrate import upgrade

    settings = _settings(config)
    asyncio.run(refuse_unsafe(settings))  # production safeguards, ports in use: before migrations
    asyncio.run(upgrade(settings.database_url))
    asyncio.run(run(settings))


@config_app.command("check")
def config_check(config: ConfigOpt = None) -> None:
    """In cấu hình hiệu lực (khóa bí mật bị che) và nguồn của từng giá trị; mã thoát khác 0 nếu có vấn đề."""
    from bridge.config_report import effective_config
    from bridge.profiles import StartupRefused, production_problems, tls_problems, unreachable
    from bridge.settings import load_with_sources

    settings, sources = load_with_sources(config)
    for line in effective_config(settings, sources):
        typer.echo(line)
    if problems := [*production_problems(settings), *tls_problems(settings), *asyncio.run(unreachable(settings))]:
        raise StartupRefused(problems)
    typer.echo(f"\nCấu hình hợp lệ (profile = {settings.profile!r}).")


@app.command("axis-sim")
def axis_sim(
    config: ConfigOpt = None,
    port: Annotated[int | None, typer.Option(help="Cổng")] = None,
) -> None:
    """Chạy riêng trục liên thông mô phỏng (VXP) để thử nghiệm."""
    from bridge.axis.simulator import AxisSimulator

    settings = _settings(config)

    async def main() -> None:
        sim = AxisSimulator(
            systems={settings.axis.system_id: settings.axis.secret.get_secret_value()},
            host=settings.axis.simulator_host,
            port=port or settings.axis.simulator_port,
            data_dir=settings.axis.simulator_data_dir or None,
            max_age=settings.axis.simulator_max_age,
        )
        await sim.start()
        typer.echo(f"Trục mô phỏng: {sim.base_url}")
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    asyncio.run(main())


@agencies_app.command("import")
def agencies_import(file: Path, config: ConfigOpt = None) -> None:
    """Nhập danh bạ cơ quan từ tệp TOML."""
    from bridge.bootstrap import build, import_directory

    settings = _settings(config)

    async def main() -> int:
        bridge = await build(settings)
        try:
            return await import_directory(bridge, file, actor=cli_actor())
        finally:
            await bridge.close()

    typer.echo(f"Đã nhập {asyncio.run(main())} cơ quan.")


def _with_queue(config: Path | None, action):  # type: ignore[no-untyped-def]
    """The outbox commands need only the database, not a whole bridge (no analysis processes, no axis client).
    `action(queue, audit)`: what it changes it records in the audit log, in the same transaction."""
    from bridge.bootstrap import audit_log
    from bridge.services.deps import SystemClock
    from storage.engine import make_engine
    from storage.outbox_queue import OutboxQueue

    settings = _settings(config)

    async def main():  # type: ignore[no-untyped-def]
        engine = make_engine(settings.database_url)
        try:
            queue, audit = OutboxQueue(engine), audit_log(settings, engine, SystemClock())
            queue.on_audit = audit.committed
            return await action(queue, audit)
        finally:
            await engine.dispose()

    return asyncio.run(main())


@outbox_app.command("list")
def outbox_list(
    state: Annotated[str | None, typer.Option(help="todo|doing|done|dead")] = None, config: ConfigOpt = None
) -> None:
    """Liệt kê việc trong hàng đợi."""
    from core.records import OutboxState

    try:
        wanted = OutboxState(state) if state else None
    except ValueError as exc:
        raise typer.BadParameter("todo|doing|done|dead", param_hint="--state") from exc

    async def read(q, _audit):  # type: ignore[no-untyped-def]
        return await q.list(state=wanted, limit=200), await q.stats()

    jobs, stats = _with_queue(config, read)
    for j in jobs:
        typer.echo(
            f"{j.id:>6} {j.state:<5} {j.kind:<10} lần thử {j.attempts:<2} {j.idempotency_key} "
            f"{(j.last_error or '')[:80]}"
        )
    counts = {str(s): n for s, n in stats.counts.items()}
    summary = {"counts": counts, "due": stats.due, "oldest_todo_age": stats.oldest_todo_age}
    typer.echo(json.dumps(summary, default=str, ensure_ascii=False))


# What `retry` and `requeue` say when the job is in a state they do not act on (None: they act).
_RETRY_REFUSALS = {
    "dead": "Việc {id} là thư chết (đã hết lượt thử). Dùng `edoc-bridge outbox requeue {id}` để đưa nó trở lại "
    "hàng đợi với số lần thử đặt lại về 0.",
    "done": "Việc {id} đã hoàn thành; không chạy lại.",
    "doing": "Việc {id} đang được xử lý; xem kết quả bằng `edoc-bridge outbox list` rồi hãy thử lại.",
}
_REQUEUE_REFUSALS = {
    "todo": "Việc {id} chưa phải thư chết (đang chờ lần thử sau). Dùng `edoc-bridge outbox retry {id}` để chạy "
    "lại ngay mà giữ số lần thử.",
    "done": "Việc {id} đã hoàn thành; không đưa lại vào hàng đợi.",
    "doing": "Việc {id} đang được xử lý, không phải thư chết.",
}


def _act_on_job(config: Path | None, job_id: int, refusals: dict[str, str], act: str) -> int:
    """Look the job up, refuse (message on stderr, exit 1) unless its state fits, then act. Returns the
    attempts counted before acting. The action itself checks the state again, so a job that changed
    state meanwhile is refused too."""

    async def run(q, audit):  # type: ignore[no-untyped-def]
        job = await q.get(job_id)
        if job is None:
            return None, f"Không có việc số {job_id} trong hàng đợi."
        if (refusal := refusals.get(str(job.state))) is not None:
            return job, refusal.format(id=job_id)
        if not await getattr(q, act)(job_id, audit=audit.recording(cli_actor(), f"outbox.{act}", str(job_id))):
            return job, f"Việc {job_id} vừa đổi trạng thái; xem lại bằng `edoc-bridge outbox list`."
        return job, None

    job, refusal = _with_queue(config, run)
    if refusal is not None:
        typer.echo(refusal, err=True)
        raise typer.Exit(1)
    return int(job.attempts)


@outbox_app.command("retry")
def outbox_retry(job_id: int, config: ConfigOpt = None) -> None:
    """Chạy lại NGAY một việc đang chờ lần thử sau (đã lỗi nhưng chưa là thư chết).

    Việc đến hạn ngay, số lần thử được GIỮ NGUYÊN: nếu lại lỗi và đã hết lượt (outbox.max_attempts), nó thành
    thư chết. Dùng khi nguyên nhân lỗi đã được khắc phục (máy quét virus, trục, máy chủ thư hoạt động lại).
    Thư chết: dùng `outbox requeue`. Mã thoát 1 nếu không có việc hoặc việc không ở trạng thái chờ (todo)."""
    attempts = _act_on_job(config, job_id, _RETRY_REFUSALS, "retry_now")
    typer.echo(f"Việc {job_id} sẽ được chạy lại ngay (giữ số lần thử: {attempts}).")


@outbox_app.command("requeue")
def outbox_requeue(job_id: int, config: ConfigOpt = None) -> None:
    """Đưa một thư chết (dead letter) trở lại hàng đợi, số lần thử ĐẶT LẠI VỀ 0.

    Việc đến hạn ngay và lại được thử đủ outbox.max_attempts lần như việc mới. Việc chưa chết (đang chờ thử
    lại): dùng `outbox retry`. Mã thoát 1 nếu không có việc hoặc việc không phải thư chết (dead)."""
    attempts = _act_on_job(config, job_id, _REQUEUE_REFUSALS, "requeue")
    typer.echo(f"Đã đưa thư chết {job_id} trở lại hàng đợi; số lần thử đặt lại về 0 (trước đó: {attempts}).")


@officials_app.command("add")
def officials_add(
    name: Annotated[str, typer.Option(help="Họ tên")],
    organ: Annotated[str, typer.Option(help="Mã định danh cơ quan")],
    role: Annotated[str, typer.Option(help="văn thư | lãnh đạo | chuyên viên | giám sát")],
    email: Annotated[str, typer.Option(help="Thư công vụ (nhận cảnh báo khẩn)")] = "",
    config: ConfigOpt = None,
) -> None:
    """Tạo cán bộ và in mã liên kết dùng một lần (gửi cho chatbot: /start MÃ)."""
    from datetime import timedelta

    from bridge.bootstrap import build
    from bridge.services.officials import create_official

    settings = _settings(config)

    async def main():  # type: ignore[no-untyped-def]
        bridge = await build(settings)
        try:
            ttl = timedelta(hours=settings.bot.link_code_hours)
            return await create_official(bridge.deps, name, organ, role, email, ttl, actor=cli_actor())
        finally:
            await bridge.close()

    try:
        made = asyncio.run(main())
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"Đã tạo cán bộ số {made.official.id}: {made.official.name} ({made.official.role.label}).")
    typer.echo(f"Mã liên kết (dùng một lần, hết hạn {made.expires_at_text}): {made.code}")
    typer.echo(f"Cán bộ gửi cho chatbot: /start {made.code}")


from bridge.cli_backup import backup_app  # noqa: E402
from bridge.cli_users import audit_app, users_app  # noqa: E402  (next to the other command groups)

app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(backup_app, name="backup")

from bridge.cli_console import mailboxes_app, trust_app  # noqa: E402

app.add_typer(mailboxes_app, name="mailboxes")
app.add_typer(trust_app, name="trust")


def _with_bridge(config: Path | None, action):  # type: ignore[no-untyped-def]
    from bridge.bootstrap import build

    settings = _settings(config)

    async def main():  # type: ignore[no-untyped-def]
        bridge = await build(settings)
        try:
            return await action(bridge)
        finally:
            await bridge.close()

    return asyncio.run(main())


@agencies_app.command("list")
def agencies_list(config: ConfigOpt = None) -> None:
    """Liệt kê danh bạ cơ quan (mã định danh, tên, địa chỉ thư)."""
    from bridge.services.admin import list_agencies

    for a in _with_bridge(config, lambda b: list_agencies(b.deps)):
        served = "phục vụ" if a.served else "ngoài"
        typer.echo(f"{a.organ_id}  {a.name}  [{served}]  {', '.join(a.emails)}")


@officials_app.command("list")
def officials_list(config: ConfigOpt = None) -> None:
    """Liệt kê cán bộ dùng chatbot và tình trạng liên kết."""
    from bridge.services.admin import list_officials

    for o in _with_bridge(config, lambda b: list_officials(b.deps)):
        linked = "đã liên kết" if o.chat_id else "chưa liên kết"
        typer.echo(f"{o.id:>5}  {o.name}  ({o.role.label}, {o.organ_id})  {linked}")


@officials_app.command("code")
def officials_code(official_id: int, config: ConfigOpt = None) -> None:
    """Cấp mã liên kết mới (dùng một lần) cho một cán bộ."""
    from datetime import timedelta

    from bridge.bootstrap import access
    from bridge.services.admin import AdminError, official_code

    async def act(b):  # type: ignore[no-untyped-def]
        ttl = timedelta(hours=b.settings.bot.link_code_hours)
        return await official_code(b.deps, access(b).audit, cli_actor(), official_id, ttl)

    try:
        code = _with_bridge(config, act)
    except AdminError as exc:
        raise CliError(str(exc), 1) from exc
    typer.echo(f"Mã liên kết mới của cán bộ số {official_id}: {code} (gửi cho chatbot: /start {code})")


@officials_app.command("unlink")
def officials_unlink(official_id: int, config: ConfigOpt = None) -> None:
    """Hủy liên kết chatbot của một cán bộ (mất điện thoại, chuyển công tác)."""
    from bridge.bootstrap import access
    from bridge.services.admin import AdminError, unlink_official

    try:
        _with_bridge(config, lambda b: unlink_official(b.deps, access(b).audit, cli_actor(), official_id))
    except AdminError as exc:
        raise CliError(str(exc), 1) from exc
    typer.echo(f"Đã hủy liên kết chatbot của cán bộ số {official_id}.")


def _day(text: str, option: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{option} {text!r}: ngày phải có dạng YYYY-MM-DD (ví dụ 2026-06-30).", 2) from None


@app.command()
def report(
    start: Annotated[str | None, typer.Option("--from", help="Từ ngày NĂM-THÁNG-NGÀY (mặc định: nửa năm nay)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Đến ngày NĂM-THÁNG-NGÀY")] = None,
    out: Annotated[Path, typer.Option(help="Thư mục ghi báo cáo")] = Path("."),
    config: ConfigOpt = None,
) -> None:
    """Báo cáo định kỳ (Điều 24 NĐ 30/2020): XLSX và PDF (ký số nếu cấu hình [report] sign_pkcs12)."""
    from datetime import UTC, datetime

    from bridge.reports.making import PeriodError, ReportSigningError, make_report, parse_day, period, report_file
    from core.vn_time import vietnam_date

    try:
        first = parse_day(start, "--from") if start else None
        last = parse_day(end, "--to") if end else None
        period(first, last, vietnam_date(datetime.now(UTC)))  # refuse a wrong period before opening anything
    except PeriodError as exc:
        raise CliError(str(exc), 2) from exc

    async def make(bridge):  # type: ignore[no-untyped-def]
        def progress(done: int, total: int) -> None:  # the total is known only once reading starts
            typer.echo(f"\rĐọc văn bản: {done}/{total}", nl=False, err=True)

        r = await make_report(bridge.deps, first, last, progress=progress)
        typer.echo("", err=True)
        xlsx = await report_file(r, "xlsx", bridge.settings.report)
        return r, xlsx, await report_file(r, "pdf", bridge.settings.report)

    try:
        r, xlsx, pdf = _with_bridge(config, make)
    except ReportSigningError as exc:
        raise CliError(str(exc), 1) from exc
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"bao-cao-{r.start:%Y%m%d}-{r.end:%Y%m%d}"
    stem.with_suffix(".xlsx").write_bytes(xlsx)
    stem.with_suffix(".pdf").write_bytes(pdf)
    typer.echo(
        f"Kỳ {r.start:%d/%m/%Y} – {r.end:%d/%m/%Y}: {r.total.documents} văn bản đã vào sổ, "
        f"{r.refused_documents} văn bản bị từ chối, {r.non_documents} thư không phải văn bản; "
        f"đã ghi {stem}.xlsx và {stem}.pdf"
    )


@crl_app.command("refresh")
def crl_refresh(config: ConfigOpt = None) -> None:
    """Tải CRL từ các điểm phân phối ghi trong chứng thư gốc/trung gian đã cấu hình (và checks.crl_urls) về
    checks.crl_dir; chỉ giữ CRL do chính các chứng thư đó ký. Mã thoát 1 nếu có CRL không tải được."""
    from bridge.signature_tools import refresh_revocation_lists

    results = refresh_revocation_lists(_settings(config))
    for r in results:
        if r.error:
            typer.echo(f"LỖI {r.url}: {r.error}", err=True)
        else:
            typer.echo(f"{r.url} → {r.file} ({r.issuer}, hiệu lực đến {r.next_update or '?'})")
    if not results:
        typer.echo("Không có điểm phân phối CRL nào (thêm checks.crl_urls).", err=True)
    if not results or any(r.error for r in results):
        raise typer.Exit(1)


@demo_app.command("sign")
def demo_sign_command(
    source: Annotated[Path | None, typer.Argument(help="Tệp PDF cần ký (bỏ trống: văn bản mẫu một trang)")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tệp PDF đã ký")] = Path("var/demo-signed.pdf"),
    organ: Annotated[str, typer.Option("--organ", help="Mã định danh cơ quan ký (mặc định: cơ quan đầu tiên)")] = "",
    config: ConfigOpt = None,
) -> None:
    """Ký một tệp PDF bằng PKI THỬ NGHIỆM: chữ ký cá nhân rồi chữ ký của cơ quan (chỉ trong chế độ demo)."""
    from bridge.signature_tools import demo_sign

    signed = demo_sign(_settings(config), source, out, organ)
    typer.echo(f"Đã ký {signed.path}: cá nhân, rồi {signed.agency} ({signed.organ_id}, {', '.join(signed.codes)}).")


if __name__ == "__main__":
    sys.exit(main())
