"""Execution environments that run as processes and serve invocations through the Runtime API:
the OS-only runtimes (``provided.al2023``, ``provided.al2``), whose zip ships a ``bootstrap``,
Node.js, run by mocklambda's own Node runtime, and Python functions run isolated, under AWS's
runtime interface client (``launchers`` says which command starts which).

One environment is one such process with its own Runtime API server, started on its first
invocation (a cold start) and kept warm between invocations, as on Lambda. A timeout kills it, and
so does an init error; a process that exits is reported as ``Runtime.ExitError``. Either way the
next invocation starts a new one. Each invocation waits for the process in real time: it is another
process, and the mock's clock does not move meanwhile.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import queue
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .._model import ExecutionResult, FunctionSnapshot, InvocationRequest, LogFrame
from .capture import LogSink
from .environment import reserved_variables, trace_id
from .launchers import PROCESS_RUNTIMES, CannotLaunch, Launch, launch, note_missing_sdk
from .memory_limit import MemoryLimit
from .platform_reports import (
    exit_reason,
    init_start_line,
    out_of_memory,
    response_too_large,
    runtime_exited,
    timed_out,
)
from .python_process import as_on_lambda
from .reaper import reaper
from .runtime_api import Invocation, Reply, RuntimeApi
from .sandbox import CodeBundle
from .strays import kill_carrying

INIT_TIMEOUT_SECONDS = 10.0  # Lambda's limit for the init phase of on-demand functions
KILL_GRACE_SECONDS = 2.0
READ_SIZE = 65536
READ_BOUND = 16 * READ_SIZE  # read under the lock at once: more than a pipe holds (64 KiB on Linux)
# what a process gets for credentials: never the test's own; with AWS_ENDPOINT_URL, the mock's endpoint
# (the three Lambda sets, as test_introspection_invoke records them)
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def runs_as_process(function: FunctionSnapshot) -> bool:
    return function.package_type == "Zip" and function.runtime in PROCESS_RUNTIMES


class _Output:
    """The process's stdout and stderr (one pipe, as Lambda merges them), line by line into the
    current invocation's ``LogSink``. A reader thread follows the pipe; ``settle`` reads what is
    left, under the same lock, so that what the process wrote before it answered is all in.

    ``mark_init_end`` is called on the Runtime API's thread when the process first asks for an
    event, before it gets one: what it wrote until then is its init phase's output, and the mark
    keeps the handler's first lines out of it however soon they follow."""

    def __init__(self) -> None:
        self._fd, self.write_fd = os.pipe()
        os.set_blocking(self._fd, False)
        self._lock = threading.Lock()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._eof = False
        self.sink = LogSink()
        self.init_events: int | None = None  # how many of the sink's first events are the init's
        self._thread = threading.Thread(target=self._follow, name="mocklambda-runtime-output", daemon=True)

    def start(self) -> None:
        """The process has its end of the pipe: ours closes, so the process's exit is our EOF."""
        self._close_write_end()
        self._thread.start()

    def _close_write_end(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def mark_init_end(self) -> None:
        with self._lock:
            self._read_available()
            self.sink.end_line()
            self.init_events = len(self.sink.events)

    def begin(self) -> LogSink:
        """A new invocation's sink; what the process wrote since the last one ended comes first in it."""
        with self._lock:
            self._read_available()
            return self.sink

    def settle(self) -> None:
        with self._lock:
            self._read_available()

    def end(self) -> None:
        """The invocation is over: what the process writes from now on waits for the next one."""
        with self._lock:
            self._read_available()
            self.sink = LogSink()

    def _follow(self) -> None:
        while not self._eof:
            try:
                select.select([self._fd], [], [])
            except (OSError, ValueError):  # closed under us
                return
            with self._lock:
                self._read_available()

    def _read_available(self) -> None:
        """What the pipe holds, up to ``READ_BOUND``: the lock is let go then, even while a process
        writes without end (``settle`` still gets all it wrote before it answered: the pipe holds
        less than that, and the writer waits on it)."""
        for _ in range(READ_BOUND // READ_SIZE):
            if self._eof:
                return
            try:
                data = os.read(self._fd, READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._eof = True
                self.sink.write(self._decoder.decode(b"", final=True))
                return
            self.sink.write(self._decoder.decode(data))

    def close(self) -> None:
        """Idempotent: a second ``os.close`` of the same number would close whatever file has been
        given that number since (another thread's, even the caller's own)."""
        self._close_write_end()  # never started (no bootstrap, or it could not be run)
        if self._thread.is_alive():
            self._thread.join(KILL_GRACE_SECONDS)
        with self._lock:
            fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


class _Run:
    """One invocation's progress: the init phase (on a cold start), then the handler's, each with
    its limit (Lambda's 10 s for the init, the function's timeout from when the runtime takes the
    event), and the log events of each."""

    def __init__(self, sink: LogSink, cold: bool, timeout: float) -> None:
        self.sink = sink
        self.cold = cold
        self.timeout = timeout
        self.started = time.monotonic()
        self.init_events: list[str] = []
        self.init_ms: float | None = None
        self.taken_at = None if cold else self.started
        self.deadline = self.started + (INIT_TIMEOUT_SECONDS if cold else timeout)

    def end_init(self, init_events: int | None) -> None:
        """The first ``init_events`` events (all, when None: it never asked for an event) were the
        init phase's output, logged before START."""
        if self.cold and self.init_ms is None:
            if init_events is None:
                self.sink.end_line()  # (else the mark ended the init's line: what follows is the handler's)
            count = len(self.sink.events) if init_events is None else init_events
            self.init_events, self.sink.events[:] = self.sink.events[:count], self.sink.events[count:]
            self.init_ms = (time.monotonic() - self.started) * 1000

    def taken(self, init_events: int | None) -> None:
        """The runtime took the event (``/next``): the handler's timeout runs from now."""
        self.end_init(init_events)
        if self.taken_at is None:
            self.taken_at = time.monotonic()
            self.deadline = self.taken_at + self.timeout

    def overran_init(self) -> None:
        self.taken_at = self.deadline
        self.deadline += self.timeout


class DiedIdle(Exception):
    """The warm process exited between invocations: the invocation goes to a new environment."""


class ProcessEnvironment:
    """One execution environment: the extracted package, a Runtime API server, a bootstrap process."""

    def __init__(self, function: FunctionSnapshot, endpoint: Callable[[], str]) -> None:
        self.function = function
        self._endpoint = endpoint
        now = datetime.now(timezone.utc)
        self.log_stream = f"{now:%Y/%m/%d}/[{function.version}]{uuid.uuid4().hex}"
        self.bundle: CodeBundle | None = None
        with contextlib.suppress(Exception):  # nothing unpacked: no bootstrap is found, as on Lambda
            self.bundle = CodeBundle(function.code_zip, list(function.layer_zips), function.runtime)
        self._output = _Output()
        self.api = RuntimeApi(on_first_next=self._output.mark_init_end)
        self.process: subprocess.Popen[bytes] | None = None
        self._memory: MemoryLimit | None = None
        self.alive = True  # False once it must not serve another invocation
        self._closing = threading.Lock()
        self._closed = False

    def invoke(self, request: InvocationRequest) -> ExecutionResult:
        function = self.function
        cold = self.process is None
        if cold:
            problem = self._start(request.request_id)
            if problem is not None:
                self.alive = False
                sink = LogSink()
                if problem.log is not None:
                    sink.platform(problem.log)
                return self._result(request, _Run(sink, cold, function.timeout), problem.error)
        run = _Run(self._output.begin(), cold, function.timeout)
        self.api.submit(Invocation(
            request.request_id, request.payload or b"{}", request.invoked_arn, function.timeout, trace_id(),
            json.dumps(request.client_context) if request.client_context is not None else None))
        took = False
        while True:
            try:
                kind, value = self.api.events.get(timeout=max(run.deadline - time.monotonic(), 0))
            except queue.Empty:
                if run.taken_at is None:  # the init phase ran past its limit: the timeout counts from there
                    run.overran_init()
                    continue
                return self._timed_out(request, run)
            self._output.settle()
            if kind == "next":
                took = True
                run.taken(self._output.init_events)
                continue
            if kind == "exit" and not (cold or took):
                self.alive = False
                raise DiedIdle  # after its last invocation (an uncaught exception's exit), before this one
            run.end_init(self._output.init_events)  # ended in the init phase: all it wrote is the init's output
            if isinstance(value, Reply):
                return self._result(request, run, *self._outcome(value))
            self.alive = False  # the process exited
            if self._memory is not None and self._memory.exceeded:
                return self._result(request, run, out_of_memory(request.request_id))
            return self._result(request, run, runtime_exited(request.request_id, exit_reason(int(value))))  # type: ignore[call-overload]

    def _outcome(self, reply: Reply) -> tuple[Reply | dict[str, Any] | None, bytes]:
        """The error (None for a response) and the result's payload."""
        if reply.kind == "response":
            return None, reply.body
        if reply.kind == "too_large":
            return response_too_large(), b""
        if reply.kind == "init_error":
            self.alive = False  # Lambda resets the environment: the next invocation starts cold
        return reply, b""

    def _timed_out(self, request: InvocationRequest, run: _Run) -> ExecutionResult:
        self.alive = False
        self.kill()
        self._output.settle()
        error, event = timed_out(request.request_id, self.function.timeout)
        run.sink.platform(event)
        return self._result(request, run, error)

    def _start(self, request_id: str) -> CannotLaunch | None:
        """Start the runtime's process (``launchers``); why it cannot be started, if it cannot."""
        started = launch(self.function, self.bundle, request_id)
        if isinstance(started, CannotLaunch):
            return started
        assert self.bundle is not None
        with self._closing:  # never a process started after (or while) the environment is closed
            if self._closed:
                return CannotLaunch(runtime_exited(request_id, exit_reason(-signal.SIGKILL)))
            try:
                self.process = subprocess.Popen(
                    started.command, cwd=self.bundle.task_dir, env=self._environment(started.environment),
                    stdin=subprocess.DEVNULL, stdout=self._output.write_fd, stderr=subprocess.STDOUT,
                    start_new_session=True, close_fds=True)
            except OSError as exc:
                return CannotLaunch(_not_started(exc, started, self.bundle, request_id))
            reaper.watch(self.process.pid, self._api_entry)  # killed even if this process never stops the mock
            self._memory = MemoryLimit(self.process, self.function.memory_size)
            self._output.start()
        threading.Thread(target=self._watch, args=(self.process,), name="mocklambda-runtime-exit", daemon=True).start()
        return None

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        self.api.events.put(("exit", process.wait()))  # type: ignore[arg-type]

    def _environment(self, runtime_variables: dict[str, str]) -> dict[str, str]:
        """Lambda's variables (spec 9.2), built afresh: nothing of the test's own environment but
        ``PATH`` (so that ``#!/usr/bin/env python3`` finds an interpreter) reaches the process.
        ``runtime_variables``: those of the runtime family (``launchers``). In name order, as the
        recordings list a process's environment."""
        assert self.bundle is not None
        task, opt, runtime_dir = self.bundle.task_dir, self.bundle.opt_dir, self.bundle.root / "runtime"
        runtime_dir.mkdir(exist_ok=True)
        env = {
            "PATH": os.pathsep.join([str(opt / "bin"), os.environ.get("PATH", os.defpath)]),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LD_LIBRARY_PATH": os.pathsep.join([str(task / "lib"), str(opt / "lib")]),
        }
        env.update(reserved_variables(self.function, self.log_stream, str(task)))
        env.update(FAKE_CREDENTIALS)
        env.setdefault("AWS_ENDPOINT_URL", self._endpoint())  # its SDK calls reach the mock; the function's own wins
        env["AWS_LAMBDA_RUNTIME_API"] = self.api.address
        env["LAMBDA_RUNTIME_DIR"] = str(runtime_dir)
        env.update(runtime_variables)
        return dict(sorted(env.items()))

    def _result(self, request: InvocationRequest, run: _Run, error: Reply | dict[str, Any] | None,
                payload: bytes = b"") -> ExecutionResult:
        function = self.function
        duration_ms = max((time.monotonic() - (run.taken_at or run.started)) * 1000, 0.01)
        self._output.end()
        killed = self._memory is not None and self._memory.exceeded  # it used all it had
        peak_mb = function.memory_size if killed else _peak_mb(self._memory, function.memory_size)
        log = LogFrame(request.request_id, function.version, run.sink.take(), duration_ms, function.memory_size,
                       peak_mb, (run.init_ms or 0.0) if run.cold else None,
                       run.init_events, init_start_line(function) if run.cold else None, function.logging.platform_json)
        if error is None:
            return ExecutionResult(payload, None, None, log, self.log_stream)
        if isinstance(error, Reply):
            body = as_on_lambda(error.body, function.runtime)
            error_type, message = _named(Reply(error.kind, body, error.error_type))
            note_missing_sdk(function, message)
            return ExecutionResult(body, error_type, message, log, self.log_stream)
        return ExecutionResult(json.dumps(error).encode(), error["errorType"], error["errorMessage"], log,
                               self.log_stream)

    def kill(self) -> None:
        """The whole process group: what the bootstrap started goes with it; and every process that
        left the group but still carries this environment's ``AWS_LAMBDA_RUNTIME_API`` (``strays``),
        also once the bootstrap itself has exited."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(KILL_GRACE_SECONDS)
        kill_carrying(self._api_entry)

    @property
    def _api_entry(self) -> str:
        """What every process of this environment carries in its environment (``strays``)."""
        return f"AWS_LAMBDA_RUNTIME_API={self.api.address}"

    def close(self) -> None:
        """Once: the mock's stop and the thread of an invocation cut short may both get here; the
        second waits until the first is done (the mock's stop returns with every process dead)."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self.alive = False
            self.kill()
            if self.process is not None:
                reaper.forget(self.process.pid, self._api_entry)
            if self._memory is not None:
                self._memory.close()
            self.api.close()
            self._output.close()
            if self.bundle is not None:
                self.bundle.remove()


def _not_started(exc: OSError, started: Launch, bundle: CodeBundle, request_id: str) -> dict[str, Any]:
    """A command that cannot be run. A bootstrap: ``Runtime.InvalidEntrypoint``, as Go words it
    (``fork/exec /var/task/bootstrap: permission denied``). An ``AWS_LAMBDA_EXEC_WRAPPER``: the
    runtime's own bootstrap script execs it, and its shell exits 127 (not found) or 126."""
    if started.wrapped:
        return runtime_exited(request_id, exit_reason(127 if isinstance(exc, FileNotFoundError) else 126))
    reason = (exc.strerror or str(exc)).lower()
    return {"errorType": "Runtime.InvalidEntrypoint", "errorMessage": f"RequestId: {request_id} Error: "
            f"fork/exec {bundle.aws_path(started.command[0])}: {reason}"}


def _named(reply: Reply) -> tuple[str, str]:
    """An error's type and message for the mock's records: the body's ``errorType`` and
    ``errorMessage`` when it is such an object, else the type the runtime named in its header."""
    try:
        body = json.loads(reply.body)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errorType"), str):
        message = body.get("errorMessage")
        return body["errorType"], message if isinstance(message, str) else ""
    return reply.error_type or "Runtime.Unknown", reply.body.decode("utf-8", errors="replace")


def _peak_mb(memory: MemoryLimit | None, memory_size: int) -> int:
    """``Max Memory Used``: the process's peak resident size (``VmHWM``), capped at the function's memory."""
    kb = memory.peak_kb() if memory is not None else None
    return 1 if kb is None else int(min(memory_size, max(kb // 1024, 1)))


class ProcessEnvironments:
    """The process environments of one mock, by function configuration: an idle warm one serves
    the next invocation; invocations at the same time get environments of their own, as on Lambda."""

    def __init__(self, endpoint: Callable[[], str]) -> None:
        self._endpoint = endpoint
        self._idle: dict[tuple[Any, ...], list[ProcessEnvironment]] = {}
        self._all: set[ProcessEnvironment] = set()
        self._lock = threading.Lock()
        self._closed = False

    def execute(self, function: FunctionSnapshot, request: InvocationRequest) -> ExecutionResult:
        while True:
            environment = self._take(function)
            try:
                return environment.invoke(request)
            except DiedIdle:
                continue
            except BaseException:  # interrupted mid-invocation (the caller's own timeout, Ctrl-C): the
                environment.alive = False  # runtime still runs it, and its answer must not be the next one's
                raise
            finally:
                self._give_back(function, environment)

    def _take(self, function: FunctionSnapshot) -> ProcessEnvironment:
        with self._lock:
            idle = self._idle.get(function.configuration_key, [])
            while idle:
                environment = idle.pop()
                process = environment.process
                if process is None or process.poll() is None:
                    return environment
                stale = environment  # it exited between invocations: the next one starts cold
                self._all.discard(stale)
                threading.Thread(target=stale.close, daemon=True).start()
        environment = ProcessEnvironment(function, self._endpoint)
        with self._lock:
            self._all.add(environment)
        return environment

    def _give_back(self, function: FunctionSnapshot, environment: ProcessEnvironment) -> None:
        with self._lock:
            keep = environment.alive and not self._closed
            if keep:
                self._idle.setdefault(function.configuration_key, []).append(environment)
            else:
                self._all.discard(environment)
        if not keep:
            environment.close()

    def close(self) -> None:
        """Kill every process and remove every package: nothing outlives the mock."""
        with self._lock:
            self._closed = True
            environments, self._all, self._idle = list(self._all), set(), {}
        for environment in environments:
            environment.close()
