"""No module of ours reaches into a library's private names (`etree._Element`, `Enum._value2member_map_`,
`client._transport` …): an attribute starting with one underscore, read from a name bound by an import,
is refused. Exceptions are documented public API despite the underscore, or pinned exactly in pyproject.toml."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "bridge", "mail", "bot", "signing", "storage", "tests", "bench")
OURS = set(PACKAGES)
PUBLIC = {("os", "_exit")}  # documented public API


def imported_names(tree: ast.Module) -> dict[str, str]:
    """Local name → the third-party or standard module (or class) it was imported from."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] not in OURS:
                    names[(a.asname or a.name).split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in OURS:
                for a in node.names:
                    names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def private_uses(source: str) -> list[str]:
    tree = ast.parse(source)
    names = imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
            continue
        base = node.value
        while isinstance(base, ast.Attribute):
            base = base.value
        if isinstance(base, ast.Name) and base.id in names and (base.id, node.attr) not in PUBLIC:
            found.append(f"{node.lineno}: {base.id}….{node.attr} ({names[base.id]})")
    return found


def test_the_check_catches_private_names() -> None:
    assert private_uses("from lxml import etree\nx: etree._Element\n")
    assert private_uses("import enum\nenum.Enum._value2member_map_\n")
    assert not private_uses("import os\nos._exit(0)\nclass A:\n    def f(self):\n        return self._x\n")


def test_no_module_uses_a_librarys_private_names() -> None:
    offenders = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if uses := private_uses(path.read_text(encoding="utf-8")):
                offenders[str(path.relative_to(ROOT))] = uses
    assert offenders == {}
