"""Durable execution ARNs: ``<function ARN>:<version>/durable-execution/<name>/<id>`` (botocore's
pattern; always qualified by a version, never an alias)."""

from __future__ import annotations

import re
import uuid
from typing import NamedTuple

from .. import aws_errors

_ARN = re.compile(
    r"^(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]+):(\$LATEST(?:\.PUBLISHED)?|[0-9]+)"
    r"/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)$"
)
NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class ExecutionArn(NamedTuple):
    function_arn: str  # unqualified
    version: str
    name: str
    execution_id: str

    def __str__(self) -> str:
        return f"{self.function_arn}:{self.version}/durable-execution/{self.name}/{self.execution_id}"


def new_execution_id() -> str:
    """The ARN's last segment: the EXECUTION operation's Id, which the SDK looks up (spec §3.1)."""
    return uuid.uuid4().hex


def parse(text: str) -> ExecutionArn:
    match = _ARN.match(text)
    if match is None:
        raise aws_errors.invalid_parameter(f"Invalid durable execution ARN: {text}")
    return ExecutionArn(*match.groups())


def check_name(name: str) -> None:
    """``DurableExecutionName``: 1-64 of ``[a-zA-Z0-9-_]`` (botocore checks only the length)."""
    if not NAME.match(name):
        raise aws_errors.validation("durableExecutionName", name,
                                    "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+")
