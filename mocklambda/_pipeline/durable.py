"""The durable execution engine of one running mock (issue 16): executions by ARN, their
invocations (each a normal run of the function, logged and counted), and their timers (waits, step
retries, callback and execution timeouts, retention) on the mock's event queue and clock.

One invocation of an execution at a time; a completion that comes while none runs owes the next
one (at once, on the queue). The state machines are ``_core.durable``; this module only decides
when to call them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .._core import aws_errors
from .._core.clock import Clock
from .._core.durable import arns, chained, tokens
from .._core.durable.execution import DurableExecution, Wakeup, conflict
from .._core.event_queue import EventQueue
from .._model import DurableExecutionView, DurableOperation, ExecutionResult, FunctionSnapshot, InvocationRequest
from .._ports import FunctionDirectory
from .._runtime.threads import in_handler
from ..errors import MockLambdaError
from .attempt import Dispatcher, Faults
from .telemetry import Telemetry

END_METRICS = {"SUCCEEDED": "DurableExecutionSucceeded", "FAILED": "DurableExecutionFailed",
               "TIMED_OUT": "DurableExecutionTimedOut", "STOPPED": "DurableExecutionStopped"}  # D11
SYNC_LIMIT_SECONDS = 900  # a synchronous invocation waits at most 15 minutes for its execution (D1)
ESM_TIMEOUT = "The durable execution ran longer than the 15 minutes an event source mapping waits (D3)"
ALREADY_STARTED = ("The durable execution with the specified name has already been started. Each durable "
                   "execution name must be unique within the function. Execution: {}")


@dataclass
class _Entry:
    execution: DurableExecution
    function: FunctionSnapshot  # its metrics' dimensions
    function_arn: str  # unqualified
    invocation_queued: bool = False
    timers: set[tuple[datetime, bool]] = field(default_factory=set)
    caller: tuple[str, str] | None = None  # a chained invoke's child: (caller's ARN, its operation's Id)
    control_tokens: set[tuple[str, str]] = field(default_factory=set)  # (operation, ClientToken) accepted
    caller_arn: str | None = None  # kept after the caller is told, for the view
    end_counted: bool = False


class DurableEngine:
    def __init__(self, clock: Clock, queue: EventQueue, dispatcher: Dispatcher, directory: FunctionDirectory,
                 telemetry: Telemetry, faults: Faults, realtime: bool) -> None:
        self._clock = clock
        self._telemetry = telemetry
        self._faults = faults
        self._queue = queue
        self._dispatcher = dispatcher
        self._directory = directory
        self._realtime = realtime
        self._lock = threading.RLock()
        self._entries: dict[str, _Entry] = {}

    # -- starting ---------------------------------------------------------------------------

    def check_supported(self) -> None:
        if self._realtime:
            raise aws_errors.invalid_parameter("mocklambda runs durable functions in mode='auto' or 'manual' "
                                               "only (the virtual clock); mode='realtime' does not support them yet")

    def start(self, function: FunctionSnapshot, payload: bytes, name: str | None,
              config: dict[str, Any]) -> DurableExecution:
        """A new execution (its first invocation queued at once), or the existing one of that
        name when the payload is the same (D6, Q1); AWS's 409 when it is not."""
        self.check_supported()
        text = payload.decode("utf-8") if payload else "{}"
        with self._lock:
            if name is not None:
                arns.check_name(name)
                existing = self._named(function.arn, name)
                if existing is not None:
                    if existing.input_payload != text:
                        raise aws_errors.AwsError(409, "DurableExecutionAlreadyStartedException",
                                                  ALREADY_STARTED.format(existing.arn), Type="User")
                    return existing
            execution_id = arns.new_execution_id()
            arn = arns.ExecutionArn(function.arn, function.version, name or execution_id, execution_id)
            return self._create(function, arn, text, config, None)

    def _create(self, function: FunctionSnapshot, arn: arns.ExecutionArn, text: str, config: dict[str, Any],
                caller: tuple[str, str] | None) -> DurableExecution:
        now = self._clock.now()
        execution = DurableExecution(arn, text, config, now)
        entry = self._entries[execution.arn] = _Entry(execution, function, arn.function_arn, caller=caller,
                                                      caller_arn=caller[0] if caller else None)
        self._count(entry, "DurableExecutionStarted", 1, now)
        self._settle(entry)
        return execution

    def _count(self, entry: _Entry, name: str, value: float, at: datetime, unit: str = "Count") -> None:
        self._telemetry.count(entry.function, name, value, at, unit,
                              invoked_arn=f"{entry.function_arn}:{entry.execution.parts.version}")

    def _named(self, function_arn: str, name: str) -> DurableExecution | None:
        for entry in self._entries.values():
            if entry.function_arn == function_arn and entry.execution.name == name:
                return entry.execution
        return None

    def run_to_end(self, execution: DurableExecution, limit_seconds: float) -> bool:
        """A synchronous invocation: move the mock's clock (running whatever comes due meanwhile,
        in order) until the execution ends or ``limit_seconds`` have passed (D1); True if it ended."""
        if in_handler():
            raise aws_errors.invalid_parameter(
                "mocklambda cannot invoke a durable function synchronously from handler code yet: "
                "use InvocationType='Event'")
        deadline = self._clock.offset() + limit_seconds
        self._queue.run_until(lambda: execution.terminal, deadline)
        if not execution.terminal:  # the caller waited the whole limit (virtual time)
            self._queue.run_until(lambda: False, deadline)
            self._clock.jump_to(deadline)
        return execution.terminal

    def run_for_mapping(self, function: FunctionSnapshot, request: InvocationRequest) -> ExecutionResult:
        """An event source mapping's batch: a new execution each time, retries included (D4),
        waited for to its end; past 15 minutes it times out and fails, and the mapping gets a
        timeout error to handle by its retry settings (D3)."""
        config = self._directory.durable_config(function)
        assert config is not None
        execution = self.start(function, request.payload, None, config)
        if not self.run_to_end(execution, SYNC_LIMIT_SECONDS):
            with self._lock:
                entry = self._entries[execution.arn]
                execution.finish("TIMED_OUT", self._clock.now(), error={
                    "ErrorType": "Execution.Timeout", "ErrorMessage": ESM_TIMEOUT})
                self._settle(entry)
            return _result(None, {"ErrorType": "Sandbox.Timedout",
                                           "ErrorMessage": f"Task timed out after {SYNC_LIMIT_SECONDS:.2f} seconds"})
        if execution.status == "SUCCEEDED":
            return _result((execution.result or "null").encode(), None)
        return _result(None, execution.error or {"ErrorType": execution.status, "ErrorMessage": ""})

    # -- the API ------------------------------------------------------------------------------

    def get(self, arn: str) -> DurableExecution:
        entry = self._entries.get(arn)
        if entry is None:
            raise aws_errors.not_found_message(f"Durable execution not found: {arn}")
        return entry.execution

    def function_arn(self, arn: str) -> str:
        self.get(arn)
        return self._entries[arn].function_arn

    def executions(self, function_arn: str) -> list[DurableExecution]:
        """Every execution of the function (unqualified ARN) that still exists, oldest first."""
        with self._lock:
            return [entry.execution for entry in self._entries.values() if entry.function_arn == function_arn]

    def checkpoint(self, arn: str, token: str, updates: list[Any], client_token: str | None) -> dict[str, Any]:
        with self._lock:
            entry = self._entry_for_token(arn)
            self._inject(entry, "CheckpointDurableExecution")
            answer = entry.execution.checkpoint(token, updates, client_token, self._clock.now(),
                                                self._resolver(entry.execution))
            dispatches, entry.execution.dispatches = entry.execution.dispatches, []
            for started in dispatches:
                self._dispatch(entry, started)
            self._settle(entry)
            return answer

    def state(self, arn: str, token: str, marker: str | None, max_items: int | None) -> dict[str, Any]:
        with self._lock:
            entry = self._entry_for_token(arn)
            self._inject(entry, "GetDurableExecutionState")
            return entry.execution.state_page(token, marker, max_items)

    def _inject(self, entry: _Entry, call: str) -> None:
        """A fault the test asked for on the SDK's own calls: AWS's 429 or 500, which the SDK
        treats as retryable (its invocation fails and Lambda invokes it again)."""
        fault = self._faults.next(entry.function.name, call)
        if fault == "throttle":
            raise aws_errors.throttled("CallerRateLimitExceeded")
        if fault == "system_error":
            raise aws_errors.AwsError(500, "ServiceException", f"mocklambda: an injected service error on {call}")

    def _entry_for_token(self, arn: str) -> _Entry:
        entry = self._entries.get(arn)
        if entry is None:  # the model lists no ResourceNotFoundException for the token's calls
            raise aws_errors.invalid_parameter("Invalid checkpoint token")
        return entry

    def callback(self, callback_id: str, outcome: str, result: str | None = None,
                 error: dict[str, Any] | None = None) -> None:
        """SendDurableExecutionCallback{Success,Failure,Heartbeat}."""
        decoded = tokens.decode_callback_id(callback_id)
        with self._lock:
            entry = self._entries.get(decoded[0]) if decoded is not None else None
            if entry is None or decoded is None:
                raise aws_errors.not_found_message(f"Callback not found: {callback_id}")
            entry.execution.callback(decoded[1], outcome, self._clock.now(), result, error)
            self._settle(entry)

    def stop(self, arn: str, error: dict[str, Any] | None) -> datetime:
        with self._lock:
            entry = self._entries.get(arn)
            if entry is None:
                raise aws_errors.not_found_message(f"Durable execution not found: {arn}")
            now = self._clock.now()
            entry.execution.stop(now, error)
            self._settle(entry)
            return now

    def pause(self, arn: str, reason: str | None, timeout_paused: bool, client_token: str | None) -> None:
        """PauseDurableExecution; the same ClientToken again is the same (accepted) request."""
        with self._lock:
            entry = self._existing(arn)
            if client_token is not None and ("pause", client_token) in entry.control_tokens:
                return
            entry.execution.pause(self._clock.now(), reason, timeout_paused)
            if client_token is not None:
                entry.control_tokens.add(("pause", client_token))
            self._settle(entry)

    def resume(self, arn: str, reason: str | None, client_token: str | None) -> None:
        with self._lock:
            entry = self._existing(arn)
            if client_token is not None and ("resume", client_token) in entry.control_tokens:
                return
            entry.execution.resume(self._clock.now(), reason)
            if client_token is not None:
                entry.control_tokens.add(("resume", client_token))
            self._settle(entry)

    def _existing(self, arn: str) -> _Entry:
        entry = self._entries.get(arn)
        if entry is None:
            raise aws_errors.not_found_message(f"Durable execution not found: {arn}")
        return entry

    def delete(self, arn: str) -> datetime:
        """An ended execution is gone at once (its name is free again); AWS's DELETING status
        lasts no time here."""
        with self._lock:
            execution = self.get(arn)
            if not execution.terminal:
                raise conflict(f"The durable execution is {execution.status}: only an execution in a "
                               "terminal state (SUCCEEDED, FAILED, STOPPED or TIMED_OUT) can be deleted")
            del self._entries[arn]
            return self._clock.now()

    # -- what comes due -----------------------------------------------------------------------

    def _settle(self, entry: _Entry) -> None:
        """Queue the invocation the execution is owed, and a timer for each time it names."""
        execution = entry.execution
        if execution.terminal and not entry.end_counted:
            self._count_end(entry)
        if execution.terminal and entry.caller is not None:
            self._report_to_caller(entry)
        if execution.wants_invocation and not execution.running and not execution.terminal \
                and not execution.paused and not entry.invocation_queued:
            entry.invocation_queued = True
            self._queue.call_at(self._clock.offset(), lambda: self._invoke(entry),
                                f"durable invocation of {execution.arn}")
        for wakeup in execution.wakeups():
            key = (wakeup.due, wakeup.deadline)
            if key not in entry.timers:
                entry.timers.add(key)
                self._queue.call_at(self._offset(wakeup.due), self._waker(entry, wakeup),
                                    f"durable timer of {execution.arn}", background=wakeup.deadline)

    def _count_end(self, entry: _Entry) -> None:
        """The durable metrics of an ended execution (D11): how it ended, how long it ran, and
        how many operations it made."""
        entry.end_counted = True
        execution = entry.execution
        end = execution.end or self._clock.now()
        self._count(entry, END_METRICS[execution.status], 1, end)
        self._count(entry, "DurableExecutionDuration", (end - execution.start).total_seconds() * 1000, end,
                    "Milliseconds")
        self._count(entry, "DurableExecutionOperations", len(execution.operations) - 1, end)

    def _offset(self, at: datetime) -> float:
        return (at - self._clock.started_at).total_seconds()

    def _waker(self, entry: _Entry, wakeup: Wakeup) -> Callable[[], None]:
        def wake() -> None:
            with self._lock:
                entry.timers.discard((wakeup.due, wakeup.deadline))
                now = max(self._clock.now(), wakeup.due)  # the float offset may round below the due time
                execution = entry.execution
                if execution.terminal:
                    expires = execution.expires_at
                    if expires is not None and expires <= now:
                        self._entries.pop(execution.arn, None)  # retention is over: the name is free
                    return
                execution.complete_due(now)
                self._settle(entry)

        return wake

    def _invoke(self, entry: _Entry) -> None:
        """One invocation of the execution: the function runs with the envelope as its event."""
        execution = entry.execution
        with self._lock:
            entry.invocation_queued = False
            if execution.terminal or execution.running or execution.paused or not execution.wants_invocation:
                return
            function = self._directory.function_now(f"{entry.function_arn}:{execution.parts.version}")
            if function is None:
                execution.finish("FAILED", self._clock.now(), error={
                    "ErrorType": "ResourceNotFoundException",
                    "ErrorMessage": f"Function not found: {entry.function_arn}:{execution.parts.version}"})
                self._settle(entry)  # its caller, its metrics, its retention: as for any end
                return
            injected = self._faults.next(function.name)
            if injected is not None:  # the invocation does not run; the execution tries again (Q3)
                if injected == "throttle":
                    self._count(entry, "Throttles", 1, self._clock.now())
                execution.invocation_refused(self._clock.now())
                self._settle(entry)
                return
            envelope = execution.begin_invocation()
        request_id = str(uuid.uuid4())
        error: dict[str, Any] | None = None
        output: bytes | None = None
        try:
            request = InvocationRequest(request_id, json.dumps(envelope).encode(),
                                        f"{function.arn}:{function.version}")
            result = self._dispatcher.run_now(function, request, inline=True)
            if result.failed:
                error = {"ErrorType": result.error_type or "Unhandled", "ErrorMessage": result.error_message or ""}
            else:
                output = result.payload
        except MockLambdaError as misuse:  # the test author's, for the test to see; the invocation failed
            error = {"ErrorType": "MockLambdaError", "ErrorMessage": str(misuse)}
            raise
        except Exception as fault:  # a fault of ours: the invocation failed, the execution retries it
            error = _our_fault(fault)
        finally:  # whatever happened, the invocation is over: never an execution left running for ever
            with self._lock:
                execution.end_invocation(self._clock.now(), request_id, output, error)
                self._settle(entry)

    # -- looking ------------------------------------------------------------------------------

    def views(self, function_name: str | None = None) -> list[DurableExecutionView]:
        """Every execution that still exists (oldest first), optionally of one function (name or ARN)."""
        with self._lock:
            entries = [entry for entry in self._entries.values()
                       if function_name is None or function_name in (entry.function.name, entry.function_arn)]
            return [_view(entry) for entry in entries]

    def all(self) -> list[DurableExecution]:
        with self._lock:
            return [entry.execution for entry in self._entries.values()]

    # -- chained invokes ----------------------------------------------------------------------

    def _resolver(self, execution: DurableExecution) -> chained.Resolver:
        """A chained invoke's target, looked up when its START is checkpointed: the version it
        runs and, for a durable function, its child execution's ARN (chosen now, made when the
        checkpoint is applied); a function that does not exist fails the operation at once."""
        prefix = execution.parts.function_arn.split(":function:")[0]  # arn:<partition>:lambda:<region>:<account>
        region, account_id = prefix.split(":")[3:5]

        def resolve(function_name: str) -> chained.Target:
            target = chained.parse_target(function_name, account_id, region)
            if target.qualifier == "$LATEST.PUBLISHED":
                raise aws_errors.invalid_parameter("mocklambda does not support the $LATEST.PUBLISHED qualifier (Q8)")
            unqualified = f"{prefix}:function:{target.name}"
            invoked = f"{unqualified}:{target.qualifier}" if target.qualifier else unqualified
            function = self._directory.function_now(invoked)
            if function is None:
                return chained.Target(error=_not_found(invoked))
            if self._directory.durable_config(function) is None:
                return chained.Target(invoked, function.version)
            execution_id = arns.new_execution_id()
            child = arns.ExecutionArn(function.arn, function.version, execution_id, execution_id)
            return chained.Target(invoked, function.version, str(child))

        return resolve

    def _dispatch(self, entry: _Entry, started: chained.Started) -> None:
        """Start a chained invoke's target: a durable one's child execution at once, a plain one's
        single invocation on the queue (after the caller's invocation, as on AWS)."""
        caller = (entry.execution.arn, started.operation_id)
        if started.target.child_arn is not None:
            child = arns.parse(started.target.child_arn)
            function = self._directory.function_now(f"{child.function_arn}:{child.version}")
            config = self._directory.durable_config(function) if function is not None else None
            if function is not None and config is not None:
                self._create(function, child, started.payload, config, caller)
            else:
                self._complete_caller(caller, "FAILED", None, _not_found(started.target.invoked_arn))
            return
        self._queue.call_at(self._clock.offset(), lambda: self._run_plain(caller, started),
                            f"chained invoke of {started.operation_id} from {entry.execution.arn}")

    def _run_plain(self, caller: tuple[str, str], started: chained.Started) -> None:
        """A plain target's one synchronous invocation; its result or function error is the outcome."""
        function = self._directory.function_now(started.target.invoked_arn or "")
        if function is None:  # deleted meanwhile
            self._complete_caller(caller, "FAILED", None, _not_found(started.target.invoked_arn))
            return
        request = InvocationRequest(str(uuid.uuid4()), started.payload.encode("utf-8"),
                                    started.target.invoked_arn or function.arn)
        try:
            result = self._dispatcher.run_now(function, request, inline=True)
        except MockLambdaError:
            raise
        except Exception as fault:  # a fault of ours: the operation fails with it, loudly
            self._complete_caller(caller, "FAILED", None, _our_fault(fault))
            return
        if result.failed:
            outcome = chained.invocation_outcome(None, {"ErrorType": result.error_type or "Unhandled",
                                                        "ErrorMessage": result.error_message or ""})
        else:
            outcome = chained.invocation_outcome(result.payload.decode("utf-8", "replace"), None)
        self._complete_caller(caller, *outcome)

    def _report_to_caller(self, entry: _Entry) -> None:
        """A chained invoke's child execution has ended: its caller's operation ends with it."""
        caller, entry.caller = entry.caller, None
        assert caller is not None
        execution = entry.execution
        self._complete_caller(caller, *chained.child_outcome(execution.status, execution.result, execution.error,
                                                             int(execution.config["ExecutionTimeout"])))

    def _complete_caller(self, caller: tuple[str, str], status: str, result: str | None,
                         error: dict[str, Any] | None) -> None:
        with self._lock:
            entry = self._entries.get(caller[0])
            if entry is None:
                return
            entry.execution.complete_chained(caller[1], status, result, error, self._clock.now())
            self._settle(entry)


def _result(output: bytes | None, error: dict[str, Any] | None) -> ExecutionResult:
    """What the mapping sees of an execution: its result, or its error as a function error."""
    if error is None:
        return ExecutionResult(output or b"null", None, None, "", "")
    body = {"errorMessage": error.get("ErrorMessage", ""), "errorType": error.get("ErrorType", "Unhandled")}
    return ExecutionResult(json.dumps(body).encode(), body["errorType"], body["errorMessage"], "", "")


def _not_found(invoked_arn: str | None) -> dict[str, Any]:
    return {"ErrorType": "ResourceNotFoundException", "ErrorMessage": f"Function not found: {invoked_arn}"}


def _our_fault(fault: Exception) -> dict[str, Any]:
    return {"ErrorType": "ServiceException", "ErrorMessage": f"mocklambda: {type(fault).__name__}: {fault}"}


def _view(entry: _Entry) -> DurableExecutionView:
    execution = entry.execution
    operations = tuple(DurableOperation(op.id, op.type, op.status, op.start, op.end, op.name, op.sub_type,
                                        op.parent_id)
                       for op in sorted(execution.operations.values(), key=lambda op: op.sequence))
    return DurableExecutionView(execution.arn, execution.name, f"{entry.function_arn}:{execution.parts.version}",
                                execution.status, execution.start, execution.end, execution.input_payload,
                                execution.result, dict(execution.error) if execution.error is not None else None,
                                operations, execution.invocations, entry.caller_arn)
