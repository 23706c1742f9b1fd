"""Chained invokes (``context.invoke``, spec §3.3): the service checks a CHAINED_INVOKE START and
resolves its target at once (the target in the execution's own account and region, an input of
at most 1 MiB), then the target's end gives the operation its outcome. Texts are the testing
package's (AWS documents none of them, Q10)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from .. import aws_errors
from .operations import Event, Operation, data, error_data, start

MAX_PAYLOAD_BYTES = 1_048_576
TIMEOUT_TYPE = "ChainedInvoke.Timeout"
_TARGET = re.compile(
    r"(?P<arn_prefix>arn:(aws[a-zA-Z-]*)?:lambda:)?"
    r"((?P<region>(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):)?"
    r"((?P<account_id>\d{12}):)?"
    r"(function:)?"
    r"(?P<name>[a-zA-Z0-9-_\.]+)"
    r"(:(?P<qualifier>\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
TERMINAL_EVENTS = {"SUCCEEDED": "ChainedInvokeSucceeded", "FAILED": "ChainedInvokeFailed",
                   "TIMED_OUT": "ChainedInvokeTimedOut", "STOPPED": "ChainedInvokeStopped"}


class TargetName(NamedTuple):
    name: str
    qualifier: str | None


def parse_target(function_name: Any, account_id: str, region: str) -> TargetName:
    """``ChainedInvokeOptions.FunctionName`` (a name, a partial or full ARN, with or without a
    qualifier), refused unless it names a function of the caller's own account and region."""
    match = (_TARGET.fullmatch(function_name)
             if isinstance(function_name, str) and 0 < len(function_name) <= 256 else None)
    if match is None or (match.group("arn_prefix") and not (match.group("region") and match.group("account_id"))):
        raise aws_errors.invalid_parameter(f"Invalid function ARN '{function_name}'")
    if match.group("account_id") not in (None, account_id):
        raise aws_errors.invalid_parameter("Cannot start a CHAINED_INVOKE on a function in another account.")
    if match.group("region") not in (None, region):
        raise aws_errors.invalid_parameter("Cannot start a CHAINED_INVOKE on a function in another region.")
    return TargetName(match.group("name"), match.group("qualifier"))


@dataclass(frozen=True)
class Target:
    """What the engine resolved a target to: the version it runs and, for a durable target, the
    ARN its child execution will have; or the ``error`` that fails the operation at once."""

    invoked_arn: str | None = None  # the target as invoked (qualified when the handler qualified it)
    executed_version: str | None = None
    child_arn: str | None = None
    error: dict[str, Any] | None = None


@dataclass(frozen=True)
class Started:
    """A chained invoke the engine dispatches once its checkpoint is applied."""

    operation_id: str
    target: Target
    payload: str


Resolver = Callable[[str], Target]


def check(update: dict[str, Any]) -> str:
    """The START's own shape; answers the target's name as the handler gave it."""
    if update["Action"] != "START":
        raise aws_errors.invalid_parameter("Invalid action for CHAINED_INVOKE operation.")
    options = update.get("ChainedInvokeOptions")
    if not isinstance(options, dict) or "FunctionName" not in options:
        raise aws_errors.invalid_parameter("Update for CHAINED_INVOKE operation requires ChainedInvokeOptions.")
    if options.get("TenantId") is not None:
        raise aws_errors.invalid_parameter(
            "mocklambda does not support TenantId on chained invokes (tenant isolation is not modelled): "
            "see the README's 'Durable functions' section")
    payload = update.get("Payload")
    if payload is not None and len(str(payload).encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise aws_errors.invalid_parameter(
            f"CHAINED_INVOKE input payload size must be less than or equal to {MAX_PAYLOAD_BYTES} bytes.")
    return str(options["FunctionName"])


def begin(op: Operation | None, update: dict[str, Any], now: datetime, sequence: int,
          resolve: Resolver) -> tuple[Operation, list[Event], Started | None]:
    """The operation a START makes (STARTED, or FAILED at once when the target cannot be
    invoked), its events, and the dispatch it owes."""
    function_name = check(update)
    if op is not None:
        raise aws_errors.invalid_parameter("Cannot start a CHAINED_INVOKE operation that already exists.")
    target = resolve(function_name)
    op = start(update, now, sequence)
    details: dict[str, Any] = {"FunctionName": function_name}
    if update.get("Payload") is not None:
        details["Input"] = data(update["Payload"])
    if target.executed_version is not None:
        details["ExecutedVersion"] = target.executed_version
    if target.child_arn is not None:
        details["DurableExecutionArn"] = target.child_arn
    events: list[Event] = [("ChainedInvokeStarted", op, now, details)]
    if target.error is not None:
        events += complete(op, "FAILED", None, target.error, now)
        return op, events, None
    payload = update.get("Payload")
    return op, events, Started(op.id, target, payload if payload is not None else "{}")


def complete(op: Operation, status: str, result: str | None, error: dict[str, Any] | None,
             now: datetime) -> list[Event]:
    """The target's end: SUCCEEDED with its result, or FAILED / TIMED_OUT / STOPPED with an error."""
    op.status, op.end, op.result, op.error = status, now, result, error
    if status == "SUCCEEDED":
        return [(TERMINAL_EVENTS[status], op, now, {"Result": data(result)})]
    return [(TERMINAL_EVENTS[status], op, now, {"Error": error_data(error)})]


def child_outcome(status: str, result: str | None, error: dict[str, Any] | None,
                  execution_timeout: int) -> tuple[str, str | None, dict[str, Any] | None]:
    """A durable target's end as its caller's operation sees it (the testing package's mapping)."""
    if status == "SUCCEEDED":
        return invocation_outcome(result, None)
    if status == "TIMED_OUT":
        return "TIMED_OUT", None, {"ErrorType": TIMEOUT_TYPE,
                                   "ErrorMessage": f"CHAINED_INVOKE timed out after {execution_timeout} seconds."}
    if status == "STOPPED":
        return "STOPPED", None, error or {}
    return "FAILED", None, error or {"ErrorMessage": "Chained invoke failed."}


def invocation_outcome(result: str | None, error: dict[str, Any] | None) -> tuple[str, str | None,
                                                                                  dict[str, Any] | None]:
    """A target's result (at most 1 MiB) or function error."""
    if error is not None:
        return "FAILED", None, error
    if result is not None and len(result.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        return "FAILED", None, {"ErrorMessage": "CHAINED_INVOKE output payload size must be less than or equal "
                                                f"to {MAX_PAYLOAD_BYTES} bytes."}
    return "SUCCEEDED", result, None
