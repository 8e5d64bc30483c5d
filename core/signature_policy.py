"""The strict signature policy: what may follow a signature in the file, and whether the signers are the right ones.

Pure decisions (stdlib only) over facts gathered in signing/: pyHanko's result for every signature and document
timestamp (core.ports.SignatureReport), what each revision after the first signed one changed (`Revision`), and
the cross-reference structure (`StructureProblem`). pyHanko's own verdict must pass as well: this policy can only
make the answer stricter.

After the first signature, the only thing that may follow is another signature or a document timestamp (in its
own revision, which validated), and validation data (DSS) that a later signature or timestamp covers. A signature
revision may add its own signature field, list it in the form, put its widget on a page, create the form, set
/SigFlags, declare extensions, stamp /ModDate and /Producer and the matching XMP properties, add validation data
and write objects again unchanged. Everything else is refused with a reason naming what changed.

    findings = judge_document(facts, reports)      # [] = the file is what was signed
    reasons = judge_signers(reports, expectation)  # missing, wrong or extra signers
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from core.ports import Indication, SignatureReport
from core.verdict import Outcome, Reason

PERSONAL, ORGANISATION = "personal", "organisation"
ORGANISATION_CODE_PREFIXES = ("MST", "MNS")


# ---- facts (gathered by signing/) ---------------------------------------------------------------------------


class Change(StrEnum):
    SIGNATURE_FIELD = "signature_field"  # signature/timestamp field `name` added or filled, with a value
    FIELD_LISTED = "field_listed"  # the form's /Fields gained field `name`
    WIDGET_ON_PAGE = "widget_on_page"  # page `page`'s /Annots gained the widget of field `name`
    FORM_CREATED = "form_created"  # the catalog got its form (/AcroForm)
    FORM_KEY = "form_key"  # form entry `name` added, changed or removed (/SigFlags, /NeedAppearances …)
    CATALOG_KEY = "catalog_key"  # catalog entry `name` added, changed or removed (/Extensions, /OpenAction …)
    INFO = "info"  # document information entries `keys` changed
    XMP = "xmp"  # XMP metadata properties `keys` changed
    DSS = "dss"  # validation data (Document Security Store) added or extended
    UNCHANGED = "unchanged"  # an object written again, identical
    ACTION = "action"  # field `name` or one of its widgets carries an action (/A, /AA)
    EMPTY_SIGNATURE_FIELD = "empty_signature_field"  # a signature field `name` without a value
    FIELD_ADDED = "field_added"  # a form field `name` that is not a signature field
    FIELD_VALUE = "field_value"  # the value of form field `name` set or changed
    FIELD_CHANGED = "field_changed"  # form field `name` changed otherwise (`keys`)
    FIELD_REMOVED = "field_removed"  # form field `name` taken out of the form
    ANNOTATION_ADDED = "annotation_added"  # annotation of subtype `name` on page `page`
    ANNOTATION_CHANGED = "annotation_changed"
    ANNOTATION_REMOVED = "annotation_removed"
    PAGE_CHANGED = "page_changed"  # page `page` itself changed (`keys`: /Contents, /Resources …)
    PAGES_CHANGED = "pages_changed"  # pages added, removed or reordered (`name`: "old→new" page counts)
    ROOT_REPLACED = "root_replaced"  # the trailer names another catalog
    OBJECT_FREED = "object_freed"  # object `name` deleted
    NUMBER_REUSED = "number_reused"  # object number `name` defined again after being used or freed
    ORPHAN = "orphan"  # new object `name` that nothing this revision added refers to
    OBJECT_CHANGED = "object_changed"  # object `name` changed (shown on page `page` when known)


@dataclass(frozen=True, slots=True)
class Edit:
    change: Change
    name: str = ""
    page: int = 0  # 1-based; 0 = not on a page or not known
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Revision:
    index: int  # 0 = the file as first written
    edits: tuple[Edit, ...]


class Ambiguity(StrEnum):
    DUPLICATE_OBJECT = "duplicate_object"  # one cross-reference section defines an object twice, differently
    OVERLAPPING_SUBSECTIONS = "overlapping_subsections"
    WRONG_OFFSET = "wrong_offset"  # the entry's offset does not hold the object it names
    HYBRID_MISMATCH = "hybrid_mismatch"  # the table and its /XRefStm stream disagree about an object
    PREV_LOOP = "prev_loop"  # the /Prev chain comes back to a section already read
    UNREADABLE_XREF = "unreadable_xref"  # a section cannot be read as written, or readers would disagree on it


@dataclass(frozen=True, slots=True)
class StructureProblem:
    ambiguity: Ambiguity
    number: int = -1  # the object number concerned
    revision: int = -1  # 0 = the oldest section


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    file_length: int
    revisions: tuple[Revision, ...] = ()  # every revision after the first signed one
    structure: tuple[StructureProblem, ...] = ()
    unanalysed: str = ""  # why the revisions could not be compared ("" = they were)


@dataclass(frozen=True, slots=True)
class Finding:
    """A reason to refuse the whole file (TOTAL_FAILED), beside the per-signature reports."""

    sub_indication: str  # AMBIGUOUS_STRUCTURE, UNSIGNED_CHANGES, MODIFIED_AFTER_SIGNING, UNANALYSED
    message: str


# ---- the file -----------------------------------------------------------------------------------------------

MODIFIED = "Tài liệu đã bị sửa sau khi ký: "
STAMP_INFO = frozenset({"/ModDate", "/Producer"})
# XMP properties a signing application rewrites; descriptive ones (title, author, subject …) may not change
TECHNICAL_XMP = frozenset(
    {
        "xmp:ModifyDate",
        "xmp:MetadataDate",
        "xmp:CreateDate",
        "xmp:CreatorTool",
        "pdf:Producer",
        "xmpMM:InstanceID",
        "xmpMM:DocumentID",
        "xmpMM:VersionID",
        "xmpMM:History",
        "xmpMM:DerivedFrom",
        "dc:format",
    }
)
_SIGNING_FORM_KEYS = frozenset({"/SigFlags", "/DR"})
_CREATED_FORM_KEYS = frozenset({"/DA"})  # a form created with the first signature field may set its defaults
_PART_OF_A_FIELD = (Change.FIELD_LISTED, Change.WIDGET_ON_PAGE)  # said once, by the field's own edit
_SIGNING_CATALOG_KEYS = frozenset({"/Extensions"})


def judge_document(facts: DocumentFacts, reports: Sequence[SignatureReport]) -> list[Finding]:
    """Why the file is not exactly what was signed; [] when it is (or when it carries no signature)."""
    if facts.structure:
        return [_ambiguous(facts.structure)]
    signatures = [r for r in reports if r.kind in ("signature", "timestamp")]
    if not signatures:
        return []
    if facts.unanalysed:
        return [Finding("UNANALYSED", f"Không phân tích được phần sửa đổi sau khi ký ({facts.unanalysed}).")]
    covering = [r for r in signatures if r.intact and r.revision >= 0]
    last = max((r.revision for r in covering), default=-1)
    # a signature revision is judged as one even when its signature failed: that report refuses the file already
    own = {r.revision: r.field_name for r in signatures if r.revision >= 0}
    findings: list[Finding] = []
    changed: list[str] = []
    unsigned: list[str] = []  # harmless edits in revisions no signature covers
    for revision in facts.revisions:
        field = own.get(revision.index)
        said = {e.name for e in revision.edits if e.change not in _PART_OF_A_FIELD and e.name}
        for edit in revision.edits:
            if not _allowed(edit, field, revision.edits):
                if not (edit.change in _PART_OF_A_FIELD and edit.name in said):
                    changed.append(_describe(edit))
            elif revision.index > last and edit.change in (Change.DSS, Change.CATALOG_KEY):
                unsigned.append(_describe(edit))
    if changed:
        findings.append(Finding("MODIFIED_AFTER_SIGNING", MODIFIED + "; ".join(_unique(changed)) + "."))
    end = max((r.signed_length for r in covering), default=0)
    if covering and end != facts.file_length and not changed:
        saves = sum(r.index > last for r in facts.revisions)
        findings.append(
            _unsigned_tail(unsigned or [f"{saves} lần lưu" if saves else f"{facts.file_length - end} byte"])
        )
    return findings


def _allowed(edit: Edit, own_field: str | None, edits: Sequence[Edit]) -> bool:
    """May `edit` stand in a revision whose own (intact) signature is `own_field` (None: an unsigned revision)?"""
    change = edit.change
    if change in (Change.UNCHANGED, Change.DSS):
        return True
    if change is Change.CATALOG_KEY:
        return edit.name in _SIGNING_CATALOG_KEYS
    if change is Change.INFO:
        return set(edit.keys) <= STAMP_INFO
    if change is Change.XMP:
        return set(edit.keys) <= TECHNICAL_XMP
    if own_field is None:
        return False
    if change in (Change.SIGNATURE_FIELD, Change.FIELD_LISTED, Change.WIDGET_ON_PAGE):
        return edit.name == own_field
    if change is Change.FORM_CREATED:
        return True
    if change is Change.FORM_KEY:
        created = any(e.change is Change.FORM_CREATED for e in edits)
        return edit.name in _SIGNING_FORM_KEYS or (created and edit.name in _CREATED_FORM_KEYS)
    return False


def _describe(edit: Edit) -> str:
    on_page = f" trên trang {edit.page}" if edit.page else ""
    keys = f" ({', '.join(edit.keys)})" if edit.keys else ""
    name = f" «{edit.name}»" if edit.name else ""
    texts = {
        Change.SIGNATURE_FIELD: f"thêm ô chữ ký{name} mà chữ ký trong đó không hợp lệ",
        Change.FIELD_LISTED: f"thêm ô{name} vào biểu mẫu",
        Change.WIDGET_ON_PAGE: f"đặt ô{name} lên trang {edit.page}",
        Change.FORM_CREATED: "tạo biểu mẫu (AcroForm)",
        Change.FORM_KEY: _form_key(edit.name),
        Change.CATALOG_KEY: f"sửa danh mục gốc của tài liệu ({edit.name})",
        Change.INFO: f"sửa thông tin mô tả tài liệu{_keys(edit.keys, STAMP_INFO)}",
        Change.XMP: f"sửa siêu dữ liệu XMP{_keys(edit.keys, TECHNICAL_XMP)}",
        Change.DSS: "thêm dữ liệu kiểm tra hiệu lực chữ ký (DSS)",
        Change.UNCHANGED: "ghi lại đối tượng không đổi",
        Change.ACTION: f"gắn hành động (liên kết, JavaScript: /A, /AA) vào ô{name}",
        Change.EMPTY_SIGNATURE_FIELD: f"thêm ô chữ ký trống{name}{on_page}",
        Change.FIELD_ADDED: f"thêm ô biểu mẫu{name}{on_page}",
        Change.FIELD_VALUE: f"điền hoặc sửa nội dung ô biểu mẫu{name}",
        Change.FIELD_CHANGED: f"sửa ô biểu mẫu{name}{keys}",
        Change.FIELD_REMOVED: f"xóa ô biểu mẫu{name}",
        Change.ANNOTATION_ADDED: f"thêm chú thích{on_page}",
        Change.ANNOTATION_CHANGED: f"sửa chú thích{on_page}",
        Change.ANNOTATION_REMOVED: f"xóa chú thích{on_page}",
        Change.PAGE_CHANGED: f"thay nội dung trang {edit.page}" if edit.page else "thay nội dung một trang",
        Change.PAGES_CHANGED: f"thêm, bớt, thay hoặc đổi thứ tự trang (số trang {edit.name.replace('→', ' → ')})",
        Change.ROOT_REPLACED: "thay danh mục gốc của tài liệu",
        Change.OBJECT_FREED: f"xóa đối tượng số {edit.name}",
        Change.NUMBER_REUSED: f"dùng lại số đối tượng {edit.name}",
        Change.ORPHAN: f"thêm đối tượng số {edit.name} không thuộc chữ ký nào",
        Change.OBJECT_CHANGED: f"sửa đối tượng số {edit.name}{on_page}",
    }
    return texts[edit.change]


def _keys(keys: Sequence[str], routine: frozenset[str]) -> str:
    """The entries that matter: a date stamp changing beside a title depends on the second it was saved in."""
    named = [k for k in keys if k not in routine] or list(keys)
    return f" ({', '.join(named)})" if named else ""


def _form_key(key: str) -> str:
    if key == "/NeedAppearances":
        return "bật /NeedAppearances (trình đọc phải vẽ lại các ô biểu mẫu)"
    if key == "/Fields":
        return "sửa danh sách ô biểu mẫu"
    return f"sửa thiết lập biểu mẫu ({key})"


def _unsigned_tail(edits: Sequence[str]) -> Finding:
    what = "; ".join(_unique(edits))
    return Finding(
        "UNSIGNED_CHANGES",
        "Tệp có phần được thêm sau chữ ký số cuối cùng, không được ký: "
        f"{what}. Văn bản phải được gửi đúng như khi ký (không được sửa hay lưu thêm sau khi ký).",
    )


_AMBIGUITY_TEXT = {
    Ambiguity.DUPLICATE_OBJECT: "đối tượng số {n} được khai báo hai lần, khác nhau, trong một bảng tham chiếu chéo",
    Ambiguity.OVERLAPPING_SUBSECTIONS: "các phần của bảng tham chiếu chéo chồng lên nhau (đối tượng số {n})",
    Ambiguity.WRONG_OFFSET: "bảng tham chiếu chéo trỏ đối tượng số {n} tới vị trí không chứa đối tượng đó",
    Ambiguity.HYBRID_MISMATCH: "bảng tham chiếu chéo và luồng tham chiếu chéo đi kèm mô tả đối tượng số {n} khác nhau",
    Ambiguity.PREV_LOOP: "chuỗi bảng tham chiếu chéo (/Prev) quay vòng",
    Ambiguity.UNREADABLE_XREF: "không đọc được một bảng tham chiếu chéo đúng như khai báo",
}


def _ambiguous(problems: Iterable[StructureProblem]) -> Finding:
    texts = _unique(_AMBIGUITY_TEXT[p.ambiguity].format(n=p.number) for p in problems)
    return Finding(
        "AMBIGUOUS_STRUCTURE",
        "Tệp PDF có cấu trúc mập mờ, các chương trình đọc khác nhau có thể hiển thị nội dung khác nhau: "
        + "; ".join(texts[:4])
        + ".",
    )


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


# ---- the signers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownAgency:
    name: str
    codes: tuple[str, ...] = ()  # "MST:…", "MNS:…" as in its certificates' UID
    fingerprints: tuple[str, ...] = ()  # SHA-256 of its organisation certificates


@dataclass(frozen=True, slots=True)
class SignerExpectation:
    """Who must have signed the main document: `kinds` as a multiset (e.g. personal + organisation), the
    organisation signature being the sending agency's. `directory` maps other agencies' codes to names."""

    sender: KnownAgency | None
    kinds: tuple[str, ...] = (PERSONAL, ORGANISATION)
    directory: tuple[KnownAgency, ...] = ()
    require_signature: bool = False  # unsigned or missing a signer: reject (True) or hold for a clerk (False)


def normalise_code(text: str) -> str:
    prefix, _, value = text.partition(":")
    return f"{prefix.strip().upper()}:{value.strip().upper()}"


def normalise_fingerprint(text: str) -> str:
    return text.lower().replace(":", "").strip()


def organisation_codes(report: SignatureReport) -> tuple[str, ...]:
    codes = (normalise_code(u) for u in report.signer_uids if ":" in u)
    return tuple(c for c in codes if c.split(":", 1)[0] in ORGANISATION_CODE_PREFIXES)


def signed_by(report: SignatureReport, agency: KnownAgency) -> bool:
    """The certificate maps to the agency: one of its MST/MNS codes, or a configured fingerprint."""
    if {normalise_code(c) for c in agency.codes} & set(organisation_codes(report)):
        return True
    fingerprint = normalise_fingerprint(report.cert_sha256)
    return bool(fingerprint) and fingerprint in {normalise_fingerprint(f) for f in agency.fingerprints}


def is_organisation(report: SignatureReport, directory: Iterable[KnownAgency]) -> bool:
    fingerprint = normalise_fingerprint(report.cert_sha256)
    return report.is_organisation or any(
        fingerprint in {normalise_fingerprint(f) for f in a.fingerprints} for a in directory
    )


def signed_length(reports: Sequence[SignatureReport]) -> int:
    """How many bytes, from the start, the last intact signature or document timestamp covers (0: none does)."""
    return max((r.signed_length for r in reports if r.kind != "document" and r.intact), default=0)


def signature_reasons(reports: Sequence[SignatureReport], in_file: str = "") -> list[Reason]:
    """Every report that did not pass: TOTAL_FAILED ⇒ reject, INDETERMINATE ⇒ hold (a clerk looks). A finding about
    the whole file names what changed; the signatures' generic report of the same kind is then left out."""
    said = {r.sub_indication for r in reports if r.kind == "document"}
    reasons = []
    for r in reports:
        if r.kind != "document" and r.sub_indication in said:
            continue
        message = f"{r.message} (tệp {in_file})" if in_file else r.message
        if r.indication is Indication.TOTAL_FAILED:
            reasons.append(Reason(f"signature.{r.sub_indication.lower() or 'failed'}", message, Outcome.REJECT))
        elif r.indication is Indication.INDETERMINATE:
            reasons.append(Reason(f"signature.{r.sub_indication.lower() or 'indeterminate'}", message, Outcome.HOLD))
    return reasons


_LABELS = {PERSONAL: "chữ ký số của người có thẩm quyền", ORGANISATION: "chữ ký số của cơ quan"}


def judge_signers(reports: Sequence[SignatureReport], expectation: SignerExpectation) -> list[Reason]:
    """The main document's signers against `expectation`: missing ⇒ hold (or reject), an organisation signature
    of another agency ⇒ reject, signatures beyond those expected ⇒ hold with the signer named."""
    signatures = [r for r in reports if r.kind == "signature"]
    lacking = Outcome.REJECT if expectation.require_signature else Outcome.HOLD
    if any(r.indication is Indication.TOTAL_FAILED or r.kind == "document" for r in reports):
        return []  # refused or not analysed already: who signed such a file is not what decides it
    if not signatures:
        return [Reason("signature.unsigned", "Văn bản chưa được ký số.", lacking)]
    directory = (*expectation.directory, *((expectation.sender,) if expectation.sender else ()))
    organisation = [r for r in signatures if is_organisation(r, directory)]
    personal = [r for r in signatures if r not in organisation]
    reasons: list[Reason] = []
    extra = personal[expectation.kinds.count(PERSONAL) :]
    missing = [PERSONAL] * max(0, expectation.kinds.count(PERSONAL) - len(personal))
    slots = expectation.kinds.count(ORGANISATION)
    sender = expectation.sender
    passed = [r for r in organisation if r.indication is Indication.TOTAL_PASSED]
    ours = [r for r in passed if sender is None or signed_by(r, sender)]
    theirs = [r for r in passed if r not in ours]
    unproven = [r for r in organisation if r.indication is not Indication.TOTAL_PASSED]  # already held/rejected
    filling = ours + unproven
    extra += filling[slots:]
    slots -= len(filling[:slots])
    for r in theirs:
        if slots > 0 and sender is not None:
            reasons.append(_wrong_organisation(r, sender, expectation.directory))
            slots -= 1
        else:
            extra.append(r)
    missing += [ORGANISATION] * slots
    if missing:
        text = "Văn bản thiếu " + " và ".join(_LABELS[k] for k in missing) + "."
        reasons.append(Reason("signature.missing", text, lacking))
    if extra:
        reasons.append(_extra_signers(extra, expectation.kinds))
    return reasons


def _codes_text(codes: Iterable[str]) -> str:
    return ", ".join(codes)


def _wrong_organisation(report: SignatureReport, sender: KnownAgency, directory: Iterable[KnownAgency]) -> Reason:
    found = organisation_codes(report)
    expected = tuple(normalise_code(c) for c in sender.codes)
    certificate = f"chứng thư số «{report.signer_cn or report.signer_subject}»"
    if not expected and not sender.fingerprints:
        return Reason(
            "signature.organisation_unknown",
            f"Danh bạ chưa ghi mã số thuế/mã ngân sách (MST/MNS) của {sender.name}, nên chưa đối chiếu được chữ ký "
            f"số của cơ quan ({certificate}" + (f", {_codes_text(found)}" if found else "") + "); văn thư cần xem xét.",
            Outcome.HOLD,
        )
    wanted = _codes_text(expected) if expected else "chứng thư số đã đăng ký trong danh bạ"
    owner = next((a for a in directory if a != sender and signed_by(report, a)), None)
    carries = f" có {_codes_text(found)}" if found else ""
    if owner is not None:
        text = (
            f"Chữ ký số của cơ quan dùng {certificate}{carries} — chứng thư số của {owner.name} trong danh bạ —, "
            f"nhưng danh bạ ghi cơ quan gửi {sender.name} có {wanted}."
        )
    elif found:
        text = (
            f"Chữ ký số của cơ quan dùng {certificate}{carries}, nhưng danh bạ ghi cơ quan gửi {sender.name} có "
            f"{wanted}."
        )
    else:
        text = (
            f"Chữ ký số của cơ quan dùng {certificate}, không ghi mã số thuế hay mã ngân sách (MST/MNS), trong khi "
            f"danh bạ ghi {sender.name} có {wanted}."
        )
    return Reason(
        "signature.wrong_organisation",
        text + " Chữ ký số của cơ quan phải dùng chứng thư số của chính cơ quan gửi; nếu cơ quan đã đổi chứng thư "
        "số, đề nghị cập nhật danh bạ.",
        Outcome.REJECT,
    )


def _extra_signers(extra: Sequence[SignatureReport], kinds: Sequence[str]) -> Reason:
    names = ", ".join(f"«{r.signer_cn or r.signer_subject or r.field_name}»" for r in extra)
    wanted = " và ".join(_LABELS[k] for k in dict.fromkeys(kinds)) or "không có chữ ký nào"
    return Reason(
        "signature.extra_signer",
        f"Văn bản có thêm chữ ký số ngoài những chữ ký cần có ({wanted}): {names}; văn thư cần xác nhận.",
        Outcome.HOLD,
    )
