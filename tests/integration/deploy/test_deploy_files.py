"""The deployment files a province's IT team uses (docs/deploy.md), checked as far as this machine can: Docker
Hub is out of reach, so the images are not built; the files are parsed and held to what they promise, and the
production example configuration passes `config check` given its secrets."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.clamd import ClamdServer
from tests.fixtures.pki_fixtures import PkiFiles
from tests.fixtures.tls import make_tls_files

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
SECRETS = {
    "EDOC_DATABASE_URL": "postgresql+asyncpg://edoc:db-secret-not-shown@postgres/edoc",
    "EDOC_AXIS__SECRET": "axis-secret-not-shown-0123456789",
    "EDOC_SECURITY__AUDIT_KEY": "audit-key-not-shown-0123456789",
    "EDOC_SMTP_OUT__PASSWORD": "relay-password-not-shown",
    "EDOC_API__MACHINE_TOKEN": "machine-token-not-shown-0123456789",
    "EDOC_BLOBS__S3_ACCESS_KEY": "edoc-bridge-access",
    "EDOC_BLOBS__S3_SECRET_KEY": "s3-secret-not-shown-0123456789",
}


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_two_bridges_postgres_clamd_s3_and_a_tls_proxy() -> None:
    services = compose()["services"]
    bridges = [name for name, s in services.items() if s.get("build") == "." and "ports" in s]
    assert bridges == ["bridge1", "bridge2"]
    for name in bridges:
        s = services[name]
        assert {"postgres", "clamd", "s3", "migrate"} <= set(s["depends_on"]), name
        assert "./deploy/config/production.toml:/etc/edoc-bridge/bridge.toml:ro" in s["volumes"]
        assert not any("EDOC_" in str(v) for v in s.get("environment", {}).values())  # secrets are files
        assert set(s["secrets"]) == set(SECRETS)
    assert services["migrate"]["command"][0] == "migrate"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["clamd"]["image"].startswith("clamav/clamav:")  # clamd + freshclam
    assert services["clamd"]["environment"]["CLAMAV_NO_FRESHCLAMD"] == "false"
    s3 = services["s3"]
    assert s3["image"].startswith("chrislusf/seaweedfs:") and s3["command"][:2] == ["server", "-dir=/data"]
    assert "-s3" in s3["command"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:") and "443:443" in proxy["ports"]
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_every_file_compose_mounts_or_reads_is_in_the_repository_or_documented() -> None:
    c = compose()
    readme = (DEPLOY / "secrets" / "README.md").read_text(encoding="utf-8")
    for name, secret in c["secrets"].items():
        path = secret["file"]
        assert path.startswith("./deploy/secrets/"), path
        assert f"`{Path(path).name}`" in readme, f"{name}: {path} is not explained in deploy/secrets/README.md"
    shipped = {"./deploy/config/production.toml", "./deploy/caddy/Caddyfile", "./deploy/clamav/clamd.conf"}
    for path in shipped:
        assert (ROOT / path).is_file(), path
    operator = {"./deploy/trust", "./deploy/tls", "./deploy/agencies.toml"}  # the installation's own files
    mounts = {v.split(":")[0] for s in c["services"].values() for v in s.get("volumes", []) if v.startswith("./")}
    assert mounts == shipped | operator
    assert "deploy/agencies.toml" in (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert re.search(r"^\*$", (DEPLOY / "tls" / ".gitignore").read_text(), re.M)  # keys are never committed
    assert re.search(r"^\*$", (DEPLOY / "secrets" / ".gitignore").read_text(), re.M)


def test_caddy_proxies_both_bridges_over_tls_and_hides_metrics() -> None:
    caddy = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy bridge1:8080 bridge2:8080" in caddy and "health_uri /healthz" in caddy
    assert "tls /etc/caddy/tls/web.crt /etc/caddy/tls/web.key" in caddy
    assert "@metrics path /metrics" in caddy and "respond @metrics 404" in caddy
    forwarded = compose()["x-bridge"]["environment"]["FORWARDED_ALLOW_IPS"]
    assert forwarded == compose()["services"]["proxy"]["networks"]["edge"]["ipv4_address"]


def test_clamd_conf_reports_what_it_could_not_scan() -> None:
    lines = (DEPLOY / "clamav" / "clamd.conf").read_text().splitlines()
    conf = dict(line.split(None, 1) for line in lines if line[:1].isalpha())
    assert conf["AlertExceedsMax"] == "yes" and conf["TCPSocket"] == "3310"
    assert conf["MaxFileSize"] == conf["MaxScanSize"] == "100M"  # docs/clamd.md: never below MaxScanSize
    default = (ROOT / "config" / "default.toml").read_text(encoding="utf-8")
    assert "clamd_max_scan_size = 104857600" in default  # the same 100M


def test_dockerfile_is_multi_stage_slim_non_root_with_a_healthcheck_and_no_test_extras() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    assert "slim" in re.search(r"^ARG PYTHON_IMAGE=(.+)$", text, re.M).group(1)  # type: ignore[union-attr]
    assert re.search(r"^USER edoc$", text, re.M) and "useradd --system --uid 10001" in text
    assert re.search(r"^HEALTHCHECK .*\n.*http://127\.0\.0\.1:8080/healthz", text, re.M)
    installs = re.findall(r"pip install[^\n]*", text)
    assert installs and all("[test]" not in i and "-e " not in i for i in installs), installs
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", text, re.M):
        for part in source.split():
            assert (ROOT / part).exists(), part
    assert "COPY --from=build /opt/edoc-bridge/venv /opt/edoc-bridge/venv" in text
    assert "postgresql-client" in text.split("\nFROM ")[2]  # `backup create` runs pg_dump
    entry = (DEPLOY / "docker-entrypoint.sh").read_text(encoding="utf-8")
    assert os.access(DEPLOY / "docker-entrypoint.sh", os.X_OK) and 'exec edoc-bridge "$@"' in entry


def test_the_entrypoint_turns_secret_files_into_variables(tmp_path: Path) -> None:
    """deploy/docker-entrypoint.sh run for real (with /run/secrets swapped for a folder and a stand-in
    edoc-bridge that prints its environment)."""
    secrets, bin_dir = tmp_path / "secrets", tmp_path / "bin"
    secrets.mkdir(), bin_dir.mkdir()
    (secrets / "EDOC_AXIS__SECRET").write_text("s3cr3t-from-a-file\n")
    (secrets / "postgres_password").write_text("not for the bridge")
    (bin_dir / "edoc-bridge").write_text('#!/bin/sh\necho "args=$*"\nenv\n')
    (bin_dir / "edoc-bridge").chmod(0o755)
    script = (DEPLOY / "docker-entrypoint.sh").read_text().replace("/run/secrets/", f"{secrets}/")
    run = subprocess.run(
        ["sh", "-c", script, "entrypoint", "config", "check"],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "args=config check" in run.stdout
    assert "EDOC_AXIS__SECRET=s3cr3t-from-a-file" in run.stdout.splitlines()
    assert "not for the bridge" not in run.stdout


def test_systemd_units_are_hardened_and_run_migrations_first() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "systemd" / "edoc-bridge.service")
    service = unit["Service"]
    assert service["User"] == "edoc" and service["ExecStartPre"].endswith("edoc-bridge migrate")
    assert service["ExecStart"].endswith("edoc-bridge serve") and service["RestartPreventExitStatus"] == "3"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes"}.items():
        assert service[key] == value, key
    assert service["EnvironmentFile"] == "/etc/edoc-bridge/secrets.env"
    timer = configparser.ConfigParser(strict=False, interpolation=None)
    timer.read(DEPLOY / "systemd" / "edoc-bridge-crl.timer")
    assert timer["Timer"]["OnUnitActiveSec"] == "1h"


def test_alert_rules_are_complete_prometheus_rules() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    [group] = rules["groups"]
    by_name = {r["alert"]: r for r in group["rules"]}
    for r in by_name.values():
        assert set(r) <= {"alert", "expr", "for", "labels", "annotations"}, r
        assert r["labels"]["severity"] in {"warning", "critical"} and r["annotations"]["summary"], r
        assert r["expr"].count("(") == r["expr"].count(")"), r
    wanted = {
        "relay dead letters": "edoc_outbox_dead_jobs",
        "outbox age": "edoc_outbox_oldest_todo_age_seconds",
        "mailbox silence": "edoc_mailbox_last_success_timestamp_seconds",
        "clamd down": "edoc_clamd_up",
        "certificate expiry": "edoc_certificate_expiry_seconds",
        "CRL expiry": "edoc_crl_next_update_seconds",
    }
    for what, metric in wanted.items():
        assert any(metric in r["expr"] for r in by_name.values()), what
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    assert scrape["rule_files"] == ["/etc/prometheus/edoc-bridge-alerts.yml"]
    [job] = scrape["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"
    assert job["static_configs"][0]["targets"] == ["bridge1:8080", "bridge2:8080"]


def test_the_production_example_passes_config_check_with_its_secrets(
    tmp_path: Path, test_pki_files: PkiFiles, clamd_running: ClamdServer
) -> None:
    """deploy/config/production.toml unchanged; the secrets and the installation's files (certificates, trust
    roots, clamd's address) as the variables an operator would set."""
    tls = make_tls_files(tmp_path / "tls")
    files = {
        "EDOC_SMTP_IN__TLS_CERT": str(tls.cert),
        "EDOC_SMTP_IN__TLS_KEY": str(tls.key),
        "EDOC_CHECKS__TRUST_ROOTS": f'["{test_pki_files.root_pem}"]',
        "EDOC_CHECKS__INTERMEDIATES": f'["{test_pki_files.intermediate_pem}"]',
        "EDOC_CHECKS__CLAMD_HOST": clamd_running.host,
        "EDOC_CHECKS__CLAMD_PORT": str(clamd_running.port),
    }
    ok = config_check(tmp_path, {**SECRETS, **files})
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.rstrip().endswith("Cấu hình hợp lệ (profile = 'production').")
    for name, secret in SECRETS.items():
        if name != "EDOC_BLOBS__S3_ACCESS_KEY":  # an id, shown like a user name
            assert secret.split("@")[0].split(":")[-1] not in ok.stdout + ok.stderr, name
    assert 'backend = "s3"' in ok.stdout
    without = config_check(tmp_path, files)
    assert without.returncode == 3 and "Traceback" not in without.stderr
    for key in ("axis.secret", "security.audit_key", "database_url là SQLite", "blobs.s3_secret_key"):
        assert key in without.stderr, (key, without.stderr)


def config_check(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("EDOC_")}
    return subprocess.run(
        [sys.executable, "-m", "bridge.cli", "config", "check", "-c", str(DEPLOY / "config" / "production.toml")],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
