"""The dashboard form completing a held document: what it shows (the required fields with their current values,
the directory's agencies to choose recipients from) and what it submits (the same completion use case as a mail or
chat reply, bridge.services.completion). One function each, for any page that embeds the form."""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.services.completion import Completion, CompletionResult, complete_held
from bridge.services.deps import Deps
from core.agency import Agency
from core.document import Document
from core.metadata import REQUIRED, missing_required
from core.receipt import _declared, suggested_codes
from core.text import fold
from core.vn_time import format_date

# form field → the `Key:` it writes (core.metadata reads it)
KEYS = {
    "code": "Số",
    "issued_date": "Ngày ban hành",
    "type_name": "Loại văn bản",
    "subject": "Trích yếu",
    "recipients": "Nơi nhận",
}


@dataclass(frozen=True, slots=True)
class HeldForm:
    document: Document
    missing: list[str]  # labels of core.metadata.REQUIRED
    values: dict[str, str]  # field → current value as text
    recipients: list[str]  # codes chosen now (current ones, else the directory's suggestions)
    agencies: list[Agency] = field(default_factory=list)  # who can be chosen (the directory, minus the sender)


async def held_form(deps: Deps, doc_id: str) -> HeldForm | None:
    async with deps.uow() as uow:
        doc = await uow.documents.get(doc_id)
        agencies = await uow.agencies.list()
    if doc is None:
        return None
    values = {
        "code": str(doc.code) if doc.code else "",
        "issued_date": format_date(doc.issued_date) if doc.issued_date else "",
        "type_name": doc.type_name,
        "subject": doc.subject,
    }
    chosen = [str(o) for o in doc.recipients] or suggested_codes(doc)
    others = sorted((a for a in agencies if a.organ_id != doc.sender), key=lambda a: (fold(a.name), a.organ_id.value))
    return HeldForm(doc, missing_required(_declared(doc)), values, chosen, others)


async def submit_held_form(
    deps: Deps, doc_id: str, values: dict[str, str], recipients: list[str], pdf: tuple[str, bytes] | None, actor: str
) -> CompletionResult:
    """The form's fields as `Key: value` lines (only those filled in), then the completion use case."""
    lines = [f"{KEYS[name]}: {' '.join(v.split())}" for name, v in values.items() if name in KEYS and v.strip()]
    if codes := [c.strip() for c in recipients if c.strip()]:
        lines.append(f"{KEYS['recipients']}: {'; '.join(dict.fromkeys(codes))}")
    return await complete_held(deps, doc_id, Completion("\n".join(lines), pdf, actor, "dashboard"))


LABELS = {name: REQUIRED[name] for name in KEYS}
