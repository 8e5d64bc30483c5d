"""What the chatbot needs from the application, as structural types (bot imports only core)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

Button = tuple[str, str]  # (label, callback data)


class Answer(Protocol):
    text: str
    buttons: Sequence[Button]
    toast: str
    edit_text: str
    edit_buttons: Sequence[Button]
    edit_message_id: str
    file: tuple[str, bytes] | None
    more: Sequence[tuple[str, Sequence[Button]]]  # further messages, each with its own buttons


class Desk(Protocol):
    """The use cases behind the chat (bridge.services.chat.ChatDesk). Chat ids are passed as text."""

    async def start(self, chat_id: str, code: str) -> Answer: ...
    async def help(self, chat_id: str) -> Answer: ...
    async def pending(self, chat_id: str) -> Answer: ...
    async def status(self, chat_id: str, query: str) -> Answer: ...
    async def message(self, chat_id: str, text: str, replied: str = "") -> Answer: ...
    async def press(self, chat_id: str, data: str) -> Answer: ...
    async def upload(
        self, chat_id: str, message_ref: str, filename: str, data: bytes, caption: str, replied: str = ""
    ) -> Answer: ...


class ChatUnavailable(Exception):
    """Telegram could not take the message now (outage, timeout, 429): retry, after `retry_after` if given."""

    permanent = False

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChatRefused(Exception):
    """Telegram refused for good (bot blocked, chat gone, bad request): retrying cannot help."""

    permanent = True
