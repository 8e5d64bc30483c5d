"""The inbound pipeline against the real pieces: clamd, pyHanko on signed PDFs, the database (SQLite and PG)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bridge.services.checks_review import ReviewConflict, reject_held, release_held
from core.document import ProcessingState
from core.records import OutboxState
from tests.e2e.harness import document_mail
from tests.fixtures.clamd import eicar_bytes
from tests.fixtures.pdfs import add_page_after_signing, flip_byte, make_official_pdf, signed_official_pdf
from tests.integration.pipeline.conftest import Checked
from tests.integration.pipeline.documents import tan_hoa_document


def step(doc, name: str):  # type: ignore[no-untyped-def]
    return next(t for t in doc.trail if t.step == name)


async def test_signed_document_is_registered_with_every_check_recorded(checked: Checked) -> None:
    inbound = await checked.receive(document_mail(tan_hoa_document(checked.signers)))
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REGISTERED, doc.reasons
    assert step(doc, "scan").data["scan"] == {"scanned": True, "files": 1, "infected": {}}
    reports = step(doc, "verify_signatures").data["signatures"]["12-QD-UBND.pdf"]
    assert [(r["signer_cn"], r["indication"], r["is_organisation"]) for r in reports] == [
        ("Nguyễn Văn An", "TOTAL_PASSED", False),
        ("UBND xã Tân Hòa", "TOTAL_PASSED", True),
    ]
    assert "MST:1500000001" in reports[1]["signer_uids"] and reports[1]["subfilter"] == "ETSI.CAdES.detached"
    assert step(doc, "check_completeness").data["completeness"]["12-QD-UBND.pdf"]["pages"] == 1
    assert doc.page_amount == 1 and [j.kind for j in await checked.jobs("relay")] == ["relay"]


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (flip_byte, "Chữ ký số không hợp lệ: nội dung tài liệu đã bị thay đổi so với lúc ký"),
        (
            add_page_after_signing,
            "Tài liệu đã bị sửa sau khi ký: thêm, bớt, thay hoặc đổi thứ tự trang (số trang 1 → 2).",
        ),
    ],
    ids=["one-byte", "page-added"],
)
async def test_altered_document_is_rejected_with_the_vietnamese_reason(checked: Checked, alter, message) -> None:  # type: ignore[no-untyped-def]
    inbound = await checked.receive(document_mail(alter(tan_hoa_document(checked.signers))))
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REJECTED
    assert message in [r.message for r in doc.reasons]
    assert [j.payload["kind"] for j in await checked.jobs("receipt")] == ["rejected"]


async def test_organisation_signature_of_another_commune_is_rejected(checked: Checked) -> None:
    pdf = signed_official_pdf(checked.signers.pki, organisation=checked.signers.long_phuoc)
    inbound = await checked.receive(document_mail(pdf))
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REJECTED
    assert [r.code for r in doc.reasons] == ["signature.wrong_organisation"]
    assert "Ủy ban nhân dân xã Long Phước" in doc.reasons[0].message


async def test_untrusted_signer_is_held_for_a_clerk(checked: Checked) -> None:
    pdf = signed_official_pdf(checked.signers.pki, organisation=checked.signers.pki.untrusted)
    inbound = await checked.receive(document_mail(pdf))
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.HELD
    assert "signature.no_trusted_root" in [r.code for r in doc.reasons]
    assert [j.payload["kind"] for j in await checked.jobs("receipt")] == ["held"]


async def test_infected_attachment_is_rejected_and_kept_quarantined(checked: Checked) -> None:
    msg = document_mail(tan_hoa_document(checked.signers))
    msg.add_attachment(b"prefix " + eicar_bytes(), maintype="application", subtype="octet-stream", filename="x.bin")
    inbound = await checked.receive(msg)
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REJECTED and [r.code for r in doc.reasons] == ["scan.infected"]
    bad = next(a for a in doc.attachments if a.filename == "x.bin")
    assert bad.description.startswith("Đã cách ly: chứa mã độc Test.EICAR")
    assert await checked.bridge.deps.blobs.exists(bad.sha256)  # evidence kept, never relayed
    assert await checked.jobs("relay") == []


async def test_clamd_down_holds_and_retries_then_accepts_when_clamd_returns(checked: Checked, clamd_running) -> None:  # type: ignore[no-untyped-def]
    clamd_running.stop()
    inbound = await checked.receive(document_mail(tan_hoa_document(checked.signers)))
    assert await checked.run_pipeline_jobs() == 1
    held = await checked.document_for(inbound)
    assert held.state is ProcessingState.HELD and [r.code for r in held.reasons] == ["scan.unavailable"]
    [job] = await checked.jobs("pipeline")
    assert job.state is OutboxState.TODO and job.run_after > datetime.now(UTC).replace(microsecond=0)
    assert await checked.jobs("receipt") == []  # nothing said to the sender while waiting
    with pytest.raises(ReviewConflict):  # a clerk cannot release an unscanned document
        await release_held(checked.bridge.deps, held.id, "Lê Văn Thư")

    clamd_running.start()
    await asyncio.sleep(0.3)  # scan_retry_max_delay
    assert await checked.run_pipeline_jobs() == 1
    doc = await checked.document_for(inbound)
    assert doc.id == held.id and doc.state is ProcessingState.REGISTERED, doc.reasons
    assert [t.outcome.value for t in doc.trail if t.step == "scan"] == ["retry", "continue"]
    async with checked.bridge.deps.uow() as uow:
        assert await uow.documents.count() == 1


async def test_clerk_releases_a_held_document_once(checked: Checked) -> None:
    inbound = await checked.receive(document_mail(make_official_pdf()))  # unsigned: held
    await checked.run_pipeline_jobs()
    held = await checked.document_for(inbound)
    assert held.state is ProcessingState.HELD and "signature.unsigned" in [r.code for r in held.reasons]

    doc = await release_held(checked.bridge.deps, held.id, "Lê Văn Thư")
    assert doc.state is ProcessingState.REGISTERED
    stored = await checked.document_for(inbound)
    assert stored.state is ProcessingState.REGISTERED
    assert stored.trail[-1].step == "clerk_release" and stored.trail[-1].data["clerk"] == "Lê Văn Thư"
    async with checked.bridge.deps.uow() as uow:
        assert len(await uow.register.for_document(held.id)) == 1
    assert len(await checked.jobs("relay")) == 1
    assert {j.payload["kind"] for j in await checked.jobs("receipt")} == {"held", "accepted"}
    with pytest.raises(ReviewConflict):
        await release_held(checked.bridge.deps, held.id, "Lê Văn Thư")


async def test_clerk_rejects_a_held_document_with_a_reason(checked: Checked) -> None:
    inbound = await checked.receive(document_mail(make_official_pdf()))
    await checked.run_pipeline_jobs()
    held = await checked.document_for(inbound)
    await reject_held(checked.bridge.deps, held.id, "Lê Văn Thư", "Văn bản chưa ký số của cơ quan")
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REJECTED
    assert [r.message for r in doc.reasons] == ["Văn thư từ chối: Văn bản chưa ký số của cơ quan"]
    assert doc.trail[-1].step == "clerk_reject" and doc.trail[-1].data["clerk"] == "Lê Văn Thư"
    assert {j.payload["kind"] for j in await checked.jobs("receipt")} == {"held", "rejected"}


async def test_missing_metadata_is_held_with_a_receipt_naming_it(checked: Checked) -> None:
    from core.receipt import held_receipt

    msg = document_mail(tan_hoa_document(checked.signers), recipients="")
    inbound = await checked.receive(msg)
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.HELD and [r.code for r in doc.reasons] == ["metadata.missing"]
    body = held_receipt(doc, doc.reasons).body
    assert "Còn thiếu thông tin: Nơi nhận." in body and "Nơi nhận: 000.00.01.H61" in body


async def test_metadata_comes_from_the_pdf_when_the_body_has_none(checked: Checked) -> None:
    msg = document_mail(tan_hoa_document(checked.signers, number="34/QĐ-UBND"))
    msg.get_body(("plain",)).set_content("Kính gửi,\nNơi nhận: 000.00.32.H61\nTrân trọng.\n")
    inbound = await checked.receive(msg)
    await checked.run_pipeline_jobs()
    doc = await checked.document_for(inbound)
    assert doc.state is ProcessingState.REGISTERED, doc.reasons
    assert str(doc.code) == "34/QĐ-UBND" and doc.type_name == "Quyết định"
    assert doc.subject.startswith("phê duyệt kế hoạch chuyển đổi số") or "chuyển đổi số" in doc.subject
    assert doc.signer.full_name == "Nguyễn Văn An"
