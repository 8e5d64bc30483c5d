"""The console's own stylesheet and scripts (same origin, so the Content-Security-Policy needs no exceptions)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

FOLDER = Path(__file__).resolve().parent.parent / "static"


def router(bridge: Any) -> APIRouter:
    r = APIRouter(prefix="/web/static", include_in_schema=False)
    files = {p.name: p for p in FOLDER.iterdir() if p.is_file()}

    @r.get("/{name}")
    async def static(name: str) -> FileResponse:
        if name not in files:
            raise HTTPException(404, "Không có tệp này")
        return FileResponse(str(files[name]), headers={"Cache-Control": "public, max-age=3600"})

    return r
