"""``mock_lambda``: the decorator / context manager, and the ``LambdaMock`` handle it gives tests.

The handle is wiring and delegation only: ``start()`` builds a ``Pipeline`` over moto's adapters
and puts it where moto's patched methods find it; everything else asks the pipeline.
"""

from __future__ import annotations

import functools
import inspect
from collections import deque
from collections.abc import Callable
from typing import Any, Literal, TypeVar, overload

from . import _moto
from ._core.clock import Clock
from ._model import DurableExecutionView, Invocation
from ._pipeline.attempt import Bindings, Faults
from ._pipeline.pipeline import Pipeline
from ._runtime import durable as durable_sdk
from ._runtime import process_state, threads
from ._runtime.isolation import Isolation
from ._runtime.isolation import IsolationMode as IsolationMode  # the option's values, for server.serve
from .errors import MockLambdaError as MockLambdaError  # also for server.serve
from .errors import NotIdleError, warn

Mode = Literal["auto", "manual", "realtime"]
MODES = ("auto", "manual", "realtime")
F = TypeVar("F", bound=Callable[..., Any])
_UNSET: Any = object()

# Mocks started since the pytest plugin last looked: a failing test's report shows their timelines.
# Bounded, so a long-running script that starts many mocks keeps none of them alive for long.
started_recently: deque[LambdaMock] = deque(maxlen=8)


class LambdaMock:
    """The running mock. ``with mock_lambda() as lam`` and the ``lambda_mock`` fixture give one."""

    def __init__(self, *, mode: Mode = "auto", time_scale: float = 1.0, duplicate_rate: float = 0.0,
                 seed: int | None = None, isolation: IsolationMode = "in-process") -> None:
        if mode not in MODES:
            raise MockLambdaError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
        if mode != "realtime" and time_scale != 1.0:
            raise MockLambdaError("time_scale applies to mode='realtime' only; virtual modes need no scaling")
        if not time_scale > 0:
            raise MockLambdaError(f"time_scale must be > 0, got {time_scale!r}")
        if not 0.0 <= duplicate_rate <= 1.0:
            raise MockLambdaError(f"duplicate_rate is a probability between 0 and 1; got {duplicate_rate!r}")
        self.mode: Mode = mode
        self.time_scale = time_scale
        self.duplicate_rate = duplicate_rate
        self.seed = seed
        self._isolation = Isolation(isolation)  # refused here when awslambdaric is missing
        self.isolation = isolation
        self._bindings = Bindings()
        self._faults = Faults()
        self._stop_moto: Callable[[], None] | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._endpoint = _moto.LoopbackEndpoint()
        self._pipeline = self._new_pipeline()
        self._started = False

    def _new_pipeline(self) -> Pipeline:
        return Pipeline(self.mode, self.time_scale, self.duplicate_rate, self.seed,
                        directory=_moto.MotoFunctions(), sinks=_moto.MotoSinks(), schedules=_moto.MotoSchedules(),
                        streams=_moto.MotoStreams(), clients=self._client, bindings=self._bindings, faults=self._faults,
                        endpoint=lambda: self._endpoint.url(), isolation=self._isolation)

    def _serve_at(self, url: str) -> None:
        """``mocklambda serve``: the mock is served at ``url``; functions run as processes call it there."""
        self._endpoint.serve_at(url)

    @property
    def clock(self) -> Clock:
        """The mock's clock: ``now()``, ``advance(seconds)``, ``elapsed``."""
        return self._pipeline.clock

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> LambdaMock:
        """Start mocking; starts moto's ``mock_aws`` too when none is active."""
        if self._started:
            raise MockLambdaError("this mock_lambda is already started; call stop() before starting it again")
        _moto.check_not_server_mode()
        self._faults = Faults()
        self._clients = {}
        self._endpoint = _moto.LoopbackEndpoint()
        self._pipeline = self._new_pipeline()
        if not _moto.moto_active():
            self._stop_moto = _moto.start_moto()
        _moto.install()
        threads.install()
        process_state.install()
        durable_sdk.forget_sdk_client()
        durable_sdk.install(_moto.wrap_sdk_client)
        _moto.active.push(self._pipeline)
        started_recently.append(self)
        self._started = True
        self._pipeline.start()
        return self

    def stop(self) -> None:
        """Run what is still queued to its final outcome, then stop (and stop moto if this mock
        started it)."""
        self._stop(quiet=False)

    def _stop(self, quiet: bool) -> None:
        """``quiet``: the test body failed. Its own error is what the test reports: a failure while
        settling the queue is only warned about, not raised over it (as respx's ``stop(quiet=)``)."""
        if not self._started:
            if quiet:  # the body stopped it itself before it failed: its error is the one to see
                return
            raise MockLambdaError("stop() called on a mock_lambda that is not started; call start() first")
        try:
            self._pipeline.stop()
        except Exception as error:
            if not quiet:
                raise
            warn(f"mock_lambda could not settle its queue after the test failed: {type(error).__name__}: {error}")
        finally:
            self._release()

    def _release(self) -> None:
        """Each step runs even when one before it raised (the first error is raised, later ones
        are warned about): a step left undone would leak this mock, or moto's state, into
        the next test."""
        steps: list[Callable[[], object]] = [
            self._pipeline.close,  # handler code still running (timed out, threads it started) ends while moto is ours
            self._endpoint.close,  # after the processes that called it are gone
            lambda: _moto.active.remove(self._pipeline),
            _moto.uninstall, threads.uninstall, process_state.uninstall, durable_sdk.uninstall,
            durable_sdk.forget_sdk_client,
        ]
        if self._stop_moto is not None:
            steps.append(self._stop_moto)
            self._stop_moto = None
        self._started = False
        first: BaseException | None = None
        for step in steps:
            try:
                step()
            except BaseException as error:
                if first is None:
                    first = error
                else:  # not lost: told beside the first, which is raised
                    warn(f"mock_lambda: a later step of stopping failed too: {type(error).__name__}: {error}")
        if first is not None:
            raise first

    def __enter__(self) -> LambdaMock:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: Any) -> None:
        self._stop(quiet=exc_type is not None)

    async def __aenter__(self) -> LambdaMock:
        return self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: Any) -> None:
        self._stop(quiet=exc_type is not None)

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
        self._pipeline.run_until_idle(timeout)

    def invocations(self, function_name: str | None = None) -> list[Invocation]:
        """Every event accepted so far (oldest first), optionally of one function (name or ARN)."""
        return self._pipeline.invocations(function_name)

    def durable_executions(self, function_name: str | None = None) -> list[DurableExecutionView]:
        """Every durable execution that still exists (oldest first), optionally of one function
        (name or ARN): its status, result or error, operations and invocation count."""
        return self._pipeline.durable.views(function_name)

    def assert_idle(self) -> None:
        """Raise ``NotIdleError`` if any event is still queued."""
        queue = self._pipeline.queue
        pending = queue.pending()
        timers = queue.pending_timers()
        if pending or timers:
            lines = [
                f"  {event.request_id} {event.function.name}: {len(event.attempts)} attempt(s) so far"
                for event in pending
            ] + [f"  at +{due:g}s: {timer.description}" for due, timer in timers]
            raise NotIdleError(f"{len(pending)} event(s) and {len(timers)} other item(s) still queued:\n"
                               + "\n".join(lines))

    def timeline(self) -> str:
        """Every event so far: attempt times on the virtual clock, errors, final condition, where
        its records went; then each stream mapping's batches, shard by shard. pytest shows this
        under a failed test that used the mock."""
        return self._pipeline.timeline()

    def _has_history(self) -> bool:
        """Whether a timeline would show anything (the pytest plugin asks before showing one)."""
        return self._pipeline.has_history()

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
                self._bindings.bind(name, func)
                return func

            return decorate
        if fn is None:
            from unittest.mock import Mock  # imported when used: it costs start-up time (asyncio)

            fn = Mock(side_effect=None if side_effect is _UNSET else side_effect,
                      return_value=None if return_value is _UNSET else return_value)
        elif side_effect is not _UNSET or return_value is not _UNSET:
            raise MockLambdaError("pass either fn, or side_effect / return_value, not both")
        self._bindings.bind(name, fn)
        return fn

    def isolate(self, name: str) -> None:
        """Run the Python function ``name`` (or ARN, or ``name:qualifier``) in a process of its
        own under AWS's runtime interface client, as ``isolation="process"`` runs every one:
        ``os._exit`` and crashes contained, ``MemorySize`` enforced, real parallelism in realtime
        mode, an ``os.environ`` of its own. Needs ``pip install mocklambda[isolated]``."""
        self._isolation.isolate(name)

    # -- faults on demand ----------------------------------------------------------------------

    def inject_throttles(self, function_name: str, times: int = 1, call: str = "Invoke") -> None:
        """The next ``times`` attempts of the function are throttled (429): the events go back to
        the queue with backoff from 1 s to 5 min, without using a retry (spec 2.5). ``call``
        ``"CheckpointDurableExecution"`` or ``"GetDurableExecutionState"``: the next ``times`` of
        those calls a durable function's SDK makes answer 429 instead."""
        self._faults.add(function_name, "throttle", times, call)

    def inject_system_errors(self, function_name: str, times: int = 1, call: str = "Invoke") -> None:
        """The next ``times`` attempts fail with a Lambda service error (5xx): retried like
        throttles, bounded by the event age, without using a retry (spec 2.5). ``call`` as for
        ``inject_throttles``: the SDK's calls answer 500 ``ServiceException``."""
        self._faults.add(function_name, "system_error", times, call)

    # -- internals -----------------------------------------------------------------------------

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


def start_for_mock_aws() -> Callable[[], None] | None:
    """``pytest --mocklambda``: a mock for a ``mock_aws`` that starts while none runs."""
    if _moto.active.current() is not None:
        return None
    lam = LambdaMock().start()
    return lam.stop


@overload
def mock_lambda(func: F) -> F: ...


@overload
def mock_lambda(*, mode: Mode = "auto", time_scale: float = 1.0, duplicate_rate: float = 0.0,
                seed: int | None = None, isolation: IsolationMode = "in-process") -> LambdaMock: ...


def mock_lambda(func: F | None = None, *, mode: Mode = "auto", time_scale: float = 1.0,
                duplicate_rate: float = 0.0, seed: int | None = None, isolation: IsolationMode = "in-process") -> Any:
    """Make Lambda's asynchronous invocation real inside a test.

    ``@mock_lambda`` or ``@mock_lambda(mode="manual")`` decorate a test; ``with mock_lambda() as
    lam:`` gives the ``LambdaMock`` handle. Starts moto's ``mock_aws`` when none is active.
    ``isolation="process"`` runs Python functions in processes under awslambdaric.
    """
    mock = LambdaMock(mode=mode, time_scale=time_scale, duplicate_rate=duplicate_rate, seed=seed,
                      isolation=isolation)
    if func is not None:
        return mock(func)
    return mock
