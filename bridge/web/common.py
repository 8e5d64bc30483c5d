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
    state_tone=labels.state_tone,
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
        ctx["message"], ctx["tone"] = shown_message(request)
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


_TONE_CODES = {"ok": "0", "err": "1", "warn": "w"}  # the message's colour class, as it travels in the URL
_CODE_TONES = {v: k for k, v in _TONE_CODES.items()}


def _sign(key: bytes, text: str, code: str) -> str:
    return hmac.new(key, f"{code}:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def back(
    request: Request, to: str, message: str = "", *, error: bool = False, tone: str | None = None
) -> RedirectResponse:
    """Redirect after a form; the message travels in the URL with the server's signature. Its colour: `tone`
    ("ok", "warn", "err"; e.g. labels.state_tone of the state the action left), else error or success."""
    if not message:
        return RedirectResponse(to, status_code=303)
    key = request.app.state.console.message_key
    code = _TONE_CODES.get(tone or ("err" if error else "ok"), "1")
    query = urlencode({"m": message, "e": code, "s": _sign(key, message, code)})
    return RedirectResponse(f"{to}{'&' if '?' in to else '?'}{query}", status_code=303)


def shown_message(request: Request) -> tuple[str, str]:
    """The message of `back()` and its tone, only when its signature is the server's (else nothing shows)."""
    text, code, sig = (
        request.query_params.get("m", ""),
        request.query_params.get("e", ""),
        request.query_params.get("s", ""),
    )
    console = getattr(request.app.state, "console", None)
    if (
        not text
        or code not in _CODE_TONES
        or console is None
        or not hmac.compare_digest(sig.encode(), _sign(console.message_key, text, code).encode())
    ):
        return "", "ok"
    return text, _CODE_TONES[code]
