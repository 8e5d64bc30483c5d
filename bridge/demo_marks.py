"""The demo profile says so outside the console too: every mail the bridge sends (receipts, notices,
deliveries, reminders) ends with core.receipt.DEMO_NOTE; chat receipts add it in bridge.services.receipts.
The note is added the same way on every try, so a re-sent mail is still the same mail."""

from __future__ import annotations

from dataclasses import replace

from core.ports import MailSender, OutgoingMail
from core.receipt import with_demo_note


class DemoMarkedMail:
    """A MailSender that adds the demo note to the body of every mail it passes on."""

    def __init__(self, inner: MailSender) -> None:
        self.inner = inner

    async def send(self, mail: OutgoingMail) -> str:
        return await self.inner.send(replace(mail, body=with_demo_note(mail.body)))


def marked_mail(inner: MailSender, demo: bool) -> MailSender:
    return DemoMarkedMail(inner) if demo else inner
