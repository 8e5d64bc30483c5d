"""The figures the Prometheus alert rules (deploy/prometheus/alerts.yml) need, served by a running instance's
/metrics: clamd up or down, certificate and CRL expiry, mailbox pollers, relay dead letters, outbox age."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bridge.api.expiry import expiry_families
from bridge.api.metrics import mailbox_freshness
from signing.clamav import ClamdScanner
from tests.fixtures.clamd import ClamdServer
from tests.fixtures.dashboard import Seeded
from tests.fixtures.pki import TestPki, write_crls
from tests.fixtures.pki_fixtures import PkiFiles
from tests.fixtures.settings import base_settings

ROOT = Path(__file__).resolve().parents[3]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample `name{labels…}` (labels given must match; others are ignored)."""
    found = []
    for line in text.splitlines():
        m = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if m and all(f'{k}="{v}"' in (m.group(1) or "") for k, v in labels.items()):
            found.append(float(m.group(2)))
    assert len(found) == 1, (name, labels, found)
    return found[0]


def exposed_names(text: str) -> set[str]:
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    return names | {n.removesuffix("_total") for n in names}


async def test_every_metric_an_alert_names_is_served(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    rules = [r for g in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"] for r in g["rules"]]
    named = {m for r in rules for m in re.findall(r"\bedoc_[a-z_]+", r["expr"])}
    assert len(named) >= 9, named  # dead letters, outbox age, mailboxes, clamd, certificates, CRLs …
    text = (await (await client_for("giamsat")).get("/metrics")).text
    assert named <= exposed_names(text), named - exposed_names(text)
    assert sample(text, "edoc_outbox_dead_jobs", kind="relay") == 1.0  # the seeded dead letter
    assert sample(text, "edoc_outbox_oldest_todo_age_seconds") == 0.0  # nothing pending


async def test_clamd_up_follows_clamd(seeded: Seeded, client_for, clamd_running: ClamdServer) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("giamsat")
    assert "\nedoc_clamd_up " not in (await c.get("/metrics")).text  # no scanner configured: no sample
    seeded.bridge.deps.scanner = ClamdScanner(clamd_running.host, clamd_running.port, timeout=5)
    assert sample((await c.get("/metrics")).text, "edoc_clamd_up") == 1.0
    seeded.bridge.deps.scanner = ClamdScanner("127.0.0.1", 1, timeout=5)  # nothing listens there
    assert sample((await c.get("/metrics")).text, "edoc_clamd_up") == 0.0


async def test_certificate_and_crl_expiry(
    seeded: Seeded,
    client_for,  # type: ignore[no-untyped-def]
    test_pki: TestPki,
    test_pki_files: PkiFiles,
    tmp_path: Path,
) -> None:
    s = seeded.bridge.settings
    s.checks.trust_roots = [str(test_pki_files.root_pem)]
    s.checks.intermediates = [str(test_pki_files.intermediate_pem), str(tmp_path / "missing.pem")]
    s.checks.crl_dir = str(write_crls(test_pki, tmp_path / "crl"))
    (tmp_path / "crl" / "junk.crl").write_bytes(b"not a CRL")
    text = (await (await client_for("giamsat")).get("/metrics")).text
    now = datetime.now(UTC)
    root_left = sample(text, "edoc_certificate_expiry_seconds", role="trust_root")
    expected = (test_pki.root.cert.not_valid_after_utc - now).total_seconds()
    assert abs(root_left - expected) < 3600, (root_left, expected)
    assert sample(text, "edoc_certificate_expiry_seconds", role="intermediate") > 0
    assert sample(text, "edoc_certificate_file_unreadable", file=str(tmp_path / "missing.pem")) == 1.0
    assert sample(text, "edoc_certificate_file_unreadable", file=str(tmp_path / "crl" / "junk.crl")) == 1.0
    crl_left = sample(text, "edoc_crl_next_update_seconds", file=str(tmp_path / "crl" / "root.crl"))
    assert 0 < crl_left < 400 * 86400


def test_an_expired_certificate_and_a_stale_crl_are_negative(
    test_pki: TestPki, test_pki_files: PkiFiles, tmp_path: Path
) -> None:
    s = base_settings()
    s.checks.trust_roots, s.checks.intermediates = [str(test_pki_files.root_pem)], []
    s.checks.crl_dir = str(write_crls(test_pki, tmp_path / "crl"))
    later = test_pki.root.cert.not_valid_after_utc + timedelta(days=1)
    certs, crls, unreadable = expiry_families(s, later)
    assert [x.value for x in certs.samples] == [-86400.0]
    assert crls.samples and all(x.value < 0 for x in crls.samples)
    assert unreadable.samples == []


def test_mailbox_leader_and_last_success() -> None:
    at = datetime(2026, 12, 3, 1, 2, 3, tzinfo=UTC)
    views = [
        {"name": "vanban", "leader": True, "last_success": at.isoformat()},
        {"name": "hanhchinh", "leader": False, "last_success": None},
    ]
    leader, success = mailbox_freshness(views)
    assert {(x.labels["mailbox"], x.value) for x in leader.samples} == {("vanban", 1.0), ("hanhchinh", 0.0)}
    assert [(x.labels["mailbox"], x.value) for x in success.samples] == [("vanban", at.timestamp())]
