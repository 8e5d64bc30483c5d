"""Production fails closed: it refuses to start without each safeguard (one test per refusal); the demo starts
without them. Ports in use are named with their component."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from bridge.profiles import (
    ports_in_use,
    production_problems,
    startup_problems,
    tls_problems,
    unreachable,
)
from bridge.settings import Settings, load_settings
from signing.demo_pki import DemoPki
from tests.fixtures.clamd import ClamdServer
from tests.fixtures.pki_fixtures import PkiFiles
from tests.fixtures.tls import TlsFiles, make_tls_files

ROOT = Path(__file__).resolve().parents[3]
AXIS_SECRET = "a-real-axis-secret-0123456789"


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return make_tls_files(tmp_path / "tls")


@pytest.fixture
def production_toml(tmp_path: Path, test_pki_files: PkiFiles, tls: TlsFiles) -> Path:
    """A production configuration with every safeguard (clamd at 127.0.0.1:1 until a test points it elsewhere)."""
    path = tmp_path / "production.toml"
    path.write_text(
        f"""database_url = "postgresql+asyncpg://edoc:pw@127.0.0.1:5432/edoc"
[smtp_in]
tls_cert = "{tls.cert}"
tls_key = "{tls.key}"
[axis]
base_url = "https://truc.vinhlong.gov.vn/vxp"
secret = "{AXIS_SECRET}"
[checks]
trust_roots = ["{test_pki_files.root_pem}"]
intermediates = ["{test_pki_files.intermediate_pem}"]
clamd_port = 1
[security]
audit_key = "a-real-audit-key-0123456789"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def production(production_toml: Path) -> Settings:
    s = load_settings(production_toml)
    assert s.profile == "production"
    assert production_problems(s) == [] and tls_problems(s) == []
    return s


def _demo_root(s: Settings) -> None:
    s.checks.trust_roots = [str(ROOT / "config" / "trust" / "demo-root.pem")]


def _garbage_root(s: Settings) -> None:
    garbage = Path(s.smtp_in.tls_cert).with_name("garbage.pem")
    garbage.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    s.checks.trust_roots = [str(garbage)]


def _generated_demo_root(s: Settings) -> None:
    """The root `make run` generates into var/demo-pki, copied under another name (no demo_pki setting)."""
    pki = DemoPki.ensure(Path(s.smtp_in.tls_cert).parent / "demo-pki")
    s.checks.trust_roots = [str(pki.root_pem)]


REFUSALS: dict[str, tuple[Callable[[Settings], None], str]] = {
    "clamd off": (lambda s: setattr(s.checks, "clamd_enabled", False), "checks.clamd_enabled = false"),
    "no trust roots": (lambda s: setattr(s.checks, "trust_roots", []), "checks.trust_roots trống"),
    "a missing root file": (lambda s: setattr(s.checks, "trust_roots", ["/nonexistent/root.pem"]), "không có tệp"),
    "the demo root": (_demo_root, "là chứng thư THỬ NGHIỆM"),
    "no axis URL": (lambda s: setattr(s.axis, "base_url", ""), "axis.base_url = ''"),
    "the demo's axis URL": (
        lambda s: setattr(s.axis, "base_url", "http://127.0.0.1:8090"),
        "axis.base_url = 'http://127.0.0.1:8090' là trục mô phỏng",
    ),
    "a trust root that is no certificate": (_garbage_root, "không phải chứng thư X.509"),
    "the generated demo PKI": (_generated_demo_root, "PKI THỬ NGHIỆM (var/demo-pki"),
    "the demo secret": (lambda s: setattr(s.axis, "secret", "demo-secret"), "axis.secret"),
    "a short secret": (lambda s: setattr(s.axis, "secret", "short-secret"), "axis.secret"),
    "the simulator": (lambda s: setattr(s.axis, "simulator", True), "axis.simulator = true"),
    "SQLite": (lambda s: setattr(s, "database_url", "sqlite+aiosqlite:///x.db"), "database_url là SQLite"),
    "no TLS certificate": (lambda s: setattr(s.smtp_in, "tls_cert", ""), "chưa có tls_cert/tls_key"),
    "TLS not required": (lambda s: setattr(s.smtp_in, "require_tls", False), "smtp_in.require_tls = false"),
    "opt-out off loopback": (
        lambda s: (setattr(s.smtp_in, "tls_opt_out", True), setattr(s.smtp_in, "host", "0.0.0.0")),
        "tls_opt_out chỉ được dùng khi smtp_in.host là địa chỉ loopback",
    ),
    "no sender authentication": (lambda s: setattr(s.checks, "sender_auth", False), "checks.sender_auth = false"),
    "cookies without Secure": (lambda s: setattr(s.api, "secure_cookies", False), "api.secure_cookies = false"),
    "no audit key": (lambda s: setattr(s.security, "audit_key", ""), "security.audit_key"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_production_refuses_to_start_without(production: Settings, case: str) -> None:
    breaks, expected = REFUSALS[case]
    breaks(production)
    [problem] = production_problems(production)
    assert problem.startswith('Không khởi động (profile = "production"): ') and expected in problem, problem
    production.profile = "demo"
    assert production_problems(production) == []  # the demo runs without it


def test_sqlite_only_with_allow_sqlite(production: Settings) -> None:
    production.database_url, production.allow_sqlite = "sqlite+aiosqlite:///x.db", True
    assert production_problems(production) == []


def test_the_opt_out_is_for_a_relay_on_the_same_host(production: Settings) -> None:
    production.smtp_in.tls_cert = production.smtp_in.tls_key = ""
    production.smtp_in.tls_opt_out = True
    assert production_problems(production) == []
    assert tls_problems(production) == []


def test_a_certificate_that_does_not_load_is_refused_in_any_profile(production: Settings, tmp_path: Path) -> None:
    other = make_tls_files(tmp_path / "other")
    production.smtp_in.tls_key = str(other.key)  # not the certificate's key
    production.profile = "demo"
    [problem] = tls_problems(production)
    assert "smtp_in.tls_cert/tls_key" in problem and "không dùng được" in problem


async def test_production_needs_clamd_answering(production: Settings, clamd_running: ClamdServer) -> None:
    [problem] = await unreachable(production)
    assert problem == "Không khởi động: clamd không trả lời tại 127.0.0.1:1 (checks.clamd_host/clamd_port)."
    production.checks.clamd_host, production.checks.clamd_port = clamd_running.host, clamd_running.port
    assert await unreachable(production) == []


async def test_a_port_in_use_names_the_component_and_port(production: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        production.api.port = port
        [problem] = ports_in_use(production)
        assert problem == (
            f"Không khởi động: API và bảng điều khiển (api.port): cổng 127.0.0.1:{port} đang được một chương trình "
            "khác dùng."
        )
        production.api.port, production.smtp_in.port = _free_port(), port
        [problem] = ports_in_use(production)
        assert "SMTP nhận thư (smtp_in.port)" in problem and f"127.0.0.1:{port}" in problem
    assert ports_in_use(production) == []


async def test_the_default_configuration_refuses_to_start() -> None:
    problems = await startup_problems(load_settings())
    for expected in ("checks.trust_roots trống", "axis.base_url", "axis.secret", "database_url là SQLite",
                     "chưa có tls_cert/tls_key"):  # fmt: skip
        assert any(expected in p for p in problems), (expected, problems)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
