"""The domain (knowledge/, escalation/) stays free of channel, storage and scheduler libraries."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("aiogram", "slack_bolt", "slack_sdk", "sqlalchemy", "apscheduler", "bot", "handlers")


def test_import_linter_contract_is_kept() -> None:
    """The import-linter `forbidden` contract in pyproject.toml passes over the whole import graph."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint_imports is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken" in result.stdout


def test_importing_every_domain_module_loads_no_forbidden_package() -> None:
    """Importing all of knowledge/ and escalation/ in a fresh interpreter pulls in none of them."""
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in ("knowledge", "escalation")
        for path in (ROOT / package).glob("*.py")
    )
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
