"""One durable execution as the service keeps it: its operations, history, checkpoint token and
invocations, and every transition (checkpoints, timers coming due, callbacks, invocation ends,
stop, timeout). Pure: each call gets ``now``; the caller schedules what ``wakeups`` names."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .. import aws_errors
from . import chained, operations, tokens
from .arns import ExecutionArn
from .envelope import epoch_ms, epoch_seconds, parse_output
from .history import History, page_of
from .operations import Operation, data, error_data

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
MAX_FAILED_INVOCATIONS = 5  # the testing package's service model (Q3: AWS does not document it)
INVOCATION_RETRY_SECONDS = 5
ENVELOPE_PAGE = 100  # operations in InitialExecutionState before the SDK pages with GetDurableExecutionState
INVALID_TOKEN = "Invalid checkpoint token"
CALLBACK_CLOSED = ("The callback ID token has either expired or the callback associated with the token has "
                   "already been closed")
_WORK_STATUSES = {"WAIT": "STARTED", "STEP": "PENDING", "CHAINED_INVOKE": "STARTED"}
PAUSED_TIMEOUT_CAP = timedelta(days=366)  # "still times out 366 days after it started" (D17)


def _no_chained_invoke(function_name: str) -> chained.Target:
    raise aws_errors.invalid_parameter("This execution cannot start chained invokes")


def conflict(message: str) -> aws_errors.AwsError:
    return aws_errors.AwsError(409, "ResourceConflictException", message)


def callback_closed() -> aws_errors.AwsError:
    return aws_errors.AwsError(400, "CallbackTimeoutException", CALLBACK_CLOSED)


@dataclass(frozen=True)
class PauseRequest:
    """PauseDurableExecution's request, kept while the execution is PAUSING or PAUSED."""

    at: datetime
    reason: str | None
    timeout_paused: bool


@dataclass(frozen=True)
class Wakeup:
    """A time the execution needs the pipeline to come back; a ``deadline`` (a timeout, the end
    of retention) is not work that ``run_until_idle`` jumps the clock to reach."""

    due: datetime
    deadline: bool


class DurableExecution:
    def __init__(self, arn: ExecutionArn, input_payload: str, config: dict[str, Any], now: datetime,
                 retention_from_end: bool = True) -> None:
        self.parts = arn
        self.arn = str(arn)
        self.name = arn.name
        self.input_payload = input_payload
        self.config = config
        self.status = "RUNNING"
        self.start = now
        self.end: datetime | None = None
        self.result: str | None = None
        self.error: dict[str, Any] | None = None
        self.timeout_at = now + timedelta(seconds=int(config["ExecutionTimeout"]))
        self.history = History()
        self.operations: dict[str, Operation] = {}
        self._changes = 0
        self._seen = 0  # the change counter the running invocation has seen up to
        self._changed_since_seen: dict[str, Operation] = {}  # the operations changed since (by id)
        self._issued: tuple[tokens.CheckpointToken, str] | None = None  # the token handed out last, encoded
        self.invocations = 0
        self.running = False
        self.token: tokens.CheckpointToken | None = None
        self.wants_invocation = True  # the first invocation is owed at once
        self.failed_invocations = 0
        self.retry_invocation_at: datetime | None = None
        self._completion: tuple[str, str | None, dict[str, Any] | None] | None = None  # an EXECUTION update
        self._last_checkpoint: tuple[str | None, str, dict[str, Any]] | None = None
        self.dispatches: list[chained.Started] = []  # chained invokes the engine has yet to start
        self.pause_request: PauseRequest | None = None
        self._interrupted = False  # the running invocation's token was withheld (a pause)
        self.paused_since: datetime | None = None
        self._add(Operation(id=arn.execution_id, type="EXECUTION", status="STARTED", start=now, sequence=0,
                            input_payload=input_payload))
        self.history.append("ExecutionStarted", now, {"Input": data(input_payload),
                                                      "ExecutionTimeout": int(config["ExecutionTimeout"])})

    # -- looking -------------------------------------------------------------------------------

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def paused(self) -> bool:
        return self.status == "PAUSED"

    @property
    def deadline(self) -> datetime:
        """When the execution times out: while it is paused with its timeout paused, only 366
        days after its start (D17)."""
        if self.paused and self.pause_request is not None and self.pause_request.timeout_paused:
            return self.start + PAUSED_TIMEOUT_CAP
        return self.timeout_at

    @property
    def expires_at(self) -> datetime | None:
        """When the execution (and its name) is gone: the retention period after its end (D9)."""
        if self.end is None:
            return None
        return self.end + timedelta(days=int(self.config["RetentionPeriodInDays"]))

    def describe(self, function_arn: str, include_data: bool) -> dict[str, Any]:
        """GetDurableExecution's answer."""
        answer: dict[str, Any] = {
            "DurableExecutionArn": self.arn, "DurableExecutionName": self.name, "FunctionArn": function_arn,
        }
        if include_data:
            answer["InputPayload"] = self.input_payload
            if self.result is not None:
                answer["Result"] = self.result
        if self.error is not None:
            answer["Error"] = self.error
        answer["StartTimestamp"] = epoch_seconds(self.start)
        answer["Status"] = self.status
        if self.end is not None:
            answer["EndTimestamp"] = epoch_seconds(self.end)
        answer["Version"] = self.parts.version
        answer["ExecutionDataIncluded"] = include_data
        answer["DurableConfig"] = dict(self.config)
        request = self.pause_request
        if request is not None and self.status in ("PAUSING", "PAUSED"):
            pause: dict[str, Any] = {"PauseRequestTimestamp": epoch_seconds(request.at)}
            if request.reason is not None:
                pause["Reason"] = request.reason
            pause["ExecutionTimeoutPaused"] = request.timeout_paused
            answer["PauseDetails"] = pause
        if not self.terminal:
            answer["ExpectedExecutionTimeoutTimestamp"] = epoch_seconds(self.deadline)
        return answer

    def summary(self, function_arn: str) -> dict[str, Any]:
        """An ``Execution`` of ListDurableExecutionsByFunction."""
        answer: dict[str, Any] = {"DurableExecutionArn": self.arn, "DurableExecutionName": self.name,
                                  "FunctionArn": function_arn, "Status": self.status,
                                  "StartTimestamp": epoch_seconds(self.start)}
        if self.end is not None:
            answer["EndTimestamp"] = epoch_seconds(self.end)
        return answer

    def history_page(self, include_data: bool, reverse: bool, marker: str | None,
                     max_items: int | None) -> dict[str, Any]:
        return self.history.page(epoch_seconds, include_data, reverse, marker, max_items)

    def wakeups(self) -> list[Wakeup]:
        """Every time something is due: waits ending, step retries, callback and execution
        timeouts, an invocation retry, the end of retention."""
        if self.terminal:
            expires = self.expires_at
            return [Wakeup(expires, True)] if expires is not None else []
        found = [Wakeup(self.deadline, True)]
        if self.retry_invocation_at is not None:
            found.append(Wakeup(self.retry_invocation_at, False))
        for op in self.operations.values():
            if op.type == "WAIT" and op.status == "STARTED" and op.scheduled_end is not None:
                found.append(Wakeup(op.scheduled_end, False))
            elif op.type == "STEP" and op.status == "PENDING" and op.next_attempt is not None:
                found.append(Wakeup(op.next_attempt, False))
            elif op.type == "CALLBACK" and op.status == "STARTED":
                found += [Wakeup(at, True) for at in (op.timeout_at, op.heartbeat_at) if at is not None]
        return found

    # -- the invocation's side ------------------------------------------------------------------

    def begin_invocation(self) -> dict[str, Any]:
        """The next invocation's input: a fresh token, and the operations so far (spec §3.1)."""
        assert not self.terminal and not self.running
        self.invocations += 1
        self.running = True
        self.wants_invocation = False
        self.retry_invocation_at = None
        self.token = tokens.CheckpointToken(self.parts.execution_id, self.invocations, 0)
        self._seen = self._changes
        self._changed_since_seen.clear()
        self._last_checkpoint = None
        self._interrupted = False
        ordered = [op.to_api(epoch_ms) for op in self._ordered()]
        state: dict[str, Any] = {"Operations": ordered[:ENVELOPE_PAGE]}
        if len(ordered) > ENVELOPE_PAGE:
            state["NextMarker"] = page_of(ordered, "Operations", None, ENVELOPE_PAGE)["NextMarker"]
        return {"DurableExecutionArn": self.arn, "CheckpointToken": self._issue(self.token),
                "InitialExecutionState": state}

    def invocation_refused(self, now: datetime) -> None:
        """The invocation did not run (throttled, or the service failed): it is tried again in
        ``INVOCATION_RETRY_SECONDS``, without counting as a failed invocation."""
        self.wants_invocation = False
        self.retry_invocation_at = now + timedelta(seconds=INVOCATION_RETRY_SECONDS)

    def _check_token(self, text: str) -> tokens.CheckpointToken:
        issued = self._issued
        if issued is not None and text == issued[1] and issued[0] == self.token:  # decoding it gives the same
            token: tokens.CheckpointToken | None = issued[0]
        else:
            token = tokens.decode_checkpoint(text)
        if token is None or token != self.token or not self.running or self.terminal:
            raise aws_errors.invalid_parameter(INVALID_TOKEN)
        return token

    def _issue(self, token: tokens.CheckpointToken) -> str:
        text = token.encode()
        self._issued = (token, text)
        return text

    def state_page(self, token_text: str, marker: str | None, max_items: int | None) -> dict[str, Any]:
        """GetDurableExecutionState: the operations, in start order, for the running invocation."""
        self._check_token(token_text)
        return page_of([op.to_api(epoch_seconds) for op in self._ordered()], "Operations", marker, max_items)

    def checkpoint(self, token_text: str, updates: list[Any], client_token: str | None, now: datetime,
                   resolve: chained.Resolver = _no_chained_invoke) -> dict[str, Any]:
        """CheckpointDurableExecution: apply every update (all or none), consume the token, and
        answer the next one with the operations the handler has not seen (D16, spec §3.4).
        While PAUSING the answer has no token: the SDK ends the invocation PENDING (D17).
        ``resolve`` finds a chained invoke's target; the dispatches go to ``dispatches``."""
        last = self._last_checkpoint
        if last is not None and client_token is not None and last[:2] == (client_token, token_text):
            return last[2]  # a retried call (same ClientToken): the same answer
        token = self._check_token(token_text)
        for position, update in enumerate(updates):
            operations.check_update(update)
            if update["Type"] == "EXECUTION" and position != len(updates) - 1:
                raise aws_errors.invalid_parameter("An EXECUTION update must be the last update of a checkpoint")
        staged: dict[str, Operation] = {}
        events: list[operations.Event] = []
        completion = None
        started: list[chained.Started] = []
        for update in updates:
            if update["Type"] == "EXECUTION":
                completion = self._execution_update(update)
                continue
            self._check_parent(update, staged)
            current = staged.get(update["Id"]) or self.operations.get(update["Id"])
            sequence = len(self.operations) + len(staged) + 1
            if update["Type"] == "CHAINED_INVOKE":
                op, made, dispatch = chained.begin(current, update, now, sequence, resolve)
                started += [dispatch] if dispatch is not None else []
            else:
                op, made = operations.apply(copy.copy(current) if current is not None else None, update, now,
                                            sequence, lambda op_id: tokens.callback_id(self.arn, op_id))
            staged[op.id] = op
            events += made
        for op in staged.values():
            self._add(op)
        for event_type, op, at, details in events:
            self._event(event_type, op, at, details)
        self.dispatches += started
        answer: dict[str, Any] = {}
        if completion is None and self.status == "PAUSING":
            self.token = None  # withheld: the invocation ends PENDING, the execution is PAUSED
            self._interrupted = True
            self._become_paused(now)
        elif completion is None:
            self.token = token.next()
            answer["CheckpointToken"] = self._issue(self.token)
        else:
            self._completion = completion
            self.token = None  # the execution is complete: no more checkpoints
        answer["NewExecutionState"] = {"Operations": self._unseen()}
        self._last_checkpoint = (client_token, token_text, answer)
        return answer

    def _execution_update(self, update: dict[str, Any]) -> tuple[str, str | None, dict[str, Any] | None]:
        if update["Id"] == self.parts.execution_id or update["Action"] not in ("SUCCEED", "FAIL"):
            raise aws_errors.invalid_parameter("Invalid EXECUTION update: only SUCCEED or FAIL of the result")
        if update["Action"] == "SUCCEED":
            return "SUCCEEDED", update.get("Payload"), None
        return "FAILED", None, update.get("Error")

    def _check_parent(self, update: dict[str, Any], staged: dict[str, Operation]) -> None:
        parent_id = update.get("ParentId")
        if parent_id is None:
            return
        parent = staged.get(parent_id) or self.operations.get(parent_id)
        if parent is None or parent.type != "CONTEXT":
            raise aws_errors.invalid_parameter(f"ParentId {parent_id} of {update['Id']} is not a CONTEXT operation")

    def end_invocation(self, now: datetime, request_id: str, output: bytes | None,
                       invocation_error: dict[str, Any] | None) -> None:
        """The invocation is over: its ``InvocationCompleted`` event, then what its output says
        (done, failed, or waiting for something), or a retry of a failed invocation (Q3)."""
        self.running = False
        self.token = None
        completed: dict[str, Any] = {"StartTimestamp": now, "EndTimestamp": now, "RequestId": request_id}
        if invocation_error is not None:
            completed["Error"] = error_data(invocation_error)
        self.history.append("InvocationCompleted", now, completed)
        if self.terminal:
            return  # stopped or timed out meanwhile
        if self.status == "PAUSING":
            self._become_paused(now)
        if invocation_error is not None:
            self.failed_invocations += 1
            if self.failed_invocations >= MAX_FAILED_INVOCATIONS:
                self.finish("FAILED", now, error=invocation_error)
            else:
                self.retry_invocation_at = now + timedelta(seconds=INVOCATION_RETRY_SECONDS)
            return
        self.failed_invocations = 0
        parsed = parse_output(output or b"")
        completion = self._completion
        if parsed.problem is not None:
            self.finish("FAILED", now, error={"ErrorType": "InvalidParameterValueException",
                                              "ErrorMessage": parsed.problem})
        elif parsed.status == "SUCCEEDED":
            result = parsed.result or (completion[1] if completion else None)
            self.finish("SUCCEEDED", now, result=result)
        elif parsed.status == "FAILED":
            self.finish("FAILED", now, error=parsed.error or (completion[2] if completion else None) or {})
        elif self._interrupted or self._changes > self._seen:  # a pause interrupted it: invoke again (resumed)
            self.wants_invocation = True  # something completed that the handler has not seen
        elif not any(self._waiting(op) for op in self.operations.values()):
            self.finish("FAILED", now, error={"ErrorType": "InvalidParameterValueException",
                                              "ErrorMessage": "Cannot return PENDING status with no pending "
                                                              "operations."})

    @staticmethod
    def _waiting(op: Operation) -> bool:
        return op.status == "READY" or _WORK_STATUSES.get(op.type) == op.status or (
            op.type == "CALLBACK" and op.status == "STARTED")

    # -- the service's side ---------------------------------------------------------------------

    def complete_due(self, now: datetime) -> None:
        """Whatever has come due by ``now``: waits succeed, step retries become READY, callbacks
        and the execution time out, a failed invocation's retry is owed."""
        if self.terminal:
            return
        if now >= self.deadline:
            self.finish("TIMED_OUT", now, error={"ErrorType": "Execution.Timeout",
                                                 "ErrorMessage": "The durable execution timed out"})
            return
        for op in self._ordered():
            if op.type == "WAIT" and op.status == "STARTED" and op.scheduled_end and op.scheduled_end <= now:
                op.status, op.end = "SUCCEEDED", op.scheduled_end
                self._changed(op)
                self._event("WaitSucceeded", op, op.scheduled_end, {"Duration": op.wait_seconds})
            elif op.type == "STEP" and op.status == "PENDING" and op.next_attempt and op.next_attempt <= now:
                op.status, op.next_attempt = "READY", None  # READY makes no history event (spec §5.1)
                self._changed(op)
            elif op.type == "CALLBACK" and op.status == "STARTED":
                if op.timeout_at is not None and op.timeout_at <= now:
                    self._callback_timed_out(op, now, "Callback.Timeout", "Callback timed out")
                elif op.heartbeat_at is not None and op.heartbeat_at <= now:
                    self._callback_timed_out(op, now, "Callback.Heartbeat", "Callback heartbeat timed out")
        if self.retry_invocation_at is not None and self.retry_invocation_at <= now:
            self.retry_invocation_at = None
            self.wants_invocation = True

    def _callback_timed_out(self, op: Operation, now: datetime, error_type: str, message: str) -> None:
        op.status, op.end, op.error = "TIMED_OUT", now, {"ErrorType": error_type, "ErrorMessage": message}
        self._changed(op)
        self._event("CallbackTimedOut", op, now, {"Error": error_data(op.error)})

    def callback(self, operation_id: str, outcome: str, now: datetime, result: str | None = None,
                 error: dict[str, Any] | None = None) -> None:
        """SendDurableExecutionCallbackSuccess / Failure / Heartbeat."""
        op = self.operations.get(operation_id)
        if self.terminal or op is None or op.type != "CALLBACK" or op.status != "STARTED":
            raise callback_closed()
        if outcome == "heartbeat":
            if op.heartbeat_seconds:
                op.heartbeat_at = now + timedelta(seconds=op.heartbeat_seconds)
            return
        if outcome == "success":
            op.status, op.end, op.result = "SUCCEEDED", now, result
            self._changed(op)
            self._event("CallbackSucceeded", op, now, {"Result": data(result)})
        else:
            op.status, op.end, op.error = "FAILED", now, error or {}
            self._changed(op)
            self._event("CallbackFailed", op, now, {"Error": error_data(op.error)})

    def complete_chained(self, operation_id: str, status: str, result: str | None,
                         error: dict[str, Any] | None, now: datetime) -> None:
        """A chained invoke's target has ended (an ended caller keeps its own end)."""
        op = self.operations.get(operation_id)
        if self.terminal or op is None or op.type != "CHAINED_INVOKE" or op.status != "STARTED":
            return
        made = chained.complete(op, status, result, error, now)
        self._changed(op)
        for event_type, event_op, at, details in made:
            self._event(event_type, event_op, at, details)

    def pause(self, now: datetime, reason: str | None, timeout_paused: bool) -> None:
        """PauseDurableExecution: PAUSING while an invocation runs (until its next checkpoint or
        its end), PAUSED at once otherwise; nothing is invoked until it is resumed (D17)."""
        if self.terminal or self.status != "RUNNING":
            raise conflict(f"Cannot pause a durable execution that is {self.status}")
        self.pause_request = PauseRequest(now, reason, timeout_paused)
        if self.running:
            self.status = "PAUSING"
        else:
            self._become_paused(now)

    def _become_paused(self, now: datetime) -> None:
        request = self.pause_request
        assert request is not None
        self.status, self.paused_since = "PAUSED", now
        details: dict[str, Any] = {"PauseRequestTimestamp": request.at}
        if request.reason is not None:
            details["Reason"] = data(request.reason)
        details["ExecutionTimeoutPaused"] = request.timeout_paused
        self.history.append("ExecutionPaused", now, details)

    def resume(self, now: datetime, reason: str | None) -> None:
        """ResumeDurableExecution: a PAUSING execution just goes on; a PAUSED one is RUNNING
        again, its timeout extended by the time paused (capped at 366 days from its start), and
        invoked if the pause interrupted an invocation or something completed meanwhile (D17)."""
        if self.status == "PAUSING":
            self.status, self.pause_request = "RUNNING", None
            return
        if self.status != "PAUSED" or self.pause_request is None or self.paused_since is None:
            raise conflict(f"Cannot resume a durable execution that is {self.status}")
        if self.pause_request.timeout_paused:
            self.timeout_at = min(self.timeout_at + (now - self.paused_since), self.start + PAUSED_TIMEOUT_CAP)
        self.status, self.pause_request, self.paused_since = "RUNNING", None, None
        details: dict[str, Any] = {"ResumeRequestTimestamp": now}
        if reason is not None:
            details["Reason"] = data(reason)
        self.history.append("ExecutionResumed", now, details)

    def stop(self, now: datetime, error: dict[str, Any] | None) -> None:
        if self.terminal:
            raise aws_errors.invalid_parameter(f"The durable execution is not running: it is {self.status}")
        self.finish("STOPPED", now, error=error or {})

    def finish(self, status: str, now: datetime, result: str | None = None,
               error: dict[str, Any] | None = None) -> None:
        self.status, self.end, self.result, self.error = status, now, result, error
        self.wants_invocation = False
        self.retry_invocation_at = None
        execution_op = self.operations[self.parts.execution_id]
        execution_op.status, execution_op.end = status, now
        execution_op.result, execution_op.error = result, error
        self._changed(execution_op)
        if status == "SUCCEEDED":
            self.history.append("ExecutionSucceeded", now, {"Result": data(result)})
        else:
            kind = {"FAILED": "ExecutionFailed", "TIMED_OUT": "ExecutionTimedOut", "STOPPED": "ExecutionStopped"}
            self.history.append(kind[status], now, {"Error": error_data(error)})

    # -- bookkeeping ----------------------------------------------------------------------------

    def _ordered(self) -> list[Operation]:
        return sorted(self.operations.values(), key=lambda op: op.sequence)

    def _add(self, op: Operation) -> None:
        self.operations[op.id] = op
        self._changed(op)

    def _changed(self, op: Operation) -> None:
        self._changes += 1
        op.changed = self._changes
        self._changed_since_seen[op.id] = op
        if not self.running and op.type != "EXECUTION":
            self.wants_invocation = True  # completions while no invocation runs: the next one sees them

    def _unseen(self) -> list[dict[str, Any]]:
        changed = sorted(self._changed_since_seen.values(), key=lambda op: op.sequence)
        unseen = [op.to_api(epoch_seconds) for op in changed if op.changed > self._seen]
        self._seen = self._changes
        self._changed_since_seen.clear()
        return unseen

    def _event(self, event_type: str, op: Operation, at: datetime, details: dict[str, Any]) -> None:
        self.history.append(event_type, at, details, op.id, op.name, op.sub_type, op.parent_id)
