"""Wiring of the chatbot into a running bridge: the PTB application, the notifier, and the loops that queue
notifications (registration sweep), escalations and digests. Called from bridge.service; the loops run in the
leader only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from bridge.leadership import Body
from bridge.services import notifications
from bridge.services.chat import COMMANDS, ChatDesk

log = logging.getLogger(__name__)


def chat_desk(bridge: Any) -> ChatDesk:
    intake = bridge.settings.smtp_in.intake_addresses
    return ChatDesk(bridge.deps, bridge.wake.set, intake[0] if intake else "")


def build_chatbot(bridge: Any) -> Any:
    """The ChatBot for the settings, its notifier set as deps.notifier; None when the bot is disabled."""
    cfg = bridge.settings.bot
    if not cfg.enabled or not cfg.token.get_secret_value():
        return None
    from bot.app import BotConfig, ChatBot

    config = BotConfig(
        token=cfg.token.get_secret_value(),
        base_url=cfg.base_url,
        base_file_url=cfg.base_file_url,
        mode=cfg.mode,
        poll_timeout=cfg.poll_timeout,
        webhook_url=cfg.webhook_url,
        webhook_secret=cfg.webhook_secret.get_secret_value(),
    )
    chatbot = ChatBot(config, chat_desk(bridge), COMMANDS)
    bridge.deps.notifier = chatbot.notifier
    bridge.chatbot = chatbot
    return chatbot


def start_chatbot(bridge: Any, tg: asyncio.TaskGroup, stop: asyncio.Event) -> list[Body]:
    """Start the bot application in this process (every process sends notifications; webhook mode takes
    updates everywhere) and return the loops only the leader runs: long polling, the registration sweep,
    escalations and digests (bridge.service runs them under the leader lease)."""
    chatbot = build_chatbot(bridge)
    if chatbot is None:
        return []
    cfg = bridge.settings.bot
    tg.create_task(chatbot.run(stop), name="chatbot")
    after = timedelta(minutes=cfg.escalate_after_minutes)
    escalate = lambda: notifications.sweep_escalations(bridge.deps, after)  # noqa: E731
    loops: list[Body] = [
        partial(_every, cfg.sweep_interval, lambda: _sweep(bridge)),
        partial(_every, max(1.0, cfg.sweep_interval), escalate),
        partial(_digests, bridge),
    ]
    if cfg.mode == "polling":
        loops.append(chatbot.poll)
    return loops


async def _sweep(bridge: Any) -> int:
    queued = await notifications.sweep_registrations(bridge.deps)
    if queued:
        bridge.wake.set()
    return queued


async def _every(interval: float, work: Callable[[], Awaitable[Any]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await work()
        except Exception:  # the database may be briefly unavailable: keep looping
            log.exception("chatbot background work failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def _digests(bridge: Any, stop: asyncio.Event) -> None:
    times = bridge.settings.bot.digest_times
    while times and not stop.is_set():
        at, slot = notifications.next_slot(bridge.deps.clock.now(), times)
        wait = (at - bridge.deps.clock.now()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, wait))
        if stop.is_set():
            return
        try:
            if await notifications.queue_digest(bridge.deps, slot):
                bridge.wake.set()
        except Exception:
            log.exception("digest failed")
