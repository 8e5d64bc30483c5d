"""Trust roots for the console and the CLI: list (subject, validity, SHA-256), add (a CA certificate valid now),
remove. A wiring module (it reads certificates with the signing adapter), so not under bridge/services. The
managed roots are files in `[checks] trust_dir`, which the signature checker reads again when they change
(signing/trust_folder.py); roots named in `[checks] trust_roots` are listed but changed in the configuration.
Each change is audited in a transaction committed once the file is written (the file is undone if that fails)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bridge.services.admin import AdminError
from signing.trust_folder import MAX_SIZE, RootInfo, TrustFolder, TrustRootError, acceptable_root, describe, parse_one

__all__ = ["MAX_SIZE", "RootInfo", "add_root", "list_roots", "remove_root"]


def _folder(checks: Any) -> TrustFolder:
    if not checks.trust_dir:
        raise AdminError("Chưa cấu hình thư mục chứng thư gốc ([checks] trust_dir).")
    return TrustFolder(Path(checks.trust_dir))


def list_roots(checks: Any) -> list[RootInfo]:
    """Configured files first (not removable here), then the managed folder."""
    out = []
    for name in checks.trust_roots:
        try:
            out.append(describe(parse_one(Path(name).read_bytes()), name, False))
        except (TrustRootError, OSError):
            continue  # the production check names a missing or broken file
    return out + (TrustFolder(Path(checks.trust_dir)).roots() if checks.trust_dir else [])


async def add_root(deps: Any, checks: Any, actor: str, data: bytes) -> RootInfo:
    try:
        cert = acceptable_root(data, deps.clock.now())
    except TrustRootError as exc:
        raise AdminError(f"Không thêm được chứng thư gốc: {exc}") from exc
    folder = _folder(checks)
    if any(r.sha256 == describe(cert, "", False).sha256 for r in await asyncio.to_thread(list_roots, checks)):
        raise AdminError("Chứng thư gốc này đã có trong danh sách.")
    async with deps.uow() as uow:
        info = await asyncio.to_thread(folder.add, cert)
        try:
            await deps.audit.record_in(uow.audit, actor, "trust_root.add", info.sha256, subject=info.subject)
            await uow.commit()
        except BaseException:
            await asyncio.to_thread(folder.remove, info.sha256)
            raise
    return info


async def remove_root(deps: Any, checks: Any, actor: str, sha256: str) -> RootInfo:
    folder = _folder(checks)
    roots = await asyncio.to_thread(list_roots, checks)
    found = next((r for r in roots if r.managed and r.sha256 == sha256.lower().replace(":", "")), None)
    if found is None:
        raise AdminError("Không có chứng thư gốc này trong thư mục quản lý (gốc ghi trong cấu hình thì sửa cấu hình).")
    if len(roots) == 1:
        raise AdminError("Không gỡ chứng thư gốc cuối cùng: không còn gốc nào thì không kiểm tra được chữ ký số.")
    cert = await asyncio.to_thread(lambda: parse_one(Path(found.file).read_bytes()))
    async with deps.uow() as uow:
        await asyncio.to_thread(folder.remove, found.sha256)
        try:
            await deps.audit.record_in(uow.audit, actor, "trust_root.remove", found.sha256, subject=found.subject)
            await uow.commit()
        except BaseException:
            await asyncio.to_thread(folder.add, cert)  # put it back: the change was not recorded
            raise
    return found
