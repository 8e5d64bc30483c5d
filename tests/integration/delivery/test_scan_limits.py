"""Archive bombs are held, never passed (real clamd configured as docs/clamd.md, AlertExceedsMax): a scan that
stopped at a limit comes back INCOMPLETE, from clamd itself or from the zip check before it; the document is held
for a clerk with the reason, not registered, not relayed."""

from __future__ import annotations

import io
import zipfile

from core.document import ProcessingState
from core.ports import ScanVerdict
from signing.clamav import ClamdScanner, parse_answer
from tests.fixtures.clamd import ClamdServer, eicar_bytes
from tests.integration.delivery.conftest import Line, document

MB = 1024 * 1024


def zipped(name: str, size: int, *, streamed: bool = False, data: bytes | None = None) -> bytes:
    """A zip with one member of `size` zero bytes (or `data`); `streamed` writes it as zip64 with a data
    descriptor, as a program that does not know the size beforehand does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if streamed:
            with archive.open(name, "w", force_zip64=True) as member:
                block = bytes(MB)
                for _ in range(size // MB):
                    member.write(block)
                if data:
                    member.write(data)
        else:
            archive.writestr(name, data if data is not None else bytes(size))
    return buf.getvalue()


def test_clamds_limit_answers_read_as_incomplete_not_as_a_virus() -> None:
    assert parse_answer("stream: Heuristics.Limits.Exceeded.MaxScanSize FOUND").verdict is ScanVerdict.INCOMPLETE
    assert parse_answer("stream: Heuristics.Limits.Exceeded.MaxRecursion FOUND").signature == "MaxRecursion"
    assert parse_answer("stream: Win.Test.EICAR_HDB-1 FOUND").verdict is ScanVerdict.INFECTED


async def test_clamd_itself_reports_a_member_beyond_max_scan_size(clamd_running: ClamdServer) -> None:
    only_clamd = ClamdScanner(clamd_running.host, clamd_running.port, timeout=60, max_unpacked=10**12)
    bomb = zipped("zeros.bin", 150 * MB)  # 150 MB of zeros in ~150 KB
    result = await only_clamd.scan(bomb)
    assert (result.verdict, result.signature) == (ScanVerdict.INCOMPLETE, "MaxScanSize")
    assert (await only_clamd.scan(zipped("small.bin", MB))).verdict is ScanVerdict.CLEAN


async def test_zip_bombs_clamd_would_pass_are_caught_before_it(clamd_running: ClamdServer) -> None:
    scanner = ClamdScanner(clamd_running.host, clamd_running.port, timeout=60)
    half_gib = zipped("zeros.bin", 512 * MB, streamed=True)  # the harness's 0.5 GiB bomb
    assert (await scanner.scan(half_gib)).verdict is ScanVerdict.INCOMPLETE
    hidden = zipped("note.txt", 0, streamed=True, data=eicar_bytes())  # clamd 1.4 skips zip64 members
    assert (await scanner.scan(hidden)).signature == "Zip64"
    plain = zipped("note.txt", 0, data=eicar_bytes())
    assert (await scanner.scan(plain)).verdict is ScanVerdict.INFECTED


async def test_a_document_with_an_archive_bomb_is_held_for_a_clerk(line: Line, clamd_running: ClamdServer) -> None:
    line.bridge.deps.scanner = ClamdScanner(clamd_running.host, clamd_running.port, timeout=60)
    msg = document(95)
    msg.add_attachment(zipped("phu-luc.bin", 512 * MB, streamed=True), maintype="application", subtype="zip",
                       filename="phu-luc.zip")  # fmt: skip
    inbound = await line.send_message(msg)
    await line.run()
    doc = await line.document(inbound)
    assert doc.state is ProcessingState.HELD
    assert [r.code for r in doc.reasons] == ["scan.incomplete"] and "phu-luc.zip" in doc.reasons[0].message
    assert line.axis.packets() == [] and await line.jobs("relay") == []
