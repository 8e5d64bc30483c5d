"""The report page, the API files, the signed PDF and the `report` command's errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bridge.cli import app
from bridge.cli_errors import run
from core.vn_time import vietnam_date
from tests.fixtures.console import add_many_documents
from tests.fixtures.dashboard import Seeded
from tests.fixtures.pki import TestPki


def numbers(html: str, table: str) -> list[int]:
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    return [int(x.replace(".", "")) for x in re.findall(r'<td class="num">([\d.]+)</td>', body)]


async def test_the_page_defaults_to_the_current_half_year_and_its_sums_hold(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    await add_many_documents(seeded.bridge, 90)
    c = await client_for("giamsat")
    page = (await c.get("/web/report")).text
    today = vietnam_date(datetime.now(UTC))
    half = "đầu" if today.month <= 6 else "cuối"
    assert f"Báo cáo định kỳ 6 tháng {half} năm {today.year}" in page
    previous = "/web/report?from=" + (f"{today.year - 1}-07-01" if half == "đầu" else f"{today.year}-01-01")
    assert previous in page
    documents = int(re.search(r'id="documents">([\d.]+)<', page)[1].replace(".", ""))  # type: ignore[index]
    sender_rows = numbers(page, "by-sender")[0::2]  # per row: documents, overdue (the refusals cell has a ratio)
    total = int(re.search(r'id="sender-total">([\d.]+)<', page)[1].replace(".", ""))  # type: ignore[index]
    assert documents > 0 and total == documents == sum(sender_rows)
    data = (await c.get("/api/reports/period")).json()
    assert data["total"]["documents"] == documents == sum(a["documents"] for a in data["by_sender"])
    assert (
        data["received_items"]
        == sum(data[k] for k in ("refused_documents", "non_documents", "held", "in_progress")) + documents
    )
    r = await c.get("/web/report", params={"from": "2026-06-30", "to": "2026-01-01"})
    assert r.status_code == 422 and "ngược" in r.text


async def test_the_pdf_is_signed_with_the_office_certificate(
    seeded: Seeded, client_for, test_pki: TestPki, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    pair = test_pki.organisation
    p12 = tmp_path / "office.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"office", pair.key, pair.cert, list(pair.chain), BestAvailableEncryption(b"mat-khau")))  # fmt: skip
    (tmp_path / "pass").write_text("mat-khau\n")
    settings = seeded.bridge.settings.report
    settings.sign_pkcs12, settings.sign_passphrase_file = str(p12), str(tmp_path / "pass")
    c = await client_for("giamsat")
    assert "Tải PDF (đã ký số)" in (await c.get("/web/report")).text
    pdf = (await c.get("/api/reports/period", params={"format": "pdf"})).content
    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = await async_validate_pdf_signature(
        sig, ValidationContext(trust_roots=[asn1_x509.Certificate.load(test_pki.root.cert_der)])
    )
    assert status.intact and status.valid and "Tân Hòa" in status.signing_cert.subject.human_friendly
    settings.sign_passphrase_file = str(tmp_path / "missing")
    r = await c.get("/api/reports/period", params={"format": "pdf"})
    assert r.status_code == 503 and "mật khẩu" in r.json()["detail"]


def test_the_command_refuses_a_wrong_period_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    command = typer.main.get_command(app)
    wrong = [(["--from", "2026-13-01"], "ngày phải có dạng"), (["--from", "2026-06-30", "--to", "2026-01-01"], "ngược")]
    for args, words in wrong:
        assert run(command, ["report", *args]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
