"""Điều 24.2.b availability (SQLite and PostgreSQL): the probes record up/down for the axis (simulator), clamd
and each mailbox (Dovecot) that is not paused, and the period report turns the samples into percentages —
Vietnamese in the text/PDF rows, numeric percentage cells in the XLSX."""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook

from bridge.bootstrap import build
from bridge.probes import probe_once
from bridge.reports.making import make_report, report_file
from bridge.reports.report_text import security_rows
from bridge.settings import ImapMailbox
from signing.clamav import ClamdScanner
from tests.fixtures.clamd import ClamdServer
from tests.fixtures.dovecot import Dovecot, ImapAccount
from tests.fixtures.settings import base_settings


async def test_probes_become_the_reports_availability(  # type: ignore[no-untyped-def]
    db_url: str, tmp_path: Path, axis_client, clamd_server: ClamdServer, dovecot_server: Dovecot,
    imap_account: ImapAccount,
) -> None:  # fmt: skip
    s = base_settings(database_url=db_url, blob_dir=str(tmp_path / "blobs"))
    s.axis.simulator = False
    s.imap.mailboxes = [
        ImapMailbox(name="hop-tot", host="127.0.0.1", port=dovecot_server.imap_port, tls=False,
                    user=imap_account.user, password=imap_account.password),
        ImapMailbox(name="hop-hong", host="127.0.0.1", port=dovecot_server.imap_port, tls=False,
                    user=imap_account.user, password="sai-mat-khau"),
        ImapMailbox(name="hop-tam-dung", host="127.0.0.1", port=1, tls=False, user="x"),
    ]  # fmt: skip
    bridge = await build(s)
    try:
        bridge.deps.axis = axis_client
        bridge.deps.scanner = ClamdScanner(clamd_server.host, clamd_server.port)
        async with bridge.deps.uow() as uow:
            await uow.mailbox_pauses.pause("hop-tam-dung", "admin")
            await uow.commit()
        first = {(c, t): up for c, t, up, _ in await probe_once(bridge, within=10)}
        assert first == {("axis", ""): True, ("clamd", ""): True, ("mailbox", "hop-tot"): True,
                         ("mailbox", "hop-hong"): False}  # fmt: skip
        bridge.deps.scanner = ClamdScanner("127.0.0.1", 1)  # clamd away for the second round
        await probe_once(bridge, within=10)
        report = await make_report(bridge.deps, None, None)
        rows = dict(security_rows(report))
        assert rows["Thời gian hoạt động: Trục liên thông văn bản"] == "100,0% (2/2 lần kiểm tra)"
        assert rows["Thời gian hoạt động: Máy quét virus (clamd)"] == "50,0% (1/2 lần kiểm tra)"
        assert rows["Thời gian hoạt động: Hộp thư hop-tot"] == "100,0% (2/2 lần kiểm tra)"
        assert rows["Thời gian hoạt động: Hộp thư hop-hong"] == "0,0% (0/2 lần kiểm tra)"
        assert not any("hop-tam-dung" in label for label in rows)  # paused: not sampled, not "down"
        sheet = load_workbook(io.BytesIO(await report_file(report, "xlsx", s.report)))["Hạ tầng, an toàn thông tin"]
        cells = {r[0].value: r[1] for r in sheet.iter_rows(min_row=2)}
        clamd = cells["Thời gian hoạt động: Máy quét virus (clamd)"]
        assert clamd.value == 0.5 and "%" in clamd.number_format
    finally:
        await bridge.close()
