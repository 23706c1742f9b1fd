"""Runs a function's Python handler in-process, the way AWS's Python runtime would (spec §9).

One warm container per function version and code: its module is imported once (cold start) and
stays loaded, as in a reused sandbox. A timeout, ``sys.exit`` or init error throws the container
away, so the next invocation starts cold, as on Lambda.
"""

from __future__ import annotations

import contextvars
import ctypes
import decimal
import functools
import itertools
import importlib
import json
from json.encoder import c_make_encoder, encode_basestring, encode_basestring_ascii  # type: ignore[attr-defined]
import os
import queue
import random
import threading
import time
import traceback
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Optional

from .context import ClientContext, LambdaContext
from .errors import MockLambdaWarning
from .logs import ThreadCapture, capture_output, frame_log, release_capture
from .handler_threads import become_handler_thread, exclusive, in_handler, leave_handler_thread, warn
from .recursion import Chain
from .sandbox import CodeBundle, ModuleSpace
from .watchdog import Interrupted, Watchdog

try:  # not on Windows
    import resource
except ImportError:  # pragma: no cover
    resource = None  # type: ignore[assignment]

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit for the init phase of on-demand functions
STOP_GRACE_SECONDS = 1.0  # how long stop() waits for a timed-out handler to notice
Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class FunctionSpec:
    """What the runtime needs to know of one function version (a snapshot of moto's model)."""

    name: str
    arn: str  # unqualified
    version: str  # "$LATEST" or "1", "2", ...
    region: str
    account_id: str
    runtime: str | None
    handler: str | None
    timeout: float
    memory_size: int
    environment: Mapping[str, str]
    code_sha256: str
    package_type: str = "Zip"
    code_zip: bytes = field(default=b"", repr=False)
    layer_zips: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.name}"

    @functools.cached_property
    def configuration_key(self) -> tuple[Any, ...]:
        """What a warm container is kept for: Lambda starts new execution environments after any
        change of the code or the configuration (the environment variables included)."""
        return (self.arn, self.version, self.code_sha256, self.handler, self.runtime, self.timeout,
                self.memory_size, self.package_type, tuple(sorted(self.environment.items())),
                hash(self.layer_zips))

    @property
    def is_python(self) -> bool:
        return self.package_type == "Zip" and (self.runtime or "python").startswith("python")


@dataclass(frozen=True, slots=True)
class Request:
    request_id: str
    payload: bytes  # already validated as JSON (or empty)
    invoked_arn: str
    client_context: dict[str, Any] | None = None
    chain: Chain | None = field(default=None, compare=False)  # for recursive loop detection


class ExecutionResult:
    """What one invocation produced (a plain slotted class: one is made per attempt)."""

    __slots__ = ("payload", "error_type", "error_message", "framed_log", "log_stream", "duration_ms")

    def __init__(self, payload: bytes, error_type: str | None, error_message: str | None,
                 framed_log: str | tuple[Any, ...], log_stream: str, duration_ms: float) -> None:
        self.payload = payload
        self.error_type = error_type
        self.error_message = error_message
        self.framed_log = framed_log  # the log, or frame_log's arguments (framed when first read)
        self.log_stream = log_stream
        self.duration_ms = duration_ms

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    @property
    def log(self) -> str:
        """START / output / END / REPORT as Lambda writes them (most logs are only read in bulk,
        when they are written to CloudWatch Logs, so they are framed then)."""
        if isinstance(self.framed_log, tuple):
            self.framed_log = frame_log(*self.framed_log)
        return self.framed_log


class _InitError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def _error(error_type: str, message: str, request_id: str, stack: list[str]) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type, "requestId": request_id, "stackTrace": stack}


def _decimal_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):  # the runtime's encoder writes Decimals as numbers
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_DECODER = json.JSONDecoder()
_scan = _DECODER.scan_once


def decode_event(payload: bytes) -> Any:
    """The handler's ``event``: a fresh object every attempt (an empty payload is ``{}``).
    Payloads are valid JSON by now (Invoke checks them), so the scanner is called directly."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:  # not from Invoke (validated UTF-8): let json find the encoding
        return json.loads(payload)
    if text[:1] in ("{", "["):
        return _scan(text, 0)[0]
    return _DECODER.decode(text) if text.strip() else {}


_thread_encoders = threading.local()


def marshal(result: Any, runtime: str | None) -> bytes:
    """The handler's result as the Python runtime sends it (``json.dumps``, ASCII before 3.12):
    the C encoder that ``json.dumps`` makes on every call, made once per thread instead."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result)
    ascii_only = not _at_least(runtime, (3, 12))
    if c_make_encoder is None:  # pragma: no cover - CPython always has it
        return json.dumps(result, default=_decimal_default, ensure_ascii=ascii_only).encode("utf-8")
    encoders = getattr(_thread_encoders, "by_ascii", None)
    if encoders is None:
        encoders = _thread_encoders.by_ascii = {}
    encode = encoders.get(ascii_only)
    if encode is None:
        encode = encoders[ascii_only] = c_make_encoder(
            {}, _decimal_default, encode_basestring_ascii if ascii_only else encode_basestring,
            None, ": ", ", ", False, False, True)
    try:
        return "".join(encode(result, 0)).encode("utf-8")
    except BaseException:
        del encoders[ascii_only]  # its cycle markers may be left half-filled
        raise


@functools.lru_cache(maxsize=64)
def _at_least(runtime: str | None, version: tuple[int, int]) -> bool:
    try:
        major, minor = (runtime or "").replace("python", "").split(".")[:2]
        return (int(major), int(minor)) >= version
    except ValueError:
        return True


@contextmanager
def lambda_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set Lambda's variables only while the handler runs; undo whatever the handler changed.
    (Compares os.environ's own bytes mapping, so a warm call costs microseconds, not a copy
    and decode of every variable.)"""
    data = getattr(os.environ, "_data", None)
    before = dict(data) if data is not None else dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        if data is None:
            _restore_slowly(before)
        else:
            decode = os.environ.decodekey  # type: ignore[attr-defined]
            for key in [k for k in data if k not in before]:
                del os.environ[decode(key)]
            for key, value in before.items():
                if data.get(key) != value:
                    os.environ[decode(key)] = os.environ.decodevalue(value)  # type: ignore[attr-defined]


def set_python_environment_variable(key: bytes, value: str) -> None:
    """``os.environ[key] = value`` for an ASCII name, as Python code reads it, without the per-call
    encoding work and the C library's ``setenv`` (which scans the whole environment). For the
    per-invocation trace id of warm inline attempts: the container's variables, this one's first
    value included, went through ``os.environ`` (a subprocess sees them all)."""
    data = getattr(os.environ, "_data", None)
    if data is None or os.name != "posix":  # elsewhere the mapping's keys are not the names' bytes
        os.environ[key.decode()] = value
    else:
        data[key] = value.encode("utf-8", "surrogateescape")


def _restore_slowly(before: dict[str, Any]) -> None:
    for key in list(os.environ):
        if key not in before:
            del os.environ[key]
    for key, value in before.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


_trace_random = random.Random()
_trace_ids = itertools.count()


def trace_id() -> str:
    """An X-Ray trace header as Lambda sets it in ``_X_AMZN_TRACE_ID``: the epoch second, then 96
    bits unique to the invocation (64 random per process, a 32-bit counter)."""
    return f"Root=1-{int(time.time()):08x}-{_TRACE_PREFIX}{next(_trace_ids) & 0xFFFFFFFF:08x};Sampled=0"


_TRACE_PREFIX = f"{_trace_random.getrandbits(64):016x}"


class Container:
    """A warm execution environment for one function version."""

    def __init__(self, spec: FunctionSpec, bound: Handler | None) -> None:
        self.spec = spec
        self.bundle = None if bound is not None else CodeBundle(spec.code_zip, list(spec.layer_zips))
        self.modules = ModuleSpace(self.bundle)
        self.handler_fn: Handler | None = bound
        now = datetime.now(timezone.utc)
        self.log_stream = f"{now:%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
        self._environment: dict[str, str] | None = None
        self._own_context_vars = contextvars.Context()
        self._context_vars = [self._own_context_vars]  # the sandbox's own contextvars, while not in use

    def aws_path(self, filename: str) -> str:
        return self.bundle.aws_path(filename) if self.bundle else filename

    def take_context_vars(self) -> contextvars.Context:
        """The sandbox's contextvars; a fresh set for a call made while they are in use (the
        function invoking itself, parallel attempts in realtime mode: other sandboxes on AWS)."""
        try:
            return self._context_vars.pop()
        except IndexError:
            return contextvars.Context()

    def give_back_context_vars(self, context_vars: contextvars.Context) -> None:
        if not self._context_vars and context_vars is self._own_context_vars:
            self._context_vars.append(context_vars)

    def environment(self) -> dict[str, str]:
        """Lambda's variables for one invocation (a new trace id each time)."""
        if self._environment is None:
            self._environment = self._base_environment()
        env = dict(self._environment)
        env["_X_AMZN_TRACE_ID"] = trace_id()
        return env

    def _base_environment(self) -> dict[str, str]:
        spec = self.spec
        env = {str(k): str(v) for k, v in spec.environment.items()}
        env.update(
            {
                "_HANDLER": spec.handler or "",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python'}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            }
        )
        if self.bundle is not None:
            env["LAMBDA_TASK_ROOT"] = str(self.bundle.task_dir)
        return env

    def stack(self, tb: Any, skip: int = 0) -> list[str]:
        frames = traceback.extract_tb(tb)[skip:]
        for frame in frames:
            frame.filename = self.aws_path(frame.filename)
        return traceback.format_list(frames)

    def initialise(self) -> Handler:
        """Import the handler module, as the runtime's bootstrap does (spec 9.4)."""
        handler = self.spec.handler or ""
        try:
            module_name, function_name = handler.rsplit(".", 1)
        except ValueError as exc:
            raise _InitError(_error("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}", "", []))
        try:
            if self.bundle is not None and self.bundle.bad_zip:
                raise ImportError(f"No module named '{module_name}'")
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as exc:
            raise _InitError(
                _error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}", "", [])
            )
        except SyntaxError as exc:
            stack = [f'  File "{self.aws_path(exc.filename or "")}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
            raise _InitError(
                _error("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", "", stack)
            )
        except Exception as exc:  # an exception raised by the module's own top-level code
            raise _InitError(_error(type(exc).__name__, str(exc), "", self.stack(exc.__traceback__, skip=1)))
        try:
            return getattr(module, function_name)
        except AttributeError:
            raise _InitError(
                _error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'", "", [])
            )


class _Outcome:
    """What one invocation produced; ``started`` / ``done`` only when it runs on a handler thread."""

    __slots__ = ("payload", "error", "log_lines", "init_ms", "sink", "started", "done", "discard_container")

    def __init__(self, threaded: bool) -> None:
        self.payload = b""
        self.error: dict[str, Any] | None = None
        self.log_lines: list[str] = []
        self.init_ms: float | None = None
        self.sink: Any = None
        self.started = threading.Event() if threaded else None
        self.done = threading.Event() if threaded else None
        self.discard_container = False


class _InlineBatch:
    """Consecutive warm attempts run on the calling thread (see ``Runtime.inline_batch``). The
    container's environment, modules and output capture stay in place from one attempt to the next
    (only the queue's bookkeeping runs in between) and are put back when another container runs,
    when something runs on a handler thread, before the mock's own work that reads them (see
    ``Runtime.leave_handlers``), and when the batch ends."""

    def __init__(self) -> None:
        self.thread_id = threading.get_ident()
        self.container: Container | None = None
        self.applied: ExitStack | None = None
        self.capture: ThreadCapture | None = None
        self.sandbox = ExitStack()

    def enter(self, container: Container) -> ThreadCapture:
        if self.capture is None:
            self.sandbox.enter_context(exclusive())  # handler code runs one invocation tree at a time
            self.capture = ThreadCapture(self.thread_id).open()
        if self.container is not container:
            self.leave_container()
            applied = ExitStack()
            applied.enter_context(lambda_environment(container.environment()))
            applied.enter_context(container.modules.active())
            self.applied, self.container = applied, container
        return self.capture

    def leave_container(self) -> None:
        applied, self.applied, self.container = self.applied, None, None
        if applied is not None:
            applied.close()

    def close(self) -> None:
        try:
            self.leave_container()
        finally:
            if self.capture is not None:
                self.capture.close()
            self.sandbox.close()


class _Worker:
    """A thread that runs handler code, reused from one invocation to the next (starting a
    thread per invocation costs more than a warm handler does)."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[Optional[Callable[[], None]]]" = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="mocklambda-handler", daemon=True)
        self.thread.start()

    def run(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def retire(self) -> None:
        self._jobs.put(None)

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()


class Runtime:
    """Executes invocations; owns the warm containers of one mock."""

    def __init__(self) -> None:
        self._containers: dict[tuple[Any, ...], Container] = {}
        self._bundles: list[CodeBundle] = []  # every extracted package, discarded containers' too
        self._timed_out: list[threading.Thread] = []
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._warned: set[str] = set()
        self._local = threading.local()
        self._watchdog = Watchdog()

    def close(self) -> None:
        """Wait briefly for handlers that timed out, then delete every extracted package."""
        self._watchdog.close()
        for worker in self._timed_out:
            worker.join(STOP_GRACE_SECONDS)
            if worker.is_alive():
                warn(f"handler thread {worker.name} was still running when the mock stopped "
                     "(blocked in a call that a timeout cannot interrupt)", MockLambdaWarning)
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

    def _container(self, spec: FunctionSpec, bound: Handler | None) -> Container:
        key = (spec.configuration_key, id(bound) if bound else None)
        container = self._containers.get(key)
        if container is not None:
            return container
        with self._lock:
            container = self._containers.get(key)
            if container is None:
                container = self._containers[key] = Container(spec, bound)
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
        batch = self._local.batch = _InlineBatch()
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

    def execute(self, spec: FunctionSpec, request: Request, bound: Handler | None = None,
                inline: bool = False) -> ExecutionResult:
        """Run one invocation. ``inline``: an attempt of a queued event, which may run on this
        thread inside an ``inline_batch`` (a warm one does)."""
        if bound is None and not spec.is_python:
            return self._unsupported(spec, request)
        container = self._container(spec, bound)
        batch = getattr(self._local, "batch", None)
        if batch is not None and not in_handler():
            if inline and container.handler_fn is not None:
                return self._execute_inline(batch, container, spec, request)
            batch.leave_container()  # a handler thread starts from the test's state, not a container's
        with exclusive():  # handler code runs one invocation tree at a time (process-wide state)
            return self._execute(container, spec, request)

    def _context(self, container: Container, spec: FunctionSpec, request: Request) -> LambdaContext:
        return LambdaContext(
            aws_request_id=request.request_id,
            function_name=spec.name,
            function_version=spec.version,
            invoked_function_arn=request.invoked_arn,
            memory_limit_in_mb=str(spec.memory_size),
            log_group_name=spec.log_group,
            log_stream_name=container.log_stream,
            client_context=ClientContext.from_json(request.client_context)
            if request.client_context is not None
            else None,
        )

    def _execute_inline(self, batch: _InlineBatch, container: Container, spec: FunctionSpec,
                        request: Request) -> ExecutionResult:
        outcome = _Outcome(threaded=False)
        context = self._context(container, spec, request)
        event = decode_event(request.payload)
        capture = batch.enter(container)
        set_python_environment_variable(b"_X_AMZN_TRACE_ID", trace_id())
        outcome.sink = capture.begin(request.request_id)
        started = time.perf_counter()
        become_handler_thread(request.chain)
        try:
            timed_out = self._call_handler(container, event, context, outcome, spec, request.request_id,
                                           self._watchdog)
        finally:
            leave_handler_thread()
            capture.end()
        if timed_out:
            self._timed_out_error(outcome, spec, request.request_id)
        if outcome.discard_container:
            batch.leave_container()
        return self._result(container, spec, request, outcome, started, cold=False)

    def _execute(self, container: Container, spec: FunctionSpec, request: Request) -> ExecutionResult:
        outcome = _Outcome(threaded=True)
        assert outcome.started is not None and outcome.done is not None
        cold = container.handler_fn is None
        context = self._context(container, spec, request)
        event = decode_event(request.payload)
        started = time.perf_counter()
        with lambda_environment(container.environment()), container.modules.active():
            with self._lock:
                worker = self._idle.pop() if self._idle else _Worker()
            worker.thread.name = f"mocklambda:{spec.name}:{request.request_id}"
            worker.run(lambda: self._run(container, event, context, outcome, spec, request.request_id, request.chain))
            if cold:  # the init phase has its own limit; the timeout counts from the handler's start
                outcome.started.wait(INIT_TIMEOUT_SECONDS)
            finished = outcome.done.wait(spec.timeout)  # warm: the handler starts at once
            if finished:
                with self._lock:
                    self._idle.append(worker)
            else:
                self._interrupt(worker.thread)
                release_capture(worker.thread.ident)
                worker.retire()  # it leaves once the handler lets go
                self._timed_out.append(worker.thread)
                self._timed_out_error(outcome, spec, request.request_id)
        return self._result(container, spec, request, outcome, started, cold)

    @staticmethod
    def _timed_out_error(outcome: _Outcome, spec: FunctionSpec, request_id: str) -> None:
        outcome.discard_container = True
        outcome.error = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after {spec.timeout:.2f} seconds",
        }
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        outcome.log_lines.append(f"{stamp} {request_id} Task timed out after {spec.timeout:.2f} seconds\n")

    def _result(self, container: Container, spec: FunctionSpec, request: Request, outcome: _Outcome,
                started: float, cold: bool) -> ExecutionResult:
        duration_ms = (time.perf_counter() - started) * 1000 - (outcome.init_ms or 0.0)
        if outcome.discard_container:
            self._discard(container)
        body = "".join(outcome.sink) + "".join(outcome.log_lines) if outcome.sink else "".join(outcome.log_lines)
        log = (
            request.request_id,
            spec.version,
            body,
            max(duration_ms, 0.01),
            spec.memory_size,
            _max_memory_mb(spec.memory_size),
            outcome.init_ms if cold else None,
        )
        if outcome.error is not None:
            payload = json.dumps(outcome.error).encode("utf-8")
            return ExecutionResult(payload, outcome.error["errorType"], outcome.error["errorMessage"], log,
                                   container.log_stream, duration_ms)
        return ExecutionResult(outcome.payload, None, None, log, container.log_stream, duration_ms)

    def _run(self, container: Container, event: Any, context: LambdaContext, outcome: _Outcome,
             spec: FunctionSpec, request_id: str, chain: Chain | None) -> None:
        """On a handler thread: the whole invocation, init phase included."""
        assert outcome.started is not None and outcome.done is not None
        become_handler_thread(chain)
        try:
            with capture_output(threading.get_ident(), request_id) as sink:
                outcome.sink = sink
                self._call_handler(container, event, context, outcome, spec, request_id, None)
        finally:
            outcome.started.set()
            outcome.done.set()

    def _call_handler(self, container: Container, event: Any, context: LambdaContext, outcome: _Outcome,
                      spec: FunctionSpec, request_id: str, watchdog: Watchdog | None) -> bool:
        """Init (when cold), then the handler, then the result's marshalling, into ``outcome``.
        Returns True when the handler ran past its timeout, whatever it raised then: on a handler
        thread the caller finds that out itself; inline, ``watchdog`` interrupts it."""
        deadline = None
        try:
            if container.handler_fn is None:
                init_started = time.perf_counter()
                try:
                    container.handler_fn = container.initialise()
                finally:
                    outcome.init_ms = (time.perf_counter() - init_started) * 1000
            if watchdog is not None:
                deadline = watchdog.arm(spec.timeout)
                context._deadline = deadline.at
            else:
                context._deadline = time.monotonic() + spec.timeout
            if outcome.started is not None:
                outcome.started.set()
            context_vars = container.take_context_vars()
            try:  # contextvars (decimal's context too) stay the sandbox's, not the calling thread's
                result = context_vars.run(container.handler_fn, event, context)
            except BaseException as exc:
                if deadline is not None and not watchdog.finish(deadline):  # type: ignore[union-attr]
                    return True  # interrupted at the timeout, whatever the handler made of that
                if watchdog is not None and isinstance(exc, KeyboardInterrupt):
                    raise  # Ctrl-C on the test's own thread: it stops the test run, as before
                if self._failed(container, outcome, exc, request_id):
                    return True
                _log_error(outcome)
                return False
            finally:
                container.give_back_context_vars(context_vars)
            if deadline is not None and not watchdog.finish(deadline):  # type: ignore[union-attr]
                return True
            try:
                outcome.payload = marshal(result, spec.runtime)
            except (TypeError, ValueError) as exc:
                outcome.error = _error("Runtime.MarshalError", f"Unable to marshal response: {exc}", request_id, [])
        except Interrupted:  # it landed outside the handler's own code (or at once, on a handler thread)
            if deadline is not None:
                watchdog.finish(deadline)  # type: ignore[union-attr]
            return True
        except _InitError as exc:
            outcome.error = exc.payload
            outcome.discard_container = True
        _log_error(outcome)
        return False

    @staticmethod
    def _failed(container: Container, outcome: _Outcome, exc: BaseException, request_id: str) -> bool:
        """What the runtime reports for an exception out of the handler (spec 9.4-9.5)."""
        if isinstance(exc, Interrupted):
            return True
        if isinstance(exc, SystemExit):
            reason = (
                "Runtime exited without providing a reason"
                if exc.code in (None, 0)
                else f"Runtime exited with error: exit status {exc.code if isinstance(exc.code, int) else 1}"
            )
            outcome.error = {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {reason}"}
            outcome.discard_container = True
            return False
        outcome.error = _error(type(exc).__name__, str(exc), request_id, container.stack(exc.__traceback__, skip=1))
        if not isinstance(exc, Exception):  # KeyboardInterrupt, CancelledError, ...: the runtime dies
            outcome.discard_container = True
        return False

    @staticmethod
    def _interrupt(worker: threading.Thread) -> None:
        """Stop a timed-out handler at its next Python instruction (C calls finish first)."""
        if worker.ident is not None and worker.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(Interrupted))

    def _unsupported(self, spec: FunctionSpec, request: Request) -> ExecutionResult:
        what = f"package type {spec.package_type}" if spec.package_type != "Zip" else f"runtime {spec.runtime}"
        message = (
            f"mocklambda runs python3.x zip functions in-process; '{spec.name}' has {what}. "
            f"Bind a Python callable in the test: lam.handler('{spec.name}', fn)"
        )
        if spec.name not in self._warned:
            self._warned.add(spec.name)
            warn(message, MockLambdaWarning)
        error = {"errorMessage": message, "errorType": "MockLambda.NoHandler", "requestId": request.request_id,
                 "stackTrace": []}
        log = frame_log(request.request_id, spec.version, _error_log(error), 0.01, spec.memory_size,
                        _max_memory_mb(spec.memory_size), None)
        return ExecutionResult(json.dumps(error).encode(), error["errorType"], message, log, "", 0.0)


def _log_error(outcome: _Outcome) -> None:
    """The runtime logs an error that has a stack trace (not a timeout or an exit)."""
    if outcome.error is not None and "stackTrace" in outcome.error:
        outcome.log_lines.append(_error_log(outcome.error))


def _error_log(error: dict[str, Any]) -> str:
    lines = [f"[ERROR] {error['errorType']}: {error['errorMessage']}", "Traceback (most recent call last):"]
    lines += [frame.rstrip("\n") for frame in error.get("stackTrace", [])]
    return "\n".join(lines) + "\n"


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
