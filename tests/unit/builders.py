"""Shared builders for the unit tests of mocklambda's pure core: functions, requests, results,
and a scripted event queue on a virtual clock (no moto, no boto3, no handler code)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Literal

from mocklambda._core.clock import Clock
from mocklambda._core.event_queue import AttemptOutcome, EventQueue, OutcomeKind
from mocklambda._core.retry_policy import RetrySettings
from mocklambda._model import ExecutionResult, FunctionSnapshot, InvocationRequest, QueuedEvent

REGION = "us-east-1"
ACCOUNT = "123456789012"
START = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
DEFAULT_SETTINGS = RetrySettings()

# What a scripted attempt does: the handler succeeds or raises, Lambda throttles it or fails
# internally, the function has zero reserved concurrency, recursion detection stops it, or
# mocklambda's own attempt code crashes (the queue must retry that like a system error).
Kind = Literal["ok", "fail", "throttle", "system_error", "zero", "recursive", "crash"]
NOT_RUN: dict[str, OutcomeKind] = {
    "throttle": "throttle", "system_error": "system_error", "zero": "zero_concurrency", "recursive": "recursive_loop",
}


def function_arn(name: str = "fn", qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return arn if qualifier is None else f"{arn}:{qualifier}"


def make_function(name: str = "fn", version: str = "$LATEST") -> FunctionSnapshot:
    return FunctionSnapshot(
        name=name,
        arn=function_arn(name),
        version=version,
        region=REGION,
        account_id=ACCOUNT,
        runtime="python3.11",
        handler="handler.handler",
        timeout=3.0,
        memory_size=128,
        environment={},
        code_sha256="sha",
    )


def make_request(request_id: str = "req-1", payload: bytes = b'{"key": "value"}',
                 invoked_arn: str | None = None) -> InvocationRequest:
    return InvocationRequest(request_id, payload, invoked_arn or function_arn())


def make_event(request_id: str = "req-1", payload: bytes = b'{"key": "value"}', invoked_arn: str | None = None,
               version: str = "$LATEST") -> QueuedEvent:
    return QueuedEvent(make_function(version=version), make_request(request_id, payload, invoked_arn), enqueued_at=0.0)


def ok_result(payload: bytes = b'{"ok": true}') -> ExecutionResult:
    return ExecutionResult(payload, None, None, "log", "stream")


def error_result(message: str = "boom", error_type: str = "Err") -> ExecutionResult:
    payload = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return ExecutionResult(payload, error_type, message, "log", "stream")


class ScriptedQueue:
    """An ``EventQueue`` on a virtual clock whose attempts follow a script per event: the n-th
    attempt of an event does ``script[n]``, then ``then`` for ever after. It records every call
    of the attempt and finish callbacks (offset on the clock) without asserting inside them: the
    queue would treat a failed assertion in a callback as a system error."""

    def __init__(self) -> None:
        self.clock = Clock(rate=0.0, start=START)
        self.queue = EventQueue(self.clock, self._attempt, self._finish)
        self.scripts: dict[str, tuple[Sequence[Kind], Kind, RetrySettings]] = {}
        self.calls: list[tuple[str, float]] = []  # (request id, clock offset) of every attempt callback
        self._times: dict[str, list[float]] = {}
        self.finishes: list[tuple[str, str | None, float, bool]] = []  # (id, condition, offset, had a result)
        self.events: dict[str, QueuedEvent] = {}

    def submit(self, request_id: str, script: Sequence[Kind] = (), then: Kind = "ok",
               settings: RetrySettings = DEFAULT_SETTINGS) -> QueuedEvent:
        self.scripts[request_id] = (tuple(script), then, settings)
        self._times[request_id] = []
        event = self.queue.submit(make_function(), make_request(request_id))
        self.events[request_id] = event
        return event

    def times(self, request_id: str) -> list[float]:
        """Clock offsets at which the event's attempt callback ran."""
        return list(self._times[request_id])

    def finish_counts(self) -> Counter[str]:
        return Counter(rid for rid, *_ in self.finishes)

    def _attempt(self, event: QueuedEvent) -> AttemptOutcome:
        script, then, settings = self.scripts[event.request_id]
        times = self._times[event.request_id]
        number = len(times)
        times.append(self.clock.offset())
        self.calls.append((event.request_id, times[-1]))
        kind = script[number] if number < len(script) else then
        if kind == "crash":
            raise RuntimeError(f"attempt {number + 1} crashed")
        if kind == "ok":
            return AttemptOutcome("run", ok_result(), settings)
        if kind == "fail":
            return AttemptOutcome("run", error_result(f"failure {number + 1}"), settings)
        return AttemptOutcome(NOT_RUN[kind], None, settings)

    def _finish(self, event: QueuedEvent) -> None:
        self.finishes.append((event.request_id, event.condition, self.clock.offset(), event.last_result is not None))
