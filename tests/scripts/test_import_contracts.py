"""The import contracts (pyproject.toml, checked by `lint-imports` in scripts/check.sh) hold on the
project, and catch a planted violation: a layer imported the wrong way, and a cycle hidden in a
function-local import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("flows", "runtime", "integrations", "persistence", "sandbox")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", script, "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "*.json")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_project_keeps_its_contracts(copy):
    done = _lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr


def test_flows_importing_the_runtime_breaks_the_layers(copy):
    (copy / "flows" / "planted.py").write_text("from runtime import processor\n")
    done = _lint(copy)
    assert done.returncode != 0
    assert "flows.planted -> runtime.processor" in done.stdout


def test_a_cycle_hidden_in_a_function_local_import_is_caught(copy):
    target = copy / "flows" / "ids.py"
    target.write_text(
        target.read_text() + "\n\ndef planted():\n    from flows import app\n\n    return app\n"
    )
    done = _lint(copy)
    assert done.returncode != 0
    assert "No cycles are allowed in flows" in done.stdout
