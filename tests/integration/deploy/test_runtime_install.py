"""Runtime dependencies are complete (issue 17.5): a fresh virtualenv with `pip install <the project>` and NO
extras, the same sources the Dockerfile copies, runs every command. Marked `install` (a minute or two: pip
resolves and installs every runtime dependency, from its cache when warm); part of `make test` like the rest."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ["pyproject.toml", "README.md", "core", "bridge", "mail", "bot", "signing", "storage"]
PASSWORD = "a-long-enough-password"

pytestmark = pytest.mark.install

LIST_COMMANDS = """
import json, typer.main
from bridge.cli import app
def walk(c, path):
    subs = getattr(c, "commands", None)
    if not subs:
        yield path
        return
    yield path
    for name, sub in subs.items():
        yield from walk(sub, [*path, name])
print(json.dumps(list(walk(typer.main.get_command(app), []))))
"""


def test_the_dockerfile_copies_what_this_test_installs() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    build = text.split("\nFROM ")[1]  # the build stage
    copied = [p for line in re.findall(r"^COPY (?!--)(.+) \S+$", build, re.M) for p in line.split()]
    assert copied == SOURCES
    assert re.search(r"pip install --no-compile \.\s", build)  # no extras


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project installed without extras into a new virtualenv, from a copy of its sources."""
    base = tmp_path_factory.mktemp("runtime")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(origin, src / name)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", str(src)], check=True, timeout=900)
    subprocess.run([*pip, "check"], check=True, timeout=120)
    return venv


def run(venv: Path, *args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(venv / "bin" / "edoc-bridge"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, (args, done.stderr)
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory laid out as the image's /srv/edoc-bridge: config/default.toml and the directory,
    plus the demo configuration (SQLite, the simulator, the demo PKI)."""
    work = tmp_path_factory.mktemp("work")
    (work / "config").mkdir()
    for name in ("default.toml", "agencies.toml", "demo.toml"):
        shutil.copy2(ROOT / "config" / name, work / "config" / name)
    return work


@pytest.fixture(scope="module")
def demo_env(workdir: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith(("EDOC_", "PYTHON"))}
    return {
        **clean,
        "EDOC_CONFIG": str(workdir / "config" / "demo.toml"),
        "EDOC_SMTP_IN__PORT": str(free_port()),
        "EDOC_API__PORT": str(free_port()),
        "EDOC_AXIS__SIMULATOR_PORT": str(free_port()),
        "EDOC_NEW_PASSWORD": PASSWORD,
    }


def test_no_test_dependency_is_installed(runtime_venv: Path) -> None:
    for module in ("pytest", "hypothesis", "selenium", "schemathesis", "ruff"):
        probe = subprocess.run([str(runtime_venv / "bin" / "python"), "-c", f"import {module}"], capture_output=True)
        assert probe.returncode != 0, f"{module} is importable: the runtime venv is not clean"


def test_every_command_shows_its_help(runtime_venv: Path, workdir: Path, demo_env: dict[str, str]) -> None:
    python = str(runtime_venv / "bin" / "python")
    listed = subprocess.run([python, "-c", LIST_COMMANDS], cwd=workdir, capture_output=True, text=True, check=True)
    commands = json.loads(listed.stdout)
    assert ["serve"] in commands and ["report"] in commands and ["users", "add"] in commands
    for path in commands:
        shown = run(runtime_venv, *path, "--help", cwd=workdir, env=demo_env)
        assert "Usage:" in shown.stdout, path


def test_offline_commands_run_on_the_demo(runtime_venv: Path, workdir: Path, demo_env: dict[str, str]) -> None:
    env, cwd = demo_env, workdir
    checked = run(runtime_venv, "config", "check", cwd=cwd, env=env)
    assert "Cấu hình hợp lệ (profile = 'demo')." in checked.stdout
    run(runtime_venv, "migrate", cwd=cwd, env=env)
    run(runtime_venv, "agencies", "import", "config/agencies.toml", cwd=cwd, env=env)
    assert "000.00.32.H61" in run(runtime_venv, "agencies", "list", cwd=cwd, env=env).stdout
    run(runtime_venv, "users", "add", "quantri", "--role", "admin", "--full-name", "Quản trị", cwd=cwd, env=env)
    assert "quantri" in run(runtime_venv, "users", "list", cwd=cwd, env=env).stdout
    run(
        runtime_venv,
        "officials",
        "add",
        "--name",
        "An",
        "--organ",
        "000.00.32.H61",
        "--role",
        "văn thư",
        cwd=cwd,
        env=env,
    )
    assert "An" in run(runtime_venv, "officials", "list", cwd=cwd, env=env).stdout
    run(runtime_venv, "outbox", "list", cwd=cwd, env=env)
    run(runtime_venv, "audit", "verify", cwd=cwd, env=env)
    signed = run(runtime_venv, "demo", "sign", "-o", "var/qd.pdf", cwd=cwd, env=env)
    assert (cwd / "var" / "qd.pdf").read_bytes().startswith(b"%PDF") and "Đã ký" in signed.stdout
    out = cwd / "report"
    run(runtime_venv, "report", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(out), cwd=cwd, env=env)
    pdfs, books = list(out.glob("*.pdf")), list(out.glob("*.xlsx"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes().startswith(b"%PDF"), list(out.iterdir())
    assert len(books) == 1 and books[0].read_bytes().startswith(b"PK"), list(out.iterdir())
    assert (cwd / "var" / "demo-pki" / "root.pem").is_file()  # relative paths are the working directory's
    assert not list(runtime_venv.glob("lib/python*/site-packages/var")), "wrote into site-packages"


@pytest.fixture
def serving(runtime_venv: Path, workdir: Path, demo_env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [str(runtime_venv / "bin" / "edoc-bridge"), "serve"],
        cwd=workdir,
        env=demo_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)


def test_serve_answers_and_stops(serving: subprocess.Popen[str], demo_env: dict[str, str]) -> None:
    """`serve` (SMTP, workers, API, simulator) starts from the runtime install, answers /healthz, serves the
    console's login page, and stops on SIGTERM."""
    base = f"http://127.0.0.1:{demo_env['EDOC_API__PORT']}"
    deadline = time.monotonic() + 120
    while True:
        assert serving.poll() is None, serving.communicate()
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                assert json.loads(answer.read()) == {"status": "ok"}
                break
        except OSError:
            assert time.monotonic() < deadline, "serve did not answer /healthz within 120 s"
            time.sleep(0.5)  # polling a port until it answers
    with urllib.request.urlopen(f"{base}/web/login", timeout=10) as page:
        assert "Chế độ thử nghiệm" in page.read().decode()
    with socket.create_connection(("127.0.0.1", int(demo_env["EDOC_SMTP_IN__PORT"])), timeout=10) as smtp:
        assert smtp.recv(512).startswith(b"220 ")
    serving.send_signal(signal.SIGTERM)
    assert serving.wait(timeout=60) == 0, serving.communicate()
