"""Run everything in one process, in one asyncio TaskGroup: SMTP, workers, axis poller, API, simulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

from bridge.bootstrap import Bridge, MailIntake, build, import_directory
from bridge.chatbot import start_chatbot
from bridge.held_loop import run_held_loop
from bridge.leadership import Body, run_as_leader
from bridge.mailboxes import MailboxHealth, mailbox_configs, mailbox_health, run_mailbox
from bridge.outbox_pruning import run_outbox_pruning
from bridge.probes import run_probes
from bridge.profiles import refuse_unsafe
from bridge.services.axis_intake import poll_axis_inbox
from bridge.services.deliveries import configure_deliveries
from bridge.services.held import configure_held
from bridge.settings import Settings

log = logging.getLogger(__name__)
LEADER = "edoc-bridge:leader"  # the lease of the once-per-installation loops (one connection for all of them)


async def poll_axis(bridge: Bridge, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            if await poll_axis_inbox(bridge.deps):  # documents and status packets
                bridge.wake.set()
        except Exception:  # keep polling: the axis or the network may come back
            log.exception("axis poll failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), bridge.settings.axis.poll_interval)


def run_leader_loops(bridge: Bridge, loops: list[Body], stop: asyncio.Event) -> Any:
    """The loops only one process of an installation runs, under the leader lease (bridge.leadership)."""

    async def all_loops(stop: asyncio.Event) -> None:
        async with asyncio.TaskGroup() as tg:
            for loop in loops:
                tg.create_task(loop(stop))

    def told(leader: bool) -> None:
        bridge.leader = leader  # for /healthz and the logs of a cluster

    cfg = bridge.settings.cluster
    return run_as_leader(
        bridge.engine, LEADER, all_loops, stop, retry_every=cfg.lease_retry, check_every=cfg.lease_check, on_change=told
    )


@contextlib.asynccontextmanager
async def simulator(settings: Settings) -> AsyncIterator[None]:
    if not settings.axis.simulator:
        yield
        return
    from bridge.axis.simulator import AxisSimulator

    sim = AxisSimulator(
        systems={settings.axis.system_id: settings.axis.secret.get_secret_value()},
        host=settings.axis.simulator_host,
        port=settings.axis.simulator_port,
        data_dir=settings.axis.simulator_data_dir or None,
        max_age=settings.axis.simulator_max_age,
    )
    await sim.start()
    log.info("axis simulator on %s", sim.base_url)
    try:
        yield
    finally:
        await sim.stop()


async def serve_api(bridge: Bridge, stop: asyncio.Event) -> None:
    import uvicorn

    from bridge.api.app import create_app

    cfg = bridge.settings.api
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(bridge),
            host=cfg.host,
            port=cfg.port,
            log_level="warning",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    await stop.wait()
    server.should_exit = True
    await task


def start_mailboxes(bridge: Bridge, intake: MailIntake, tg: asyncio.TaskGroup, stop: asyncio.Event) -> None:
    health = mailbox_health(bridge)
    for config in mailbox_configs(bridge.settings.imap):
        health[config.name] = MailboxHealth(config.name, config.owner_organ)
        args = (bridge.engine, config, intake, bridge.settings.imap, health[config.name], stop)
        tg.create_task(run_mailbox(*args), name=f"imap:{config.name}")


async def run(
    settings: Settings, stop: asyncio.Event | None = None, *, ready: asyncio.Event | None = None, clock: Any = None
) -> None:
    from bridge.smtp_listeners import start_listeners, stop_listeners
    from mail.smtp_server import SmtpEdge

    await refuse_unsafe(settings)  # production safeguards and free ports, before anything starts
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    bridge = await build(settings, clock=clock)
    if settings.directory_file:
        await import_directory(bridge, settings.directory_file)
    configure_deliveries(bridge.deps, settings)
    configure_held(bridge.deps, settings)
    intake = MailIntake(bridge)
    async with simulator(settings), asyncio.TaskGroup() as tg:
        edge = SmtpEdge(intake, accepts_recipient=intake.accepts_recipient, max_size=settings.smtp_in.max_size)
        smtp = await start_listeners(edge, settings.smtp_in) if settings.smtp_in.enabled else []
        for worker in bridge.workers():
            tg.create_task(worker.run(stop))
        leader_loops: list[Body] = [
            partial(poll_axis, bridge),
            partial(run_held_loop, bridge),
            partial(run_outbox_pruning, bridge),
            partial(run_probes, bridge),  # availability samples for the period report
            *start_chatbot(bridge, tg, stop),
        ]
        tg.create_task(run_leader_loops(bridge, leader_loops, stop), name="leader")
        start_mailboxes(bridge, intake, tg, stop)
        if settings.api.enabled:
            tg.create_task(serve_api(bridge, stop))
        log.info("edoc-bridge running: SMTP %s:%s", settings.smtp_in.host, settings.smtp_in.port)
        if settings.api.enabled:
            log.info(
                "Bảng điều khiển: http://%s:%s/web/ (tạo tài khoản: edoc-bridge users add TÊN --role admin)",
                settings.api.host,
                settings.api.port,
            )
        if ready:
            ready.set()
        await stop.wait()
        await stop_listeners(smtp, edge)
    await bridge.close()
