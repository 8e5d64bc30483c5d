"""Pipeline steps. Each reads the inspection, adds reasons and returns a one-line Vietnamese summary."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import fields

from bridge.pipeline.answers import envelope_sender, is_own, refers_to_our_mail
from bridge.pipeline.attachment_checks import check_completeness, main_pdf, scan, signed_content, verify_signatures
from bridge.pipeline.inspection import Inspection
from bridge.services.deps import Deps
from core.agency import Agency, SenderPolicy
from core.metadata import REQUIRED, DeclaredMetadata, metadata_line, missing_required, parse_metadata_lines
from core.organ_id import OrganId
from core.recipients import split_recipients, suggest

Step = Callable[[Inspection, Deps], Awaitable[str]]

PDF_TYPES = {"application/pdf", "application/x-pdf"}


def _is_pdf(name: str, content_type: str, data: bytes) -> bool:
    return data.startswith(b"%PDF-") and (
        content_type in PDF_TYPES or name.lower().endswith(".pdf") or content_type == "application/octet-stream"
    )


async def parse(ins: Inspection, deps: Deps) -> str:
    ins.message = await asyncio.to_thread(deps.parse_message, ins.raw)  # outside input: off the event loop
    if ins.inbound.size > len(ins.raw):  # IMAP kept only the header block of a message over the size limit
        size = f"{ins.inbound.size / 1048576:.1f} MB"
        ins.reject("mail.too_large", f"Thư dung lượng {size} vượt quá giới hạn cho phép; chưa xử lý văn bản. "
                   "Đề nghị gửi lại với tệp nhỏ hơn (nén hoặc chia thành nhiều thư).")  # fmt: skip
        ins.halted = True
        return f"Thư quá lớn ({size}): chỉ lưu phần tiêu đề"
    for problem in ins.message.problems:
        ins.facts.setdefault("parse_problems", []).append(problem)
    if not ins.message.sender_address:
        ins.reject("mime.no_sender", "Không đọc được địa chỉ người gửi (thư sai định dạng).")
        ins.halted = True
        return "Thư không có địa chỉ người gửi hợp lệ"
    return f"Thư từ {ins.message.sender_address}, {len(ins.message.attachments)} tệp đính kèm"


async def screen_loops(ins: Inspection, deps: Deps) -> str:
    """Auto-replies and bounces, mail from the bridge's own addresses and mail answering one of the bridge's own
    messages (a receipt sent back, with or without Auto-Submitted) are recorded but never answered: no loops."""
    assert ins.message is not None
    sender = ins.message.sender_address
    if ins.message.auto_submitted:
        code, why = "loop.auto_submitted", "Thư trả lời tự động hoặc thư báo lỗi"
    elif is_own(sender, deps) or is_own(envelope_sender(ins), deps):
        code, why = "loop.own_address", "Thư gửi từ chính địa chỉ của cầu nối"
    elif refers_to_our_mail(ins, deps):
        code, why = "loop.our_mail", "Thư trả lời hoặc chuyển tiếp một thư do cầu nối gửi"
    else:
        return "Không phải thư tự động"
    ins.silent = True
    ins.reject(code, f"{why}: không xử lý, không phản hồi.")
    ins.halted = True
    return f"{why}: bỏ qua"


async def identify_sender(ins: Inspection, deps: Deps) -> str:
    assert ins.message is not None
    try:
        address = deps.normalise_address(ins.message.sender_address)
    except ValueError as exc:
        ins.reject("sender.invalid", str(exc))
        ins.halted = True
        return f"Địa chỉ người gửi không hợp lệ: {ins.message.sender_address}"
    ins.note("sender", address)
    ins.agency = ins.directory.by_email(address)
    if ins.agency is None:
        ins.reject(
            "sender.unknown",
            f"Địa chỉ {address} không thuộc cơ quan nào trong danh bạ của hệ thống; "
            "văn bản chỉ được nhận từ hộp thư công vụ đã đăng ký.",
        )
        return f"Không tìm thấy cơ quan gửi cho {address}"
    ins.note("agency", str(ins.agency.organ_id))
    return f"Cơ quan gửi: {ins.agency.name} ({ins.agency.organ_id})"


async def authenticate(ins: Inspection, deps: Deps) -> str:
    """DKIM/SPF when configured. Agencies with policy DKIM need an aligned DKIM pass (d= is the From domain)."""
    needs_dkim = ins.agency is not None and ins.agency.sender_policy == SenderPolicy.DKIM
    if deps.authenticator is None or ins.message is None:
        if needs_dkim:
            ins.hold("sender.dkim_unchecked", "Chưa kiểm tra được chữ ký DKIM của thư; văn thư sẽ xem xét.")
        return "Không cấu hình kiểm tra DKIM/SPF"
    result = await deps.authenticator.check(
        ins.raw, client_ip=ins.inbound.peer_ip, helo="", mail_from=ins.inbound.envelope_from
    )
    ins.note(
        "auth",
        {"dkim": result.dkim, "dkim_domain": result.dkim_domain, "spf": result.spf,
         "spf_domain": getattr(result, "spf_domain", ""), "aligned": result.aligned},
    )  # fmt: skip
    if needs_dkim and result.dkim == "temperror":
        ins.retry("sender.dkim_temperror", "Tạm thời không tra cứu được khóa DKIM (lỗi DNS); sẽ kiểm tra lại.")
    elif needs_dkim and not result.dkim_aligned:
        ins.reject("sender.dkim", "Thư không có chữ ký DKIM hợp lệ của tên miền cơ quan gửi (thư có thể bị giả mạo).")
    return f"DKIM: {result.dkim}" + (f" ({result.dkim_domain})" if result.dkim_domain else "") + f", SPF: {result.spf}"


async def collect_pdfs(ins: Inspection, deps: Deps) -> str:
    assert ins.message is not None
    ins.pdfs = [a for a in ins.message.attachments if _is_pdf(a.filename, a.content_type, a.data)]
    if not ins.pdfs:
        ins.meta, _ = declared_metadata(ins.message.body_text)  # the receipt shows what the clerk typed
        others = [a.filename or "(tệp không tên)" for a in ins.message.attachments]
        if others:
            names = ", ".join(f"«{n}»" for n in others)
            ins.reject("attachment.not_pdf", f"Tệp {names} không phải văn bản định dạng PDF.")
        else:
            ins.reject("attachment.no_pdf", "Thư không kèm tệp văn bản định dạng PDF.")
        ins.halted = True
        return "Không có tệp PDF" + (f" (nhận được: {', '.join(others)})" if others else "")
    return f"{len(ins.pdfs)} tệp PDF: " + ", ".join(a.filename for a in ins.pdfs)


def declared_metadata(text: str) -> tuple[DeclaredMetadata, list[str]]:
    """The `Key: value` lines, and recipients written as names (not codes): those are suggested, not guessed."""
    names: list[str] = []
    codes: list[OrganId] = []
    kept: list[str] = []
    for line in text.splitlines():
        found = metadata_line(line)
        if found is not None and found[0] == "recipients":
            written = split_recipients(found[1])
            codes += written.codes
            names += written.names
        else:
            kept.append(line)
    declared = parse_metadata_lines("\n".join(kept))
    declared.recipients = list(dict.fromkeys(codes))
    return declared, list(dict.fromkeys(names))


async def extract_metadata(ins: Inspection, deps: Deps) -> str:
    """Explicit `Key: value` lines in the mail win over what the PDF text says. Missing ⇒ hold, bad ⇒ reject."""
    assert ins.message is not None
    declared, names = await asyncio.to_thread(declared_metadata, ins.message.body_text)  # off the loop
    ins.facts["declared_pages"] = declared.page_amount
    ins.facts["recipient_names"] = names
    main = main_pdf(ins)
    from_pdf = DeclaredMetadata()
    if deps.extract_pdf_metadata is not None and main is not None:
        from_pdf = await deps.extract_pdf_metadata(await signed_content(ins, deps, main))
    ins.meta = declared.merged_over(from_pdf)
    for problem in declared.problems:
        ins.reject("metadata.invalid", problem)
    missing = missing_required(ins.meta)
    if names and REQUIRED["recipients"] in missing:
        missing.remove(REQUIRED["recipients"])  # written as names: the recipients step suggests their codes
    if missing:
        ins.hold("metadata.missing", "Thiếu thông tin bắt buộc của văn bản: " + ", ".join(missing) + ".")
    ins.note("metadata_source", {"from_pdf": sorted(_filled(from_pdf) - _filled(declared)), "missing": missing})
    return "Đã đọc thông tin văn bản" + (f"; thiếu: {', '.join(missing)}" if missing else "")


def _filled(meta: DeclaredMetadata) -> set[str]:
    return {f.name for f in fields(meta) if f.name != "problems" and getattr(meta, f.name) not in (None, "", [])}


async def resolve_recipients(ins: Inspection, deps: Deps) -> str:
    """Codes in the directory become recipients. An unknown code or a name is held with the directory's
    suggestions (never guessed: a document must not reach an agency the sender did not name)."""
    found = []
    for organ in ins.meta.recipients:
        agency = ins.directory.by_organ(organ)
        if agency is None:
            ins.hold(
                "recipient.unknown",
                f"Nơi nhận có mã định danh {organ} không có trong danh bạ; trả lời với dòng «Nơi nhận: mã đúng».",
            )
        elif ins.agency is not None and agency.organ_id == ins.agency.organ_id:
            ins.reject("recipient.self", "Cơ quan gửi không thể tự gửi văn bản cho chính mình.")
        else:
            found.append(agency)
    suggestions: dict[str, list[str]] = {}
    for name in ins.facts.get("recipient_names", []):
        matches = suggest(name, (a for a in ins.directory.agencies if a != ins.agency))
        suggestions[name] = [a.organ_id.value for a in matches]
        ins.hold("recipient.unknown", _name_problem(name, matches))
    if suggestions:
        ins.note("recipient_suggestions", suggestions)
    ins.recipients = found
    return (
        "Nơi nhận: "
        + (", ".join(a.name for a in found) or "(không có)")
        + (f"; chưa rõ: {', '.join(suggestions)}" if suggestions else "")
    )


def _name_problem(name: str, matches: list[Agency]) -> str:
    head = f"Nơi nhận «{name}» được ghi bằng tên, cần ghi mã định danh"
    if not matches:
        return f"{head}; danh bạ không có cơ quan nào tên như vậy."
    listed = "; ".join(f"{a.name} (mã {a.organ_id})" for a in matches)
    line = f"Nơi nhận: {matches[0].organ_id}"
    return f"{head}. Có phải: {listed}? Nếu đúng, trả lời với dòng «{line}»."


STEPS: list[tuple[str, Step]] = [
    ("parse", parse),
    ("screen_loops", screen_loops),
    ("identify_sender", identify_sender),
    ("authenticate", authenticate),
    ("collect_pdfs", collect_pdfs),
    ("scan", scan),
    ("extract_metadata", extract_metadata),
    ("check_completeness", check_completeness),
    ("verify_signatures", verify_signatures),
    ("resolve_recipients", resolve_recipients),
]
