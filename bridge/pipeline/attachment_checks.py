"""Steps that check the attached files: virus scan (fail closed), completeness, digital signatures.

Every step that reads a PDF reads `signed_content`: the bytes its last intact signature covers (the file itself
when it is unsigned or, as it must be to pass, exactly what was signed)."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from typing import Any

from bridge.pipeline.inspection import Inspection
from bridge.services.deps import Deps
from core.agency import Agency
from core.inbound import InboundAttachment
from core.ports import Indication, ScannerUnavailable, ScanVerdict, SignatureReport
from core.signature_policy import (
    ORGANISATION,
    PERSONAL,
    KnownAgency,
    SignerExpectation,
    is_organisation,
    judge_signers,
    signature_reasons,
    signed_length,
)
from core.text import fold
from core.verdict import Reason

log = logging.getLogger(__name__)

NOT_SCANNED = "Chưa quét virus (clamd chưa cấu hình)"
_APPENDIX = re.compile(r"phu[\W_]*luc|^pl[\W_]*\d")


def main_pdf(ins: Inspection) -> InboundAttachment | None:
    """The document itself: the first PDF that is not named as an appendix ("Phụ lục", "PL01")."""
    for pdf in ins.pdfs:
        if not _APPENDIX.search(fold(pdf.filename)):
            return pdf
    return ins.pdfs[0] if ins.pdfs else None


# ---- virus scan ------------------------------------------------------------------------------------------


async def scan(ins: Inspection, deps: Deps) -> str:
    """Every attachment through clamd. Unavailable ⇒ RETRY (never pass unscanned); infected ⇒ reject + quarantine."""
    assert ins.message is not None
    if deps.scanner is None:
        ins.note("scan", {"scanned": False, "why": "clamd chưa cấu hình"})
        return NOT_SCANNED
    for att in ins.message.attachments:
        try:
            result = await deps.scanner.scan(att.data)
        except ScannerUnavailable as exc:
            return _scanner_down(ins, deps, str(exc))
        if result.verdict is ScanVerdict.INFECTED:
            ins.quarantined[att.filename] = result.signature
        elif result.verdict is ScanVerdict.INCOMPLETE:  # an archive bomb or deep nesting: never passed unscanned
            ins.hold("scan.incomplete", f"Tệp {att.filename} không quét virus hết được (vượt giới hạn quét "
                     f"{result.signature}); văn thư cần kiểm tra trước khi tiếp nhận.")  # fmt: skip
    ins.note("scan", {"scanned": True, "files": len(ins.message.attachments), "infected": dict(ins.quarantined)})
    if ins.quarantined:
        for name, virus in ins.quarantined.items():
            ins.reject("scan.infected", f"Tệp {name} chứa mã độc ({virus}); tệp đã được cách ly.")
        ins.halted = True
        return "Phát hiện mã độc: " + ", ".join(f"{n} ({v})" for n, v in ins.quarantined.items())
    if any(r.code == "scan.incomplete" for r in ins.reasons):
        return "Có tệp không quét hết được (vượt giới hạn quét): tạm giữ chờ văn thư"
    return f"Đã quét virus {len(ins.message.attachments)} tệp: sạch"


def _scanner_down(ins: Inspection, deps: Deps, error: str) -> str:
    waited = (deps.clock.now() - ins.inbound.received_at).total_seconds()
    ins.note("scan", {"scanned": False, "unavailable": error, "waiting_seconds": round(waited)})
    ins.retry("scan.unavailable", "Máy quét virus tạm thời không hoạt động; văn bản được giữ lại và sẽ quét lại.")
    ins.halted = True
    if waited >= deps.checks.scan_alert_after:
        log.error("ALERT clamd unavailable: inbound %s waiting %.0f s unscanned (%s)", ins.inbound.id, waited, error)
        ins.note("alert", f"clamd không hoạt động: văn bản chờ quét virus đã {round(waited / 60)} phút")
        return f"CẢNH BÁO: máy quét virus không hoạt động, văn bản đã chờ {round(waited / 60)} phút"
    return "Máy quét virus không sẵn sàng: giữ lại, sẽ quét lại"


# ---- completeness ----------------------------------------------------------------------------------------


async def check_completeness(ins: Inspection, deps: Deps) -> str:
    """PDF version, page count vs declared, encryption, active content, state-secret marks, limits, appendices."""
    assert ins.message is not None
    if deps.check_pdf is None:
        return "Không cấu hình kiểm tra tính đầy đủ của tệp"
    main, declared_pages = main_pdf(ins), ins.facts.get("declared_pages")
    files: dict[str, Any] = {}
    for pdf in ins.pdfs:
        content = await signed_content(ins, deps, pdf)
        report = await deps.check_pdf(content, declared_pages=declared_pages if pdf is main else None)
        files[pdf.filename] = {
            "pages": report.page_count,
            "version": report.version,
            "codes": list(report.codes),
            "has_text": report.has_text,  # a PDF without a text layer is a scan of paper
        }
        for f in report.findings:
            ins.reasons.append(Reason(f.code, _in_file(pdf.filename, f.message, len(ins.pdfs)), f.outcome))
    if deps.check_attachments is not None:
        ins.reasons.extend(deps.check_attachments(ins.message.attachments, ins.meta.appendixes))
    ins.note("completeness", files)
    if main is not None and files[main.filename]["pages"]:
        ins.meta.page_amount = files[main.filename]["pages"]
    pages = files[main.filename]["pages"] if main is not None else None
    return f"Kiểm tra {len(files)} tệp PDF" + (f"; văn bản chính {pages} trang" if pages else "")


def _in_file(filename: str, message: str, count: int) -> str:
    return f"{message} (tệp {filename})" if count > 1 else message


# ---- signatures ------------------------------------------------------------------------------------------

UNCHECKED = (
    "Hệ thống tiếp nhận này chưa được cấu hình chứng thư số gốc tin cậy nên không kiểm tra được chữ ký số; "
    "văn bản được giữ lại để văn thư kiểm tra chữ ký trực tiếp."
)


async def signature_reports(ins: Inspection, deps: Deps, pdf: InboundAttachment) -> list[SignatureReport]:
    """The validator's reports for `pdf`, validated once per inspection ([] when signatures cannot be checked)."""
    if deps.signatures is None:
        return []
    if pdf.filename not in ins.signatures:
        ins.signatures[pdf.filename] = await deps.signatures.validate(pdf.data)
    return ins.signatures[pdf.filename]


async def signed_content(ins: Inspection, deps: Deps, pdf: InboundAttachment) -> bytes:
    """What was signed is what we read: the bytes the last intact signature (or document timestamp) covers. Text,
    metadata, page count and completeness are read from these; a file that goes beyond them is refused by the
    signature step (core.signature_policy: UNSIGNED_CHANGES), never trimmed and accepted."""
    end = signed_length(await signature_reports(ins, deps, pdf))
    return pdf.data[:end] if end else pdf.data


def report_data(r: SignatureReport) -> dict[str, Any]:
    data = asdict(r)
    data["signing_time"] = r.signing_time.isoformat() if r.signing_time else None
    data["signer_uids"] = list(r.signer_uids)
    return data


def _known(agency: Agency) -> KnownAgency:
    return KnownAgency(agency.name, agency.tax_codes, agency.cert_fingerprints)


def expectation(ins: Inspection, deps: Deps, main: InboundAttachment) -> SignerExpectation:
    """Who must have signed the main document: the configured kinds, fewer for a scan of paper (no text layer)."""
    checked = ins.facts.get("completeness", {}).get(main.filename, {})
    scanned = checked.get("has_text") is False
    return SignerExpectation(
        sender=_known(ins.agency) if ins.agency is not None else None,
        kinds=deps.checks.expected_signatures_scanned if scanned else deps.checks.expected_signatures,
        directory=tuple(_known(a) for a in ins.directory.agencies),
        require_signature=deps.checks.require_signature,
    )


async def verify_signatures(ins: Inspection, deps: Deps) -> str:
    """Every PDF's signatures and document timestamps (core.signature_policy): TOTAL_FAILED ⇒ reject,
    INDETERMINATE ⇒ hold; the main document must carry exactly the expected signers, its organisation signature
    the sending agency's. Without trust roots nothing is accepted as checked: the document is held."""
    main = main_pdf(ins)
    if main is None:
        return "Không có tệp PDF để kiểm tra chữ ký số"
    if deps.signatures is None:
        ins.note("signatures", {"checked": False})
        if deps.checks.unchecked_signatures_pass:  # a test setup of other parts, never a default
            return "Không kiểm tra chữ ký số (cấu hình cho qua khi chưa có chứng thư số gốc tin cậy)"
        ins.hold("signature.unchecked", UNCHECKED)
        return "Không kiểm tra được chữ ký số: chưa cấu hình chứng thư số gốc tin cậy"
    for pdf in ins.pdfs:
        await signature_reports(ins, deps, pdf)
    ins.note("signatures", {name: [report_data(r) for r in rs] for name, rs in ins.signatures.items()})
    many = len(ins.pdfs) > 1
    for pdf in ins.pdfs:
        ins.reasons.extend(signature_reasons(ins.signatures[pdf.filename], pdf.filename if many else ""))
    expected = expectation(ins, deps, main)
    ins.reasons.extend(judge_signers(ins.signatures[main.filename], expected))
    return _summary(ins, main.filename, expected)


def _summary(ins: Inspection, main: str, expected: SignerExpectation) -> str:
    signatures = [r for rs in ins.signatures.values() for r in rs if r.kind != "document"]
    passed = sum(r.indication is Indication.TOTAL_PASSED for r in signatures)
    names = ", ".join(r.signer_cn for r in ins.signatures[main] if r.signer_cn and r.kind == "signature")
    directory = expected.directory
    kinds = sorted(
        {
            ORGANISATION if is_organisation(r, directory) else PERSONAL
            for r in ins.signatures[main]
            if r.kind == "signature"
        }
    )
    found = " + ".join(kinds) or "không có"
    return f"{passed}/{len(signatures)} chữ ký số hợp lệ; văn bản chính: {found}" + (f" ({names})" if names else "")
