"""The demo PKI and `edoc-bridge demo sign`: created once, reused, and what it signs passes the real check."""

from __future__ import annotations

import asyncio
from pathlib import Path

from typer.testing import CliRunner

from bridge.cli import app
from core.ports import Indication
from signing.demo_pki import DemoPki
from signing.revocation import Revocation
from signing.signatures import PdfSignatureValidator

ROOT = Path(__file__).resolve().parents[3]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "demo.toml"
    config.write_text(
        f'profile = "demo"\nblob_dir = "{tmp_path}/blobs"\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/db.sqlite3"\n'
        f'directory_file = "{ROOT}/config/agencies.toml"\n[checks]\ndemo_pki = "{tmp_path}/pki"\n',
        encoding="utf-8",
    )
    return config


def test_demo_sign_makes_a_document_the_demo_roots_accept(tmp_path: Path) -> None:
    out = tmp_path / "signed.pdf"
    result = CliRunner().invoke(app, ["demo", "sign", "-c", str(_config(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "UBND xã Tân Hòa" in result.output or "Ủy ban nhân dân xã Tân Hòa" in result.output
    assert "MST:1500000001" in result.output
    pki = DemoPki.ensure(tmp_path / "pki")  # the same PKI, loaded again, not a new one
    validator = PdfSignatureValidator(
        [pki.root_pem], intermediates=[pki.ca_pem], revocation=Revocation(crl_dir=pki.crl_dir)
    )
    try:
        reports = asyncio.run(validator.validate(out.read_bytes()))  # the CLI above ran its own loop too
    finally:
        validator.close()
    assert [(r.field_name, r.indication, r.is_organisation) for r in reports] == [
        ("ChuKyCaNhan", Indication.TOTAL_PASSED, False),
        ("ChuKyCoQuan", Indication.TOTAL_PASSED, True),
    ]
    assert reports[1].signer_uids == ("MST:1500000001",)
    assert (tmp_path / "pki" / "README.txt").read_text(encoding="utf-8").startswith("DEMO ONLY")


def test_demo_sign_refuses_outside_the_demo(tmp_path: Path) -> None:
    config = tmp_path / "prod.toml"
    config.write_text(f'blob_dir = "{tmp_path}/blobs"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "sign", "-c", str(config), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert not (tmp_path / "x.pdf").exists()
