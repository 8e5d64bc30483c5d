"""Configuration problems in Vietnamese: one line each, naming the key and where its value came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

ENV_PREFIX = "EDOC_"
SECRET_WORDS = ("password", "secret", "token", "database_url", "key")

# pydantic error type → what a person is told (ctx values filled in)
_MESSAGES = {
    "extra_forbidden": "khóa không có trong cấu hình (gõ nhầm tên?)",
    "missing": "thiếu giá trị",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi (đặt trong dấu nháy)",
    "list_type": "phải là danh sách [...]",
    "dict_type": "phải là một bảng [...]",
    "model_type": "phải là một bảng [...]",
    "model_attributes_type": "phải là một bảng [...]",
    "literal_error": "phải là một trong: {expected}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "string_too_short": "không được để trống",
    "json_invalid": "không phải JSON hợp lệ (biến môi trường cho danh sách/bảng viết bằng JSON)",
}


class ConfigError(Exception):
    """The configuration cannot be used. `problems`: one Vietnamese line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Sources:
    """Where settings came from: config/default.toml, the file chosen with -c (and its data), the environment."""

    defaults: Path
    chosen: Path | None
    chosen_data: dict[str, Any]
    env: dict[str, str]

    def of(self, loc: tuple[Any, ...]) -> str:
        return source_of(loc, chosen=self.chosen, chosen_data=self.chosen_data, defaults=self.defaults, env=self.env)


def dotted(loc: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(toàn bộ)"


def config_error(exc: ValidationError, sources: Sources) -> ConfigError:
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        key, where = dotted(loc), sources.of(loc)
        hidden = err["type"] in ("missing", "extra_forbidden") or _secret(loc)
        shown = "" if hidden else f" = {_shown(err.get('input'))}"
        lines.append(f"Cấu hình sai: {key}{shown} ({where}): {_message(err)}.")
    return ConfigError(lines)


def source_of(
    loc: tuple[Any, ...], *, chosen: Path | None, chosen_data: dict[str, Any], defaults: Path, env: dict[str, str]
) -> str:
    """The environment variable, the -c file or config/default.toml that gave the value at `loc`."""
    upper = {k.upper(): k for k in env}
    names = [str(p) for p in loc if not isinstance(p, int)]
    for n in range(len(names), 0, -1):
        var = ENV_PREFIX + "__".join(names[:n]).upper()
        if var in upper:
            return f"biến môi trường {upper[var]}"
    if chosen is not None and _has(chosen_data, loc):
        return f"tệp {chosen}"
    if chosen is not None and not _has(_read(defaults), loc):
        return f"tệp {chosen}"
    return f"tệp {defaults}"


def _has(data: Any, loc: tuple[Any, ...]) -> bool:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return False
    return True


def _read(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _message(err: Any) -> str:
    if err["type"] == "value_error":  # our validators' own Vietnamese text
        return str(err["ctx"]["error"]) if "ctx" in err else str(err["msg"])
    template = _MESSAGES.get(err["type"])
    if template is None:
        return str(err["msg"])
    ctx = {k: str(v).replace(" or ", " hoặc ") for k, v in (err.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except KeyError:
        return template


def _secret(loc: tuple[Any, ...]) -> bool:
    """Never echo what may be a secret, even a wrongly typed one."""
    return any(isinstance(p, str) and any(w in p for w in SECRET_WORDS) for p in loc)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
