"""The report's "form" of a document (Điều 24: signed e-document / scan / unsigned) comes from the trail."""

from __future__ import annotations

from datetime import UTC, datetime

from bridge.reports.facts import form_of
from core.document import Direction, Document
from core.inbound import Channel
from core.verdict import Outcome, StepRecord

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def doc_with(signatures: object, has_text: bool = True) -> Document:
    trail = [
        StepRecord(
            "check_completeness", Outcome.CONTINUE, NOW, data={"completeness": {"a.pdf": {"has_text": has_text}}}
        ),
        StepRecord("verify_signatures", Outcome.CONTINUE, NOW, data={"signatures": signatures}),
    ]
    return Document("d1", Direction.OUTGOING, Channel.SMTP, NOW, trail=trail)


def test_a_valid_signature_makes_a_signed_document() -> None:
    reports = {"a.pdf": [{"indication": "INDETERMINATE"}, {"indication": "TOTAL_PASSED"}]}
    assert form_of(doc_with(reports)) == "signed"


def test_no_valid_signature_and_no_text_layer_is_a_scan() -> None:
    assert form_of(doc_with({"a.pdf": []}, has_text=False)) == "scanned"


def test_no_valid_signature_with_text_is_unsigned_for_reference() -> None:
    assert form_of(doc_with({"a.pdf": [{"indication": "TOTAL_FAILED"}]})) == "unsigned"


def test_signatures_never_checked_is_unknown() -> None:
    assert form_of(doc_with({"checked": False})) == "unknown"
    assert form_of(Document("d2", Direction.OUTGOING, Channel.SMTP, NOW)) == "unknown"
