"""Shared test setup. Every module in tests/fixtures named `*_fixtures.py` is loaded as a pytest plugin,
so each real component (PostgreSQL, clamd, Dovecot, fake Bot API …) keeps its fixtures in its own file."""

from __future__ import annotations

import pkgutil
from pathlib import Path

_FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = sorted(
    f"tests.fixtures.{m.name}" for m in pkgutil.iter_modules([str(_FIXTURES)]) if m.name.endswith("_fixtures")
)
