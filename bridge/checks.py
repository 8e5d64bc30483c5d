"""Wiring of the attachment and sender checks from settings: adapters, the analysis process pool (composition
only, like bootstrap; the policy itself is bridge.services.checks)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bridge.services.checks import policy_from

if TYPE_CHECKING:
    from bridge.services.deps import Deps
    from bridge.settings import Checks

log = logging.getLogger(__name__)
T = TypeVar("T")
# analysis is background work: the process accepting mail and serving HTTP gets the CPU first when it is short
POOL_NICENESS = 10

ROOT = Path(__file__).resolve().parents[1]


def _path(name: str) -> Path:
    """A relative path is the working directory's; in a source checkout, one missing there is the checkout's.
    (Installed, ROOT is site-packages: nothing may be read from or written there.)"""
    p = Path(name)
    if p.is_absolute() or p.exists() or not (ROOT / "config" / "default.toml").is_file():
        return p
    return ROOT / p


def prepare_demo_pki(checks: Checks) -> None:
    """Demo profile only (`checks.demo_pki` set): create the demo PKI on first start, before anything reads the
    trust roots and CRLs it provides (signing/demo_pki.py)."""
    if checks.demo_pki:
        from signing.demo_pki import DemoPki

        DemoPki.ensure(_path(checks.demo_pki))


def configure_checks(deps: Deps, checks: Checks, *, dns_resolver: Any = None, pool: AnalysisPool | None = None) -> None:
    """Concrete adapters for the checks, from `[checks]` settings. Imports adapters lazily (composition only).
    With `pool`, PDF analysis and signature validation run in its processes, else in threads of this one."""
    from mail.auth import SenderAuthenticator, normalise_address
    from signing.completeness import check_attachment_set

    deps.checks = policy_from(checks)
    deps.normalise_address = normalise_address
    deps.require_signature = checks.require_signature
    analyses = PdfAnalyses(pool)
    deps.extract_pdf_metadata = analyses.metadata
    deps.check_pdf = analyses.check
    deps.check_attachments = check_attachment_set
    if checks.clamd_enabled:
        from signing.clamav import ClamdScanner

        deps.scanner = ClamdScanner(
            checks.clamd_host, checks.clamd_port, timeout=checks.clamd_timeout, max_unpacked=checks.clamd_max_scan_size
        )
    if has_trust_roots(checks) and pool is not None:
        deps.signatures = PooledSignatureValidator(pool)
    elif has_trust_roots(checks):
        from signing.revocation import Revocation
        from signing.signatures import PdfSignatureValidator

        deps.signatures = PdfSignatureValidator(
            [_path(p) for p in checks.trust_roots],
            intermediates=[_path(p) for p in checks.intermediates],
            trust_dir=_path(checks.trust_dir) if checks.trust_dir else None,
            revocation=Revocation(
                crl_dir=_path(checks.crl_dir) if checks.crl_dir else None,
                fetch=checks.revocation_fetch,
                unknown=checks.revocation_unknown,
            ),
        )
    if checks.sender_auth:
        deps.authenticator = SenderAuthenticator(dns_resolver=dns_resolver or _resolver(checks.dns_servers))


# ---- the analysis process pool ---------------------------------------------------------------------------


def pool_size(checks: Checks) -> int:
    """`analysis_processes`: 0 = one per core but one (the service's own process keeps a core); -1 = no pool."""
    if checks.analysis_processes:
        return max(0, checks.analysis_processes)
    return max(1, (os.cpu_count() or 2) - 1)


class AnalysisTimeout(Exception):
    """A PDF took longer than `[checks] analysis_timeout` to analyse."""


class AnalysisPool:
    """Processes for pypdf and pyHanko, whose pure-Python CPU work would otherwise hold the GIL of the process
    serving SMTP, IMAP and HTTP. "forkserver" children start clean (no inherited threads, locks, connections)
    with the adapters preloaded. A child that dies (a hostile PDF can exhaust memory) breaks the executor: it
    is replaced and the call tried once more, so one bad file does not stop every later document."""

    def __init__(self, size: int, checks: Checks) -> None:
        self.size, self._config = size, _validator_config(checks)
        self.timeout = checks.analysis_timeout
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        from signing import analysis

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["signing.analysis", "signing.signatures"])
        init = (self._config, POOL_NICENESS, os.getpid())  # the pool leaves if this process is killed
        self._executor = ProcessPoolExecutor(
            self.size, mp_context=ctx, initializer=analysis.start_worker, initargs=init
        )
        for _ in range(self.size):  # start the processes now, not when the first document arrives
            self._executor.submit(analysis.warm_up)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a pool process. AnalysisTimeout after `timeout` seconds: the pool is then replaced, since
        a process stuck in a parser loop cannot be interrupted, only killed."""
        executor = self._running()
        try:
            return await self._call(executor, fn, *args)
        except BrokenProcessPool:
            log.error("analysis process died; starting a new pool")
            self._replace(executor)
            return await self._call(self._running(), fn, *args)

    async def _call(self, executor: ProcessPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
        future = asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            log.error("%s took longer than %.0f s; killing the analysis processes", fn.__name__, self.timeout)
            self._replace(executor, kill=True)
            raise AnalysisTimeout(f"{fn.__name__} took longer than {self.timeout:.0f} s") from None

    def _replace(self, executor: ProcessPoolExecutor, *, kill: bool = False) -> None:
        if executor is not self._executor:
            return  # another call replaced it already
        if kill:
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        self.start()

    def _running(self) -> ProcessPoolExecutor:
        if self._executor is None:
            raise RuntimeError("the analysis pool is not started")
        return self._executor

    def close(self) -> None:
        """Blocking (joins the processes): from the event loop, `await asyncio.to_thread(pool.close)`."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def has_trust_roots(checks: Checks) -> bool:
    """Roots named in `trust_roots` or kept in `trust_dir`. Without any at start signatures are not checked
    (documents held) until a restart; once checking, roots added or removed in trust_dir count at once."""
    if checks.trust_roots:
        return True
    from signing.trust_folder import TrustFolder

    return bool(checks.trust_dir and TrustFolder(_path(checks.trust_dir)).current())


def _validator_config(checks: Checks) -> Any:
    if not has_trust_roots(checks):
        return None
    from signing.analysis import ValidatorConfig

    return ValidatorConfig(
        trust_roots=tuple(_path(p).read_bytes() for p in checks.trust_roots),
        intermediates=tuple(_path(p).read_bytes() for p in checks.intermediates),
        crl_dir=str(_path(checks.crl_dir)) if checks.crl_dir else "",
        trust_dir=str(_path(checks.trust_dir)) if checks.trust_dir else "",
        revocation_fetch=checks.revocation_fetch,
        revocation_unknown=checks.revocation_unknown,
    )


class PooledSignatureValidator:
    """core.ports.SignatureValidator: signing.signatures.PdfSignatureValidator in a pool process."""

    def __init__(self, pool: AnalysisPool) -> None:
        self._pool = pool

    async def validate(self, pdf: bytes) -> list[Any]:
        from signing.analysis import validate_signatures

        try:
            return await self._pool.run(validate_signatures, pdf)
        except AnalysisTimeout:
            return [_timed_out_report()]


def _timed_out_report() -> Any:
    """INDETERMINATE: held for a clerk, who can open the file; a slow machine must not reject a document."""
    from core.ports import Indication, SignatureReport

    return SignatureReport(
        field_name="",
        indication=Indication.INDETERMINATE,
        kind="document",
        sub_indication="ANALYSIS_TIMEOUT",
        message="Không kiểm tra được chữ ký số trong thời gian cho phép (tệp PDF quá lớn hoặc bị hỏng); "
        "văn thư cần kiểm tra trực tiếp.",
    )


class PdfAnalyses:
    """The two PDF ports (`extract_pdf_metadata`, `check_pdf`) over one signing.analysis.analyse_pdf per file:
    the metadata step analyses the main PDF and keeps the result, the completeness step then takes it instead
    of parsing and extracting the text of the same file again. Kept by content (a pure function of the bytes)
    and only briefly: the completeness step follows the metadata step, and at most `keep` results wait."""

    def __init__(self, pool: AnalysisPool | None = None, keep: int = 4) -> None:
        self._pool, self._keep = pool, keep
        self._waiting: OrderedDict[bytes, Any] = OrderedDict()

    async def metadata(self, pdf: bytes) -> Any:
        analysis = await self._analyse(pdf)
        self._waiting[pdf] = analysis
        while len(self._waiting) > self._keep:
            self._waiting.popitem(last=False)
        return analysis.metadata

    async def check(self, pdf: bytes, *, declared_pages: int | None = None) -> Any:
        from signing.completeness import with_declared_pages

        analysis = self._waiting.pop(pdf, None) or await self._analyse(pdf)
        return with_declared_pages(analysis.report, declared_pages)

    async def _analyse(self, pdf: bytes) -> Any:
        from signing.analysis import analyse_pdf

        if self._pool is None:
            return await asyncio.to_thread(analyse_pdf, pdf)
        return await self._pool.run(analyse_pdf, pdf)


def _resolver(servers: list[str]) -> Any:
    """A resolver asking only the configured servers ("host" or "host:port"); None = the system's resolver."""
    if not servers:
        return None
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [s.rpartition(":")[0] if ":" in s else s for s in servers]
    ports = {int(s.rpartition(":")[2]) for s in servers if ":" in s}
    if ports:
        resolver.port = ports.pop()
    return resolver
