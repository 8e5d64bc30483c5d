"""Settings: a TOML file (config/default.toml by default) overridden by EDOC_* environment variables.

Read once by the composition root (bootstrap), never at import time."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "default.toml"


@dataclass
class SmtpIn:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 2525
    max_size: int = 25 * 1024 * 1024
    hostname: str = "edoc-bridge.local"
    # besides every agency address in the directory, mail to these addresses is accepted
    intake_addresses: list[str] = field(default_factory=lambda: ["vanban@edoc-bridge.local"])


@dataclass
class SmtpOut:
    mode: str = "smtp"  # "smtp": through the relay below; "folder": write .eml files into `folder` (demo)
    folder: str = "var/mail-out"
    host: str = "127.0.0.1"
    port: int = 2526
    from_address: str = "edoc-bridge@edoc-bridge.local"
    starttls: bool = False
    username: str = ""
    password: str = ""


@dataclass
class Axis:
    base_url: str = "http://127.0.0.1:8090"
    system_id: str = "edoc-bridge"
    secret: str = "demo-secret"
    poll_interval: float = 5.0
    # the built-in simulator (default run needs no servers)
    simulator: bool = True
    simulator_host: str = "127.0.0.1"
    simulator_port: int = 8090
    simulator_data_dir: str = "var/axis-sim"


@dataclass
class Api:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    # a read-only bearer token (provincial monitor scope) for scrapers and scripts; "" = none
    machine_token: str = ""
    # the dashboard's address as people reach it, for links in receipts; "" = http://host:port
    public_url: str = ""


@dataclass
class Outbox:
    workers: int = 2
    max_attempts: int = 8
    initial_delay: float = 2.0
    max_delay: float = 600.0
    jitter: float = 1.0
    idle_sleep: float = 0.2
    intake_yield: float = 1.0  # while mail arrives, a worker waits up to this long before each job; 0 = never


@dataclass
class Checks:
    clamd_enabled: bool = False
    clamd_host: str = "127.0.0.1"
    clamd_port: int = 3310
    clamd_timeout: float = 30.0
    trust_roots: list[str] = field(default_factory=list)  # PEM files; none: signatures are not verified
    intermediates: list[str] = field(default_factory=list)
    revocation_mode: str = "soft-fail"
    require_signature: bool = False  # unsigned main document: reject (true) or hold for a clerk (false)
    expected_signatures: list[str] = field(default_factory=lambda: ["personal", "organisation"])
    scan_alert_after: float = 600.0  # seconds clamd may be down before an alert
    scan_retry_max_delay: float = 60.0
    sender_auth: bool = False  # DKIM/SPF evaluation (needs DNS)
    dns_servers: list[str] = field(default_factory=list)  # "127.0.0.1:5353"; empty: the system resolver
    # processes for PDF analysis and signature validation: 0 = max(1, cores - 1); -1 = none (threads)
    analysis_processes: int = 0
    # seconds one PDF may take in an analysis process; then the process is killed (a hostile PDF can make the
    # parsers loop) and the document is held for a clerk
    analysis_timeout: float = 120.0


@dataclass
class Deliveries:
    """Documents from the axis to agencies without a system (bridge.services.deliveries)."""

    reply_address: str = ""  # Reply-To of mail to agencies; "" = the first smtp_in intake address
    receipt_cap_per_day: int = 50  # automatic answers per address and day; more are recorded, not sent


@dataclass
class Held:
    """Held documents waiting for their sender to complete them (bridge.services.held)."""

    remind_after_hours: float = 48.0  # silence before the sender is reminded once
    expire_after_days: float = 14.0  # silence before the document is given up (the sender is told)
    check_interval: float = 300.0  # seconds between looks for held documents to remind or expire
    token_days: float = 30.0  # a tracking token (held receipt, delivery notice) is refused after this


@dataclass
class Imap:
    """Official mailboxes polled over IMAP: `[[imap.mailboxes]]` tables with name, host, port, tls, user,
    password or password_file, folder, processed_folder, owner_organ (and ca_file for a private CA)."""

    idle: bool = True
    poll_interval: float = 30.0  # without IDLE
    lease_retry: float = 15.0  # a process without a mailbox's lease tries again this often (PostgreSQL)
    lease_check: float = 5.0  # the leader checks this often that it still holds the lease (PostgreSQL)
    alert_after: int = 3  # failed sessions in a row before the mailbox is flagged unhealthy
    mailboxes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Bot:
    """The Telegram chatbot (bot/, bridge/chatbot.py). Polling for one process; webhook behind a balancer."""

    enabled: bool = False
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"  # or "webhook": updates POSTed to /api/bot/webhook
    poll_timeout: float = 10.0
    webhook_url: str = ""  # public URL of /api/bot/webhook, registered with setWebhook at start
    webhook_secret: str = ""
    link_code_hours: float = 72.0  # a one-time link code expires after this
    sweep_interval: float = 0.2  # how often new sổ đến entries are looked for (notification latency)
    escalate_after_minutes: float = 30.0  # urgent documents unacknowledged this long: mail to the agency
    digest_times: list[str] = field(default_factory=lambda: ["07:30", "13:30"])  # Vietnam time


@dataclass
class Security:
    """Who may decide documents, login throttling, API token lifetime, the audit chain's key and head file."""

    admins_decide_documents: bool = False  # admins accept/reject held documents too (core.access.may_act)


@dataclass
class Settings:
    database_url: str = "sqlite+aiosqlite:///var/edoc-bridge.sqlite3"
    blob_dir: str = "var/blobs"
    directory_file: str = "config/agencies.toml"
    bridge_organ: str = ""  # the bridge's own OrganId, written in TraceHeader
    smtp_in: SmtpIn = field(default_factory=SmtpIn)
    smtp_out: SmtpOut = field(default_factory=SmtpOut)
    axis: Axis = field(default_factory=Axis)
    api: Api = field(default_factory=Api)
    outbox: Outbox = field(default_factory=Outbox)
    checks: Checks = field(default_factory=Checks)
    bot: Bot = field(default_factory=Bot)
    deliveries: Deliveries = field(default_factory=Deliveries)
    held: Held = field(default_factory=Held)
    imap: Imap = field(default_factory=Imap)
    security: Security = field(default_factory=Security)


def _coerce(value: str, kind: Any) -> Any:
    if kind is bool:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    if kind == list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _apply(obj: Any, data: dict[str, Any], env: dict[str, str], prefix: str) -> None:
    hints = get_type_hints(type(obj))
    for f in fields(obj):
        current = getattr(obj, f.name)
        key = f"{prefix}{f.name.upper()}"
        if is_dataclass(current):
            _apply(current, data.get(f.name, {}), env, f"{key}__")
            continue
        if f.name in data:
            setattr(obj, f.name, data[f.name])
        if key in env:
            setattr(obj, f.name, _coerce(env[key], hints[f.name]))


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """EDOC_CONFIG names the file; EDOC_DATABASE_URL, EDOC_SMTP_IN__PORT … override single values."""
    env = dict(os.environ if env is None else env)
    path = Path(path or env.get("EDOC_CONFIG") or DEFAULT_CONFIG)
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    settings = Settings()
    _apply(settings, data, env, "EDOC_")
    return settings
