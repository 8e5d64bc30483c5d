"""Assembles the console: every module of bridge.web.pages contributes its router (`router(bridge)`)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bridge.web import pages
from bridge.web.common import LoginRequired


def page_modules() -> list[Any]:
    names = sorted(m.name for m in pkgutil.iter_modules(pages.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{pages.__name__}.{name}") for name in names]


def install(app: Any, bridge: Any) -> None:
    """Routes plus the redirect to the login page for a page visited without a session."""
    for module in page_modules():
        app.include_router(module.router(bridge))

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/web/login", status_code=303)
