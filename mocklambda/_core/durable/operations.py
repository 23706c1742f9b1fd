"""The operations of a durable execution and their state machines (spec §3.3): what each
``OperationUpdate`` the SDK checkpoints does to an operation, and the history events it makes.

EXECUTION, STEP (retries: PENDING until ``NextAttemptTimestamp``, then READY), WAIT, CALLBACK and
CONTEXT are here; CHAINED_INVOKE's START is ``chained``'s (it resolves a target).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .. import aws_errors

TYPES = ("EXECUTION", "CONTEXT", "STEP", "WAIT", "CALLBACK", "CHAINED_INVOKE")
ACTIONS = ("START", "SUCCEED", "FAIL", "RETRY", "CANCEL")
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"})
MAX_ERROR_BYTES = 32_768  # the testing package's limit on an error object (AWS: not documented)
Event = tuple[str, "Operation", datetime, dict[str, Any]]  # (EventType, operation, when, details)


def data(value: str | None) -> dict[str, Any]:
    """An EventInput / EventResult: its payload (dropped when execution data is not asked for)."""
    return {"Payload": value if value is not None else "", "Truncated": False}


def error_data(error: dict[str, Any] | None) -> dict[str, Any]:
    return {"Payload": error or {}, "Truncated": False}


@dataclass
class Operation:
    """One operation as the service keeps it; ``changed`` is the execution's change counter when
    it last changed (what the handler has not seen yet is sent to it, spec §3.4)."""

    id: str
    type: str
    status: str
    start: datetime
    sequence: int
    parent_id: str | None = None
    name: str | None = None
    sub_type: str | None = None
    end: datetime | None = None
    changed: int = 0
    input_payload: str | None = None  # EXECUTION
    result: str | None = None
    error: dict[str, Any] | None = None
    attempt: int = 0  # STEP: retries so far
    next_attempt: datetime | None = None  # STEP, while PENDING
    scheduled_end: datetime | None = None  # WAIT
    wait_seconds: int = 0
    callback_id: str | None = None
    timeout_at: datetime | None = None  # CALLBACK: TimeoutSeconds from the start
    heartbeat_seconds: int = 0
    heartbeat_at: datetime | None = None
    replay_children: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_api(self, stamp: Callable[[datetime], Any]) -> dict[str, Any]:
        """The ``Operation`` shape; ``stamp`` writes timestamps (API: epoch seconds; the
        invocation envelope: epoch milliseconds)."""
        answer: dict[str, Any] = {"Id": self.id}
        for key, value in (("ParentId", self.parent_id), ("Name", self.name)):
            if value is not None:
                answer[key] = value
        answer["Type"] = self.type
        if self.sub_type is not None:
            answer["SubType"] = self.sub_type
        answer["StartTimestamp"] = stamp(self.start)
        if self.end is not None:
            answer["EndTimestamp"] = stamp(self.end)
        answer["Status"] = self.status
        details = self._details(stamp)
        if details is not None:
            answer[details[0]] = details[1]
        return answer

    def _details(self, stamp: Callable[[datetime], Any]) -> tuple[str, dict[str, Any]] | None:
        outcome = _without_none({"Result": self.result, "Error": self.error})
        if self.type == "EXECUTION":
            return "ExecutionDetails", _without_none({"InputPayload": self.input_payload})
        if self.type == "STEP":
            step = {"Attempt": self.attempt, **outcome}
            if self.next_attempt is not None and self.status == "PENDING":
                step["NextAttemptTimestamp"] = stamp(self.next_attempt)
            return "StepDetails", step
        if self.type == "WAIT":
            return "WaitDetails", {"ScheduledEndTimestamp": stamp(self.scheduled_end or self.start)}
        if self.type == "CALLBACK":
            return "CallbackDetails", {"CallbackId": self.callback_id or "", **outcome}
        if self.type == "CONTEXT":
            return "ContextDetails", _without_none({"ReplayChildren": self.replay_children, **outcome})
        if self.type == "CHAINED_INVOKE":
            return "ChainedInvokeDetails", outcome
        return None


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def refuse(message: str) -> aws_errors.AwsError:
    return aws_errors.invalid_parameter(message)


def check_update(update: Any) -> None:
    """An ``OperationUpdate``'s own shape: the members botocore does not check (enums, patterns)."""
    if not isinstance(update, dict):
        raise refuse("Each update must be an OperationUpdate object")
    if update.get("Type") not in TYPES:
        raise aws_errors.validation("updates.member.type", str(update.get("Type")),
                                    f"Member must satisfy enum value set: [{', '.join(TYPES)}]")
    if update.get("Action") not in ACTIONS:
        raise aws_errors.validation("updates.member.action", str(update.get("Action")),
                                    f"Member must satisfy enum value set: [{', '.join(ACTIONS)}]")
    if not isinstance(update.get("Id"), str) or not 1 <= len(update["Id"]) <= 64:
        raise refuse("Each update needs an Id of 1 to 64 characters")
    if update.get("Action") == "FAIL" and update.get("Payload") is not None:
        raise refuse(f"Cannot provide a Payload for a FAIL action ({update['Type']} {update['Id']})")
    if update.get("Action") == "SUCCEED" and update.get("Error") is not None:
        raise refuse(f"Cannot provide an Error for a SUCCEED action ({update['Type']} {update['Id']})")
    error = update.get("Error")
    if error is not None and len(repr(error).encode()) > MAX_ERROR_BYTES:
        raise refuse(f"Error object of {update['Id']} is larger than {MAX_ERROR_BYTES} bytes")


def start(update: dict[str, Any], now: datetime, sequence: int) -> Operation:
    """A new operation from its first update."""
    return Operation(id=update["Id"], type=update["Type"], status="STARTED", start=now, sequence=sequence,
                     parent_id=update.get("ParentId"), name=update.get("Name"), sub_type=update.get("SubType"))


def apply(op: Operation | None, update: dict[str, Any], now: datetime, sequence: int,
          make_callback_id: Callable[[str], str]) -> tuple[Operation, list[Event]]:
    """The operation after ``update`` and the history events it makes; AWS's refusal (as
    InvalidParameterValueException) for a transition the operation's state does not allow."""
    kind, action = update["Type"], update["Action"]
    if op is not None:
        for member, value in (("Type", op.type), ("SubType", op.sub_type), ("Name", op.name),
                              ("ParentId", op.parent_id)):
            if member in update and update[member] != value:
                raise refuse(f"Cannot change the {member} of operation {op.id}")
    handler = _HANDLERS.get(kind)
    assert handler is not None  # check_update refused the rest
    return handler(op, update, action, now, sequence, make_callback_id)


def _step(op: Operation | None, update: dict[str, Any], action: str, now: datetime, sequence: int,
          _: Callable[[str], str]) -> tuple[Operation, list[Event]]:
    if action == "START":
        if op is not None and op.status != "READY":
            raise refuse(f"Cannot start STEP {update['Id']}: it is {op.status}")
        if op is None:
            op = start(update, now, sequence)
            return op, [("StepStarted", op, now, {})]
        op.status, op.next_attempt = "STARTED", None
        return op, [("StepStarted", op, now, {})]
    if op is None:  # START and its outcome may come in one batch, but START must come first
        op = start(update, now, sequence)
        events: list[Event] = [("StepStarted", op, now, {})]
    else:
        events = []
        if op.status not in ("STARTED", "READY"):
            raise refuse(f"Cannot {action} STEP {op.id}: it is {op.status}")
    retry = {"CurrentAttempt": op.attempt + 1}
    if action == "SUCCEED":
        op.status, op.end, op.result = "SUCCEEDED", now, update.get("Payload")
        events.append(("StepSucceeded", op, now, {"Result": data(op.result), "RetryDetails": retry}))
    elif action == "FAIL":
        op.status, op.end, op.error = "FAILED", now, update.get("Error")
        events.append(("StepFailed", op, now, {"Error": error_data(op.error), "RetryDetails": retry}))
    elif action == "RETRY":
        delay = (update.get("StepOptions") or {}).get("NextAttemptDelaySeconds")
        if not isinstance(delay, int) or delay < 1:
            raise refuse(f"A RETRY of STEP {op.id} needs StepOptions.NextAttemptDelaySeconds >= 1")
        if update.get("Error") is not None and update.get("Payload") is not None:
            raise refuse(f"A RETRY of STEP {op.id} takes an Error or a Payload, not both")
        retry["NextAttemptDelaySeconds"] = delay
        op.status, op.next_attempt = "PENDING", now + timedelta(seconds=delay)
        op.error, op.result = update.get("Error"), update.get("Payload")
        if op.error is not None:
            events.append(("StepFailed", op, now, {"Error": error_data(op.error), "RetryDetails": retry}))
        else:  # wait_for_condition's poll: a RETRY with state (spec §3.3)
            events.append(("StepSucceeded", op, now, {"Result": data(op.result), "RetryDetails": retry}))
        op.attempt += 1
    else:
        raise refuse(f"Invalid action for STEP operation: {action}")
    return op, events


def _wait(op: Operation | None, update: dict[str, Any], action: str, now: datetime, sequence: int,
          _: Callable[[str], str]) -> tuple[Operation, list[Event]]:
    if action == "START":
        if op is not None:
            raise refuse(f"Cannot start WAIT {op.id} again")
        seconds = (update.get("WaitOptions") or {}).get("WaitSeconds")
        if not isinstance(seconds, int) or not 1 <= seconds <= 31_622_400:
            raise refuse("A WAIT needs WaitOptions.WaitSeconds between 1 and 31622400")
        op = start(update, now, sequence)
        op.wait_seconds, op.scheduled_end = seconds, now + timedelta(seconds=seconds)
        return op, [("WaitStarted", op, now, {"Duration": seconds, "ScheduledEndTimestamp": op.scheduled_end})]
    if action == "CANCEL" and op is not None and op.status == "STARTED":
        op.status, op.end = "CANCELLED", now
        return op, [("WaitCancelled", op, now, {"Error": error_data(update.get("Error"))})]
    raise refuse(f"Invalid action for WAIT operation: {action}")


def _callback(op: Operation | None, update: dict[str, Any], action: str, now: datetime, sequence: int,
              make_callback_id: Callable[[str], str]) -> tuple[Operation, list[Event]]:
    if action != "START" or op is not None:
        raise refuse(f"Invalid action for CALLBACK operation: {action} (only START, once)")
    options = update.get("CallbackOptions") or {}
    timeout, heartbeat = options.get("TimeoutSeconds") or 0, options.get("HeartbeatTimeoutSeconds") or 0
    op = start(update, now, sequence)
    op.callback_id = make_callback_id(op.id)
    op.timeout_at = now + timedelta(seconds=timeout) if timeout else None
    op.heartbeat_seconds = heartbeat
    op.heartbeat_at = now + timedelta(seconds=heartbeat) if heartbeat else None
    details: dict[str, Any] = {"CallbackId": op.callback_id}
    if heartbeat:
        details["HeartbeatTimeout"] = heartbeat
    if timeout:
        details["Timeout"] = timeout
    return op, [("CallbackStarted", op, now, details)]


def _context(op: Operation | None, update: dict[str, Any], action: str, now: datetime, sequence: int,
             _: Callable[[str], str]) -> tuple[Operation, list[Event]]:
    if action == "START":
        if op is not None:
            raise refuse(f"Cannot start CONTEXT {op.id} again")
        op = start(update, now, sequence)
        return op, [("ContextStarted", op, now, {})]
    events: list[Event] = []
    if op is None:
        op = start(update, now, sequence)
        events.append(("ContextStarted", op, now, {}))
    elif op.status != "STARTED":
        raise refuse(f"Cannot {action} CONTEXT {op.id}: it is {op.status}")
    op.replay_children = (update.get("ContextOptions") or {}).get("ReplayChildren")
    if action == "SUCCEED":
        op.status, op.end, op.result = "SUCCEEDED", now, update.get("Payload")
        events.append(("ContextSucceeded", op, now, {"Result": data(op.result)}))
    elif action == "FAIL":
        op.status, op.end, op.error = "FAILED", now, update.get("Error")
        events.append(("ContextFailed", op, now, {"Error": error_data(op.error)}))
    else:
        raise refuse(f"Invalid action for CONTEXT operation: {action}")
    return op, events


_HANDLERS = {"STEP": _step, "WAIT": _wait, "CALLBACK": _callback, "CONTEXT": _context}
