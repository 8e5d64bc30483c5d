"""Asynchronous clamd client (INSTREAM over TCP or a unix socket) implementing core.ports.Scanner.

Fails closed: anything but a clear `OK` or `FOUND` answer raises ScannerUnavailable, never CLEAN.
"""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile

from core.ports import ScannerUnavailable, ScanResult, ScanVerdict

_END = b"\0"
# a dead or confused peer: closed early, reset, or an endless answer without the NUL terminator
_TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)
_UNOFFICIAL = ".UNOFFICIAL"
_LIMITS = "Heuristics.Limits.Exceeded"  # clamd's name for "stopped at a scan limit" (AlertExceedsMax yes)
_ZIP = b"PK\x03\x04"
_ZIP64_SIZE = 0xFFFFFFFF
_ZIP64_VERSION = 45  # "version needed to extract" of a zip64 member


class ClamdScanner:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 3310,
        *,
        unix_socket: str | None = None,
        timeout: float = 30,
        chunk: int = 65536,
        max_unpacked: int = 100 * 1024 * 1024,
    ) -> None:
        if chunk <= 0:
            raise ValueError("chunk must be positive")
        self.max_unpacked = max_unpacked  # keep equal to clamd's MaxScanSize
        self.host = host
        self.port = port
        self.unix_socket = unix_socket
        self.timeout = timeout
        self.chunk = chunk

    def __repr__(self) -> str:
        where = self.unix_socket or f"{self.host}:{self.port}"
        return f"ClamdScanner({where})"

    async def scan(self, data: bytes) -> ScanResult:
        if data.startswith(_ZIP) and (limit := await asyncio.to_thread(zip_over_limit, data, self.max_unpacked)):
            return ScanResult(ScanVerdict.INCOMPLETE, limit)
        try:
            answer = await asyncio.wait_for(self._instream(data), self.timeout)
        except TimeoutError as exc:
            raise ScannerUnavailable(f"clamd không trả lời sau {self.timeout} giây") from exc
        except _TRANSPORT_ERRORS as exc:
            raise ScannerUnavailable(f"không kết nối được clamd ({self!r}): {exc!r}") from exc
        return parse_answer(answer)

    async def ping(self) -> bool:
        try:
            return await asyncio.wait_for(self._command(b"zPING\0"), self.timeout) == "PONG"
        except (TimeoutError, *_TRANSPORT_ERRORS):
            return False

    async def version(self) -> str:
        try:
            return await asyncio.wait_for(self._command(b"zVERSION\0"), self.timeout)
        except (TimeoutError, *_TRANSPORT_ERRORS) as exc:
            raise ScannerUnavailable(f"không kết nối được clamd ({self!r}): {exc}") from exc

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.unix_socket:
            return await asyncio.open_unix_connection(self.unix_socket)
        return await asyncio.open_connection(self.host, self.port)

    async def _command(self, command: bytes) -> str:
        reader, writer = await self._open()
        try:
            writer.write(command)
            await writer.drain()
            return _decode(await reader.readuntil(_END))
        finally:
            await _close(writer)

    async def _instream(self, data: bytes) -> str:
        reader, writer = await self._open()
        # Read concurrently: clamd answers and hangs up as soon as StreamMaxLength is passed.
        answer = asyncio.ensure_future(reader.readuntil(_END))
        try:
            try:
                await self._send_stream(writer, data, answer)
            except OSError as exc:
                await asyncio.wait([answer], timeout=1)
                if not answer.done() or answer.cancelled() or answer.exception() is not None:
                    raise ScannerUnavailable(
                        f"clamd đóng kết nối giữa chừng (tệp có thể vượt StreamMaxLength): {exc}"
                    ) from exc
            return _decode(await answer)
        finally:
            answer.cancel()
            await _close(writer)

    async def _send_stream(self, writer: asyncio.StreamWriter, data: bytes, answer: asyncio.Future[bytes]) -> None:
        writer.write(b"zINSTREAM\0")
        view = memoryview(data)
        for start in range(0, len(view), self.chunk):
            if answer.done():  # clamd already gave up on this stream
                return
            part = view[start : start + self.chunk]
            writer.write(struct.pack(">I", len(part)) + part)
            await writer.drain()
        writer.write(struct.pack(">I", 0))
        await writer.drain()


def zip_over_limit(data: bytes, max_unpacked: int) -> str:
    """Why a zip archive cannot be scanned to its end, from its central directory alone ("" when it can):
    it unpacks to more than `max_unpacked` bytes (clamd's MaxScanSize), or it has zip64 members, whose local
    headers clamd does not read — it skips such a member and answers OK (a 0.5 GiB bomb came back clean)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return ""  # not a readable zip: clamd judges it as it is
    if any(m.extract_version >= _ZIP64_VERSION or m.file_size >= _ZIP64_SIZE for m in members):
        return "Zip64"
    if sum(m.file_size for m in members) > max_unpacked:
        return "MaxScanSize"
    return ""


def parse_answer(answer: str) -> ScanResult:
    """`stream: OK` → CLEAN; `stream: Heuristics.Limits.Exceeded.<Limit> FOUND` (clamd with AlertExceedsMax: the
    file was not scanned to its end) → INCOMPLETE; `stream: <name> FOUND` → INFECTED; anything else is an error."""
    body = answer.split(": ", 1)[1] if answer.startswith("stream: ") else answer
    if body == "OK":
        return ScanResult(ScanVerdict.CLEAN)
    if body.endswith(" FOUND"):
        name = body.removesuffix(" FOUND").strip().removesuffix(_UNOFFICIAL)
        if name.startswith(_LIMITS):
            return ScanResult(ScanVerdict.INCOMPLETE, name.removeprefix(_LIMITS).lstrip(".") or name)
        return ScanResult(ScanVerdict.INFECTED, name)
    raise ScannerUnavailable(f"clamd báo lỗi: {answer}")


def _decode(raw: bytes) -> str:
    return raw.rstrip(_END).decode("utf-8", "replace").strip()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
