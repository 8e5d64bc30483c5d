"""What every page shares: the templates with their Vietnamese filters, the signed-in user, rendering, and the
message shown after a form (signed by the server, so a link cannot make a page say something else)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bridge.api.auth import current_user
from bridge.web import labels
from core.access import User
from core.vn_time import format_date, format_stamp, format_time

TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).with_name("templates"))), autoescape=select_autoescape(["html"])
)
# Times people read are Vietnam time (core.vn_time), whatever zone the database returns.
TEMPLATES.filters.update(
    vn_stamp=lambda at, seconds=False: format_stamp(at, seconds=seconds) if at else "—",
    vn_time=lambda at, seconds=False: format_time(at, seconds=seconds) if at else "—",
    vn_date=lambda d: format_date(d) if d else "—",
    state_label=labels.state_label,
    audit_action=labels.audit_action,
    number=lambda n: f"{n:,}".replace(",", "."),
)
TEMPLATES.globals.update(labels=labels)


class LoginRequired(Exception):
    """A page visited without a session: answered by a redirect to the login page."""


async def page_user(user: Annotated[User | None, Depends(current_user)]) -> User:
    if user is None:
        raise LoginRequired
    return user


PageUser = Annotated[User, Depends(page_user)]


def render(request: Request, name: str, title: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    ctx.setdefault("message", None)
    if ctx["message"] is None:
        ctx["message"], ctx["error"] = shown_message(request)
    console = getattr(request.app.state, "console", None)
    html = TEMPLATES.get_template(name).render(
        title=title,
        user=user,
        csrf=getattr(request.state, "csrf", "") or "",
        demo=bool(console and console.demo),
        path=request.url.path,
        **ctx,
    )
    return HTMLResponse(html, status_code=status)


def _sign(key: bytes, text: str, error: bool) -> str:
    return hmac.new(key, f"{int(error)}:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def back(request: Request, to: str, message: str = "", *, error: bool = False) -> RedirectResponse:
    """Redirect after a form; the message travels in the URL with the server's signature."""
    if not message:
        return RedirectResponse(to, status_code=303)
    key = request.app.state.console.message_key
    query = urlencode({"m": message, "e": int(error), "s": _sign(key, message, error)})
    return RedirectResponse(f"{to}{'&' if '?' in to else '?'}{query}", status_code=303)


def shown_message(request: Request) -> tuple[str, bool]:
    """The message of `back()`, only when its signature is the server's (anything else shows nothing)."""
    text, error, sig = (
        request.query_params.get("m", ""),
        request.query_params.get("e") == "1",
        request.query_params.get("s", ""),
    )
    console = getattr(request.app.state, "console", None)
    if (
        not text
        or console is None
        or not hmac.compare_digest(sig.encode(), _sign(console.message_key, text, error).encode())
    ):
        return "", False
    return text, error
