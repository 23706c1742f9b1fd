"""What Lambda gives a durable handler and what it takes back (spec §3.1): the invocation input
(``DurableExecutionArn``, ``CheckpointToken``, ``InitialExecutionState`` with epoch-millisecond
timestamps) and the handler's output (``{"Status": SUCCEEDED | FAILED | PENDING, ...}``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def epoch_ms(at: datetime) -> int:
    return int(round(at.timestamp() * 1000))


def epoch_seconds(at: datetime) -> float:
    return round(at.timestamp(), 3)


@dataclass(frozen=True)
class Output:
    """A parsed handler output; ``problem`` says why it is not a valid one."""

    status: str | None
    result: str | None = None
    error: dict[str, Any] | None = None
    problem: str | None = None


def parse_output(payload: bytes) -> Output:
    """The handler's return value, checked as the testing package checks it (AWS does not
    document these rules)."""
    try:
        answer = json.loads(payload or b"null")
    except ValueError:
        return Output(None, problem="The durable handler's output is not JSON")
    if not isinstance(answer, dict) or answer.get("Status") not in ("SUCCEEDED", "FAILED", "PENDING"):
        return Output(None, problem="The durable handler's output has no Status of SUCCEEDED, FAILED or PENDING: "
                                    "is the handler wrapped in @durable_execution?")
    status, result, error = answer["Status"], answer.get("Result"), answer.get("Error")
    if status == "FAILED" and result is not None:
        return Output(None, problem="Cannot provide a Result for FAILED status.")
    if status == "SUCCEEDED" and error is not None:
        return Output(None, problem="Cannot provide an Error for SUCCEEDED status.")
    if result is not None and not isinstance(result, str):
        return Output(None, problem="The durable handler's Result must be a string")
    if error is not None and not isinstance(error, dict):
        return Output(None, problem="The durable handler's Error must be an ErrorObject")
    return Output(status, result, error)
