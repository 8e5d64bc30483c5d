"""ClamdScanner against a real clamd with the tiny EICAR signature DB (tests/fixtures/clamd.py)."""

from __future__ import annotations

import asyncio
import io
import zipfile

import pytest
from reportlab.pdfgen.canvas import Canvas

from core.ports import Scanner, ScannerUnavailable, ScanVerdict
from signing.clamav import ClamdScanner, parse_answer
from tests.fixtures.clamd import HDB_NAME, NDB_NAME, SMALL_STREAM_MAX, ClamdServer, free_port

pytestmark = pytest.mark.clamd


def _pdf(payload: bytes = b"") -> bytes:
    out = io.BytesIO()
    c = Canvas(out, pdfVersion=(1, 4))
    c.drawString(72, 720, "Van ban thu nghiem")
    c.showPage()
    c.save()
    pdf = out.getvalue()
    # payload spliced in as an unreferenced comment block before the trailer, as a dropper would
    return pdf.replace(b"xref", b"%" + payload + b"\nxref", 1) if payload else pdf


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return out.getvalue()


def _scanner(server: ClamdServer, timeout: float = 30) -> ClamdScanner:
    return ClamdScanner(server.host, server.port, timeout=timeout)


def test_is_a_scanner_port() -> None:
    scanner: Scanner = ClamdScanner()
    assert repr(scanner) == "ClamdScanner(127.0.0.1:3310)"


async def test_ping_and_version(clamd_running: ClamdServer) -> None:
    scanner = _scanner(clamd_running)
    assert await scanner.ping() is True
    assert (await scanner.version()).startswith("ClamAV")


async def test_clean_pdf(clamd_running: ClamdServer) -> None:
    result = await _scanner(clamd_running).scan(_pdf())
    assert result.verdict is ScanVerdict.CLEAN
    assert result.signature == ""


async def test_empty_stream_is_clean(clamd_running: ClamdServer) -> None:
    assert (await _scanner(clamd_running).scan(b"")).verdict is ScanVerdict.CLEAN


async def test_raw_eicar_is_infected_without_unofficial_suffix(clamd_running: ClamdServer, eicar: bytes) -> None:
    result = await _scanner(clamd_running).scan(eicar)
    assert result.verdict is ScanVerdict.INFECTED
    assert result.signature in {HDB_NAME, NDB_NAME}
    assert not result.signature.endswith(".UNOFFICIAL")


async def test_eicar_inside_pdf(clamd_running: ClamdServer, eicar: bytes) -> None:
    result = await _scanner(clamd_running).scan(_pdf(eicar))
    assert (result.verdict, result.signature) == (ScanVerdict.INFECTED, NDB_NAME)


async def test_eicar_inside_zip(clamd_running: ClamdServer, eicar: bytes) -> None:
    result = await _scanner(clamd_running).scan(_zip("phu_luc.txt", eicar))
    assert (result.verdict, result.signature) == (ScanVerdict.INFECTED, NDB_NAME)


async def test_small_chunks_and_unix_socket(clamd_running: ClamdServer, eicar: bytes) -> None:
    scanner = ClamdScanner(unix_socket=clamd_running.unix_socket, chunk=7)
    assert (await scanner.scan(_pdf(eicar))).verdict is ScanVerdict.INFECTED
    assert (await scanner.scan(_pdf())).verdict is ScanVerdict.CLEAN


async def test_concurrent_scans(clamd_running: ClamdServer, eicar: bytes) -> None:
    scanner = _scanner(clamd_running)
    docs = [_pdf(eicar) if i % 2 else _pdf() for i in range(8)]
    results = await asyncio.gather(*(scanner.scan(d) for d in docs))
    assert [r.verdict for r in results] == [ScanVerdict.INFECTED if i % 2 else ScanVerdict.CLEAN for i in range(8)]


async def test_stopped_clamd_fails_closed_then_recovers(clamd_running: ClamdServer, eicar: bytes) -> None:
    scanner = _scanner(clamd_running, timeout=5)
    clamd_running.stop()
    with pytest.raises(ScannerUnavailable, match="không kết nối được clamd"):
        await scanner.scan(_pdf())
    assert await scanner.ping() is False

    clamd_running.start()
    assert await scanner.ping() is True
    assert (await scanner.scan(_pdf())).verdict is ScanVerdict.CLEAN
    assert (await scanner.scan(eicar)).verdict is ScanVerdict.INFECTED


async def test_nothing_listening_fails_closed() -> None:
    with pytest.raises(ScannerUnavailable):
        await ClamdScanner("127.0.0.1", free_port(), timeout=2).scan(b"%PDF-1.4")


async def test_silent_server_times_out() -> None:
    """A peer that accepts but never answers must not hang the pipeline or pass the file."""

    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # swallow everything, answer nothing
        writer.close()

    server = await asyncio.start_server(mute, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ScannerUnavailable, match="không trả lời"):
            await ClamdScanner("127.0.0.1", port, timeout=0.3).scan(_pdf())
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("reply", [b"", b"stream: OK", b"x" * 200_000, b"stream: Eicar FOUN\0"])
async def test_broken_answers_fail_closed(reply: bytes) -> None:
    """Closed early, no terminator, an endless line, or a garbled verdict: never CLEAN."""

    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(10)  # "zINSTREAM\0"
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(broken, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ScannerUnavailable):
            await ClamdScanner("127.0.0.1", port, timeout=5).scan(_pdf())
    finally:
        server.close()
        await server.wait_closed()


async def test_size_limit_exceeded_fails_closed(clamd_small_server: ClamdServer) -> None:
    scanner = _scanner(clamd_small_server, timeout=10)
    assert (await scanner.scan(b"a" * SMALL_STREAM_MAX)).verdict is ScanVerdict.CLEAN
    with pytest.raises(ScannerUnavailable, match="INSTREAM size limit exceeded"):
        await scanner.scan(b"a" * (SMALL_STREAM_MAX + 1))


@pytest.mark.parametrize("size", [200_000, 5_000_000])
async def test_far_over_size_limit_fails_closed(clamd_small_server: ClamdServer, size: int) -> None:
    """clamd hangs up mid-stream; whatever the wording, the file must never come back CLEAN."""
    with pytest.raises(ScannerUnavailable):
        await _scanner(clamd_small_server, timeout=10).scan(b"a" * size)
    assert await _scanner(clamd_small_server).ping() is True  # clamd itself survives


@pytest.mark.parametrize(
    ("answer", "verdict", "name"),
    [
        ("stream: OK", ScanVerdict.CLEAN, ""),
        ("stream: Win.Test.EICAR_HDB-1 FOUND", ScanVerdict.INFECTED, "Win.Test.EICAR_HDB-1"),
        ("stream: Test.EICAR.NDB.UNOFFICIAL FOUND", ScanVerdict.INFECTED, "Test.EICAR.NDB"),
    ],
)
def test_parse_answer(answer: str, verdict: ScanVerdict, name: str) -> None:
    result = parse_answer(answer)
    assert (result.verdict, result.signature) == (verdict, name)


@pytest.mark.parametrize(
    "answer", ["INSTREAM size limit exceeded. ERROR", "stream: Can't allocate memory ERROR", "", "UNKNOWN COMMAND"]
)
def test_parse_answer_errors_are_never_clean(answer: str) -> None:
    with pytest.raises(ScannerUnavailable):
        parse_answer(answer)
