"""One pass over a PDF, and the entry points of the analysis process pool.

`analyse_pdf` opens the PDF once and extracts each page's text at most once, for both the completeness checks
(signing.completeness: every page, for state-secret stamps) and the metadata (signing.pdf_text: page 1 and the
signer block read backwards from the end). Its result equals `check_pdf` + `extract_metadata` run separately.

The functions below `# ---- pool` run in worker processes of a ProcessPoolExecutor owned by the composition
root: pypdf and pyHanko are pure-Python CPU work that would otherwise hold the service's GIL. They are top-level
(picklable by reference), take and return plain data, and keep per-process state only in module globals set
by `init_worker` (a "spawn"/"forkserver" child starts with nothing inherited).
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from core.metadata import DeclaredMetadata
from core.ports import SignatureReport
from signing.completeness import MAX_PDF_BYTES, CompletenessReport, check_reader, pdf_header, unreadable
from signing.pdf_text import UNREADABLE, extract_metadata, metadata_of, page_text_of


@dataclass(frozen=True, slots=True)
class PdfAnalysis:
    report: CompletenessReport
    metadata: DeclaredMetadata


def analyse_pdf(data: bytes, declared_pages: int | None = None, max_bytes: int = MAX_PDF_BYTES) -> PdfAnalysis:
    """Blocking (pypdf). Same results as `check_pdf(data, declared_pages=…)` and `extract_metadata(data)`."""
    header = pdf_header(data, max_bytes)
    if isinstance(header, CompletenessReport):  # refused unopened; the metadata reader still tries, as before
        return PdfAnalysis(header, extract_metadata(data))
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception as exc:  # pypdf raises many unrelated error types on malformed files
        return PdfAnalysis(unreadable(header, exc), DeclaredMetadata(problems=[UNREADABLE]))
    page_text = page_text_of(reader)  # one extraction per page, shared by both
    return PdfAnalysis(check_reader(reader, header, declared_pages, page_text), metadata_of(reader, page_text))


# ---- pool ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ValidatorConfig:
    """What a pool process needs to build its own PdfSignatureValidator (certificates as PEM/DER bytes)."""

    trust_roots: tuple[bytes, ...]
    intermediates: tuple[bytes, ...] = ()
    crls: tuple[bytes, ...] = ()  # CRLs given directly (DER or PEM)
    crl_dir: str = ""  # "" = no CRL files
    revocation_fetch: bool = False
    revocation_unknown: str = "hold"
    trust_dir: str = ""  # the managed folder of roots, read again when it changes ("" = none)


_validator = None  # this process's PdfSignatureValidator, built by init_worker
_loop: asyncio.AbstractEventLoop | None = None  # pyHanko's async API runs to completion on it


def start_worker(config: ValidatorConfig | None, niceness: int = 0, owner: int | None = None) -> None:
    """Pool initializer. Ctrl-C reaches the whole process group: the service stops the pool itself. A positive
    `niceness` lets the service's own process (accepting mail, answering HTTP) go first when CPUs are busy.
    `owner`: the service's pid; when it is gone (killed, so it could not stop the pool), this process leaves."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if niceness > 0:
        os.nice(niceness)
    if owner is not None:
        threading.Thread(target=_leave_without, args=(owner,), name="owner-watch", daemon=True).start()
    init_worker(config)


def _leave_without(owner: int, every: float = 1.0) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # alive, under another user (pid reused): keep serving
            pass


def init_worker(config: ValidatorConfig | None) -> None:
    """This process's validator when trust roots are configured (else none)."""
    global _validator, _loop
    _validator = None
    if config is not None:
        from signing.revocation import Revocation
        from signing.signatures import PdfSignatureValidator

        revocation = Revocation(
            crls=config.crls,
            crl_dir=Path(config.crl_dir) if config.crl_dir else None,
            fetch=config.revocation_fetch,
            unknown=config.revocation_unknown,
        )
        _validator = PdfSignatureValidator(
            config.trust_roots,
            intermediates=config.intermediates,
            revocation=revocation,
            trust_dir=Path(config.trust_dir) if config.trust_dir else None,
        )
        _loop = _loop or asyncio.new_event_loop()


def warm_up() -> int:
    """Run once per process at start, so the first document does not wait for the imports."""
    return os.getpid()


def validate_signatures(pdf: bytes) -> list[SignatureReport]:
    """PdfSignatureValidator.validate in a pool process (configured by `init_worker`)."""
    if _validator is None or _loop is None:
        raise RuntimeError("signature validation is not configured in this process")
    return _loop.run_until_complete(_validator.validate_here(pdf))
