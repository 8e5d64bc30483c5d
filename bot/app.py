"""The chatbot: a python-telegram-bot Application started and stopped by the service (never run_polling).

Polling mode: every process starts the application (to send), only the leader polls (`poll`); webhook mode
when updates arrive through the HTTP API (`feed`). Handlers are thin: they turn an
update into one Desk call and render its Answer."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.notifier import TelegramNotifier, fit, keyboard
from bot.ports import Answer, Desk

log = logging.getLogger(__name__)
BUSY = "Hệ thống đang bận, vui lòng thử lại sau ít phút."
MAX_UPLOAD = 20 * 1024 * 1024  # the Bot API's download limit


@dataclass
class BotConfig:
    token: str
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"  # or "webhook"
    poll_timeout: float = 10.0
    webhook_url: str = ""  # public URL of the API's webhook route (set at start when given)
    webhook_secret: str = ""
    retry_start: float = 5.0  # seconds between start attempts while the Bot API is unreachable


class ChatBot:
    def __init__(self, config: BotConfig, desk: Desk, commands: Sequence[tuple[str, str]] = ()) -> None:
        self.config, self.desk, self.commands = config, desk, list(commands)
        self.app: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(config.token)
            .base_url(config.base_url)
            .base_file_url(config.base_file_url)
            .build()
        )
        self.notifier = TelegramNotifier(self.app.bot)
        self.ready = asyncio.Event()
        for name, fn in (("start", self._start), ("help", self._help), ("pending", self._pending)):
            self.app.add_handler(CommandHandler(name, fn))
        self.app.add_handler(CommandHandler("status", self._status))
        self.app.add_handler(CallbackQueryHandler(self._press))
        self.app.add_handler(MessageHandler(filters.Document.ALL, self._upload))
        self.app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))
        self.app.add_error_handler(self._error)

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Start (retrying while the Bot API is down), serve until `stop`, then shut down cleanly."""
        while not stop.is_set():
            try:
                await self._start_app()
                break
            except TelegramError as exc:
                log.warning("chatbot could not start (%s); retrying", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.config.retry_start)
        if not self.ready.is_set():
            return
        try:
            await stop.wait()
        finally:
            await self.close()

    async def _start_app(self) -> None:
        await self.app.initialize()
        await self.app.start()
        if self.commands:  # the command menu people see next to the text box
            await self.app.bot.set_my_commands([BotCommand(name, about) for name, about in self.commands])
        if self.config.mode == "webhook":
            if self.config.webhook_url:
                await self.app.bot.set_webhook(self.config.webhook_url, secret_token=self.config.webhook_secret or None)
        self.ready.set()
        log.info("chatbot started (%s)", self.config.mode)

    async def poll(self, stop: asyncio.Event) -> None:
        """Polling mode: take updates (getUpdates) until `stop` or cancellation, once `run` has started the
        application. Only one process of an installation may poll (the holder of the bridge's leader lease):
        Telegram answers a second concurrent getUpdates with 409 Conflict."""
        started = asyncio.create_task(self.ready.wait())
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([started, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            started.cancel()
            stopped.cancel()
        updater = self.app.updater
        if stop.is_set() or updater is None or self.config.mode != "polling":
            return
        timeout = max(0, round(self.config.poll_timeout))
        await updater.start_polling(poll_interval=0.0, timeout=timeout, bootstrap_retries=-1)
        log.info("chatbot polling for updates")
        try:
            await stop.wait()
        finally:
            await self._stop_polling()

    async def _stop_polling(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            with contextlib.suppress(RuntimeError):  # stopped meanwhile by `close` (or `poll`): not running
                await self.app.updater.stop()

    async def close(self) -> None:
        await self._stop_polling()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def feed(self, data: dict[str, Any], secret: str = "") -> bool:
        """Webhook mode: one update posted to the API. False when the secret does not match; ValueError when
        `data` is not a Telegram update."""
        expected = self.config.webhook_secret
        if expected and not hmac.compare_digest(secret.encode(), expected.encode()):
            return False
        try:
            update = Update.de_json(data, self.app.bot)
        except (TypeError, AttributeError, KeyError, ValueError) as exc:  # what de_json raises for a wrong shape
            raise ValueError(f"not a Telegram update: {exc}") from exc
        if update is not None:
            await self.app.process_update(update)
        return True

    # --- handlers -----------------------------------------------------------------------------------------

    async def _start(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, await self.desk.start(_chat(update), " ".join(ctx.args or [])))

    async def _help(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, await self.desk.help(_chat(update)))

    async def _pending(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, await self.desk.pending(_chat(update)))

    async def _status(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        await self._reply(update, await self.desk.status(_chat(update), " ".join(ctx.args or [])))

    async def _text(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        msg = update.effective_message
        await self._reply(update, await self.desk.message(_chat(update), msg.text or "", _replied(msg)))

    async def _upload(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        assert msg is not None and msg.document is not None
        doc = msg.document
        if (doc.file_size or 0) > MAX_UPLOAD:
            await msg.reply_text("Tệp quá lớn (tối đa 20 MB).")
            return
        data = bytes(await (await doc.get_file()).download_as_bytearray())
        answer = await self.desk.upload(
            _chat(update), str(msg.message_id), doc.file_name or "", data, msg.caption or "", _replied(msg)
        )
        await self._reply(update, answer)

    async def _press(self, update: Update, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        answer = await self.desk.press(_chat(update), query.data or "")
        await query.answer(answer.toast or None)
        pressed = query.message if isinstance(query.message, Message) else None
        await self._reply(update, answer, pressed)

    async def _reply(self, update: Update, answer: Answer, pressed: Message | None = None) -> None:
        chat_id = _chat(update)
        bot = self.app.bot
        if answer.edit_text:
            message_id = answer.edit_message_id or (str(pressed.message_id) if pressed else "")
            if message_id:
                with contextlib.suppress(BadRequest):  # "message is not modified" on a repeated press
                    await bot.edit_message_text(
                        fit(answer.edit_text),
                        chat_id=chat_id,
                        message_id=int(message_id),
                        reply_markup=keyboard(answer.edit_buttons),
                    )
        if answer.file:
            name, data = answer.file
            await bot.send_document(chat_id, document=data, filename=name)
        if answer.text:
            await bot.send_message(chat_id, fit(answer.text), reply_markup=keyboard(answer.buttons))
        for text, buttons in answer.more:
            await bot.send_message(chat_id, fit(text), reply_markup=keyboard(buttons))

    async def _error(self, update: object, ctx: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("chatbot handler failed", exc_info=ctx.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await self.app.bot.send_message(update.effective_chat.id, BUSY)


def _replied(msg: Message) -> str:
    """The text of the message this one answers (a receipt carries its document's tracking token)."""
    original = msg.reply_to_message
    return (original.text or original.caption or "") if original is not None else ""


def _chat(update: Update) -> str:
    assert update.effective_chat is not None
    return str(update.effective_chat.id)
