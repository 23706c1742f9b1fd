"""moto's own Lambda tests pass under ``pytest --mocklambda``, except the AWS-vs-moto differences
listed in EXPECTED_DIFFERENCES.md (see run_moto_suite.py). Deselect with ``-m "not moto_compat"``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent / "run_moto_suite.py"


@pytest.mark.moto_compat
def test_moto_lambda_suite_passes_under_mocklambda() -> None:
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--include-docker-tests"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"run_moto_suite.py exited {result.returncode}\n"
        f"---- stdout ----\n{result.stdout}\n---- stderr ----\n{result.stderr}"
    )
