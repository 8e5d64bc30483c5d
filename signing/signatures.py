"""PDF signature validation with pyHanko (core.ports.SignatureValidator).

    validator = PdfSignatureValidator([Path("config/trust/demo-root.pem")])
    reports = await validator.validate(pdf_bytes)   # [] = unsigned and well-formed
    accepted = bool(reports) and all(r.indication is Indication.TOTAL_PASSED for r in reports)

One report per filled signature field (kind "signature") and per document timestamp (kind "timestamp", validated
with pyHanko's `async_validate_pdf_timestamp`), none skipped, in signing order; then one TOTAL_FAILED report
(kind "document", field_name "") per reason the strict policy (core/signature_policy.py) finds in the file as a
whole: an ambiguous cross-reference structure (signing/xref_scan.py), a change after a signature that is not a
validated signature or timestamp revision (signing/revisions.py), bytes after the last signature. pyHanko's own
verdict, with its standard difference analysis, decides each signature's report as before, so the strict policy
can only refuse more.

Never raises for bad input: an unreadable PDF yields one TOTAL_FAILED report with sub_indication
"PDF_UNREADABLE" (field_name ""), a broken signature dictionary or CMS blob a TOTAL_FAILED "FORMAT_FAILURE"
report for that field. Verdict rules and the organisation/personal rule: see signing/sig_report.py.

Reused between calls: parsed trust roots (one SimpleTrustManager), parsed intermediates and, when fetching is
allowed, one HTTP fetcher backend. Per document: a fresh ValidationContext and certificate registry, so no state
leaks from one document to the next and "now" is the validation time (sharing one context across documents
saved only ~0.6 ms per PDF when measured). pyHanko's async API runs on a dedicated worker loop
(signing/sig_worker.py); later revisions are judged by pyHanko's standard difference analysis.

`trust_roots` / `intermediates`: PEM (one or many certificates) or DER, as bytes or a file path (str or Path).
`revocation` (signing/revocation.py): CRLs given and/or read from a folder, OCSP/CRL fetching on or off; every
certificate below a trust root must have revocation information ("require"): revoked → TOTAL_FAILED/REVOKED,
none to be had → REVOCATION_UNKNOWN, INDETERMINATE (held) or TOTAL_FAILED (`unknown="reject"`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.generic import IndirectObject
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager

from core.ports import SignatureReport
from core.signature_policy import Ambiguity, DocumentFacts, StructureProblem, judge_document
from signing.revisions import revision_facts
from signing.revocation import CrlFolder, Revocation, load_crls
from signing.sig_report import build_report, build_timestamp_report, document_report, failed_report, signer_fields
from signing.sig_worker import LoopThread
from signing.trust_folder import TrustFolder
from signing.xref_scan import scan_xrefs

log = logging.getLogger(__name__)

ACCEPTED_SUBFILTERS = {
    "signature": frozenset({"/adbe.pkcs7.detached", "/ETSI.CAdES.detached"}),
    "timestamp": frozenset({"/ETSI.RFC3161"}),
}

CertSource = bytes | str | Path


def load_certificates(sources: Iterable[CertSource]) -> list[asn1_x509.Certificate]:
    """PEM (one or many certificates) or DER, given as bytes or as a file path."""
    certs: list[asn1_x509.Certificate] = []
    for src in sources:
        data = src if isinstance(src, bytes) else Path(src).read_bytes()
        certs.extend(load_certs_from_pemder_data(data))
    return certs


class PdfSignatureValidator:
    def __init__(
        self,
        trust_roots: Iterable[CertSource],
        *,
        intermediates: Iterable[CertSource] = (),
        revocation: Revocation = Revocation(),
        organisation_certs: Iterable[str] = (),
        strict_syntax: bool = True,
        trust_dir: Path | None = None,
    ) -> None:
        self._static_roots = tuple(load_certificates(trust_roots))
        self._trust_folder = TrustFolder(trust_dir) if trust_dir is not None else None
        self._trust_marker: object = None
        self._trust, self._root_sha256 = self._trust_now()
        if not self._root_sha256:
            raise ValueError("at least one trust root is required")
        self._intermediates = tuple(load_certificates(intermediates))
        self._revocation = revocation
        self._given_crls = tuple(crl for data in revocation.crls for crl in load_crls(data))
        self._crl_folder = CrlFolder(revocation.crl_dir) if revocation.crl_dir is not None else None
        self._organisation_certs = frozenset(fp.lower().replace(":", "") for fp in organisation_certs)
        self._strict = strict_syntax
        self._worker = LoopThread()
        self._fetcher_backend: Any = None  # created on the worker loop on first use

    @property
    def trust_root_sha256(self) -> tuple[str, ...]:
        self._trust, self._root_sha256 = self._trust_now()
        return self._root_sha256

    def _trust_now(self) -> tuple[SimpleTrustManager, tuple[str, ...]]:
        """The configured roots and those of the managed folder, rebuilt only when the folder changed."""
        folder = self._trust_folder
        if folder is not None:
            changed, self._trust_marker = folder.changed_since(self._trust_marker)
        else:
            changed = self._trust_marker is None
            self._trust_marker = ()
        if not changed:
            return self._trust, self._root_sha256
        roots = [*self._static_roots, *(folder.current() if folder is not None else ())]
        return SimpleTrustManager.build(trust_roots=roots), tuple(hashlib.sha256(c.dump()).hexdigest() for c in roots)

    async def validate(self, pdf: bytes) -> list[SignatureReport]:
        return await self._worker.run(self.validate_here(pdf))

    def close(self) -> None:
        if self._fetcher_backend is not None:
            backend, self._fetcher_backend = self._fetcher_backend, None
            self._worker.run_blocking(backend.close())
        self._worker.close()

    async def validate_here(self, pdf: bytes) -> list[SignatureReport]:
        """Validate on the calling loop (no worker thread); `validate` is this, run on the worker loop."""
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=self._strict)
            found = _signature_fields(reader)
        except Exception as e:  # any parser failure: the file is not a readable PDF
            log.info("unreadable PDF (%d bytes): %s", len(pdf), e)
            return [failed_report("", "PDF_UNREADABLE")]
        context: ValidationContext | None = None  # one per document, shared by its signatures
        reports: list[SignatureReport] = []
        signed: dict[int, tuple[str, int]] = {}  # signature dictionary object number → (field, signed revision)
        for item in found:
            if isinstance(item, SignatureReport):
                reports.append(item)
                continue
            context = context or self._context()
            report = await self._validate_signature(item, context)
            reports.append(report)
            value = item.sig_field.raw_get("/V")
            if isinstance(value, IndirectObject):
                signed[value.idnum] = (report.field_name, item.signed_revision)
        facts = _document_facts(pdf, reader, signed)
        return reports + [document_report(f) for f in judge_document(facts, reports)]

    def _context(self) -> ValidationContext:
        fetch = self._revocation.fetch
        if fetch and self._fetcher_backend is None:
            from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

            self._fetcher_backend = AIOHttpFetcherBackend()
        on_disk = self._crl_folder.current() if self._crl_folder is not None else ()
        self._trust, self._root_sha256 = self._trust_now()  # a root added or removed counts from this document on
        return ValidationContext(
            trust_manager=self._trust,
            other_certs=self._intermediates,
            allow_fetching=fetch,
            fetcher_backend=self._fetcher_backend,  # shared, not owned: one HTTP session for all documents
            # every certificate below a trust root needs revocation information: none found is never a pass
            revocation_mode="require",
            crls=(*self._given_crls, *on_disk),
            ocsps=(),
        )

    async def _validate_signature(self, sig: EmbeddedPdfSignature, context: ValidationContext) -> SignatureReport:
        name, subfilter = _plain(sig.field_name), _subfilter(sig.sig_object)
        timestamp = sig.sig_object_type == "/DocTimeStamp"
        try:
            if timestamp:
                stamp = await async_validate_pdf_timestamp(sig, context)
                return build_timestamp_report(name, subfilter, stamp, _placement(sig), unknown=self._revocation.unknown)
            status = await async_validate_pdf_signature(sig, context)
        except Exception as e:  # broken /ByteRange or CMS content pyHanko only notices while validating
            log.info("signature %r could not be validated: %s", name, e)
            claimed = {} if timestamp else _claimed_signer(sig, self._organisation_certs)
            return failed_report(
                name, "FORMAT_FAILURE", subfilter, kind="timestamp" if timestamp else "signature", **claimed
            )
        return build_report(
            name,
            subfilter,
            status,
            _placement(sig),
            organisation_certs=self._organisation_certs,
            unknown=self._revocation.unknown,
        )


def _placement(sig: EmbeddedPdfSignature) -> dict[str, int]:
    """Which revision the signature covers and up to which byte (the end of its /ByteRange)."""
    try:
        ranges = [int(x) for x in sig.byte_range]
        end = max((start + length for start, length in zip(ranges[::2], ranges[1::2], strict=True)), default=0)
    except (TypeError, ValueError):  # a /ByteRange that is not pairs of integers covers nothing
        end = 0
    return {"revision": sig.signed_revision, "signed_length": end}


def _document_facts(pdf: bytes, reader: PdfFileReader, signed: dict[int, tuple[str, int]]) -> DocumentFacts:
    """The file's structure and, from the first signed revision on, what every later revision changed."""
    try:
        layout = scan_xrefs(pdf, reader)
    except Exception as e:  # hostile structures the scan did not foresee: refused, never passed
        log.info("cross-reference scan failed: %s", e)
        return DocumentFacts(len(pdf), structure=(StructureProblem(Ambiguity.UNREADABLE_XREF),))
    if layout.problems:
        return DocumentFacts(len(pdf), structure=tuple(layout.problems))
    if not signed:
        return DocumentFacts(len(pdf))
    try:
        revisions = revision_facts(reader, layout, signed, min(revision for _, revision in signed.values()))
    except Exception as e:
        log.info("revision analysis failed: %s", e)
        return DocumentFacts(len(pdf), unanalysed="phần được lưu thêm sau khi ký bị hỏng hoặc không đọc được")
    return DocumentFacts(len(pdf), revisions=revisions)


def _signature_fields(reader: PdfFileReader) -> list[EmbeddedPdfSignature | SignatureReport]:
    """Every filled signature and document timestamp field, in signing order: ready to validate, or already a
    TOTAL_FAILED report.

    Unlike pyHanko's `embedded_signatures`, a field with an unknown SubFilter is reported, not skipped (skipping
    would make a document signed in an unsupported format look unsigned), and one broken field does not hide
    the others."""
    found: list[tuple[int, int, EmbeddedPdfSignature | SignatureReport]] = []
    for position, (field_name, sig_ref, field) in enumerate(enumerate_sig_fields(reader, filled_status=True)):
        name = _plain(field_name)
        kind = "signature"
        try:
            sig_object = sig_ref.get_object()
            subfilter = _subfilter(sig_object)
            if sig_object.get("/Type") == "/DocTimeStamp" or subfilter == "ETSI.RFC3161":
                kind = "timestamp"
            if "/" + subfilter not in ACCEPTED_SUBFILTERS[kind]:
                found.append(
                    (
                        position,
                        position,
                        failed_report(name, "UNSUPPORTED_SUBFILTER", subfilter, kind=kind),
                    )
                )
                continue
            sig = EmbeddedPdfSignature(reader, field, field_name)
            found.append((sig.signed_revision, position, sig))
        except Exception as e:  # missing /Contents, CMS that does not parse, …
            log.info("broken signature field %r: %s", name, e)
            found.append((position, position, failed_report(name, "FORMAT_FAILURE", kind=kind)))
    return [item for _, _, item in sorted(found, key=lambda t: t[:2])]


def _plain(name: str) -> str:
    """pyHanko's field names are TextStringObjects that keep a reference into the parsed PDF: a report holding
    one drags the document along (148 KB pickled, 4 ms to deep-copy). Reports carry plain text."""
    return "".join(name)


def _subfilter(sig_object: Any) -> str:
    """The SubFilter name without its leading slash (e.g. ETSI.CAdES.detached); "" if absent."""
    return str(sig_object.get("/SubFilter", "")).lstrip("/")


def _claimed_signer(sig: EmbeddedPdfSignature, organisation_certs: frozenset[str]) -> dict[str, object]:
    """Who claims to have signed, when the CMS blob is readable although the signature is broken."""
    try:
        return signer_fields(sig.signer_cert, organisation_certs)
    except Exception:
        return {}
