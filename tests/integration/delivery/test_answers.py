"""Every owed answer and no unowed one (SQLite and PostgreSQL, through the pipeline, the outbox and a real SMTP
sink): refusal to the envelope sender when From is unusable and that address is in the directory; unknown outside
senders recorded, answered only when SPF passes for their domain; mail from the bridge's own addresses or answering
one of its receipts never answered; the daily cap only outside the directory; one identifier registered once."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage

from bridge.services import receive
from bridge.services.completion import Completion, CompletionOutcome, complete_held
from bridge.services.duplicates import DUPLICATE, duplicate_warning
from core.document import ProcessingState
from core.inbound import Channel
from mail.auth import SenderAuthenticator
from tests.e2e.harness import TAN_HOA, document_mail
from tests.fixtures.fake_dns import FakeDNS
from tests.integration.delivery.conftest import Line, document
from tests.integration.pipeline.documents import signed_document

OUTSIDE = "nguoila@example.org"


async def arrive(line: Line, msg: EmailMessage | bytes, envelope: str, peer: str = "127.0.0.1") -> str:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
    stored = await receive.store_raw(line.bridge.deps, raw, channel=Channel.SMTP, envelope_from=envelope, peer_ip=peer)
    await line.run()
    return stored.id


def without_from(envelope_only: EmailMessage) -> bytes:
    del envelope_only["From"]
    return envelope_only.as_bytes(policy=email.policy.SMTP)


async def test_unusable_from_is_answered_to_a_directory_envelope_sender_and_nobody_else(line: Line) -> None:
    owed = await arrive(line, without_from(document(61)), envelope=TAN_HOA)
    unowed = await arrive(line, without_from(document(62)), envelope=OUTSIDE)
    assert (await line.document(owed)).state is ProcessingState.REJECTED
    assert (await line.document(unowed)).state is ProcessingState.REJECTED  # recorded all the same
    [refusal] = line.receipts("Từ chối")
    assert refusal["To"] == TAN_HOA and "người gửi" in refusal.get_body(("plain",)).get_content()
    assert (await line.document(unowed)).reply_to == ""


async def test_unknown_outside_senders_are_answered_only_when_spf_passes(line: Line, fake_dns: FakeDNS) -> None:
    line.bridge.deps.authenticator = SenderAuthenticator(dns_resolver=fake_dns.resolver())
    fake_dns.set("example.org", "TXT", ["v=spf1 ip4:127.0.0.1 -all"])
    forged = await arrive(line, document(63, sender=OUTSIDE), envelope=OUTSIDE, peer="203.0.113.9")
    assert (await line.document(forged)).state is ProcessingState.REJECTED
    assert line.receipts("Từ chối") == []  # no backscatter to an address someone may have forged
    genuine = await arrive(line, document(64, sender=OUTSIDE), envelope=OUTSIDE, peer="127.0.0.1")
    [refusal] = line.receipts("Từ chối")
    assert refusal["To"] == OUTSIDE and (await line.document(genuine)).reply_to == OUTSIDE


async def test_mail_from_our_own_address_or_answering_our_receipt_is_never_answered(line: Line) -> None:
    await arrive(line, document(65), envelope=TAN_HOA)
    [accepted] = line.receipts("Đã tiếp nhận")
    echoed = EmailMessage()  # our receipt, sent back by a server that drops Auto-Submitted
    echoed["From"], echoed["To"], echoed["Subject"] = TAN_HOA, "vanban@edoc-bridge.local", "Re: " + accepted["Subject"]
    echoed["In-Reply-To"] = echoed["References"] = accepted["Message-ID"]
    echoed.set_content("Đã nhận được, cảm ơn.")
    echo = await arrive(line, echoed, envelope=TAN_HOA)
    ours = line.bridge.settings.smtp_out.from_address  # the address our receipts come from
    own = await arrive(line, document(66, sender=ours), envelope=ours)
    async with line.bridge.deps.uow() as uow:
        assert await uow.documents.by_inbound(echo) is None  # a reply to the bridge, never a new document
        assert (await uow.inbound.get(echo)).state.value == "done"  # recorded
    doc = await line.document(own)
    assert doc.state is ProcessingState.REJECTED and doc.reply_to == ""
    assert [r.code for r in doc.reasons] == ["loop.own_address"]
    assert len(line.sink.messages) == 1  # only the first document's receipt: neither was answered


async def test_the_daily_cap_spares_directory_agencies(line: Line, fake_dns: FakeDNS) -> None:
    from bridge.services.deliveries import DeliveryOptions

    line.bridge.deps.delivery = DeliveryOptions(receipt_cap=2)  # type: ignore[attr-defined]
    for n in range(70, 75):
        await arrive(line, document(n), envelope=TAN_HOA)
    assert len(line.receipts("Đã tiếp nhận")) == 5  # an agency's own documents: every receipt
    line.bridge.deps.authenticator = SenderAuthenticator(dns_resolver=fake_dns.resolver())
    fake_dns.set("example.org", "TXT", ["v=spf1 ip4:127.0.0.1 -all"])
    for n in range(80, 85):
        await arrive(line, document(n, sender=OUTSIDE), envelope=OUTSIDE)
    assert len([m for m in line.sink.messages if m["To"] == OUTSIDE]) == 2  # a stranger: capped


async def test_the_same_identifier_four_times_is_registered_once(line: Line) -> None:
    first = await arrive(line, document(90), envelope=TAN_HOA)
    again = [await arrive(line, document(90, subject=f"Lần {n}"), envelope=TAN_HOA) for n in (2, 3, 4)]
    original = await line.document(first)
    assert original.state is ProcessingState.REGISTERED
    for inbound in again:
        copy = await line.document(inbound)
        assert copy.state is ProcessingState.HELD
        [warning] = [r for r in copy.reasons if r.code == "document.duplicate"]
        assert original.id[:8] in warning.message and "90/QĐ-UBND" in warning.message
    async with line.bridge.deps.uow() as uow:
        copies = await uow.documents.with_document_id(original.document_id)
        entries = [await uow.register.for_document(d.id) for d in copies]
    assert [d.state for d in copies].count(ProcessingState.REGISTERED) == 1
    assert sum(1 for e in entries if e) == 1  # one line in the sổ đi
    assert len(line.axis.packets()) == 1


async def test_one_duplicate_rule_for_a_new_document_and_a_completed_one(line: Line) -> None:
    code = "93/QĐ-UBND"
    original = await line.document(await arrive(line, document(93), envelope=TAN_HOA))
    assert original.state is ProcessingState.REGISTERED
    resent = await line.document(await arrive(line, document(93, subject="Gửi lại"), envelope=TAN_HOA))
    unnumbered = document_mail(signed_document(""), code="")  # held: no số, ký hiệu anywhere
    held = await line.document(await arrive(line, unnumbered, envelope=TAN_HOA))
    assert held.state is ProcessingState.HELD and not held.document_id
    done = await complete_held(line.bridge.deps, held.id, Completion(f"Số: {code}", actor=TAN_HOA))
    assert done.outcome is CompletionOutcome.HELD and done.document is not None
    for doc in (resent, done.document):  # the same rule, the same warning, from both paths
        assert doc.state is ProcessingState.HELD and doc.document_id == original.document_id
        [warning] = [r for r in doc.reasons if r.code == DUPLICATE]
        assert warning.message == duplicate_warning(doc, original) and original.id[:8] in warning.message
