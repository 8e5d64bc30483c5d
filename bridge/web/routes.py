"""Assembles the console: every module of bridge.web.pages contributes its router (`router(bridge)`), plus the
console-wide headers, error pages and the login redirect."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from bridge.web import pages
from bridge.web.common import LoginRequired
from bridge.web.safety import Console, install_safety


def page_modules() -> list[Any]:
    names = sorted(m.name for m in pkgutil.iter_modules(pages.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{pages.__name__}.{name}") for name in names]


def console_of(bridge: Any) -> Console:
    settings = bridge.settings
    return Console(demo=settings.demo, secure_cookies=settings.api.secure_cookies)


def install(app: Any, bridge: Any) -> None:
    install_safety(app, console_of(bridge))
    for module in page_modules():
        app.include_router(module.router(bridge))

    @app.exception_handler(LoginRequired)
    async def to_login(_request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse("/web/login", status_code=303)
