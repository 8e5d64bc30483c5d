"""Command line: `edoc-bridge serve | migrate | axis-sim | agencies import | outbox …`."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from bridge.settings import Settings, load_settings

app = typer.Typer(help="edoc-bridge: cầu nối văn bản điện tử (email, chatbot ⇄ trục liên thông)", no_args_is_help=True)
agencies_app = typer.Typer(help="Danh bạ cơ quan")
outbox_app = typer.Typer(help="Hàng đợi gửi đi (outbox) và thư chết")
app.add_typer(agencies_app, name="agencies")
app.add_typer(outbox_app, name="outbox")

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="Tệp cấu hình TOML")]


def _settings(config: Path | None) -> Settings:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
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
    from bridge.service import run
    from storage.migrate import upgrade

    settings = _settings(config)
    asyncio.run(upgrade(settings.database_url))
    asyncio.run(run(settings))


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
            systems={settings.axis.system_id: settings.axis.secret},
            host=settings.axis.simulator_host,
            port=port or settings.axis.simulator_port,
            data_dir=settings.axis.simulator_data_dir or None,
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
            return await import_directory(bridge, file)
        finally:
            await bridge.close()

    typer.echo(f"Đã nhập {asyncio.run(main())} cơ quan.")


def _with_queue(config: Path | None, action):  # type: ignore[no-untyped-def]
    from bridge.bootstrap import build

    settings = _settings(config)

    async def main():  # type: ignore[no-untyped-def]
        bridge = await build(settings)
        try:
            return await action(bridge.queue)
        finally:
            await bridge.close()

    return asyncio.run(main())


@outbox_app.command("list")
def outbox_list(
    state: Annotated[str | None, typer.Option(help="todo|doing|done|dead")] = None, config: ConfigOpt = None
) -> None:
    """Liệt kê việc trong hàng đợi."""
    jobs = _with_queue(config, lambda q: q.list(state=state, limit=200))
    for j in jobs:
        typer.echo(
            f"{j.id:>6} {j.state:<5} {j.kind:<10} lần thử {j.attempts:<2} {j.idempotency_key} "
            f"{(j.last_error or '')[:80]}"
        )
    stats = _with_queue(config, lambda q: q.stats())
    typer.echo(
        json.dumps(
            stats if isinstance(stats, dict) else getattr(stats, "__dict__", str(stats)),
            default=str,
            ensure_ascii=False,
        )
    )


@outbox_app.command("retry")
def outbox_retry(job_id: int, config: ConfigOpt = None) -> None:
    """Chạy lại ngay một việc đang chờ thử lại."""
    ok = _with_queue(config, lambda q: q.requeue(job_id))
    typer.echo("Đã đưa lại vào hàng đợi." if ok else "Không tìm thấy việc.")
    raise typer.Exit(0 if ok else 1)


@outbox_app.command("requeue")
def outbox_requeue(job_id: int, config: ConfigOpt = None) -> None:
    """Đưa một thư chết (dead letter) trở lại hàng đợi."""
    ok = _with_queue(config, lambda q: q.requeue(job_id))
    typer.echo("Đã đưa lại vào hàng đợi." if ok else "Không tìm thấy việc.")
    raise typer.Exit(0 if ok else 1)


if __name__ == "__main__":
    app()
