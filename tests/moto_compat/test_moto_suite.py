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
from run_moto_suite import Selection, SuiteError

RUNNER = Path(__file__).resolve().parent / "run_moto_suite.py"
SPLIT = "tests/test_awslambda/test_lambda_eventsourcemapping.py"
PARTS: dict[str, dict[str, list[str]]] = {"event-source-mappings": {"only": [SPLIT]}, "the-rest": {"skip": [SPLIT]}}


@pytest.mark.moto_compat
@pytest.mark.parametrize("part", PARTS)
def test_moto_lambda_suite_passes_under_mocklambda(part: str) -> None:
    options = [f"--{option}={path}" for option, paths in PARTS[part].items() for path in paths]
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--include-docker-tests", *options],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"run_moto_suite.py exited {result.returncode}\n"
        f"---- stdout ----\n{result.stdout}\n---- stderr ----\n{result.stderr}"
    )


def test_the_parts_run_every_test_of_the_suite_once() -> None:
    parts = [Selection(**selection) for selection in PARTS.values()]
    for node in ("tests/test_awslambda/test_lambda.py::test_get_function",
                 f"{SPLIT}::test_invoke_function_from_sns",
                 "tests/test_awslambda/test_lambda_eventsourcemapping_v2.py::test_a_file_added_by_a_new_moto",
                 "tests/test_awslambda_simple/test_lambda_simple.py::test_run_function[x::y]"):
        assert [part.covers(node) for part in parts].count(True) == 1, node
    assert parts[1].pytest_args() == ["tests/test_awslambda", "tests/test_awslambda_simple", f"--ignore={SPLIT}"]


def test_a_part_outside_the_lambda_tests_is_refused() -> None:
    with pytest.raises(SuiteError, match="not under tests/test_awslambda or tests/test_awslambda_simple: tests/test_s3"):
        Selection(only=["tests/test_s3"])
