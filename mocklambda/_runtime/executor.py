"""Runs a function's Python handler in-process, the way AWS's Python runtime would (spec §9).

One warm container per function version and code: its module is imported once (cold start) and
stays loaded, as in a reused sandbox. A timeout, ``sys.exit`` or init error throws the container
away, so the next invocation starts cold, as on Lambda.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from .._model import ExecutionResult, FunctionSnapshot, InvocationRequest, LogFrame
from ..errors import warn
from .capture import CAPTURE_HANDLER, LogSink, capture_output, release_capture
from .codec import decode_event, marshal
from .container import Container, Handler, InitError, runtime_error
from .context import ClientContext, LambdaContext
from .environment import lambda_environment, set_python_environment_variable, trace_id, working_directory
from .interrupts import ctrl_c_pending
from .isolation import Isolation
from .json_logs import error_log as json_error_log
from .json_logs import python_style
from .platform_reports import (
    RESPONSE_LIMIT,
    exit_reason,
    init_start_line,
    response_too_large,
    runtime_exited,
    timed_out,
)
from .process_runtime import ProcessEnvironments, runs_as_process
from .process_state import LoggingChanges
from .sandbox import CodeBundle
from .threads import become_handler_thread, exclusive, in_handler, leave_handler_thread, stop_handler_threads
from .watchdog import Interrupted, Watchdog
from .workers import InlineBatch, Worker

try:  # not on Windows
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit for the init phase of on-demand functions
STOP_GRACE_SECONDS = 1.0  # how long stop() waits for a timed-out handler to notice


class _Outcome:
    """What one invocation produced; ``started`` / ``done`` only when it runs on a handler thread."""

    __slots__ = ("payload", "error", "runtime_events", "init_ms", "init_events", "sink", "started", "done",
                 "discard_container")

    def __init__(self, threaded: bool) -> None:
        self.payload = b""
        self.error: dict[str, Any] | None = None
        self.runtime_events: list[str] = []  # what the runtime itself logs: an error report, a timeout
        self.init_ms: float | None = None
        self.init_events = 0  # how many of the sink's events the init phase wrote
        self.sink: LogSink | None = None
        self.started = threading.Event() if threaded else None
        self.done = threading.Event() if threaded else None
        self.discard_container = False


class Runtime:
    """Executes invocations; owns the warm containers of one mock."""

    def __init__(self, endpoint: Callable[[], str], isolation: Isolation | None = None) -> None:
        self._isolation = isolation or Isolation()
        self._containers: dict[tuple[Any, ...], Container] = {}
        self._bundles: list[CodeBundle] = []  # every extracted package, discarded containers' too
        self._timed_out: list[threading.Thread] = []
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._warned: set[str] = set()
        self._local = threading.local()
        self._watchdog = Watchdog()
        self._logging_changes = LoggingChanges(CAPTURE_HANDLER)
        self._processes = ProcessEnvironments(endpoint)

    def close(self) -> None:
        """Wait briefly for handlers that timed out, then delete every extracted package; stop
        every runtime process."""
        self._watchdog.close()
        self._processes.close()
        for thread in self._timed_out:
            thread.join(STOP_GRACE_SECONDS)
            if thread.is_alive():
                warn(f"handler thread {thread.name} was still running when the mock stopped "
                     "(blocked in a call that a timeout cannot interrupt)")
        with self._lock:
            self._containers, self._timed_out = {}, []
            bundles, self._bundles = self._bundles, []
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.retire()
        for worker in idle:  # idle workers leave at once: nothing of ours outlives stop()
            worker.thread.join(STOP_GRACE_SECONDS)
        for bundle in bundles:
            bundle.remove()
        self._logging_changes.undo()
        for thread in stop_handler_threads(STOP_GRACE_SECONDS):
            warn(f"thread {thread.name}, started by handler code, was still running when the mock stopped "
                 "(blocked in a call that cannot be interrupted)")

    def _container(self, function: FunctionSnapshot, bound: Handler | None) -> Container:
        key = (function.configuration_key, id(bound) if bound else None)
        container = self._containers.get(key)
        if container is not None:
            return container
        with self._lock:
            container = self._containers.get(key)
            if container is None:
                container = self._containers[key] = Container(function, bound)
                if container.bundle is not None:
                    self._bundles.append(container.bundle)
            return container

    def _discard(self, container: Container) -> None:
        with self._lock:
            for key, value in list(self._containers.items()):
                if value is container:
                    del self._containers[key]

    @contextmanager
    def inline_batch(self) -> Iterator[None]:
        """Within the block, warm invocations made on this thread run on it, not on a handler
        thread (the hand-off costs more than a warm handler), with a watchdog for their timeouts.
        The event queue runs each drain of the virtual clock inside one."""
        if getattr(self._local, "batch", None) is not None:
            yield
            return
        batch = self._local.batch = InlineBatch(self._logging_changes.watching)
        try:
            yield
        finally:
            self._local.batch = None
            batch.close()

    def leave_handlers(self) -> None:
        """Put the test's own process state back (environment, modules) before the mock's own
        work between attempts that reads it: deliveries, timers. The next inline attempt applies
        its container again."""
        batch = getattr(self._local, "batch", None)
        if batch is not None and not in_handler():
            batch.leave_container()

    def execute(self, function: FunctionSnapshot, request: InvocationRequest, bound: Handler | None = None,
                inline: bool = False) -> ExecutionResult:
        """Run one invocation. ``inline``: an attempt of a queued event, which may run on this
        thread inside an ``inline_batch`` (a warm one does)."""
        if bound is None and not function.is_python:
            if runs_as_process(function):
                return self._processes.execute(function, request)
            return self._unsupported(function, request)
        if bound is None and self._isolation.applies(function):  # under awslambdaric, in a process of its own
            return self._processes.execute(function, request)
        container = self._container(function, bound)
        batch = getattr(self._local, "batch", None)
        if batch is not None and not in_handler():
            # not on a thread running an event loop (an async test): asyncio.run() in the handler would fail
            if inline and container.handler_fn is not None and asyncio._get_running_loop() is None:
                return self._execute_inline(batch, container, function, request)
            batch.leave_container()  # a handler thread starts from the test's state, not a container's
        with exclusive():  # handler code runs one invocation tree at a time (process-wide state)
            return self._execute(container, function, request)

    def _context(self, container: Container, function: FunctionSnapshot, request: InvocationRequest) -> LambdaContext:
        return LambdaContext(
            aws_request_id=request.request_id,
            function_name=function.name,
            function_version=function.version,
            invoked_function_arn=request.invoked_arn,
            memory_limit_in_mb=str(function.memory_size),
            log_group_name=function.log_group,
            log_stream_name=container.log_stream,
            client_context=ClientContext.from_json(request.client_context)
            if request.client_context is not None
            else None,
        )

    def _execute_inline(self, batch: InlineBatch, container: Container, function: FunctionSnapshot,
                        request: InvocationRequest) -> ExecutionResult:
        outcome = _Outcome(threaded=False)
        context = self._context(container, function, request)
        event = decode_event(request.payload) if request.event is None else request.event()
        capture = batch.enter(container)
        set_python_environment_variable(b"_X_AMZN_TRACE_ID", trace_id())
        outcome.sink = capture.begin(request.request_id, *python_style(function.logging))
        started = time.perf_counter()
        become_handler_thread(request.chain)
        try:
            timed_out = self._call_handler_contained(container, event, context, outcome, function,
                                                     request.request_id, self._watchdog)
        finally:
            leave_handler_thread()
            capture.end()
        if timed_out:
            self._timed_out_error(outcome, function, request.request_id)
        if outcome.discard_container:
            batch.leave_container()
        return self._result(container, function, request, outcome, started, cold=False)

    def _execute(self, container: Container, function: FunctionSnapshot, request: InvocationRequest) -> ExecutionResult:
        outcome = _Outcome(threaded=True)
        assert outcome.started is not None and outcome.done is not None
        cold = container.handler_fn is None
        context = self._context(container, function, request)
        event = decode_event(request.payload) if request.event is None else request.event()
        started = time.perf_counter()
        with lambda_environment(container.environment()), container.modules.active(), \
                working_directory(container.task_root), \
                nullcontext() if in_handler() else self._logging_changes.watching():
            with self._lock:
                worker = self._idle.pop() if self._idle else Worker()
            worker.thread.name = f"mocklambda:{function.name}:{request.request_id}"
            worker.run(lambda: self._run(container, event, context, outcome, function, request))
            if cold:  # the init phase has its own limit; the timeout counts from the handler's start
                outcome.started.wait(INIT_TIMEOUT_SECONDS)
            finished = outcome.done.wait(function.timeout)  # warm: the handler starts at once
            if finished:
                with self._lock:
                    self._idle.append(worker)
            else:
                self._interrupt(worker.thread)
                release_capture(worker.thread.ident)
                worker.retire()  # it leaves once the handler lets go
                self._timed_out.append(worker.thread)
                self._timed_out_error(outcome, function, request.request_id)
        return self._result(container, function, request, outcome, started, cold)

    @staticmethod
    def _timed_out_error(outcome: _Outcome, function: FunctionSnapshot, request_id: str) -> None:
        outcome.discard_container = True
        outcome.error, event = timed_out(request_id, function.timeout)
        outcome.runtime_events.append(event)

    def _result(self, container: Container, function: FunctionSnapshot, request: InvocationRequest, outcome: _Outcome,
                started: float, cold: bool) -> ExecutionResult:
        duration_ms = (time.perf_counter() - started) * 1000 - (outcome.init_ms or 0.0)
        if outcome.discard_container:
            self._discard(container)
        written = outcome.sink.take() if outcome.sink is not None else []
        init = outcome.init_events
        log = LogFrame(request.request_id, function.version, written[init:] + outcome.runtime_events,
                       max(duration_ms, 0.01), function.memory_size, _max_memory_mb(function.memory_size),
                       outcome.init_ms if cold else None, written[:init],
                       init_start_line(function) if cold and container.bundle is not None else None,
                       function.logging.platform_json)
        if outcome.error is not None:
            payload = json.dumps(outcome.error).encode("utf-8")
            return ExecutionResult(payload, outcome.error["errorType"], outcome.error["errorMessage"], log,
                                   container.log_stream)
        return ExecutionResult(outcome.payload, None, None, log, container.log_stream)

    def _run(self, container: Container, event: Any, context: LambdaContext, outcome: _Outcome,
             function: FunctionSnapshot, request: InvocationRequest) -> None:
        """On a handler thread: the whole invocation, init phase included."""
        assert outcome.started is not None and outcome.done is not None
        become_handler_thread(request.chain)
        try:
            with capture_output(threading.get_ident(), request.request_id, *python_style(function.logging)) as sink:
                outcome.sink = sink
                self._call_handler_contained(container, event, context, outcome, function, request.request_id, None)
        finally:
            outcome.started.set()
            outcome.done.set()

    def _call_handler_contained(self, container: Container, event: Any, context: LambdaContext, outcome: _Outcome,
                                function: FunctionSnapshot, request_id: str, watchdog: Watchdog | None) -> bool:
        """``_call_handler``, and what the runtime process does when an exception escapes its own
        reporting (an exception whose ``__str__`` raises, ...): it exits, and Lambda reports
        ``Runtime.ExitError`` (spec 9.6). The container goes with it."""
        try:
            return self._call_handler(container, event, context, outcome, function, request_id, watchdog)
        except Interrupted:  # the timeout landed in our own code: whoever waits reports it
            return watchdog is not None
        except BaseException as exc:
            if watchdog is not None and isinstance(exc, KeyboardInterrupt) and ctrl_c_pending():
                raise  # Ctrl-C on the test's own thread: it stops the test run
            outcome.payload = b""
            outcome.error = runtime_exited(request_id, exit_reason(1))
            outcome.discard_container = True
            return False

    def _call_handler(self, container: Container, event: Any, context: LambdaContext, outcome: _Outcome,
                      function: FunctionSnapshot, request_id: str, watchdog: Watchdog | None) -> bool:
        """Init (when cold), then the handler, then the result's marshalling, into ``outcome``.
        Returns True when the handler ran past its timeout, whatever it raised then: on a handler
        thread the caller finds that out itself; inline, ``watchdog`` interrupts it."""
        deadline = None
        try:
            if container.handler_fn is None:
                init_started = time.perf_counter()
                if function.logging.log_format == "JSON":  # as awslambdaric's _setup_logging, before the import
                    logging.getLogger().setLevel(python_style(function.logging)[1])
                try:
                    container.handler_fn = container.initialise()
                except SystemExit as exc:  # sys.exit() while importing: the runtime exits (spec 9.6)
                    self._failed(container, outcome, exc, request_id)
                    return False
                finally:
                    outcome.init_ms = (time.perf_counter() - init_started) * 1000
                    if outcome.sink is not None:  # the init phase's output is logged before START
                        outcome.sink.end_line()
                        outcome.init_events = len(outcome.sink.events)
            if watchdog is not None:
                deadline = watchdog.arm(function.timeout)
                context._deadline = deadline.at
            else:
                context._deadline = time.monotonic() + function.timeout
            if outcome.started is not None:
                outcome.started.set()
            context_vars = container.take_context_vars()
            try:  # contextvars (decimal's context too) stay the sandbox's, not the calling thread's
                result = context_vars.run(container.handler_fn, event, context)
            except BaseException as exc:
                if deadline is not None and not watchdog.finish(deadline):  # type: ignore[union-attr]
                    return True  # interrupted at the timeout, whatever the handler made of that
                if watchdog is not None and isinstance(exc, KeyboardInterrupt) and ctrl_c_pending():
                    raise  # Ctrl-C on the test's own thread: it stops the test run, as before
                if self._failed(container, outcome, exc, request_id):
                    return True
                _log_error(outcome, function)
                return False
            finally:
                container.give_back_context_vars(context_vars)
            if deadline is not None and not watchdog.finish(deadline):  # type: ignore[union-attr]
                return True
            try:
                outcome.payload = marshal(result, function.runtime)
            except (TypeError, ValueError) as exc:
                message = f"Unable to marshal response: {exc}"
                outcome.error = runtime_error("Runtime.MarshalError", message, request_id, [], function.runtime)
            except Exception as exc:  # RecursionError, a __float__ that raises...: the runtime reports it as is
                outcome.error = runtime_error(type(exc).__name__, str(exc), request_id,
                                              container.stack(exc.__traceback__), function.runtime)
            if len(outcome.payload) > RESPONSE_LIMIT:  # test_lambda_too_large_response
                outcome.payload = b""
                outcome.error = response_too_large()
        except Interrupted:  # it landed outside the handler's own code (or at once, on a handler thread)
            if deadline is not None:
                watchdog.finish(deadline)  # type: ignore[union-attr]
            return True
        except InitError as exc:
            outcome.error = exc.payload
            outcome.discard_container = True
        _log_error(outcome, function)
        return False

    @staticmethod
    def _failed(container: Container, outcome: _Outcome, exc: BaseException, request_id: str) -> bool:
        """What the runtime reports for an exception out of the handler (spec 9.4-9.5)."""
        if isinstance(exc, Interrupted):
            return True
        if isinstance(exc, SystemExit):
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
            outcome.error = runtime_exited(request_id, exit_reason(code & 0xFF))  # the process's exit status
            outcome.discard_container = True
            return False
        stack = container.stack(exc.__traceback__, skip=1)
        outcome.error = runtime_error(type(exc).__name__, str(exc), request_id, stack, container.function.runtime)
        if not isinstance(exc, Exception):  # KeyboardInterrupt, CancelledError, ...: the runtime dies
            outcome.discard_container = True
        return False

    @staticmethod
    def _interrupt(worker: threading.Thread) -> None:
        """Stop a timed-out handler at its next Python instruction (C calls finish first)."""
        if worker.ident is not None and worker.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(Interrupted))

    def _unsupported(self, function: FunctionSnapshot, request: InvocationRequest) -> ExecutionResult:
        zip_package = function.package_type == "Zip"
        what = f"runtime {function.runtime}" if zip_package else f"package type {function.package_type}"
        message = (
            f"mocklambda runs python3.x zip functions in-process, and provided.al2023 / provided.al2 and "
            f"nodejs18.x-nodejs24.x zip functions as processes; '{function.name}' has {what}. "
            f"Bind a Python callable in the test: lam.handler('{function.name}', fn)"
        )
        if function.name not in self._warned:
            self._warned.add(function.name)
            warn(message)
        error: dict[str, Any] = {"errorMessage": message, "errorType": "MockLambda.NoHandler",
                                 "requestId": request.request_id,
                 "stackTrace": []}
        log = LogFrame(request.request_id, function.version, [_error_log(error)], 0.01, function.memory_size,
                       _max_memory_mb(function.memory_size), None, platform_json=function.logging.platform_json)
        return ExecutionResult(json.dumps(error).encode(), error["errorType"], message, log, "")


def _log_error(outcome: _Outcome, function: FunctionSnapshot) -> None:
    """The runtime logs an error that has a stack trace (not a timeout or an exit)."""
    if outcome.error is not None and "stackTrace" in outcome.error:
        report = json_error_log if function.logging.log_format == "JSON" else _error_log
        outcome.runtime_events.append(report(outcome.error))


def _error_log(error: dict[str, Any]) -> str:
    """The runtime's error report: one event, its frames indented with U+00A0, no final newline
    (spec 9.7; recorded in test_invocation_type_event_error)."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        description += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for frame in error.get("stackTrace", []):
        lines += [_NBSP * (len(line) - len(line.lstrip(" "))) + line.lstrip(" ") for line in frame.splitlines()] or [""]
    return "\n".join(lines)


_NBSP = "\u00a0"


_peak_rss = (0.0, 1)  # (when it was read, MB): the process's peak, read at most every 50 ms


def _max_memory_mb(memory_size: int) -> int:
    """``Max Memory Used``: the process's peak resident size, capped at the function's memory."""
    global _peak_rss
    if resource is None:
        return memory_size
    read_at, used_mb = _peak_rss
    now = time.monotonic()
    if now - read_at > 0.05:
        used_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, 1)
        _peak_rss = (now, used_mb)
    return int(min(memory_size, used_mb))
