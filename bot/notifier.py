"""core.ports.Notifier over a python-telegram-bot Bot: send a message with inline buttons."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.ports import Button, ChatRefused, ChatUnavailable

MAX_TEXT = 4096  # Telegram's limit for one message


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Up to three buttons side by side; longer lists (choices of people) one per row."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(label, callback_data=data) for label, data in buttons]
    rows = [keys] if len(keys) <= 3 else [[k] for k in keys]
    return InlineKeyboardMarkup(rows)


def fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


class TelegramNotifier:
    def __init__(self, bot: Bot, remember: int = 10_000) -> None:
        self.bot = bot
        self._sent: OrderedDict[str, tuple[str, int]] = OrderedDict()  # job key → (chat, message) sent under it
        self._remember = remember

    async def notify(self, chat_id: str, text: str, buttons: Sequence[Button] = (), *, key: str = "") -> str:
        """The sent message's id. Raises ChatUnavailable (retry) or ChatRefused (do not). With `key`, a second
        call with the same key edits the message sent the first time instead of posting it again."""
        try:
            await self.bot.initialize()  # no-op once done; the Bot API may have been down at start-up
            if key and (earlier := self._sent.get(key)) is not None and earlier[0] == chat_id:
                await self.edit(chat_id, str(earlier[1]), text, buttons)
                return str(earlier[1])
            msg = await self.bot.send_message(chat_id=chat_id, text=fit(text), reply_markup=keyboard(buttons))
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise ChatUnavailable(f"Telegram giới hạn tốc độ, thử lại sau {seconds:g} giây", seconds) from exc
        except (Forbidden, BadRequest) as exc:
            raise ChatRefused(f"Telegram từ chối: {exc}") from exc
        except (NetworkError, TelegramError) as exc:
            raise ChatUnavailable(f"Không kết nối được Telegram: {exc}") from exc
        if key:
            self._sent[key] = (chat_id, msg.message_id)
            while len(self._sent) > self._remember:
                self._sent.popitem(last=False)
        return str(msg.message_id)

    async def edit(self, chat_id: str, message_id: str, text: str, buttons: Sequence[Button] = ()) -> None:
        """Every copy of a notification follows the document's state. Raises like `notify`; a message already
        showing this text is fine, one deleted by the user is given up (ChatRefused)."""
        try:
            await self.bot.initialize()
            await self.bot.edit_message_text(
                fit(text), chat_id=chat_id, message_id=int(message_id), reply_markup=keyboard(buttons)
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise ChatUnavailable(f"Telegram giới hạn tốc độ, thử lại sau {seconds:g} giây", seconds) from exc
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            raise ChatRefused(f"Telegram từ chối sửa tin nhắn: {exc}") from exc
        except Forbidden as exc:
            raise ChatRefused(f"Telegram từ chối: {exc}") from exc
        except (NetworkError, TelegramError) as exc:
            raise ChatUnavailable(f"Không kết nối được Telegram: {exc}") from exc
