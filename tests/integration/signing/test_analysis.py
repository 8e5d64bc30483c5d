"""signing.analysis: one pass gives what check_pdf and extract_metadata give separately; pool entry points."""

from __future__ import annotations

import pickle

import pytest
from pypdf.generic import NameObject

from signing import analysis
from signing.analysis import PdfAnalysis, ValidatorConfig, analyse_pdf
from signing.completeness import check_pdf, with_declared_pages
from signing.pdf_text import extract_metadata
from tests.fixtures.pdfs import make_official_pdf
from tests.integration.signing.test_completeness import _action, _edited, _set_root
from tests.integration.signing.test_pdf_text_samples import sample_pdf, text_pdf


def _corpus() -> dict[str, bytes]:
    official = make_official_pdf(pages=3, number="7/QĐ-UBND", urgency="Khẩn")
    return {
        "official": official,
        "secret": make_official_pdf(pages=2, secret="Tối mật"),
        "pdf-1.3": sample_pdf(version=(1, 3)),
        "no-text": text_pdf([]),
        "javascript": _edited(_set_root("/OpenAction", _action(S="/JavaScript", JS="app.alert(1);"))),
        "catalog-version": _edited(_set_root("/Version", NameObject("/2.0")), sample_pdf(version=(1, 3))),
        "encrypted": _edited(lambda w: w.encrypt("mat-khau", "chu-so-huu", algorithm="AES-128")),
        "truncated": official[: len(official) // 3],
        "garbage": b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage without xref",
        "not-pdf": b"PK\x03\x04 a zip file",
        "empty": b"",
    }


CORPUS = _corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
@pytest.mark.parametrize("declared", [None, 3, 99])
def test_one_pass_equals_the_two_separate_reads(name: str, declared: int | None) -> None:
    pdf = CORPUS[name]
    got = analyse_pdf(pdf, declared)
    assert got == PdfAnalysis(check_pdf(pdf, declared_pages=declared), extract_metadata(pdf))
    assert with_declared_pages(analyse_pdf(pdf).report, declared) == got.report


def test_the_one_pass_finds_what_the_checks_and_the_reader_find() -> None:
    got = analyse_pdf(CORPUS["official"], 2)
    assert got.report.codes == ("pdf.page_mismatch",) and got.report.has_text
    assert str(got.metadata.code) == "7/QĐ-UBND" and got.metadata.urgency is not None
    assert analyse_pdf(CORPUS["secret"]).report.secrecy == "TỐI MẬT"
    assert analyse_pdf(sample_pdf(), max_bytes=1000).report.codes == ("pdf.too_large",)


def test_results_cross_process_boundaries() -> None:
    for pdf in CORPUS.values():
        result = analyse_pdf(pdf, 3)
        assert pickle.loads(pickle.dumps(result)) == result


def test_pool_entry_point_validates_like_the_validator() -> None:
    from tests.integration.pipeline.documents import signers, tan_hoa_document

    pki = signers()
    pdf = tan_hoa_document(pki)
    analysis.init_worker(ValidatorConfig((pki.pki.root.cert_pem,), crls=pki.pki.crls))
    try:
        reports = analysis.validate_signatures(pdf)
        unsigned = analysis.validate_signatures(make_official_pdf(pages=1))
    finally:
        analysis.init_worker(None)
    assert len(reports) == 2 and {r.indication.value for r in reports} == {"TOTAL_PASSED"}
    assert pickle.loads(pickle.dumps(reports)) == reports
    # plain text, not pyHanko objects that keep the parsed PDF alive (they made each report 148 KB to pickle)
    assert all(type(r.field_name) is str for r in reports) and len(pickle.dumps(reports)) < 10_000
    assert unsigned == []


def test_validation_needs_a_configured_process() -> None:
    analysis.init_worker(None)
    with pytest.raises(RuntimeError):
        analysis.validate_signatures(b"%PDF-1.4")


def test_a_pool_process_leaves_when_its_service_is_gone() -> None:
    """A SIGKILLed service cannot stop its pool: the pool process notices and exits by itself."""
    import subprocess
    import sys

    owner = subprocess.Popen([sys.executable, "-c", "pass"])
    owner.wait()
    code = f"from signing.analysis import _leave_without; _leave_without({owner.pid}, every=0.05); raise SystemExit(3)"
    watcher = subprocess.run([sys.executable, "-c", code], timeout=30)
    assert watcher.returncode == 0  # os._exit(0) from the watch, not the line after it
