"""moto's own Lambda tests pass under ``pytest --mocklambda``, except the AWS-vs-moto differences
listed in EXPECTED_DIFFERENCES.md (see run_moto_suite.py). Deselect with ``-m "not moto_compat"``.

The suite runs in two parts that together are all of it (one file, and everything but that file),
so that pytest-xdist runs them side by side: the event source mapping tests spend most of their
time waiting on moto's own real-time polls (10 s for one), the rest is CPU."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent / "run_moto_suite.py"
SPLIT = "tests/test_awslambda/test_lambda_eventsourcemapping.py"
PARTS = {"event-source-mappings": ["--only", SPLIT], "the-rest": ["--skip", SPLIT]}


@pytest.mark.moto_compat
@pytest.mark.parametrize("part", PARTS)
def test_moto_lambda_suite_passes_under_mocklambda(part: str) -> None:
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--include-docker-tests", *PARTS[part]],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"run_moto_suite.py exited {result.returncode}\n"
        f"---- stdout ----\n{result.stdout}\n---- stderr ----\n{result.stderr}"
    )
