"""/docs: Swagger UI from the files of the swagger-ui-bundle package, nothing from a CDN (works offline and
under the console's Content-Security-Policy: no inline script)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

ASSETS = {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"}
PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>edoc-bridge — API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/web/static/docs.css">
</head><body>{banner}<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/web/static/docs.js"></script></body></html>"""
# the same words as the console's banner (templates/base.html)
DEMO_BANNER = (
    '<div class="demo-banner" id="demo-banner">Chế độ thử nghiệm — dữ liệu và chữ ký chỉ để thử, '
    "không có giá trị pháp lý</div>"
)


def router(bridge: Any) -> APIRouter:
    r = APIRouter(include_in_schema=False)

    @r.get("/docs")
    async def docs() -> HTMLResponse:
        return HTMLResponse(PAGE.format(banner=DEMO_BANNER if bridge.settings.demo else ""))

    @r.get("/docs/assets/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404, "Không có tệp này")
        return FileResponse(str(swagger_ui_path / name), headers={"Cache-Control": "public, max-age=86400"})

    return r
