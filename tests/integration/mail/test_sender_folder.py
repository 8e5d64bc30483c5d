"""The demo's mail sender writes receipts as .eml files an operator can open."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from core.ports import OutgoingMail
from mail.sender import MailFolderSender


async def test_each_mail_becomes_one_complete_eml_file(tmp_path: Path) -> None:
    sender = MailFolderSender(tmp_path / "out", from_address="edoc-bridge@vinhlong.gov.vn")
    mail = OutgoingMail(
        to=["vanthu@tanhoa.vinhlong.gov.vn"],
        subject="[edoc-bridge] Đã tiếp nhận số 12/QĐ-UBND",
        body="Văn bản đã được chuyển.",
        attachments=[("bien-nhan.pdf", "application/pdf", b"%PDF-1.4")],
    )
    ids = [await sender.send(mail), await sender.send(mail)]
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" for f in files)  # no temporary files left behind
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert str(msg["Message-ID"]) in ids and msg["Subject"] == mail.subject
    assert msg.get_body(("plain",)).get_content().strip() == "Văn bản đã được chuyển."
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "bien-nhan.pdf" and att.get_content() == b"%PDF-1.4"
