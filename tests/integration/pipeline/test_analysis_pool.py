"""The composition root's analysis pool, the one-pass PDF ports and the in-memory recipient check."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

from bridge.bootstrap import build, import_directory, parsed_once
from bridge.checks import AnalysisPool, AnalysisTimeout, PdfAnalyses, PooledSignatureValidator
from bridge.settings import Settings
from core.inbound import Channel
from mail.mime import parse_message
from signing import analysis
from signing.completeness import check_pdf
from signing.pdf_text import extract_metadata
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator
from storage.migrate import upgrade
from tests.e2e.harness import DIRECTORY
from tests.fixtures.pdfs import make_official_pdf
from tests.fixtures.pki import write_crls
from tests.fixtures.settings import base_settings
from tests.integration.pipeline.documents import signers, tan_hoa_document


def _settings(tmp: Path, processes: int = 0) -> Settings:
    s = base_settings(database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite3", blob_dir=str(tmp / "blobs"))
    root = tmp / "root.pem"
    root.write_bytes(signers().pki.root.cert_pem)
    s.checks.trust_roots, s.checks.analysis_processes = [str(root)], processes
    s.checks.crl_dir = str(write_crls(signers().pki, tmp / "crl"))
    return s


async def test_signatures_are_validated_in_the_pool_as_in_process(tmp_path: Path) -> None:
    bridge = await build(_settings(tmp_path, processes=1))
    pdf = tan_hoa_document(signers())
    try:
        assert bridge.pool is not None and isinstance(bridge.deps.signatures, PooledSignatureValidator)
        pooled = await bridge.deps.signatures.validate(pdf)
        here = await PdfSignatureValidator(
            [tmp_path / "root.pem"], revocation=Revocation(crl_dir=tmp_path / "crl")
        ).validate(pdf)
        assert [(r.indication, r.signer_cn) for r in pooled] == [(r.indication, r.signer_cn) for r in here]
        assert await bridge.deps.check_pdf(pdf, declared_pages=1) == check_pdf(pdf, declared_pages=1)
    finally:
        await bridge.close()
    assert bridge.pool._executor is None


async def test_without_a_pool_the_checks_run_in_this_process(tmp_path: Path) -> None:
    bridge = await build(_settings(tmp_path, processes=-1))
    try:
        assert bridge.pool is None and isinstance(bridge.deps.signatures, PdfSignatureValidator)
    finally:
        await bridge.close()


async def test_a_dead_pool_process_is_replaced(tmp_path: Path) -> None:
    pool = AnalysisPool(1, _settings(tmp_path).checks)
    pool.start()
    try:
        pid = await pool.run(analysis.warm_up)
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        pdf = make_official_pdf(pages=1)
        assert (await pool.run(analysis.analyse_pdf, pdf)).report == check_pdf(pdf)
        assert await pool.run(analysis.warm_up) != pid
    finally:
        await asyncio.to_thread(pool.close)


async def test_a_stuck_pool_process_is_killed_and_replaced(tmp_path: Path) -> None:
    pool = AnalysisPool(1, _settings(tmp_path).checks)
    pool.timeout = 1.0
    pool.start()
    try:
        pid = await pool.run(analysis.warm_up)
        try:
            await pool.run(time.sleep, 60)  # stands in for a parser looping on a hostile PDF
            raise AssertionError("no timeout")
        except AnalysisTimeout:
            pass
        assert await pool.run(analysis.warm_up) != pid  # a fresh process answers
        await asyncio.sleep(0.5)
        assert not _alive(pid)
    finally:
        await asyncio.to_thread(pool.close)


async def test_a_signature_check_that_times_out_holds_the_document(tmp_path: Path) -> None:
    class StuckPool:
        async def run(self, fn: object, *args: object) -> object:
            raise AnalysisTimeout("validate_signatures took longer than 1 s")

    reports = await PooledSignatureValidator(StuckPool()).validate(b"%PDF-1.7")  # type: ignore[arg-type]
    assert [(r.indication.name, r.sub_indication) for r in reports] == [("INDETERMINATE", "ANALYSIS_TIMEOUT")]
    assert "thời gian cho phép" in reports[0].message


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/status").read_text().count("zombie")


class CountingAnalyses(PdfAnalyses):
    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    async def _analyse(self, pdf: bytes) -> object:
        self.runs += 1
        return await super()._analyse(pdf)


async def test_the_completeness_step_reuses_the_metadata_steps_analysis() -> None:
    main, appendix = make_official_pdf(pages=3), make_official_pdf(pages=1, number="8/QĐ-UBND")
    analyses = CountingAnalyses()
    assert await analyses.metadata(main) == extract_metadata(main)
    assert await analyses.check(main, declared_pages=2) == check_pdf(main, declared_pages=2)
    assert analyses.runs == 1
    assert await analyses.check(appendix) == check_pdf(appendix)  # an appendix is analysed when checked
    assert await analyses.check(main) == check_pdf(main)  # taken once: a second check reads again
    assert analyses.runs == 3


async def test_recipients_are_answered_from_memory_and_new_agencies_are_found(tmp_path: Path) -> None:
    s = _settings(tmp_path, processes=-1)
    await upgrade(s.database_url)
    bridge = await build(s)
    try:
        from bridge.bootstrap import MailIntake

        intake = MailIntake(bridge)
        assert not await intake.accepts_recipient("vanthu@tanhoa.vinhlong.gov.vn")  # directory not imported yet
        await import_directory(bridge, DIRECTORY)
        assert await intake.accepts_recipient("VanThu@TanHoa.VinhLong.gov.vn ")
        assert await intake.accepts_recipient("vanban@edoc-bridge.local")
        assert not await intake.accepts_recipient("nobody@example.org")
        assert "vanthu@tanhoa.vinhlong.gov.vn" in bridge.addresses._known
    finally:
        await bridge.close()


def test_a_mail_is_parsed_once_for_the_reply_router_and_the_pipeline() -> None:
    calls: list[bytes] = []

    def parse(raw: bytes):  # type: ignore[no-untyped-def]
        calls.append(raw)
        return parse_message(raw, Channel.SMTP)

    once = parsed_once(parse, keep=2)
    raw = b"From: a@b.vn\r\nSubject: x\r\n\r\nbody\r\n"
    assert once(raw) is once(bytes(bytearray(raw)))  # equal bytes, another object
    once(b"From: c@d.vn\r\n\r\n1")
    once(b"From: c@d.vn\r\n\r\n2")
    assert once(raw).sender_address == "a@b.vn" and len(calls) == 4  # evicted, parsed again
