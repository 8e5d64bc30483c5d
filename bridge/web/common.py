"""What every page shares: the templates, the signed-in user, rendering and the redirect after a form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bridge.api.auth import current_user
from core.access import User
from core.vn_time import format_stamp, format_time

TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).with_name("templates"))), autoescape=select_autoescape(["html"])
)
# Times people read are Vietnam time (core.vn_time), whatever zone the database returns.
TEMPLATES.filters.update(vn_stamp=format_stamp, vn_time=format_time)


class LoginRequired(Exception):
    """A page visited without a session: answered by a redirect to the login page."""


async def page_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise LoginRequired
    return user


PageUser = Annotated[User, Depends(page_user)]


def render(request: Request, name: str, title: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    html = TEMPLATES.get_template(name).render(title=title, user=user, csrf=getattr(request.state, "csrf", ""), **ctx)
    return HTMLResponse(html, status_code=status)


def back(to: str, message: str = "") -> RedirectResponse:
    return RedirectResponse(f"{to}?msg={quote(message)}" if message else to, status_code=303)
