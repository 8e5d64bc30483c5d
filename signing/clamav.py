"""Asynchronous clamd client (INSTREAM over TCP or a unix socket) implementing core.ports.Scanner.

Fails closed: anything but a clear `OK` or `FOUND` answer raises ScannerUnavailable, never CLEAN.
"""

from __future__ import annotations

import asyncio
import struct

from core.ports import ScannerUnavailable, ScanResult, ScanVerdict

_END = b"\0"
# a dead or confused peer: closed early, reset, or an endless answer without the NUL terminator
_TRANSPORT_ERRORS = (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError)
_UNOFFICIAL = ".UNOFFICIAL"


class ClamdScanner:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 3310,
        *,
        unix_socket: str | None = None,
        timeout: float = 30,
        chunk: int = 65536,
    ) -> None:
        if chunk <= 0:
            raise ValueError("chunk must be positive")
        self.host = host
        self.port = port
        self.unix_socket = unix_socket
        self.timeout = timeout
        self.chunk = chunk

    def __repr__(self) -> str:
        where = self.unix_socket or f"{self.host}:{self.port}"
        return f"ClamdScanner({where})"

    async def scan(self, data: bytes) -> ScanResult:
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


def parse_answer(answer: str) -> ScanResult:
    """`stream: OK` → CLEAN; `stream: <name> FOUND` → INFECTED; anything else is an error."""
    body = answer.split(": ", 1)[1] if answer.startswith("stream: ") else answer
    if body == "OK":
        return ScanResult(ScanVerdict.CLEAN)
    if body.endswith(" FOUND"):
        name = body.removesuffix(" FOUND").strip()
        return ScanResult(ScanVerdict.INFECTED, name.removesuffix(_UNOFFICIAL))
    raise ScannerUnavailable(f"clamd báo lỗi: {answer}")


def _decode(raw: bytes) -> str:
    return raw.rstrip(_END).decode("utf-8", "replace").strip()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
