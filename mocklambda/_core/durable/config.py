"""``DurableConfig`` on CreateFunction / UpdateFunctionConfiguration: its ranges (D9) and the
values a function keeps."""

from __future__ import annotations

import sys
from typing import Any

from .. import aws_errors

MAX_EXECUTION_TIMEOUT = 31_622_400  # 366 days (D9)
MAX_RETENTION_DAYS = 90
DEFAULT_RETENTION_DAYS = 14  # SAM, CDK and CloudFormation (D9; the history API doc says 30: Q2)
DEFAULT_EXECUTION_TIMEOUT = 86_400  # not documented (the member is optional): README choices table
_RANGES = {
    "ExecutionTimeout": ("durableConfig.executionTimeout", 1, MAX_EXECUTION_TIMEOUT),
    "RetentionPeriodInDays": ("durableConfig.retentionPeriodInDays", 1, MAX_RETENTION_DAYS),
}


def check(config: Any) -> dict[str, Any]:
    """The DurableConfig a function keeps (defaults filled in), or AWS's ValidationException naming
    every member out of its range. Then refused on Python 3.10: the SDK every durable handler uses
    needs 3.11, so no durable function could run in this interpreter."""
    if not isinstance(config, dict):
        raise aws_errors.invalid_parameter("DurableConfig must be an object")
    problems = []
    for member, (field, low, high) in _RANGES.items():
        value = config.get(member)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise aws_errors.invalid_parameter(f"DurableConfig.{member} must be an integer")
        if value < low:
            problems.append(aws_errors.constraint_text(field, str(value),
                                                       f"Member must have value greater than or equal to {low}"))
        elif value > high:
            problems.append(aws_errors.constraint_text(field, str(value),
                                                       f"Member must have value less than or equal to {high}"))
    if problems:
        raise aws_errors.validation_errors(problems)
    if sys.version_info < (3, 11):
        raise aws_errors.invalid_parameter(
            "mocklambda: durable functions need Python 3.11 or later (aws-durable-execution-sdk-python does); "
            f"these tests run Python {sys.version_info.major}.{sys.version_info.minor}")
    kept: dict[str, Any] = {
        "ExecutionTimeout": config.get("ExecutionTimeout", DEFAULT_EXECUTION_TIMEOUT),
        "RetentionPeriodInDays": config.get("RetentionPeriodInDays", DEFAULT_RETENTION_DAYS),
    }
    if config.get("KMSKeyArn"):
        kept["KMSKeyArn"] = config["KMSKeyArn"]
    return kept
