"""Differential tests: the signature-append fast path (signing/append_policy.py) never accepts a revision that
pyHanko's full difference analysis (DEFAULT_DIFF_POLICY) would judge differently.

Every case is a real PDF built at test time (tests/fixtures/revisions.py). For every signature whose signed
revision has later revisions, `review_appended_signatures` must either decline (None) or answer exactly what
pyHanko answers. Each case also pins the fast path's expected outcome (ACCEPT / DECLINE) and pyHanko's own verdict
(tolerated: FORM_FILLING or below, or flagged: SuspiciousModification, a read error, or a level above FORM_FILLING).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import cache

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, DiffResult, ModificationLevel
from pyhanko.sign.fields import MDPPerm, enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from core.ports import Indication
from signing.signatures import PdfSignatureValidator
from tests.fixtures.pdfs import (
    ORGANISATION_FIELD,
    PERSONAL_FIELD,
    PKCS7,
    add_page_after_signing,
    make_official_pdf,
    sign_pdf,
    signed_official_pdf,
)
from tests.fixtures.pki import TestPki, issue_signer, personal_name
from tests.fixtures.revisions import (
    NEW_TITLE,
    VISIBLE_BOX,
    add_open_action,
    add_orphan_object,
    append_annotation,
    append_revision,
    change_info_title,
    content_stream_idnum,
    dangling_annotation,
    dangling_content,
    define_object,
    empty_field_not_on_page,
    empty_field_with_kids,
    free_objects,
    free_text,
    overlay_content,
    overwrite_page_content,
    pdf_size,
    replace_page_content,
    rewrite_identically,
    set_acroform_entry,
    sign_revision,
    single_revision,
)

THIRD_FIELD = "ChuKyThuBa"
DANGLING_GAP = 40  # the dangling object number lies this far above /Size, beyond what the first signature uses


class Fast(Enum):
    ACCEPT = "accept"
    DECLINE = "decline"


class PyHanko(Enum):
    TOLERATES = "tolerates"  # a DiffResult at FORM_FILLING or below
    FLAGS = "flags"  # SuspiciousModification, a read error, or a level above FORM_FILLING


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[TestPki], bytes]
    fast: Fast
    pyhanko: PyHanko
    base_field: str = PERSONAL_FIELD  # the signature whose later revisions the outcome is about
    validator_passes: bool | None = None  # end to end: all signatures TOTAL_PASSED / the first one does not
    evidence: Callable[[PdfFileReader], bool] | None = None  # the edit is really in the file (pyHanko tolerates it)


# --- builders -------------------------------------------------------------------------------------------------


def _personal(pdf: bytes, pki: TestPki) -> bytes:
    return sign_pdf(pdf, pki.personal, PERSONAL_FIELD)


def _organisation(pdf: bytes, pki: TestPki, **kwargs: object) -> bytes:
    return sign_revision(pdf, pki.organisation, ORGANISATION_FIELD, **kwargs)  # type: ignore[arg-type]


def _with_second_signature(**kwargs: object) -> Callable[[TestPki], bytes]:
    """Personal signature, then ONE revision holding the organisation signature and `kwargs` (edit=…, box=…)."""
    return lambda pki: _organisation(_personal(make_official_pdf(), pki), pki, **kwargs)


def _between_signatures(between: Callable[[bytes], bytes]) -> Callable[[TestPki], bytes]:
    """Personal signature, an unsigned revision made by `between`, then the organisation signature."""
    return lambda pki: _organisation(between(_personal(make_official_pdf(), pki)), pki)


def _three_signatures(pki: TestPki) -> bytes:
    deputy = issue_signer(pki.intermediate, personal_name("Trần Thị Bình", "001203099999"))
    return sign_revision(signed_official_pdf(pki), deputy, THIRD_FIELD)


def _both_visible(pki: TestPki) -> bytes:
    pdf = sign_revision(make_official_pdf(), pki.personal, PERSONAL_FIELD, box=(60, 80, 260, 160))
    return _organisation(pdf, pki, box=VISIBLE_BOX)


def _object_streams(pki: TestPki) -> bytes:
    return _organisation(_personal(single_revision(make_official_pdf(), object_streams=True), pki), pki)


def _dangling(
    plant: Callable[[int], Callable[..., None]],
    define: Callable[..., generic.PdfObject] | None,
    *,
    object_streams: bool,
) -> Callable[[TestPki], bytes]:
    """Revision 0 refers to object N that does not exist; the personal signature signs that; the revision of the
    organisation signature then defines N (unless `define` is None)."""

    def build(pki: TestPki) -> bytes:
        unsigned = make_official_pdf()
        idnum = pdf_size(unsigned) + DANGLING_GAP
        signed = _personal(single_revision(unsigned, object_streams=object_streams, edit=plant(idnum)), pki)
        return _organisation(signed, pki, edit=define_object(idnum, define) if define else None)

    return build


def _freed_content(pdf: bytes) -> bytes:
    return free_objects(pdf, [content_stream_idnum(pdf)])


def _set_metadata_title(writer: object) -> None:
    writer.document_meta.title = NEW_TITLE  # type: ignore[attr-defined]  # written to Info /Title and to XMP


def _has_orphan(reader: PdfFileReader, revision: int) -> bool:
    resolver = reader.get_historical_resolver(revision)
    return any(
        isinstance(obj := resolver(ref), generic.DictionaryObject) and "/Note" in obj
        for ref in reader.xrefs.explicit_refs_in_revision(revision)
    )


def _field(reader: PdfFileReader, name: str) -> generic.IndirectObject:
    return next(ref for field_name, _, ref in enumerate_sig_fields(reader) if field_name == name)


def _page_annots(reader: PdfFileReader) -> list[generic.IndirectObject]:
    page = reader.find_page_for_modification(0)[0].get_object()
    return list(page.raw_get("/Annots")) if "/Annots" in page else []


# --- the corpus -----------------------------------------------------------------------------------------------

ACCEPTED = [
    Case("two-signatures", signed_official_pdf, Fast.ACCEPT, PyHanko.TOLERATES, validator_passes=True),
    Case("three-signatures", _three_signatures, Fast.ACCEPT, PyHanko.TOLERATES, validator_passes=True),
    Case(
        "visible-second-signature",
        _with_second_signature(box=VISIBLE_BOX),
        Fast.ACCEPT,
        PyHanko.TOLERATES,
        validator_passes=True,
    ),
    Case("both-signatures-visible", _both_visible, Fast.ACCEPT, PyHanko.TOLERATES, validator_passes=True),
    Case(
        "fifty-pages",
        lambda pki: signed_official_pdf(pki, pages=50),
        Fast.ACCEPT,
        PyHanko.TOLERATES,
        validator_passes=True,
    ),
    Case(
        "adbe-pkcs7-detached",
        lambda pki: signed_official_pdf(pki, subfilter=PKCS7),
        Fast.ACCEPT,
        PyHanko.TOLERATES,
        validator_passes=True,
    ),
    Case("object-streams-first-revision", _object_streams, Fast.ACCEPT, PyHanko.TOLERATES, validator_passes=True),
    Case(
        "catalog-pages-page-rewritten-identically",
        _with_second_signature(edit=rewrite_identically),
        Fast.ACCEPT,
        PyHanko.TOLERATES,
        validator_passes=True,
    ),
]

DECLINED_AND_FLAGGED = [
    Case(
        "page-added-after-signing",
        lambda pki: add_page_after_signing(signed_official_pdf(pki)),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "page-added-after-signing-last-signature",
        lambda pki: add_page_after_signing(signed_official_pdf(pki)),
        Fast.DECLINE,
        PyHanko.FLAGS,
        base_field=ORGANISATION_FIELD,
    ),
    Case(
        "content-replaced-with-signature",
        _with_second_signature(edit=replace_page_content),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "content-stream-overwritten-with-signature",
        _with_second_signature(edit=overwrite_page_content),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "freetext-annotation-with-signature",
        _with_second_signature(edit=append_annotation("/FreeText")),
        Fast.DECLINE,
        PyHanko.FLAGS,
    ),
    Case(
        "link-annotation-with-signature",
        _with_second_signature(edit=append_annotation("/Link")),
        Fast.DECLINE,
        PyHanko.FLAGS,
    ),
    Case("open-action-with-signature", _with_second_signature(edit=add_open_action), Fast.DECLINE, PyHanko.FLAGS),
    Case("content-stream-freed", _between_signatures(_freed_content), Fast.DECLINE, PyHanko.FLAGS),
    Case(
        "dangling-annotation-defined-with-signature",
        _dangling(dangling_annotation, free_text, object_streams=False),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "dangling-content-defined-with-signature",
        _dangling(dangling_content, overlay_content, object_streams=False),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "dangling-annotation-in-object-stream",
        _dangling(dangling_annotation, free_text, object_streams=True),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    Case(
        "dangling-content-in-object-stream",
        _dangling(dangling_content, overlay_content, object_streams=True),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
    # Nothing defines the object: the second revision is a plain append, but pyHanko (strict reader) cannot
    # resolve the signed revision's reference, so the fast path may not answer either.
    Case(
        "dangling-reference-never-defined",
        _dangling(dangling_annotation, None, object_streams=False),
        Fast.DECLINE,
        PyHanko.FLAGS,
        validator_passes=False,
    ),
]

# pyHanko 0.38 tolerates these (FORM_FILLING; LTA_UPDATES for a lone orphan after the last signature). The fast
# path must still leave them to pyHanko: it knows plain signature appends only.
DECLINED_BUT_TOLERATED = [
    # pyHanko's signer clears /NeedAppearances, so it can only be set in a revision of its own.
    Case(
        "need-appearances-revision-between-signatures",
        _between_signatures(
            lambda pdf: append_revision(pdf, set_acroform_entry("/NeedAppearances", generic.BooleanObject(True)))
        ),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: bool(r.get_historical_resolver(2).root["/AcroForm"].get("/NeedAppearances", False)),
    ),
    Case(
        "acroform-da-with-signature",
        _with_second_signature(edit=set_acroform_entry("/DA", generic.pdf_string("/Helv 0 Tf 0 g"))),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: r.root["/AcroForm"].get("/DA") == "/Helv 0 Tf 0 g",
    ),
    Case(
        "info-title-with-signature",
        _with_second_signature(edit=change_info_title),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: r.trailer["/Info"]["/Title"] == NEW_TITLE,
    ),
    Case(
        "info-and-xmp-title-with-signature",
        _with_second_signature(edit=_set_metadata_title),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: NEW_TITLE.encode() in r.root["/Metadata"].data and r.trailer["/Info"]["/Title"] == NEW_TITLE,
    ),
    Case(
        "orphan-object-with-signature",
        _with_second_signature(edit=add_orphan_object),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: _has_orphan(r, 2),
    ),
    Case(
        "orphan-only-revision-between-signatures",
        _between_signatures(lambda pdf: append_revision(pdf, add_orphan_object)),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: _has_orphan(r, 2),
    ),
    Case(
        "orphan-only-revision-after-last-signature",
        lambda pki: append_revision(signed_official_pdf(pki), add_orphan_object),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        base_field=ORGANISATION_FIELD,
        evidence=lambda r: _has_orphan(r, 3),
    ),
    Case(
        "signature-field-not-on-page",
        _with_second_signature(edit=empty_field_not_on_page(ORGANISATION_FIELD), existing_field=True),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: _field(r, ORGANISATION_FIELD) not in _page_annots(r),
    ),
    Case(
        "signature-field-with-kids",
        _with_second_signature(edit=empty_field_with_kids(ORGANISATION_FIELD), existing_field=True),
        Fast.DECLINE,
        PyHanko.TOLERATES,
        evidence=lambda r: "/Kids" in _field(r, ORGANISATION_FIELD).get_object(),
    ),
]

CASES = ACCEPTED + DECLINED_AND_FLAGGED + DECLINED_BUT_TOLERATED
BY_ID = {case.id: case for case in CASES}


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(case, id=case.id) for case in cases]


@pytest.fixture(autouse=True)
def _quiet_pyhanko(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL, logger="pyhanko")  # failed diff analyses are logged with tracebacks


@pytest.fixture(scope="module")
def corpus(test_pki: TestPki) -> Callable[[Case], bytes]:
    """Each case's PDF, built once per module (several tests read the same file)."""
    return cache(lambda case: case.build(test_pki))


# --- helpers --------------------------------------------------------------------------------------------------


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf))  # strict, as PdfSignatureValidator reads


def _signed_revisions(reader: PdfFileReader) -> dict[str, int]:
    return {
        str(name): EmbeddedPdfSignature(reader, field, name).signed_revision
        for name, _, field in enumerate_sig_fields(reader, filled_status=True)
    }


def _bases(reader: PdfFileReader) -> dict[str, int]:
    """Signatures followed by later revisions, with the revision each signed."""
    last = reader.xrefs.total_revisions - 1
    return {name: rev for name, rev in _signed_revisions(reader).items() if rev < last}


def _full(reader: PdfFileReader, base: int) -> object:
    """pyHanko's verdict; an exception (read error in strict mode …) is a verdict too."""
    try:
        return DEFAULT_DIFF_POLICY.review_file(reader, base)
    except Exception as e:
        return e


def _flags(full: object) -> bool:
    return not isinstance(full, DiffResult) or full.modification_level > ModificationLevel.FORM_FILLING


def _fast(reader: PdfFileReader, base: int) -> DiffResult | None:
    from signing.append_policy import review_appended_signatures

    return review_appended_signatures(reader, base)


def _fields_signed_after(reader: PdfFileReader, base: int) -> set[str]:
    return {name for name, rev in _signed_revisions(reader).items() if rev > base}


# --- the differential property --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(CASES))
def test_fast_path_answers_what_pyhanko_answers_or_declines(case: Case, corpus: Callable[[Case], bytes]) -> None:
    reader = _reader(corpus(case))
    bases = _bases(reader)
    assert bases, "the case must leave at least one signature with later revisions"
    for name, base in bases.items():
        fast, full = _fast(reader, base), _full(reader, base)
        if fast is None:
            continue
        assert isinstance(full, DiffResult), f"{name}@{base}: fast path accepted, pyHanko says {full!r}"
        assert (fast.modification_level, fast.changed_form_fields) == (
            full.modification_level,
            full.changed_form_fields,
        ), f"{name}@{base}"


# --- expected outcomes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(ACCEPTED))
def test_plain_signature_appends_take_the_fast_path(case: Case, corpus: Callable[[Case], bytes]) -> None:
    reader = _reader(corpus(case))
    for name, base in _bases(reader).items():
        fast = _fast(reader, base)
        assert fast is not None, f"{name}@{base} declined"
        assert fast.modification_level is ModificationLevel.FORM_FILLING
        assert fast.changed_form_fields == _fields_signed_after(reader, base)


@pytest.mark.parametrize("case", _params(DECLINED_AND_FLAGGED + DECLINED_BUT_TOLERATED))
def test_anything_else_is_declined(case: Case, corpus: Callable[[Case], bytes]) -> None:
    reader = _reader(corpus(case))
    base = _signed_revisions(reader)[case.base_field]
    assert base < reader.xrefs.total_revisions - 1
    assert _fast(reader, base) is None


@pytest.mark.parametrize("case", _params(CASES))
def test_pyhanko_verdict(case: Case, corpus: Callable[[Case], bytes]) -> None:
    """Pins what the full analysis says, so a case that stops testing what its name claims is noticed."""
    reader = _reader(corpus(case))
    full = _full(reader, _signed_revisions(reader)[case.base_field])
    if case.pyhanko is PyHanko.FLAGS:
        assert _flags(full), full
    else:
        assert isinstance(full, DiffResult) and full.modification_level <= ModificationLevel.FORM_FILLING, full


@pytest.mark.parametrize("case", _params([c for c in CASES if c.evidence]))
def test_tolerated_edit_is_in_the_file(case: Case, corpus: Callable[[Case], bytes]) -> None:
    """pyHanko does not flag these, so show the edit survived signing (pyHanko's signer rewrites some objects)."""
    evidence = case.evidence
    assert evidence is not None and evidence(_reader(corpus(case)))


def test_dangling_reference_sits_in_an_object_stream(corpus: Callable[[Case], bytes]) -> None:
    reader = _reader(corpus(BY_ID["dangling-annotation-in-object-stream"]))
    page_ref = reader.find_page_for_modification(0)[0].reference
    assert type(reader.xrefs.get_historical_ref(page_ref, 0)).__name__ == "ObjStreamRef"


# --- the DiffPolicy wrapper -----------------------------------------------------------------------------------


def test_policy_takes_the_fast_path_for_an_append(corpus: Callable[[Case], bytes]) -> None:
    from signing.append_policy import SignatureAppendPolicy

    reader = _reader(corpus(BY_ID["two-signatures"]))
    base = _signed_revisions(reader)[PERSONAL_FIELD]
    policy = SignatureAppendPolicy()
    result = policy.review_file(reader, base)
    assert (policy.fast_reviews, policy.full_reviews) == (1, 0)
    assert result == DiffResult(ModificationLevel.FORM_FILLING, {ORGANISATION_FIELD})


@pytest.mark.parametrize(
    "case", _params([BY_ID["content-replaced-with-signature"], BY_ID["need-appearances-revision-between-signatures"]])
)
def test_policy_falls_back_to_pyhanko(case: Case, corpus: Callable[[Case], bytes]) -> None:
    from signing.append_policy import SignatureAppendPolicy

    reader = _reader(corpus(case))
    base = _signed_revisions(reader)[case.base_field]
    policy = SignatureAppendPolicy()
    try:
        result: object = policy.review_file(reader, base)
    except Exception as e:
        result = e
    assert (policy.fast_reviews, policy.full_reviews) == (0, 1)
    expected = _full(reader, base)
    assert type(result) is type(expected) and str(result) == str(expected)


def test_policy_leaves_doc_mdp_to_pyhanko(corpus: Callable[[Case], bytes]) -> None:
    from signing.append_policy import SignatureAppendPolicy

    reader = _reader(corpus(BY_ID["two-signatures"]))
    base = _signed_revisions(reader)[PERSONAL_FIELD]
    policy = SignatureAppendPolicy()
    result = policy.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)
    assert (policy.fast_reviews, policy.full_reviews) == (0, 1)
    assert result == DEFAULT_DIFF_POLICY.review_file(reader, base, doc_mdp=MDPPerm.FILL_FORMS)


# --- end to end: PdfSignatureValidator ------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params([c for c in CASES if c.validator_passes]))
async def test_validator_passes_plain_appends(
    case: Case, corpus: Callable[[Case], bytes], signature_validator: PdfSignatureValidator
) -> None:
    reports = await signature_validator.validate(corpus(case))
    assert len(reports) == len(_signed_revisions(_reader(corpus(case))))
    assert [(r.field_name, r.indication, r.sub_indication) for r in reports] == [
        (r.field_name, Indication.TOTAL_PASSED, "") for r in reports
    ]


@pytest.mark.parametrize("case", _params([c for c in CASES if c.validator_passes is False]))
async def test_validator_rejects_the_first_signature_of_modified_documents(
    case: Case, corpus: Callable[[Case], bytes], signature_validator: PdfSignatureValidator
) -> None:
    reports = {r.field_name: r for r in await signature_validator.validate(corpus(case))}
    personal = reports[PERSONAL_FIELD]
    assert personal.indication is not Indication.TOTAL_PASSED, personal
    assert personal.indication is Indication.TOTAL_FAILED
