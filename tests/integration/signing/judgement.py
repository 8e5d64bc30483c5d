"""The pipeline's judgement of one PDF, in process: the attachment steps (completeness read from the signed bytes,
then signatures) with the real validator, as the sending agency UBND xã Tân Hòa whose MST is the test PKI's."""

from __future__ import annotations

from bridge.checks import PdfAnalyses
from bridge.pipeline.inspection import Directory, Inspection
from bridge.pipeline.run import run_pipeline
from bridge.pipeline.steps import STEPS
from bridge.services.checks import CheckPolicy
from bridge.services.deps import Deps
from core.agency import Agency
from core.inbound import Channel, InboundAttachment, InboundMessage
from core.organ_id import OrganId
from core.ports import SignatureValidator
from core.records import InboundRecord
from core.signature_policy import ORGANISATION, PERSONAL
from signing.completeness import check_attachment_set
from tests.fixtures.pki import ORG_MST
from tests.unit.pipeline.fakes import NOW, FixedClock

SENDER = Agency(
    OrganId("000.20.32.H61"), "UBND xã Tân Hòa", emails=("vanthu@tanhoa.gov.vn",), tax_codes=(f"MST:{ORG_MST}",)
)
OTHER = Agency(
    OrganId("000.21.32.H61"), "UBND xã Long Phước", emails=("vanthu@longphuoc.gov.vn",), tax_codes=("MST:1500000002",)
)
ATTACHMENT_STEPS = [(name, step) for name, step in STEPS if name in ("check_completeness", "verify_signatures")]


async def judge(
    pdf: bytes, validator: SignatureValidator, *, three: bool = False, sender: Agency = SENDER
) -> Inspection:
    kinds = (PERSONAL, PERSONAL, ORGANISATION) if three else (PERSONAL, ORGANISATION)
    deps = Deps(uow=None, blobs=None, axis=None, mail=None, clock=FixedClock())  # type: ignore[arg-type]
    deps.signatures = validator
    deps.check_pdf = PdfAnalyses().check
    deps.check_attachments = check_attachment_set
    deps.checks = CheckPolicy(expected_signatures=kinds)
    record = InboundRecord(
        Channel.SMTP, "smtp:corpus", "0" * 64, len(pdf), received_at=NOW, envelope_from=sender.emails[0]
    )
    attachment = InboundAttachment("12-QD-UBND.pdf", "application/pdf", pdf)
    ins = Inspection(record, b"", Directory([SENDER, OTHER]), Channel.SMTP)
    ins.message = InboundMessage(Channel.SMTP, sender_address=sender.emails[0], attachments=[attachment])
    ins.agency, ins.pdfs = sender, [attachment]
    return await run_pipeline(ins, deps, ATTACHMENT_STEPS)
