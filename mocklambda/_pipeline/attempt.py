"""The attempt step: one try of a queued event (faults on demand, zero or exhausted concurrency,
recursion, then the handler run), and the synchronous runs that share its rules (spec 1.21-1.23,
2.5, 2.9, 7.2)."""

from __future__ import annotations

import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any, Literal

from .._core import aws_errors
from .._core.clock import Clock
from .._core.event_queue import AttemptOutcome
from .._core.recursion import RECURSION_MESSAGE, admit
from .._model import ExecutionResult, FunctionSnapshot, InvocationRequest, QueuedEvent
from .._ports import FunctionDirectory
from .._runtime.executor import Runtime
from .._runtime.threads import current_chain
from ..errors import MockLambdaError
from .concurrency import Concurrency
from .telemetry import Telemetry

Fault = Literal["throttle", "system_error"]
INVOKE = "Invoke"
FAULTABLE_CALLS = (INVOKE, "CheckpointDurableExecution", "GetDurableExecutionState")
Handler = Callable[[Any, Any], Any]


class Bindings:
    """Python callables bound to functions in the test (``lam.handler``), by name or ARN."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def bind(self, name: str, fn: Handler) -> None:
        self._handlers[name] = fn

    def find(self, function: FunctionSnapshot) -> Handler | None:
        if not self._handlers:
            return None
        for key in (function.arn, f"{function.arn}:{function.version}", f"{function.name}:{function.version}",
                    function.name):
            if key in self._handlers:
                return self._handlers[key]
        return None


class Faults:
    """Throttles and service errors the test asked for, per function name and the call they hit
    (an invocation, or one of the durable SDK's calls), used in order."""

    def __init__(self) -> None:
        self._queued: dict[tuple[str, str], deque[Fault]] = defaultdict(deque)

    def add(self, function_name: str, fault: Fault, times: int, call: str = INVOKE) -> None:
        if call not in FAULTABLE_CALLS:
            raise MockLambdaError(f"mocklambda injects faults into {', '.join(FAULTABLE_CALLS)}, not {call!r}")
        self._queued[(function_name, call)].extend([fault] * times)

    def next(self, function_name: str, call: str = INVOKE) -> Fault | None:
        faults = self._queued.get((function_name, call))
        return faults.popleft() if faults else None


class Dispatcher:
    def __init__(self, clock: Clock, directory: FunctionDirectory, runtime: Runtime, bindings: Bindings,
                 faults: Faults, concurrency: Concurrency, telemetry: Telemetry) -> None:
        self._clock = clock
        self._directory = directory
        self._runtime = runtime
        self._bindings = bindings
        self._faults = faults
        self._concurrency = concurrency
        self._telemetry = telemetry

    def execute(self, function: FunctionSnapshot, request: InvocationRequest, inline: bool = False) -> ExecutionResult:
        """Run the handler (or the callable bound to it) once."""
        return self._runtime.execute(function, request, self._bindings.find(function), inline)

    def attempt(self, event: QueuedEvent) -> AttemptOutcome:
        """One attempt of a queued event; the queue decides what follows from its outcome. It
        runs the function as it is now: ``$LATEST`` events and their retries pick up code and
        configuration deployed since they were queued; an alias's, its current version."""
        function = self._directory.function_now(event.request.invoked_arn)
        if function is None:
            return AttemptOutcome("function_deleted")
        event.function = function
        config = self._directory.async_config(function, event.request.invoked_arn)
        settings = config.settings
        now = self._clock.now()
        invoked = event.request.invoked_arn
        if event.stopped_as_recursive:  # spec 7.2: the next invocation is stopped, not run
            self._telemetry.count(function, "RecursiveInvocationsDropped", 1, now, invoked_arn=invoked)
            return AttemptOutcome("recursive_loop", settings=settings)
        if config.zero_concurrency:
            return AttemptOutcome("zero_concurrency", settings=settings)
        fault = self._faults.next(function.name)
        if fault is None and self._concurrency.acquire(function, config.reserved_concurrency) is not None:
            fault = "throttle"
        if fault is not None:
            if fault == "throttle":
                self._telemetry.count(function, "Throttles", 1, now, invoked_arn=invoked)
            return AttemptOutcome(fault, settings=settings)
        age_ms = (self._clock.offset() - event.enqueued_at) * 1000
        try:
            result = self.execute(function, event.request, inline=True)
        finally:
            self._concurrency.release(function)
        self._telemetry.record_run(function, result, now, age_ms, invoked_arn=invoked)
        return AttemptOutcome("run", result, settings)

    def invoke_sync(self, function: FunctionSnapshot, request_id: str, payload: bytes, invoked_arn: str,
                    client_context: dict[str, Any] | None) -> ExecutionResult:
        """A RequestResponse invoke: refused as AWS refuses it, or run now."""
        now = self._clock.now()
        chain, admitted = admit(function.arn, current_chain(), lambda: self._directory.recursion_config(function))
        if not admitted:
            self._telemetry.count(function, "RecursiveInvocationsDropped", 1, now, invoked_arn=invoked_arn)
            raise aws_errors.AwsError(400, "RecursiveInvocationException", RECURSION_MESSAGE)  # spec 7.2
        config = self._directory.async_config(function, invoked_arn)
        if config.zero_concurrency:
            self._telemetry.count(function, "Throttles", 1, now, invoked_arn=invoked_arn)
            raise aws_errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")  # spec 1.23
        reason = self._concurrency.acquire(function, config.reserved_concurrency)
        if reason is not None:  # realtime mode enforces concurrency (spec 1.21)
            self._telemetry.count(function, "Throttles", 1, now, invoked_arn=invoked_arn)
            raise aws_errors.throttled(reason)
        try:
            return self.run_now(function, InvocationRequest(request_id, payload, invoked_arn, client_context,
                                                            chain=chain))
        finally:
            self._concurrency.release(function)

    def invoke_internal(self, function: FunctionSnapshot, payload: bytes, invoked_arn: str) -> ExecutionResult | None:
        """An invocation moto makes itself (its SQS mappings, SecretsManager rotation, ...);
        None when AWS would stop it as a recursive loop."""
        chain, admitted = admit(function.arn, current_chain(), lambda: self._directory.recursion_config(function))
        if not admitted:
            self._telemetry.count(function, "RecursiveInvocationsDropped", 1, self._clock.now(),
                                  invoked_arn=invoked_arn)
            return None
        return self.run_now(function, InvocationRequest(str(uuid.uuid4()), payload, invoked_arn, chain=chain))

    def run_now(self, function: FunctionSnapshot, request: InvocationRequest, inline: bool = False) -> ExecutionResult:
        """Run one invocation now and record it (log and metrics), as Lambda does. ``inline``:
        from the queue's own work (a stream batch), which may run a warm handler on this thread."""
        result = self.execute(function, request, inline)
        self._telemetry.record_run(function, result, self._clock.now(), invoked_arn=request.invoked_arn)
        return result
