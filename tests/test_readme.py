"""The README's quickstart runs exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_quickstart_runs_as_written(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    namespace: dict = {}
    exec(compile(python_blocks()[0], str(README), "exec"), namespace)
    namespace["test_failed_events_are_retried_on_aws_schedule"]()


def test_trigger_examples_run_as_written(lambda_mock, create_function):
    import json
    import sys

    import boto3
    import pytest

    for block in [b for b in python_blocks()[1:] if "def test_" in b]:
        if "aws_durable_execution_sdk_python" in block and sys.version_info < (3, 11):
            continue  # durable functions need Python 3.11 (their own tests say why they skip)
        namespace: dict = {"boto3": boto3, "json": json, "pytest": pytest}
        exec(compile(block, str(README), "exec"), namespace)
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                value(lambda_mock, create_function)
