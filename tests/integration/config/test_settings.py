"""One strict configuration: config/default.toml is the only source of defaults; unknown keys, wrong types and
impossible values are refused with a Vietnamese line naming the key and the file (or variable); secrets masked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr

from bridge.settings import ImapMailbox, Settings, defaults_file, load_settings, load_with_sources
from bridge.settings_errors import ConfigError

DEFAULTS = defaults_file()


@pytest.fixture(autouse=True)
def _no_edoc_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("EDOC_"):
            monkeypatch.delenv(name)


def leaf_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    keys = []
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            keys += leaf_keys(kind, (*prefix, name))
        else:
            keys.append((*prefix, name))
    return keys


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


def write(tmp: Path, text: str) -> Path:
    path = tmp / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_model_holds_no_defaults_every_key_is_documented_in_default_toml() -> None:
    sections = [Settings, *(f.annotation for f in Settings.model_fields.values() if isinstance(f.annotation, type))]
    for model in sections:
        if isinstance(model, type) and issubclass(model, BaseModel) and model is not ImapMailbox:
            with_default = [n for n, f in model.model_fields.items() if not f.is_required()]
            assert with_default == [], f"{model.__name__} has defaults in code: {with_default}"
    text = DEFAULTS.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    for key in leaf_keys(Settings):
        section = data
        for part in key:
            assert part in section, f"{'.'.join(key)} has no line in config/default.toml"
            section = section[part]
        header = f"[{'.'.join(key[:-1])}]" if len(key) > 1 else None
        start = next(i for i, line in enumerate(lines) if line.startswith(header)) if header else 0
        at = next(i for i in range(start, len(lines)) if re.match(rf"{key[-1]}\s*=", lines[i]))
        documented = "#" in lines[at] or lines[at - 1].lstrip().startswith("#")
        assert documented, f"{'.'.join(key)} is not documented in config/default.toml (line {at + 1})"


def test_default_toml_alone_is_production_and_fails_closed() -> None:
    s = load_settings()
    assert s.profile == "production"
    assert s.axis.simulator is False
    assert s.checks.clamd_enabled and s.checks.sender_auth and s.api.secure_cookies and s.smtp_in.require_tls
    assert s.smtp_out.mode == "smtp"
    assert s.axis.secret.get_secret_value() == ""


def test_demo_file_turns_the_demo_on(tmp_path: Path) -> None:
    s = load_settings(DEFAULTS.parent / "demo.toml")
    assert (s.profile, s.axis.simulator, s.smtp_out.mode, s.checks.clamd_enabled) == ("demo", True, "folder", False)
    assert s.demo


def test_a_missing_config_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert problems(tmp_path / "nope.toml") == [f"Không tìm thấy tệp cấu hình {tmp_path / 'nope.toml'}."]
    monkeypatch.setenv("EDOC_CONFIG", str(tmp_path / "gone.toml"))
    assert problems(None) == [f"Không tìm thấy tệp cấu hình {tmp_path / 'gone.toml'}."]  # type: ignore[arg-type]


def test_unknown_keys_are_refused_naming_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "prot = 25\n[smtp_in]\nprot = 25\n[nonsense]\nx = 1\n")
    found = problems(path)
    assert len(found) == 3
    for key in ("prot", "smtp_in.prot", "nonsense"):
        assert any(f"Cấu hình sai: {key} (tệp {path}): khóa không có trong cấu hình" in p for p in found), found


@pytest.mark.parametrize(
    ("toml", "key", "why"),
    [
        ('[smtp_in]\nmax_size = "25MB"', "smtp_in.max_size = '25MB'", "phải là số nguyên"),
        ('[outbox]\nworkers = "four"', "outbox.workers = 'four'", "phải là số nguyên"),
        ('[checks]\nsender_auth = "ture"', "checks.sender_auth = 'ture'", "phải là true hoặc false"),
        ("[checks]\ntrust_roots = 'root.pem'", "checks.trust_roots = 'root.pem'", "phải là danh sách"),
        ("[smtp_in]\nport = 70000", "smtp_in.port = 70000", "phải nhỏ hơn hoặc bằng 65535"),
        ("[outbox]\nworkers = 0", "outbox.workers = 0", "phải lớn hơn hoặc bằng 1"),
        ("[outbox]\njitter = -1", "outbox.jitter = -1", "phải lớn hơn hoặc bằng 0"),
        ('[checks]\nrevocation_unknown = "soft"', "checks.revocation_unknown = 'soft'", "phải là một trong"),
        ('profile = "staging"', "profile = 'staging'", "phải là một trong: 'demo' hoặc 'production'"),
        ('[bot]\ndigest_times = ["7:30"]', "bot.digest_times[0] = '7:30'", "giờ phải có dạng HH:MM"),
        ('database_url = "mysql://x/y"', "database_url", "phải bắt đầu bằng sqlite+aiosqlite://"),
        ('[[imap.mailboxes]]\nname = "a"\nhost = "h"', "imap.mailboxes[0].user", "thiếu giá trị"),
    ],
)
def test_wrong_types_and_impossible_values_are_refused(tmp_path: Path, toml: str, key: str, why: str) -> None:
    path = write(tmp_path, toml + "\n")
    found = problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"Cấu hình sai: {key}"), found
    assert f"(tệp {path})" in found[0] and why in found[0], found


def test_values_impossible_together_are_refused(tmp_path: Path) -> None:
    outbox = "[outbox]\ninitial_delay = 10.0\nmax_delay = 5.0\nkeep_done_days = 1.0\n"
    path = write(tmp_path, outbox + "[bot]\nenabled = true\n")
    found = problems(path)
    assert any("outbox.max_delay phải lớn hơn hoặc bằng outbox.initial_delay" in p and str(path) in p for p in found)
    assert any("outbox.keep_done_days phải bằng 0 (giữ mãi) hoặc dài hơn outbox.retry_window_hours" in p for p in found)
    assert any("bot.enabled = true cần bot.token" in p for p in found)


def test_a_toml_typo_like_ture_is_a_syntax_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[checks]\nsender_auth = ture\n")
    [line] = problems(path)
    assert line.startswith(f"Tệp cấu hình {path} sai cú pháp TOML")


def test_environment_overrides_file_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[smtp_in]\nport = 2600\nhost = "0.0.0.0"\n')
    monkeypatch.setenv("EDOC_DATABASE_URL", "postgresql+asyncpg://edoc@db/edoc")
    monkeypatch.setenv("EDOC_SMTP_IN__PORT", "2700")
    monkeypatch.setenv("EDOC_CHECKS__TRUST_ROOTS", '["/etc/edoc/root.pem"]')
    monkeypatch.setenv("EDOC_AXIS__SECRET", "from-the-environment")
    monkeypatch.setenv("EDOC_TEST_PG_URL", "not a setting: other EDOC_ variables are left alone")
    s = load_settings(path)
    assert s.database_url == "postgresql+asyncpg://edoc@db/edoc"
    assert (s.smtp_in.port, s.smtp_in.host) == (2700, "0.0.0.0")
    assert s.checks.trust_roots == ["/etc/edoc/root.pem"]
    assert s.axis.secret.get_secret_value() == "from-the-environment"
    assert s.outbox.workers == 2  # untouched: config/default.toml


def test_a_wrong_environment_value_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDOC_SMTP_IN__PORT", "abc")
    monkeypatch.setenv("EDOC_SMTP_IN__PROT", "25")
    found = problems(write(tmp_path, ""))
    assert "Cấu hình sai: smtp_in.port = 'abc' (biến môi trường EDOC_SMTP_IN__PORT): phải là số nguyên." in found
    assert any(p.startswith("Cấu hình sai: smtp_in.prot (biến môi trường EDOC_SMTP_IN__PROT)") for p in found)


def test_each_value_is_traced_to_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[outbox]\nworkers = 3\n")
    monkeypatch.setenv("EDOC_CONFIG", str(path))
    monkeypatch.setenv("EDOC_API__PORT", "8181")
    s, sources = load_with_sources()
    assert (s.outbox.workers, s.api.port, s.outbox.max_attempts) == (3, 8181, 8)
    assert sources.of(("outbox", "workers")) == f"tệp {path}"
    assert sources.of(("api", "port")) == "biến môi trường EDOC_API__PORT"
    assert sources.of(("outbox", "max_attempts")) == f"tệp {DEFAULTS}"


def test_secrets_are_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDOC_AXIS__SECRET", "axis-secret-value-123")
    path = write(tmp_path, '[smtp_out]\npassword = "relay-password-456"\n[bot]\ntoken = 789\n')
    found = problems(path)  # bot.token of the wrong type: refused without echoing it
    assert found == [f"Cấu hình sai: bot.token (tệp {path}): phải là chuỗi (đặt trong dấu nháy)."]
    path = write(tmp_path, '[smtp_out]\npassword = "relay-password-456"\n')
    s = load_settings(path)
    assert isinstance(s.axis.secret, SecretStr) and isinstance(s.smtp_out.password, SecretStr)
    shown = f"{s!r} {s} {s.model_dump()} {s.model_dump_json()}"
    assert "axis-secret-value-123" not in shown and "relay-password-456" not in shown
