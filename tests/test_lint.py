"""The code stays ruff-clean under the project's rule set (pyproject.toml)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tools import require

ROOT = Path(__file__).parent.parent


def test_ruff_finds_nothing():
    require("ruff (pip install -e '.[test]')", importlib.util.find_spec("ruff") is not None)
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
