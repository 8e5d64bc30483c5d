"""Fakes for pure unit tests of the pipeline steps (integration tests use the real clamd, pyHanko, DNS)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.pipeline.inspection import Directory, Inspection
from bridge.services.checks import CheckPolicy
from bridge.services.deps import Deps
from core.agency import Agency, SenderPolicy
from core.inbound import Channel, InboundAttachment, InboundMessage
from core.organ_id import OrganId
from core.ports import Indication, ScannerUnavailable, ScanResult, ScanVerdict, SignatureReport
from core.records import InboundRecord

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
TAN_HOA = Agency(
    OrganId("000.20.32.H61"), "UBND xã Tân Hòa", emails=("vanthu@tanhoa.gov.vn",), tax_codes=("MST:1500000001",)
)
LONG_PHUOC = Agency(
    OrganId("000.21.32.H61"),
    "UBND xã Long Phước",
    emails=("vanthu@longphuoc.gov.vn",),
    tax_codes=("MST:1500000002",),
    cert_fingerprints=("AB:CD",),
    sender_policy=SenderPolicy.DKIM,
)
HUYEN = Agency(OrganId("000.00.32.H61"), "UBND huyện Long Hồ", served=False)


@dataclass
class FixedClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class FakeScanner:
    infected: dict[bytes, str] = field(default_factory=dict)
    down: bool = False
    scanned: list[bytes] = field(default_factory=list)

    async def scan(self, data: bytes) -> ScanResult:
        if self.down:
            raise ScannerUnavailable("connection refused")
        self.scanned.append(data)
        if data in self.infected:
            return ScanResult(ScanVerdict.INFECTED, self.infected[data])
        return ScanResult(ScanVerdict.CLEAN)


@dataclass
class FakeValidator:
    reports: dict[bytes, list[SignatureReport]] = field(default_factory=dict)

    async def validate(self, pdf: bytes) -> list[SignatureReport]:
        return self.reports.get(pdf, [])


def personal(**kw: Any) -> SignatureReport:
    base = SignatureReport(
        "ChuKyCaNhan", Indication.TOTAL_PASSED, message="Chữ ký số hợp lệ", signer_cn="Nguyễn Văn An",
        signer_uids=("CCCD:079000000001",), cert_sha256="11",
    )  # fmt: skip
    return replace(base, **kw)


def organisation(**kw: Any) -> SignatureReport:
    base = SignatureReport(
        "ChuKyCoQuan", Indication.TOTAL_PASSED, message="Chữ ký số hợp lệ", signer_cn="UBND xã Tân Hòa",
        signer_uids=("MST:1500000001",), cert_sha256="22", is_organisation=True,
    )  # fmt: skip
    return replace(base, **kw)


def deps(**kw: Any) -> Deps:
    base = Deps(uow=None, blobs=None, axis=None, mail=None, clock=FixedClock())  # type: ignore[arg-type]
    for k, v in kw.items():
        setattr(base, k, v)
    return base


def policy(**kw: Any) -> CheckPolicy:
    return replace(CheckPolicy(), **kw)


def inspection(
    *pdfs: tuple[str, bytes],
    sender: str = "vanthu@tanhoa.gov.vn",
    body: str = "",
    received_ago: timedelta = timedelta(0),
) -> Inspection:
    record = InboundRecord(Channel.SMTP, "smtp:x", "0" * 64, 10, received_at=NOW - received_ago, envelope_from=sender)
    atts = [InboundAttachment(name, "application/pdf", data) for name, data in pdfs]
    ins = Inspection(record, b"raw", Directory([TAN_HOA, LONG_PHUOC, HUYEN]), Channel.SMTP)
    ins.message = InboundMessage(Channel.SMTP, sender_address=sender, body_text=body, attachments=atts)
    ins.agency = ins.directory.by_email(sender)
    ins.pdfs = list(atts)
    return ins
