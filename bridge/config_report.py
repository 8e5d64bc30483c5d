"""`edoc-bridge config check`: the effective configuration as TOML, every value with where it came from;
secrets (SecretStr, the database URL's password) masked."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

from bridge.settings import Settings
from bridge.settings_errors import Sources

MASK = "********"


def effective_config(settings: Settings, sources: Sources) -> list[str]:
    lines: list[str] = []
    _section(settings, (), sources, lines)
    return lines


def _section(model: BaseModel, prefix: tuple[str, ...], sources: Sources, lines: list[str]) -> None:
    tables = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            tables.append((name, value))
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            tables.append((name, value))
        else:
            loc = (*prefix, name)
            lines.append(f"{name} = {_value(loc, value)}    # {sources.of(loc)}")
    for name, value in tables:
        loc = (*prefix, name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                lines.append(f"\n[[{'.'.join(loc)}]]    # {sources.of((*loc, i))}")
                _items(item, lines)
        else:
            lines.append(f"\n[{'.'.join(loc)}]")
            _section(value, loc, sources, lines)


def _items(model: BaseModel, lines: list[str]) -> None:
    for name in type(model).model_fields:
        lines.append(f"{name} = {_value((name,), getattr(model, name))}")


def _value(loc: tuple[str, ...], value: Any) -> str:
    if isinstance(value, SecretStr):
        return json.dumps(MASK if value.get_secret_value() else "")
    if loc == ("database_url",):
        return json.dumps(mask_url(value))
    if value is None:
        return '""  # (tự chọn)'
    return json.dumps(value, ensure_ascii=False)


def mask_url(url: str) -> str:
    """postgresql+asyncpg://user:pw@host/db → postgresql+asyncpg://user:********@host/db"""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:{MASK}@{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
