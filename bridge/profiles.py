"""What must hold before the service starts. Production fails closed: every safeguard the regulation and an
operator rely on is required, each refusal one Vietnamese line naming the setting. The demo profile (`make run`)
runs without them and says so on every page and receipt. Ports are checked in both, before migrations run."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
from pathlib import Path
from urllib.parse import urlsplit

from bridge.settings import DEMO_SECRETS, Settings
from signing.trust_folder import TrustFolder

MIN_SECRET = 16
DEMO_TRUST = Path(__file__).resolve().parent.parent / "config" / "trust"


class StartupRefused(Exception):
    """The service must not start; `problems`: one Vietnamese line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def production_problems(s: Settings) -> list[str]:
    """What production lacks, without touching the network (see `startup_problems` for clamd and ports)."""
    if s.demo:
        return []
    found = [*_checks(s), *_axis(s)]
    if s.database_url.startswith("sqlite") and not s.allow_sqlite:
        found.append("database_url là SQLite: chế độ production cần PostgreSQL (hoặc allow_sqlite = true cho một máy).")
    if s.smtp_in.enabled:
        found += _smtp_tls(s)
    if s.blobs.backend == "s3" and not (s.blobs.s3_access_key and s.blobs.s3_secret_key.get_secret_value()):
        found.append(
            'blobs.backend = "s3" cần blobs.s3_access_key và blobs.s3_secret_key (EDOC_BLOBS__S3_SECRET_KEY): '
            "không dùng bucket không xác thực."
        )
    if not s.api.secure_cookies:
        found.append("api.secure_cookies = false: chế độ production chỉ gửi cookie phiên qua HTTPS (đặt true).")
    if len(s.security.audit_key.get_secret_value()) < MIN_SECRET:
        found.append(
            f"security.audit_key trống hoặc ngắn hơn {MIN_SECRET} ký tự: nhật ký kiểm toán cần khóa HMAC "
            "(đặt EDOC_SECURITY__AUDIT_KEY; giữ ngoài cơ sở dữ liệu)."
        )
    return [f'Không khởi động (profile = "production"): {p}' for p in found]


def _checks(s: Settings) -> list[str]:
    c, found = s.checks, []
    if not c.clamd_enabled:
        found.append("checks.clamd_enabled = false: văn bản phải được quét virus trước khi tiếp nhận.")
    managed = [r.file for r in TrustFolder(Path(c.trust_dir)).roots()] if c.trust_dir else []
    if not c.trust_roots and not managed:
        found.append("checks.trust_roots trống (trust_dir cũng vậy): chữ ký số phải được kiểm tra với gốc tin cậy.")
    if c.demo_pki:
        found.append("checks.demo_pki: PKI thử nghiệm (khóa bí mật ai cũng có) chỉ dùng trong chế độ demo.")
    if c.signatures_unchecked != "hold":
        found.append('checks.signatures_unchecked: văn bản chưa kiểm tra được chữ ký số phải được giữ lại ("hold").')
    demo = {p.read_bytes() for p in DEMO_TRUST.glob("demo-*.pem")}
    for name in [*c.trust_roots, *managed, *c.intermediates]:
        path = Path(name)
        if not path.is_file():
            found.append(f"checks: không có tệp chứng thư {name}.")
        elif path.read_bytes() in demo:
            found.append(f"checks: {name} là chứng thư THỬ NGHIỆM (config/trust/demo-*), không dùng cho production.")
        elif (why := _trust_file_problem(path.read_bytes())) is not None:
            found.append(f"checks: {name} {why}")
    if not c.sender_auth:
        found.append("checks.sender_auth = false: phải xác thực người gửi (DKIM/SPF).")
    return found


def _trust_file_problem(data: bytes) -> str | None:
    """Why a trust root/intermediate file cannot serve production: not a certificate, or one of the demo PKI
    that `make run` generates (var/demo-pki: its private keys are on every demo machine)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    from signing.demo_pki import DEMO_ORGANISATION

    try:
        pem = b"-----BEGIN" in data
        certs = x509.load_pem_x509_certificates(data) if pem else [x509.load_der_x509_certificate(data)]
    except ValueError:
        return "không đọc được: không phải chứng thư X.509 (PEM hoặc DER)."
    names = {str(a.value) for c in certs for a in c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)}
    if DEMO_ORGANISATION in names:
        return "là chứng thư của PKI THỬ NGHIỆM (var/demo-pki của chế độ demo), không dùng cho production."
    return None


def _axis(s: Settings) -> list[str]:
    a, found = s.axis, []
    if a.simulator:
        found.append("axis.simulator = true: trục mô phỏng chỉ dùng trong chế độ demo.")
    if not a.base_url.startswith(("https://", "http://")):
        found.append(f"axis.base_url = {a.base_url!r}: cần địa chỉ thật của trục liên thông.")
    elif _is_simulator(a.base_url, a.simulator_port):
        found.append(f"axis.base_url = {a.base_url!r} là trục mô phỏng của chế độ demo: cần địa chỉ thật của trục.")
    secret = a.secret.get_secret_value()
    if secret in DEMO_SECRETS or len(secret) < MIN_SECRET:
        found.append(f"axis.secret trống, là giá trị mẫu hoặc ngắn hơn {MIN_SECRET} ký tự: cần khóa thật của trục.")
    return found


def _is_simulator(url: str, simulator_port: int) -> bool:
    """The demo's axis (config/demo.toml: http://127.0.0.1:8090, the simulator's own port on this machine)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return False
    return _loopback(parts.hostname or "") and port == simulator_port


def _smtp_tls(s: Settings) -> list[str]:
    t = s.smtp_in
    if t.tls_opt_out:
        if _loopback(t.host):
            return []
        return [f"smtp_in.tls_opt_out chỉ được dùng khi smtp_in.host là địa chỉ loopback (đang là {t.host!r})."]
    if not (t.tls_cert and t.tls_key):
        return [
            "smtp_in: chưa có tls_cert/tls_key (STARTTLS); hoặc tls_opt_out = true khi chỉ relay trên cùng máy gửi vào."
        ]
    if not t.require_tls:
        return ["smtp_in.require_tls = false: chế độ production bắt buộc STARTTLS trước MAIL FROM."]
    return []


def tls_problems(s: Settings) -> list[str]:
    """In both profiles: a configured certificate must load with its key."""
    t = s.smtp_in
    if not (t.tls_cert or t.tls_key):
        return ["Không khởi động: smtp_in.tls_port cần tls_cert và tls_key."] if t.tls_port else []
    if not (t.tls_cert and t.tls_key):
        return ["Không khởi động: smtp_in cần cả tls_cert lẫn tls_key."]
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(t.tls_cert, t.tls_key)
    except (OSError, ssl.SSLError) as exc:
        return [f"Không khởi động: smtp_in.tls_cert/tls_key ({t.tls_cert}, {t.tls_key}) không dùng được: {exc}."]
    if (ended := _expired(t.tls_cert)) is not None:
        return [f"Không khởi động: chứng thư smtp_in.tls_cert ({t.tls_cert}) đã hết hạn từ {ended} (giờ Việt Nam)."]
    return []


def _expired(cert_file: str) -> str | None:
    """The server certificate's end of validity, shown in Vietnam time, if it is already past."""
    from datetime import UTC, datetime

    from cryptography import x509

    from core.vn_time import format_time

    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())  # loadable: load_cert_chain read it
    end = cert.not_valid_after_utc
    return format_time(end) if end <= datetime.now(UTC) else None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


CLAMD_PING_WITHIN = 5.0  # seconds


async def unreachable(s: Settings) -> list[str]:
    """Production needs clamd answering now, not at the first document."""
    if s.demo or not s.checks.clamd_enabled:
        return []
    from signing.clamav import ClamdScanner

    c = s.checks
    try:
        scanner = ClamdScanner(c.clamd_host, c.clamd_port, timeout=CLAMD_PING_WITHIN)
        if await asyncio.wait_for(scanner.ping(), CLAMD_PING_WITHIN):
            return []
    except (OSError, TimeoutError):
        pass
    return [f"Không khởi động: clamd không trả lời tại {c.clamd_host}:{c.clamd_port} (checks.clamd_host/clamd_port)."]


S3_PROBE_WITHIN = 10.0  # seconds


async def blobs_unreachable(s: Settings) -> list[str]:
    """An S3 bucket that does not answer (or refuses the key) would hold every document: found at start."""
    if s.blobs.backend != "s3":
        return []
    from bridge.bootstrap import blob_store

    b = s.blobs
    where = f"{b.s3_endpoint or 'AWS S3'}, bucket {b.s3_bucket!r}"
    try:
        await asyncio.wait_for(blob_store(s).check(), S3_PROBE_WITHIN)
    except TimeoutError:
        return [f"Không khởi động: kho S3 không trả lời trong {S3_PROBE_WITHIN:g} giây ({where}; blobs.s3_endpoint)."]
    except Exception as exc:  # obstore's errors: refused connection, bad key, unknown bucket
        why = str(exc).splitlines()[0][:200]
        if not b.s3_access_key:  # obstore then looks for AWS_* variables and a cloud instance role
            why = f"chưa có blobs.s3_access_key/s3_secret_key (cũng không có AWS_ACCESS_KEY_ID) — {why}"
        return [f"Không khởi động: không dùng được kho S3 ({where}; blobs.s3_*): {why}"]
    return []


def listeners(s: Settings) -> list[tuple[str, str, int]]:
    """(component, host, port) of everything this process listens on."""
    found = []
    if s.smtp_in.enabled:
        found.append(("SMTP nhận thư (smtp_in.port)", s.smtp_in.host, s.smtp_in.port))
        if s.smtp_in.tls_port:
            found.append(("SMTP TLS (smtp_in.tls_port)", s.smtp_in.host, s.smtp_in.tls_port))
    if s.api.enabled:
        found.append(("API và bảng điều khiển (api.port)", s.api.host, s.api.port))
    if s.axis.simulator:
        found.append(("trục mô phỏng (axis.simulator_port)", s.axis.simulator_host, s.axis.simulator_port))
    return found


def ports_in_use(s: Settings) -> list[str]:
    found = []
    for component, host, port in listeners(s):
        if (why := _bind_problem(host, port)) is not None:
            found.append(f"Không khởi động: {component}: {why}")
    return found


def _bind_problem(host: str, port: int) -> str | None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"không phân giải được địa chỉ {host!r}: {exc.strerror}."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's servers do
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"cổng {host}:{port} đang được một chương trình khác dùng."
            return f"không mở được {host}:{port}: {exc.strerror}."
    return None


async def startup_problems(s: Settings) -> list[str]:
    """Everything that stops a start, found before migrations run or anything listens."""
    problems = [*production_problems(s), *tls_problems(s), *ports_in_use(s), *await unreachable(s)]
    return [*problems, *await blobs_unreachable(s)]


async def refuse_unsafe(s: Settings) -> None:
    if problems := await startup_problems(s):
        raise StartupRefused(problems)
