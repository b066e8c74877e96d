"""The sandbox emulates the outside world and must not borrow the code it checks: it imports nothing
from runtime/, integrations/ or persistence/ (flows types at most), so a bug there cannot hide in it."""

from __future__ import annotations

import ast
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
FORBIDDEN = ("runtime", "integrations", "persistence", "tests")


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_the_sandbox_imports_nothing_of_the_code_it_emulates_for():
    modules = sorted(SANDBOX.rglob("*.py"))
    assert len(modules) >= 6
    offending = [
        f"{path.relative_to(SANDBOX.parent)} imports {name}"
        for path in modules
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert offending == []


def test_the_layering_check_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from runtime.app import TrtApp\nimport persistence.ledger\n", encoding="utf-8")
    assert _imports(bad) == ["runtime.app", "persistence.ledger"]
