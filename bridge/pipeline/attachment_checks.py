"""Steps that check the attached files: virus scan (fail closed), completeness, digital signatures."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from typing import Any

from bridge.pipeline.inspection import Inspection
from bridge.services.checks import ORGANISATION, PERSONAL
from bridge.services.deps import Deps
from core.agency import Agency
from core.inbound import InboundAttachment
from core.ports import Indication, ScannerUnavailable, ScanVerdict, SignatureReport
from core.text import fold
from core.verdict import Reason

log = logging.getLogger(__name__)

NOT_SCANNED = "Chưa quét virus (clamd chưa cấu hình)"
WRONG_ORGANISATION = "Chữ ký số của cơ quan không phải của cơ quan gửi"
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
    ins.note("scan", {"scanned": True, "files": len(ins.message.attachments), "infected": dict(ins.quarantined)})
    if ins.quarantined:
        for name, virus in ins.quarantined.items():
            ins.reject("scan.infected", f"Tệp {name} chứa mã độc ({virus}); tệp đã được cách ly.")
        ins.halted = True
        return "Phát hiện mã độc: " + ", ".join(f"{n} ({v})" for n, v in ins.quarantined.items())
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
        report = await deps.check_pdf(pdf.data, declared_pages=declared_pages if pdf is main else None)
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


def report_data(r: SignatureReport) -> dict[str, Any]:
    data = asdict(r)
    data["signing_time"] = r.signing_time.isoformat() if r.signing_time else None
    data["signer_uids"] = list(r.signer_uids)
    return data


def _uid(text: str) -> str:
    prefix, _, value = text.partition(":")
    return f"{prefix.strip().upper()}:{value.strip().upper()}"


def _fingerprint(text: str) -> str:
    return text.lower().replace(":", "").strip()


def signed_by(report: SignatureReport, agency: Agency) -> bool:
    """The certificate maps to the agency: a UID (MST:/MNS:) in its tax codes, or a configured fingerprint."""
    codes = {_uid(t) for t in agency.tax_codes}
    if codes & {_uid(u) for u in report.signer_uids}:
        return True
    return bool(report.cert_sha256) and _fingerprint(report.cert_sha256) in {
        _fingerprint(f) for f in agency.cert_fingerprints
    }


def is_organisation(report: SignatureReport, ins: Inspection) -> bool:
    fp = _fingerprint(report.cert_sha256)
    return report.is_organisation or any(fp in map(_fingerprint, a.cert_fingerprints) for a in ins.directory.agencies)


async def verify_signatures(ins: Inspection, deps: Deps) -> str:
    """Every PDF's signatures; TOTAL_FAILED ⇒ reject, INDETERMINATE ⇒ hold; the main document needs the expected
    personal and organisation signatures, and the organisation's certificate must be the sending agency's."""
    main = main_pdf(ins)
    if deps.signatures is None or main is None:
        ins.note("signatures", {"checked": False})
        return "Chưa kiểm tra chữ ký số (chưa cấu hình chứng thư gốc tin cậy)"
    for pdf in ins.pdfs:
        ins.signatures[pdf.filename] = await deps.signatures.validate(pdf.data)
    ins.note("signatures", {name: [report_data(r) for r in rs] for name, rs in ins.signatures.items()})
    for pdf in ins.pdfs:
        for r in ins.signatures[pdf.filename]:
            _judge(ins, r, pdf.filename)
    kinds = _expected_kinds(ins, ins.signatures[main.filename], deps)
    return _summary(ins, main.filename, kinds)


def _judge(ins: Inspection, r: SignatureReport, filename: str) -> None:
    count = len(ins.pdfs)
    if r.indication is Indication.TOTAL_FAILED:
        ins.reject(f"signature.{r.sub_indication.lower() or 'failed'}", _in_file(filename, r.message, count))
    elif r.indication is Indication.INDETERMINATE:
        ins.hold(f"signature.{r.sub_indication.lower() or 'indeterminate'}", _in_file(filename, r.message, count))
    # only a trusted certificate's identity counts: an untrusted one is held above, whatever it claims
    if r.indication is not Indication.TOTAL_PASSED or ins.agency is None or not is_organisation(r, ins):
        return
    if signed_by(r, ins.agency):
        return
    owner = next((a for a in ins.directory.agencies if signed_by(r, a)), None)
    who = f"chứng thư của {owner.name}" if owner else f"chứng thư «{r.signer_cn or r.signer_subject}»"
    ins.reject("signature.wrong_organisation", f"{WRONG_ORGANISATION} ({who}, cơ quan gửi: {ins.agency.name}).")


def _expected_kinds(ins: Inspection, reports: list[SignatureReport], deps: Deps) -> set[str]:
    kinds = {ORGANISATION if is_organisation(r, ins) else PERSONAL for r in reports}
    missing = [k for k in deps.checks.expected_signatures if k not in kinds]
    if not reports:
        message = "Văn bản chưa được ký số."
    elif missing:
        labels = {PERSONAL: "chữ ký số của người có thẩm quyền", ORGANISATION: "chữ ký số của cơ quan"}
        message = "Văn bản thiếu " + " và ".join(labels[k] for k in missing) + "."
    else:
        return kinds
    code = "signature.missing" if reports else "signature.unsigned"
    (ins.reject if deps.checks.require_signature else ins.hold)(code, message)
    return kinds


def _summary(ins: Inspection, main: str, kinds: set[str]) -> str:
    total = sum(len(rs) for rs in ins.signatures.values())
    passed = sum(r.indication is Indication.TOTAL_PASSED for rs in ins.signatures.values() for r in rs)
    names = ", ".join(r.signer_cn for r in ins.signatures[main] if r.signer_cn)
    found = " + ".join(sorted(kinds)) or "không có"
    return f"{passed}/{total} chữ ký số hợp lệ; văn bản chính: {found}" + (f" ({names})" if names else "")
