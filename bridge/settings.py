"""Settings: one typed, strict model (pydantic-settings).

Layers, lowest first: `config/default.toml` (the ONLY place defaults live: no field here has a default), the file
named by `-c`/EDOC_CONFIG, then EDOC_* environment variables (EDOC_DATABASE_URL, EDOC_SMTP_IN__PORT; lists and
tables as JSON). Unknown keys, wrong types and impossible values are refused; `load_settings` turns pydantic's
errors into one Vietnamese line per problem naming the key and where its value came from
(bridge/settings_errors.py). Secrets are SecretStr: printed and logged as ********.

Read once by the composition root (cli/bootstrap), never at import time. Code builds one with
`Settings(database_url=…)` (default.toml + environment + those values) and may change fields afterwards
(assignments are validated too)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from bridge.settings_errors import ConfigError, Sources, config_error

DEFAULTS_NAME = Path("config") / "default.toml"
DEMO_SECRETS = frozenset({"", "demo-secret", "changeme", "secret"})

Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


def _clock_time(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"giờ phải có dạng HH:MM (giờ Việt Nam), không phải {value!r}")
    return value


def _database_url(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError("phải bắt đầu bằng sqlite+aiosqlite:// hoặc postgresql+asyncpg://")
    return value


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Blobs(Section):
    """Where blobs (raw mail, PDFs, packets) are kept: the folder `blob_dir`, or an S3-compatible bucket."""

    backend: Literal["local", "s3"]
    s3_endpoint: str
    s3_bucket: str
    s3_region: Annotated[str, Field(min_length=1)]
    s3_access_key: str
    s3_secret_key: SecretStr
    s3_timeout: Positive


class SmtpIn(Section):
    enabled: bool
    host: str
    port: Port
    max_size: Annotated[int, Field(ge=1024)]
    hostname: str
    intake_addresses: list[str]
    tls_cert: str
    tls_key: str
    require_tls: bool
    tls_port: Annotated[int, Field(ge=0, le=65535)]
    tls_opt_out: bool


class SmtpOut(Section):
    mode: Literal["smtp", "folder"]
    folder: str
    host: str
    port: Port
    from_address: str
    starttls: bool
    username: str
    password: SecretStr


class Axis(Section):
    base_url: str
    system_id: str
    secret: SecretStr
    poll_interval: Positive
    simulator: bool
    simulator_host: str
    simulator_port: Port
    simulator_data_dir: str
    simulator_max_age: Seconds
    signing_cert: str
    signing_key: str
    signing_key_password: SecretStr
    require_signed_packets: bool


class Api(Section):
    enabled: bool
    host: str
    port: Port
    machine_token: SecretStr
    secure_cookies: bool
    public_url: str  # the dashboard as people reach it, for links in receipts; "" = http://host:port


class Outbox(Section):
    workers: Annotated[int, Field(ge=1, le=64)]
    max_attempts: Annotated[int, Field(ge=1)]
    initial_delay: Seconds
    max_delay: Seconds
    jitter: Seconds
    idle_sleep: Positive
    intake_yield: Seconds
    retry_window_hours: Seconds
    lease: Positive
    heartbeat: Positive
    relay_notice_after_minutes: Seconds
    keep_done_days: Seconds  # 0 = never prune
    prune_interval: Positive


class Checks(Section):
    clamd_enabled: bool
    clamd_host: str
    clamd_port: Port
    clamd_timeout: Positive
    clamd_max_scan_size: Annotated[int, Field(ge=1)]
    trust_roots: list[str]
    trust_dir: str
    intermediates: list[str]
    crl_dir: str
    crl_urls: list[str]
    revocation_fetch: bool
    revocation_unknown: Literal["hold", "reject"]
    demo_pki: str
    require_signature: bool
    signatures_unchecked: Literal["hold", "accept"]
    expected_signatures: list[Literal["personal", "organisation"]]
    expected_signatures_scanned: list[Literal["personal", "organisation"]]
    scan_alert_after: Seconds
    scan_retry_max_delay: Positive
    sender_auth: bool
    dns_servers: list[str]
    analysis_processes: Annotated[int, Field(ge=-1, le=64)]
    analysis_timeout: Positive


class Deliveries(Section):
    reply_address: str
    receipt_cap_per_day: Annotated[int, Field(ge=0)]


class Held(Section):
    """Held documents waiting for their sender to complete them (bridge.services.held)."""

    remind_after_hours: Positive
    expire_after_days: Positive
    check_interval: Positive
    token_days: Positive


class ImapMailbox(Section):
    """One `[[imap.mailboxes]]` table. Items of a list have no line in default.toml to take defaults from, so
    the optional keys default here (documented in default.toml's example)."""

    name: Annotated[str, Field(min_length=1)]
    host: str
    port: Port | None = None  # None: 993 with tls, 143 without
    tls: bool = True
    user: str
    password: SecretStr = SecretStr("")
    password_file: str = ""
    folder: str = "INBOX"
    processed_folder: str = ""
    owner_organ: str = ""
    ca_file: str = ""


class Imap(Section):
    idle: bool
    poll_interval: Positive
    lease_retry: Positive
    lease_check: Positive
    alert_after: Annotated[int, Field(ge=1)]
    mailboxes: list[ImapMailbox]


class Cluster(Section):
    """Several bridge processes on one PostgreSQL: the leader lease of the once-per-installation loops."""

    lease_retry: Positive
    lease_check: Positive


class Bot(Section):
    enabled: bool
    token: SecretStr
    base_url: str
    base_file_url: str
    mode: Literal["polling", "webhook"]
    poll_timeout: Positive
    webhook_url: str
    webhook_secret: SecretStr
    link_code_hours: Positive
    sweep_interval: Positive
    escalate_after_minutes: Positive
    digest_times: list[Annotated[str, AfterValidator(_clock_time)]]


class Security(Section):
    admins_decide_documents: bool
    login_slow_after: Annotated[int, Field(ge=1)]
    login_delay: Positive
    login_lock_after: Annotated[int, Field(ge=1)]
    login_address_lock_after: Annotated[int, Field(ge=1)]
    login_window_minutes: Positive
    login_lock_minutes: Positive
    token_days: Annotated[float, Field(ge=0, le=3660)]
    audit_key: SecretStr
    audit_head_file: str


class Report(Section):
    """The period report's official frame (bridge/reports/official.py) and the office's signature."""

    parent_agency: str
    agency: Annotated[str, Field(min_length=1)]
    number: str
    place: str
    addressee: str
    signer_competence: str
    signer_title: str
    signer_name: str
    recipients: list[str]
    sign_pkcs12: str  # "" = the PDF is not signed
    sign_passphrase_file: str
    probe_interval: Positive  # seconds between availability probes (bridge/probes.py)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EDOC_", env_nested_delimiter="__", extra="forbid", validate_assignment=True
    )

    profile: Literal["demo", "production"]
    database_url: Annotated[str, AfterValidator(_database_url)]
    allow_sqlite: bool
    blob_dir: str
    blobs: Blobs
    directory_file: str
    bridge_organ: str
    smtp_in: SmtpIn
    smtp_out: SmtpOut
    axis: Axis
    api: Api
    outbox: Outbox
    checks: Checks
    bot: Bot
    deliveries: Deliveries
    held: Held
    imap: Imap
    cluster: Cluster
    security: Security
    report: Report

    @property
    def demo(self) -> bool:
        return self.profile == "demo"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment over the values given (the -c file), over config/default.toml."""
        return env_settings, init_settings, InitSettingsSource(settings_cls, read_toml(defaults_file()))


def defaults_file() -> Path:
    """config/default.toml beside the code (a source checkout), else in the working directory (an install)."""
    beside = Path(__file__).resolve().parent.parent / DEFAULTS_NAME
    return beside if beside.exists() else Path.cwd() / DEFAULTS_NAME


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError([f"Không tìm thấy tệp cấu hình {path}."]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"Không đọc được tệp cấu hình {path}: {exc}."]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"Tệp cấu hình {path} sai cú pháp TOML: {exc}."]) from exc


def config_path(path: str | Path | None, env: dict[str, str]) -> Path | None:
    """The file named by -c, else by EDOC_CONFIG; None: config/default.toml alone."""
    chosen = path or env.get("EDOC_CONFIG")
    return Path(chosen) if chosen else None


def load_settings(path: str | Path | None = None) -> Settings:
    """config/default.toml, then the file `path` (or $EDOC_CONFIG; it must exist), then EDOC_* variables.
    Raises ConfigError (Vietnamese, one line per problem naming key and source) on anything wrong."""
    return load_with_sources(path)[0]


def load_with_sources(path: str | Path | None = None) -> tuple[Settings, Sources]:
    import os

    from pydantic import ValidationError

    env = dict(os.environ)
    chosen = config_path(path, env)
    sources = Sources(defaults_file(), chosen, read_toml(chosen) if chosen else {}, env)
    try:
        settings = Settings(**sources.chosen_data)
    except ValidationError as exc:
        raise config_error(exc, sources) from exc
    if problems := [f"Cấu hình sai: {why} ({sources.of(key)})." for key, why in inconsistencies(settings)]:
        raise ConfigError(problems)
    return settings, sources


def inconsistencies(s: Settings) -> list[tuple[tuple[str, ...], str]]:
    """Values that are each fine but impossible together: (key, why). Checked here, not by model validators,
    so code may change related fields one after the other."""
    found = []
    if s.outbox.max_delay < s.outbox.initial_delay:
        found.append((("outbox", "max_delay"), "outbox.max_delay phải lớn hơn hoặc bằng outbox.initial_delay"))
    if s.outbox.heartbeat >= s.outbox.lease:
        found.append((("outbox", "heartbeat"), "outbox.heartbeat phải nhỏ hơn outbox.lease"))
    if 0 < s.outbox.keep_done_days * 24 < s.outbox.retry_window_hours:  # a job's key must outlive its retries
        why = "outbox.keep_done_days phải bằng 0 (giữ mãi) hoặc dài hơn outbox.retry_window_hours"
        found.append((("outbox", "keep_done_days"), why))
    if s.bot.enabled and not s.bot.token.get_secret_value():
        found.append((("bot", "token"), "bot.enabled = true cần bot.token"))
    if s.bot.enabled and s.bot.mode == "webhook" and not s.bot.webhook_url:
        found.append((("bot", "webhook_url"), 'bot.mode = "webhook" cần bot.webhook_url'))
    if s.blobs.backend == "s3" and not s.blobs.s3_bucket:
        found.append((("blobs", "backend"), 'blobs.backend = "s3" cần blobs.s3_bucket'))
    if s.blobs.s3_endpoint and not s.blobs.s3_endpoint.startswith(("https://", "http://")):
        found.append((("blobs", "s3_endpoint"), "blobs.s3_endpoint phải bắt đầu bằng https:// hoặc http://"))
    if s.smtp_out.mode == "smtp" and not s.smtp_out.host:
        found.append((("smtp_out", "host"), 'smtp_out.mode = "smtp" cần smtp_out.host'))
    return found
