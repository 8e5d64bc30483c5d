"""Replies people actually write (issue 16): without the token, from a colleague's address, contradicting an
earlier reply — each understood or answered, never registered as a new document."""

from __future__ import annotations

from email.message import EmailMessage

from tests.e2e.axis_delivery_helpers import codes_at, reply
from tests.e2e.clerk_helpers import body_of, reply_to
from tests.e2e.harness import TAN_HOA, api_get, document_mail, eventually, send_mail
from tests.e2e.test_axis_delivery import delivered
from tests.fixtures.pdfs import make_official_pdf


async def states(api: str) -> list[str]:
    return [d["state"] for d in await api_get(api, "/api/documents")]


async def test_a_reply_without_its_token_is_matched_by_its_subject(bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    assert await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf(), recipients="")) == {}
    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    reply = reply_to(held, "Nơi nhận: 000.00.32.H61", keep_token=False)
    assert "EDOC-" not in reply.as_string()
    assert await send_mail(bridge.settings.smtp_in.port, reply) == {}
    await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]), timeout=20)
    assert await states(bridge.api) == ["registered"]


async def test_an_unmatched_reply_is_answered_not_recognised_never_a_document(bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    for code in ("12/QĐ-UBND", "13/QĐ-UBND"):  # two held documents: a vague reply fits neither for sure
        mail = document_mail(make_official_pdf(), recipients="", code=code, subject=f"Về việc thử số {code}")
        assert await send_mail(bridge.settings.smtp_in.port, mail) == {}
    for code in ("12/QĐ-UBND", "13/QĐ-UBND"):  # both held before the vague reply comes
        await mail_sink.wait_for(lambda m, c=code: "Tạm giữ" in str(m["Subject"]) and c in str(m["Subject"]))
    vague = EmailMessage()
    vague["From"], vague["To"] = TAN_HOA, "vanban@edoc-bridge.local"
    vague["Subject"] = "Re: [edoc-bridge] Tạm giữ, cần bổ sung văn bản"
    vague.set_content("Nơi nhận: 000.00.32.H61\n")
    assert await send_mail(bridge.settings.smtp_in.port, vague) == {}
    answer = await mail_sink.wait_for(lambda m: "Không nhận ra thư trả lời" in str(m["Subject"]))
    body = body_of(answer)
    assert "12/QĐ-UBND" in body and "13/QĐ-UBND" in body and "giữ nguyên mã theo dõi" in body
    assert await states(bridge.api) == ["held", "held"]  # no third document, nothing changed


async def test_a_colleagues_address_is_not_obeyed_and_the_registered_mailbox_is_told(bridge, mail_sink) -> None:  # type: ignore[no-untyped-def]
    assert await send_mail(bridge.settings.smtp_in.port, document_mail(make_official_pdf(), recipients="")) == {}
    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    colleague = reply_to(held, "Nơi nhận: 000.00.32.H61", sender="ketoan@tanhoa.vinhlong.gov.vn")
    assert await send_mail(bridge.settings.smtp_in.port, colleague) == {}
    told = await mail_sink.wait_for(lambda m: "địa chỉ chưa đăng ký" in str(m["Subject"]))
    assert told["To"] == TAN_HOA and "ketoan@tanhoa.vinhlong.gov.vn" in body_of(told)
    assert await states(bridge.api) == ["held"]


async def test_a_contradicting_second_reply_is_answered_with_the_current_state(bridge, axis, mail_sink) -> None:  # type: ignore[no-untyped-def]
    _, mail = await delivered(bridge, axis, mail_sink, make_official_pdf())
    assert "Số đến: 1 (sổ văn bản đến năm " in body_of(mail)  # the number the clerk writes on the document
    await send_mail(bridge.settings.smtp_in.port, reply(mail, "Tiếp nhận"))
    await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
    await send_mail(bridge.settings.smtp_in.port, reply(mail, "TỪ CHỐI: gửi nhầm"))
    answer = await mail_sink.wait_for(lambda m: "Chưa ghi nhận «Từ chối tiếp nhận»" in str(m["Subject"]))
    body = body_of(answer)
    assert "đang ở trạng thái «Đã tiếp nhận», do vanthu@tanhoa.vinhlong.gov.vn ghi nhận lúc" in body
    assert "Ủy ban nhân dân tỉnh Vĩnh Long" in body  # whom to contact: the sender agency
    assert codes_at(axis) == ["01", "03"]


async def test_a_delivery_reply_without_its_token_is_matched_by_the_number(bridge, axis, mail_sink) -> None:  # type: ignore[no-untyped-def]
    await delivered(bridge, axis, mail_sink, make_official_pdf())
    answer = EmailMessage()
    answer["From"], answer["To"] = TAN_HOA, "vanban@edoc-bridge.local"
    answer["Subject"] = "Re: Văn bản đến số 45/QĐ-UBND"  # the client dropped the tag and the token
    answer["In-Reply-To"] = "<khong-ro@tanhoa.vinhlong.gov.vn>"
    answer.set_content("Tiếp nhận\n")
    assert "EDOC-" not in answer.as_string() and "edoc-bridge]" not in str(answer["Subject"])
    await send_mail(bridge.settings.smtp_in.port, answer)
    await eventually(lambda: codes_at(axis) == ["01", "03"], what="status 03 at the axis")
    confirmation = await mail_sink.wait_for(lambda m: "Đã ghi nhận «Đã tiếp nhận»" in str(m["Subject"]))
    assert confirmation["To"] == TAN_HOA
    assert [d["state"] for d in await api_get(bridge.api, "/api/documents")] == ["registered"]  # no new one
