"""A built (not served) edoc-bridge with the real checks: clamd, pyHanko with the test roots, the database."""

from __future__ import annotations

import email.policy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from bridge.bootstrap import Bridge, build, import_directory
from bridge.services import receive
from bridge.services.inbound import process_inbound
from bridge.settings import Settings
from core.document import Document
from core.inbound import Channel
from tests.e2e.harness import DIRECTORY
from tests.fixtures.clamd import ClamdServer
from tests.fixtures.pki import write_crls
from tests.fixtures.settings import base_settings
from tests.integration.pipeline.documents import Signers, signers


@dataclass
class Checked:
    bridge: Bridge
    signers: Signers

    async def receive(self, msg: EmailMessage | bytes) -> str:
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=email.policy.SMTP)
        sender = "" if isinstance(msg, bytes) else str(msg["From"])
        stored = await receive.store_raw(
            self.bridge.deps, raw, channel=Channel.SMTP, envelope_from=sender, recipients=("vanban@edoc-bridge.local",)
        )
        return stored.id

    async def run_pipeline_jobs(self) -> int:
        jobs = await self.bridge.queue.claim("test", ["pipeline"], 100)
        for job in jobs:
            await process_inbound(self.bridge.deps, job)
        return len(jobs)

    async def document_for(self, inbound_id: str) -> Document:
        async with self.bridge.deps.uow() as uow:
            doc = await uow.documents.by_inbound(inbound_id)
        assert doc is not None, f"no document for inbound {inbound_id}"
        return doc

    async def jobs(self, kind: str) -> list[object]:
        return [j for j in await self.bridge.queue.list(limit=1000) if j.kind == kind]


def checked_settings(db_url: str, tmp: Path, clamd: ClamdServer | None, root_pem: Path) -> Settings:
    s = base_settings(database_url=db_url, blob_dir=str(tmp / "blobs"), bridge_organ="000.00.01.H61")
    s.checks.clamd_enabled = clamd is not None
    if clamd is not None:
        s.checks.clamd_host, s.checks.clamd_port, s.checks.clamd_timeout = clamd.host, clamd.port, 10
    s.checks.trust_roots = [str(root_pem)]
    s.checks.crl_dir = str(write_crls(signers().pki, tmp / "crl"))
    s.checks.scan_retry_max_delay = 0.2
    return s


def write_root(tmp: Path) -> Path:
    root = tmp / "root.pem"
    root.write_bytes(signers().pki.root.cert_pem)
    return root


@pytest.fixture
async def checked(db_url: str, tmp_path: Path, clamd_running: ClamdServer) -> AsyncIterator[Checked]:
    bridge = await build(checked_settings(db_url, tmp_path, clamd_running, write_root(tmp_path)))
    await import_directory(bridge, DIRECTORY)
    yield Checked(bridge, signers())
    await bridge.close()
