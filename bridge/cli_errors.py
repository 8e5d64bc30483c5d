"""Every CLI error is one Vietnamese line on stderr and a non-zero exit; the traceback only with --debug."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import typer

from bridge.profiles import StartupRefused
from bridge.settings_errors import ConfigError

EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG = 1, 2, 3
HINT = " (chạy lại với --debug để xem chi tiết)"


class CliError(Exception):
    """A refusal worded for the person at the terminal (Vietnamese, one line)."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def run(command: Any, args: Sequence[str] | None = None) -> int:
    """Run the CLI `command` (typer.main.get_command) like standalone mode does, but say what went wrong in one
    Vietnamese line."""
    argv = list(sys.argv[1:] if args is None else args)
    debug = "--debug" in argv
    try:
        # without standalone mode click RETURNS the code of a `raise typer.Exit(n)` (e.g. `audit verify` finding
        # tampering) instead of raising it; commands themselves return None
        code = command.main(args=argv, prog_name="edoc-bridge", standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        return _say("Đã hủy.", EXIT_ERROR)
    except typer.TyperException as exc:  # click's usage errors: wrong or missing options
        if type(exc).__name__ == "NoArgsIsHelpError":
            typer.echo(command.get_help(_context(command)))
            return 0
        return _say(usage_error(exc), EXIT_USAGE)
    except (ConfigError, StartupRefused) as exc:
        for line in exc.problems:
            _say(line, EXIT_CONFIG)
        return EXIT_CONFIG
    except CliError as exc:
        return _say(str(exc), exc.code)
    except KeyboardInterrupt:
        return _say("Đã dừng.", 130)
    except Exception as exc:
        if debug:
            raise
        return _say(unexpected(exc), EXIT_ERROR)
    return 0


def _context(command: Any) -> Any:
    return command.make_context("edoc-bridge", [], resilient_parsing=True)


def usage_error(exc: typer.TyperException) -> str:
    """By the exception's class name: typer exports only BadParameter of click's usage errors."""
    hint = " Xem `edoc-bridge --help`."
    kind = type(exc).__name__
    if kind == "MissingParameter":
        return f"Thiếu {_param(exc)}.{hint}"
    if kind == "NoSuchOption":
        return f"Không có tùy chọn {getattr(exc, 'option_name', '')}.{hint}"
    if isinstance(exc, typer.BadParameter):
        why = "phải là số nguyên" if "integer" in exc.message else exc.message
        return f"Giá trị không hợp lệ cho {_param(exc)}: {why}."
    return f"Dùng lệnh không đúng: {exc.message}.{hint}"


def _param(exc: typer.TyperException) -> str:
    param = getattr(exc, "param", None)
    if param is not None and getattr(param, "opts", None):
        return " / ".join(o for o in param.opts if o.startswith("-")) or str(param.name).upper()
    hint = getattr(exc, "param_hint", None)
    return hint if isinstance(hint, str) and hint else "tham số"


def unexpected(exc: BaseException) -> str:
    """Our own refusals (ValueError/LookupError subclasses raised by our code) are already Vietnamese; anything
    else is named by its type, plus a hint to look closer."""
    ours = type(exc).__module__.split(".")[0] in {"bridge", "core", "storage", "mail", "signing", "bot"}
    if ours and isinstance(exc, ValueError | LookupError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"Lỗi hệ thống: {exc.strerror or exc}{HINT}"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"Lỗi không mong đợi ({type(exc).__name__}){': ' + text if text else ''}{HINT}"


def _say(line: str, code: int) -> int:
    typer.echo(line, err=True)
    return code
