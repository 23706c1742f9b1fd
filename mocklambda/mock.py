"""``mock_lambda``: the decorator / context manager, and the ``LambdaMock`` handle it gives tests."""

from __future__ import annotations

import functools
import random
import inspect
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from contextlib import nullcontext
from typing import Any, Callable, Literal, Optional, TypeVar, overload

from . import active, handler_threads
from . import moto_seam as seam
from .clock import Clock, WallClock
from .engine import AttemptOutcome, Engine, Event
from .errors import MockLambdaError, MockLambdaWarning, NotIdleError
from .invocations import Invocation
from .records import dead_letter, invocation_record
from .schedules import UnsupportedSchedule, next_run
from .sqs_polling import SqsPoller
from .timeline import render
from .runtime import ExecutionResult, FunctionSpec, Handler, Request, Runtime

Mode = Literal["auto", "manual", "realtime"]
MODES = ("auto", "manual", "realtime")
REALTIME_WORKERS = 64  # attempts running at once in realtime mode
F = TypeVar("F", bound=Callable[..., Any])
_UNSET: Any = object()


class LambdaMock:
    """The running mock. ``with mock_lambda() as lam`` and the ``lambda_mock`` fixture give one."""

    def __init__(self, *, mode: Mode = "auto", time_scale: float = 1.0, duplicate_rate: float = 0.0,
                 seed: Optional[int] = None) -> None:
        if mode not in MODES:
            raise MockLambdaError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode != "realtime" and time_scale != 1.0:
            raise MockLambdaError("time_scale applies to mode='realtime' only; virtual modes need no scaling")
        if not 0.0 <= duplicate_rate <= 1.0:
            raise MockLambdaError(f"duplicate_rate is a probability between 0 and 1; got {duplicate_rate!r}")
        self.mode: Mode = mode
        self.time_scale = time_scale
        self.duplicate_rate = duplicate_rate
        self.seed = seed
        self._bindings: dict[str, Handler] = {}
        self._faults: dict[str, deque[str]] = defaultdict(deque)
        self._started = False
        self._moto: Any = None
        self._worker: Optional[threading.Thread] = None
        self._stopping = threading.Event()
        self._reset()

    def _reset(self) -> None:
        self.clock: Clock = WallClock(self.time_scale) if self.mode == "realtime" else Clock()
        self._runtime = Runtime()
        # virtual modes run warm attempts on the thread that moves the clock (see Runtime.inline_batch)
        self._engine = Engine(self.clock, self._attempt, self._finish,
                              around_run=self._runtime.inline_batch if self.mode != "realtime" else nullcontext,
                              before_timer=self._runtime.leave_handlers)
        self._faults.clear()
        self._random = random.Random(self.seed)
        self._in_flight: Counter[str] = Counter()
        self._in_flight_lock = threading.Lock()
        self._attempts_running = threading.BoundedSemaphore(REALTIME_WORKERS)
        # logs and metrics waiting for seam.flush_telemetry
        self._logs: list[Any] = []
        self._metrics: dict[tuple[Any, ...], list[Any]] = {}
        self._telemetry_lock = threading.Lock()
        self._sqs_poller = SqsPoller(self)
        self._schedules: dict[str, str] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "LambdaMock":
        """Start mocking; starts moto's ``mock_aws`` too when none is active."""
        if self._started:
            raise MockLambdaError("this mock_lambda is already started; call stop() before starting it again")
        seam.check_not_server_mode()
        self._reset()
        if not seam.moto_active():
            self._moto = seam.start_moto()
        self._activate()
        return self

    def stop(self) -> None:
        """Run what is still queued to its final outcome, then stop (and stop moto if we started it)."""
        if not self._started:
            raise MockLambdaError("stop() called on a mock_lambda that is not started; call start() first")
        try:
            self._stop_worker()
            self._engine.run_until_idle()
            seam.flush_telemetry(self)
        finally:
            self._deactivate()
            if self._moto is not None:
                moto, self._moto = self._moto, None
                seam.stop_moto(moto)

    def _activate(self) -> None:
        seam.install()
        handler_threads.install()
        active.push(self)
        active.started_recently.append(self)
        self._started = True
        if self.mode == "realtime":
            self._stopping.clear()
            self._worker = threading.Thread(target=self._run_realtime, name="mocklambda-realtime", daemon=True)
            self._worker.start()

    def _deactivate(self) -> None:
        active.remove(self)
        seam.uninstall()
        handler_threads.uninstall()
        self._runtime.close()
        self._started = False

    # used by ``pytest --mocklambda``: moto's own mock_aws owns the moto lifecycle
    def _start_inside_moto(self) -> None:
        self._reset()
        self._activate()

    def _stop_inside_moto(self) -> None:
        try:
            self._stop_worker()
            self._engine.run_until_idle()
            seam.flush_telemetry(self)
        finally:
            self._deactivate()

    def __enter__(self) -> "LambdaMock":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    async def __aenter__(self) -> "LambdaMock":
        return self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Decorate a test (``def`` or ``async def``): a fresh mock for every call."""
        if inspect.isclass(func):
            raise MockLambdaError("decorate test functions or methods, not classes, with mock_lambda")
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- the handle ----------------------------------------------------------------------------

    def run_until_idle(self, timeout: float = 60.0) -> None:
        """Jump the clock to each next due attempt until nothing is queued. In realtime mode the
        attempts run on the worker's threads; this waits for them (up to ``timeout`` wall
        seconds) and jumps the clock over the waits between them."""
        self._require_started("run_until_idle()")
        if self.mode != "realtime":
            self._engine.run_until_idle()
            return
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                raise NotIdleError(f"still busy after {timeout} s:\n{self.timeline()}")
            if self._attempts_busy():
                time.sleep(0.002)
                continue
            due = self._engine.next_due()
            if due is None:
                if not self._attempts_busy():
                    return
                continue
            ahead = due - self.clock.offset()
            if ahead > 0:
                self.clock.advance(ahead)
            else:
                time.sleep(0.002)  # due now: the worker is picking it up

    def _attempts_busy(self) -> bool:
        return self._attempts_running._value < REALTIME_WORKERS  # type: ignore[attr-defined]

    def invocations(self, function_name: Optional[str] = None) -> list[Invocation]:
        """Every event accepted so far (oldest first), optionally of one function (name or ARN)."""
        events = list(self._engine.events)
        if function_name is not None:
            events = [e for e in events if function_name in (e.spec.name, e.spec.arn, e.qualified_arn)]
        return [self._engine.snapshot(event) for event in events]

    def assert_idle(self) -> None:
        """Raise ``NotIdleError`` if any event is still queued."""
        pending = self._engine.pending()
        timers = self._engine.pending_timers()
        if pending or timers:
            lines = [
                f"  {event.request_id} {event.spec.name}: {len(event.attempts)} attempt(s) so far"
                for event in pending
            ] + [f"  at +{due:g}s: {timer.description}" for due, timer in timers]
            raise NotIdleError(f"{len(pending)} event(s) and {len(timers)} other item(s) still queued:\n"
                               + "\n".join(lines))

    def timeline(self) -> str:
        """Every event so far: attempt times on the virtual clock, errors, final condition, where
        its records went. pytest shows this under a failed test that used the mock."""
        return render(self.invocations(), self.clock.now() - self.clock.elapsed, self.clock.offset())

    def __str__(self) -> str:
        return self.timeline()

    @overload
    def handler(self, name: str) -> Callable[[F], F]: ...

    @overload
    def handler(self, name: str, fn: Callable[..., Any] | None = None, *, side_effect: Any = ...,
                return_value: Any = ...) -> Any: ...

    def handler(self, name: str, fn: Callable[..., Any] | None = None, *, side_effect: Any = _UNSET,
                return_value: Any = _UNSET) -> Any:
        """Run ``fn(event, context)`` instead of the function's code. Without ``fn``, builds a
        ``unittest.mock.Mock`` from ``side_effect`` / ``return_value`` (and returns it), or acts
        as a decorator."""
        if fn is None and side_effect is _UNSET and return_value is _UNSET:

            def decorate(func: F) -> F:
                self._bindings[name] = func
                return func

            return decorate
        if fn is None:
            from unittest.mock import Mock  # imported when used: it costs start-up time (asyncio)

            fn = Mock(side_effect=None if side_effect is _UNSET else side_effect,
                      return_value=None if return_value is _UNSET else return_value)
        elif side_effect is not _UNSET or return_value is not _UNSET:
            raise MockLambdaError("pass either fn, or side_effect / return_value, not both")
        self._bindings[name] = fn
        return fn

    # -- called by the seam --------------------------------------------------------------------

    def _bound(self, spec: FunctionSpec) -> Handler | None:
        if not self._bindings:
            return None
        for key in (spec.arn, f"{spec.arn}:{spec.version}", f"{spec.name}:{spec.version}", spec.name):
            if key in self._bindings:
                return self._bindings[key]
        return None

    def _execute(self, spec: FunctionSpec, request: Request, inline: bool = False) -> ExecutionResult:
        return self._runtime.execute(spec, request, self._bound(spec), inline)

    def _enqueue(self, spec: FunctionSpec, request: Request, recursive: bool = False) -> Event:
        event = self._engine.submit(spec, request)
        event.stopped_as_recursive = recursive
        seam.emit_metric(spec, "AsyncEventsReceived", 1, self.clock.now())
        if self.duplicate_rate and self._random.random() < self.duplicate_rate:
            self._engine.submit(spec, request)  # at-least-once: the same event delivered twice (spec 2.8)
        return event

    def _before_api_call(self) -> None:
        """Auto mode: whoever calls AWS from outside a handler sees every queued event settled."""
        if self.mode == "auto" and self._started:
            self._engine.run_until_idle()

    def _attempt(self, event: Event) -> AttemptOutcome:
        config = seam.async_config(event.spec, event.request.invoked_arn)
        settings = config.settings
        now = self.clock.now()
        if event.stopped_as_recursive:  # spec 7.2: the next invocation is stopped, not run
            seam.emit_metric(event.spec, "RecursiveInvocationsDropped", 1, now)
            return AttemptOutcome("recursive_loop", settings=settings)
        if config.zero_concurrency:
            return AttemptOutcome("zero_concurrency", settings=settings)
        faults = self._faults.get(event.spec.name)
        kind = faults.popleft() if faults else None
        if kind is None and self._acquire(event.spec, config.reserved_concurrency) is not None:
            kind = "throttle"
        if kind is not None:
            if kind == "throttle":
                seam.emit_metric(event.spec, "Throttles", 1, now)
            return AttemptOutcome(kind, settings=settings)  # type: ignore[arg-type]
        age_ms = (self.clock.offset() - event.enqueued_at) * 1000
        try:
            result = self._execute(event.spec, event.request, inline=True)
        finally:
            self._release(event.spec)
        seam.record_run(event.spec, result, now, age_ms)
        return AttemptOutcome("run", result, settings)

    def _finish(self, event: Event) -> None:
        """Send the record to the destination and the event to the DLQ, as AWS would (spec §3-4).
        A delivery that fails is recorded and counted, never raised into the code under test."""
        at = self.clock.now()
        succeeded = event.condition == "Success"
        if not succeeded:
            seam.emit_metric(event.spec, "AsyncEventsDropped", 1, at)
        config = seam.async_config(event.spec, event.request.invoked_arn)
        target = config.on_success if succeeded else config.on_failure
        dlq = None if succeeded else config.dead_letter
        if any(arn and arn.split(":")[2] != "sqs" for arn in (target, dlq)):
            # moto's SNS, EventBridge, S3 may reach HTTP endpoints or make clients, which read the
            # environment: the test's, not the last handler's (into SQS goes straight to the queue)
            self._runtime.leave_handlers()
        if target:
            try:
                record = invocation_record(event, at)
                if target.split(":")[2] == "lambda":
                    spec = seam.lambda_target(target)
                    chain, admitted = seam.admit(spec, event.request.chain)
                    request = Request(str(uuid.uuid4()), record.encode("utf-8"), target, chain=chain)
                    self._enqueue(spec, request, recursive=not admitted)
                else:
                    seam.deliver_record(target, record, succeeded, event.qualified_arn, at)
                event.delivered_to += (target,)
            except Exception as error:  # the target is gone, too small, FIFO, ...
                event.delivery_errors += (f"{target}: {type(error).__name__}: {error}",)
                seam.emit_metric(event.spec, "DestinationDeliveryFailures", 1, at)
        if dlq:
            try:
                seam.deliver_dead_letter(dlq, dead_letter(event))
                event.delivered_to += (dlq,)
            except Exception as error:
                event.delivery_errors += (f"{dlq}: {type(error).__name__}: {error}",)
                seam.emit_metric(event.spec, "DeadLetterErrors", 1, at)

    # -- faults on demand ----------------------------------------------------------------------

    def inject_throttles(self, function_name: str, times: int = 1) -> None:
        """The next ``times`` attempts of the function are throttled (429): the events go back to
        the queue with backoff from 1 s to 5 min, without using a retry (spec 2.5)."""
        self._faults[function_name].extend(["throttle"] * times)

    def inject_system_errors(self, function_name: str, times: int = 1) -> None:
        """The next ``times`` attempts fail with a Lambda service error (5xx): retried like
        throttles, bounded by the event age, without using a retry (spec 2.5)."""
        self._faults[function_name].extend(["system_error"] * times)

    # -- realtime ------------------------------------------------------------------------------

    def _run_realtime(self) -> None:
        """Start each attempt when it comes due on the (scaled) wall clock, in parallel, as AWS
        does; concurrency limits then throttle the excess (see ``_acquire``)."""
        from concurrent.futures import ThreadPoolExecutor

        engine = self._engine
        with ThreadPoolExecutor(REALTIME_WORKERS, thread_name_prefix="mocklambda-attempt") as pool:
            while not self._stopping.is_set():
                self._attempts_running.acquire()  # before popping: an item is always pending or busy
                event = engine.pop_due(self.clock.offset())
                if event is not None:
                    pool.submit(self._process_in_pool, event)
                    continue
                self._attempts_running.release()
                due = engine.next_due(include_background=True)
                wait = 0.5 if due is None else min(0.5, max(0.0, (due - self.clock.offset()) * self.time_scale))
                with engine.wakeup:
                    engine.wakeup.wait(wait)

    def _process_in_pool(self, event: Event) -> None:
        try:
            self._engine.process(event)
        finally:
            self._attempts_running.release()

    def _acquire(self, spec: FunctionSpec, reserved: Optional[int]) -> Optional[str]:
        """Realtime mode: take one unit of concurrency, or say why the invocation is throttled."""
        if self.mode != "realtime":
            return None
        with self._in_flight_lock:
            if reserved is not None and self._in_flight[spec.arn] >= reserved:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
            if sum(self._in_flight.values()) >= seam.account_concurrency_limit():
                return "ConcurrentInvocationLimitExceeded"
            self._in_flight[spec.arn] += 1
        return None

    def _release(self, spec: FunctionSpec) -> None:
        if self.mode == "realtime":
            with self._in_flight_lock:
                self._in_flight[spec.arn] -= 1

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._stopping.set()
            with self._engine.wakeup:
                self._engine.wakeup.notify_all()
            self._worker.join()
            self._worker = None

    def _track_schedule(self, rule_arn: str, expression: str) -> None:
        """Fire a scheduled rule on the mock's clock (background work: run_until_idle does not
        move the clock to reach it; clock.advance does)."""
        if self._schedules.get(rule_arn) == expression:
            return
        self._schedules[rule_arn] = expression
        created = self.clock.now()
        try:
            first = next_run(expression, created, created)
        except UnsupportedSchedule as error:
            handler_threads.warn(f"scheduled rule {rule_arn} will not fire: {error}", MockLambdaWarning)
            return
        self._schedule_fire(rule_arn, expression, created, first)

    def _schedule_fire(self, rule_arn: str, expression: str, created: Any, when: Any) -> None:
        def fire() -> None:
            if self._schedules.get(rule_arn) != expression:
                return
            if not seam.fire_schedule(rule_arn, expression, when):
                self._schedules.pop(rule_arn, None)
                return
            self._schedule_fire(rule_arn, expression, created, next_run(expression, when, created))

        offset = (when - (self.clock.now() - self.clock.elapsed)).total_seconds()
        self._engine.call_at(offset, fire, f"scheduled rule {rule_arn} ({expression})", background=True)

    def _take_telemetry(self, with_metrics: bool = True) -> tuple[list[Any], dict[tuple[Any, ...], list[Any]]]:
        with self._telemetry_lock:
            logs, self._logs = self._logs, []
            metrics: dict[tuple[Any, ...], list[Any]] = {}
            if with_metrics:
                metrics, self._metrics = self._metrics, {}
        return logs, metrics

    def _client(self, service: str, region: str) -> Any:
        """A boto3 client the mock itself uses (served by moto like any other)."""
        key = (service, region)
        if key not in self._clients:
            import boto3

            self._clients[key] = boto3.session.Session().client(service, region_name=region)
        return self._clients[key]

    def _require_started(self, what: str) -> None:
        if not self._started:
            raise MockLambdaError(f"{what} needs a started mock: use it inside `with mock_lambda() as lam:`")


@overload
def mock_lambda(func: F) -> F: ...


@overload
def mock_lambda(*, mode: Mode = "auto", time_scale: float = 1.0, duplicate_rate: float = 0.0,
                seed: Optional[int] = None) -> LambdaMock: ...


def mock_lambda(func: Optional[F] = None, *, mode: Mode = "auto", time_scale: float = 1.0,
                duplicate_rate: float = 0.0, seed: Optional[int] = None) -> Any:
    """Make Lambda's asynchronous invocation real inside a test.

    ``@mock_lambda`` or ``@mock_lambda(mode="manual")`` decorate a test; ``with mock_lambda() as
    lam:`` gives the ``LambdaMock`` handle. Starts moto's ``mock_aws`` when none is active.
    """
    mock = LambdaMock(mode=mode, time_scale=time_scale, duplicate_rate=duplicate_rate, seed=seed)
    if func is not None:
        return mock(func)
    return mock
