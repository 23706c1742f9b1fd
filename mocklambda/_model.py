"""The data that flows through the pipeline, from ``Invoke`` to the destination: a leaf module.

A function version as the runtime sees it (``FunctionSnapshot``), one invocation's input
(``InvocationRequest``) and output (``ExecutionResult``), a queued asynchronous event
(``QueuedEvent``, with its ``AttemptRecord``s) and what tests see of it (the frozen public
``Invocation`` / ``Attempt``). Plain values: nothing here imports moto, the runtime or the queue.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, NamedTuple, TypeVar, cast, overload

AttemptKind = Literal["run", "throttle", "system_error"]
Status = Literal["queued", "succeeded", "failed"]
TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB (spec 1.9)


class Arn(NamedTuple):
    """An ARN split into its parts (``arn:partition:service:region:account:resource``)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        parts = text.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            raise ValueError(f"not an ARN: {text!r}")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    @property
    def function_name(self) -> str:
        """A Lambda ARN's function name (``function:<name>[:<qualifier>]``)."""
        return self.resource.split(":")[1]

    @property
    def qualifier(self) -> str | None:
        """A Lambda ARN's version or alias, if it names one."""
        parts = self.resource.split(":")
        return parts[2] if len(parts) > 2 else None

    @property
    def name(self) -> str:
        """The last part of the resource: a queue's, topic's or bucket's name; a rule's or bus's."""
        return self.resource.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        return ":".join(("arn", *self))


def qualified(function_arn: str) -> str:
    """A function ARN as AWS writes it in records: always qualified (``:$LATEST`` when bare)."""
    return function_arn if function_arn.count(":") > 6 else f"{function_arn}:$LATEST"


class Chain:
    """The path of invocations that led to one invocation, as AWS carries it in the trace header:
    how often each function already ran on the way. Siblings (a fan-out) don't count for each
    other; only an invocation's own ancestry does (spec §7)."""

    __slots__ = ("_counts",)

    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self._counts = counts or {}

    def extend(self, function_arn: str) -> Chain:
        """The chain of a new invocation of ``function_arn`` made from this one."""
        counts = dict(self._counts)
        counts[function_arn] = counts.get(function_arn, 0) + 1
        return Chain(counts)

    def count(self, function_arn: str) -> int:
        return self._counts.get(function_arn, 0)


class LoggingSettings(NamedTuple):
    """A function's ``LoggingConfig``: the levels are set only with JSON; no log group, the default."""

    log_format: str = "Text"
    application_level: str | None = None
    system_level: str | None = None
    log_group: str | None = None

    @property
    def platform_json(self) -> str | None:
        """The system log level, when Lambda writes its platform lines as JSON; None for text."""
        return (self.system_level or "INFO") if self.log_format == "JSON" else None


@dataclass(frozen=True)
class FunctionSnapshot:
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
    role: str = ""  # the execution role's ARN (a Kinesis record's invokeIdentityArn)
    logging: LoggingSettings = LoggingSettings()

    @property
    def log_group(self) -> str:
        """Where the function's logs go: its ``LoggingConfig.LogGroup``, by default ``/aws/lambda/<name>``."""
        return self.logging.log_group or f"/aws/lambda/{self.name}"

    @functools.cached_property
    def configuration_key(self) -> tuple[Any, ...]:
        """What a warm container is kept for: Lambda starts new execution environments after any
        change of the code or the configuration (the environment variables included)."""
        return (self.arn, self.version, self.code_sha256, self.handler, self.runtime, self.timeout,
                self.memory_size, self.package_type, tuple(sorted(self.environment.items())),
                hash(self.layer_zips), self.logging)

    @property
    def is_python(self) -> bool:
        return self.package_type == "Zip" and (self.runtime or "python").startswith("python")


@dataclass(frozen=True, slots=True)
class InvocationRequest:
    """One invocation's input: its id, payload, the ARN it was invoked by and its ancestry."""

    request_id: str
    payload: bytes  # already validated as JSON (or empty)
    invoked_arn: str
    client_context: dict[str, Any] | None = None
    chain: Chain | None = field(default=None, compare=False)  # for recursive loop detection
    # a fresh copy of the handler's event, json.loads(payload), made without parsing it (a stream
    # batch); None: the runtime parses the payload
    event: Callable[[], Any] | None = field(default=None, compare=False, repr=False)


class LogFrame(NamedTuple):
    """One run's log as Lambda writes it around the function's own events: INIT_START and the
    init phase's output on a cold start, then START / events / END / REPORT (spec 1.9, 9.7)."""

    request_id: str
    version: str
    events: Sequence[str]  # one per stdout line, logging record or runtime error report
    duration_ms: float
    memory_size: int
    max_memory_mb: int
    init_duration_ms: float | None
    init_events: Sequence[str] = ()  # what the module wrote while it was imported
    init_start: str | None = None  # the INIT_START line of a cold start
    platform_json: str | None = None  # LogFormat JSON: the SystemLogLevel its platform records pass
    error_type: str | None = None  # (JSON) the run's error, for the records' status
    ended_at: float = 0.0  # (JSON) when the run ended, seconds since the epoch

    def cloudwatch_events(self) -> list[str]:
        """The messages of the CloudWatch Logs events, as recorded in test_invocation_type_event_error."""
        if self.platform_json is not None:
            return self._json_events(with_init_start=True)
        events = [self.init_start] if self.init_start else []
        events += self.init_events
        events.append(f"START RequestId: {self.request_id} Version: {self.version}\n")
        events += self.events
        events.append(f"END RequestId: {self.request_id}\n")
        events.append(self._report())
        return events

    def text(self) -> str:
        """The log as ``LogType=Tail`` shows it: every event on its own lines, no INIT_START."""
        if self.platform_json is not None:
            lines = self._json_events(with_init_start=False)
            return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        lines = [*self.init_events, f"START RequestId: {self.request_id} Version: {self.version}\n", *self.events]
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines) + (
            f"END RequestId: {self.request_id}\n{self._report()}")

    def _report(self) -> str:
        report = (
            f"REPORT RequestId: {self.request_id}\tDuration: {self.duration_ms:.2f} ms\t"
            f"Billed Duration: {self._billed_ms()} ms\t"
            f"Memory Size: {self.memory_size} MB\tMax Memory Used: {self.max_memory_mb} MB\t"
        )
        if self.init_duration_ms is not None:
            report += f"Init Duration: {self.init_duration_ms:.2f} ms\t"
        return report + "\n"

    def _billed_ms(self) -> int:
        return max(1, int(-(-self.duration_ms // 1)))

    def _json_events(self, with_init_start: bool) -> list[str]:
        """LogFormat JSON: the platform lines as the Telemetry API's ``platform.*`` records
        (``platform.initStart``, ``platform.start``, ``platform.runtimeDone``, ``platform.report``),
        all INFO, so that SystemLogLevel WARN leaves them out."""
        events: list[str] = []
        platform = self.platform_json in ("DEBUG", "INFO")
        end = self.ended_at or time.time()
        start = end - self.duration_ms / 1000
        if platform and with_init_start and self.init_start:
            version, _, arn = self.init_start.rstrip("\n").partition("\tRuntime Version ARN: ")
            events.append(_platform(start, "platform.initStart", {
                "initializationType": "on-demand", "phase": "init",
                "runtimeVersion": version.removeprefix("INIT_START Runtime Version: "), "runtimeVersionArn": arn}))
        events += self.init_events
        if platform:
            events.append(_platform(start, "platform.start", {"requestId": self.request_id, "version": self.version}))
        events += self.events
        if platform:
            status = "success" if self.error_type is None else (
                "timeout" if self.error_type == "Sandbox.Timedout" else "error")
            done: dict[str, Any] = {"requestId": self.request_id, "status": status,
                                    "metrics": {"durationMs": round(self.duration_ms, 3)}}
            metrics: dict[str, Any] = {"durationMs": round(self.duration_ms, 3), "billedDurationMs": self._billed_ms(),
                                       "memorySizeMB": self.memory_size, "maxMemoryUsedMB": self.max_memory_mb}
            if self.init_duration_ms is not None:
                metrics["initDurationMs"] = round(self.init_duration_ms, 3)
            report: dict[str, Any] = {"requestId": self.request_id, "metrics": metrics, "status": status}
            if self.error_type is not None:
                report["errorType"] = self.error_type
            events += [_platform(end, "platform.runtimeDone", done), _platform(end, "platform.report", report)]
        return events


def _platform(at: float, kind: str, record: dict[str, Any]) -> str:
    """One platform record, as Lambda writes it to CloudWatch Logs with LogFormat JSON."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}Z"
    return json.dumps({"time": stamp, "type": kind, "record": record}, separators=(",", ":")) + "\n"


def tail(log: str) -> str:
    """The last 4 KB of a log, cut on a character boundary (``LogType=Tail``, spec 1.9)."""
    raw = log.encode("utf-8")
    if len(raw) <= TAIL_BYTES:
        return log
    return raw[-TAIL_BYTES:].decode("utf-8", errors="ignore")


class ExecutionResult:
    """What one invocation produced (a plain slotted class: one is made per attempt)."""

    __slots__ = ("payload", "error_type", "error_message", "framed_log", "log_stream", "_log_text")

    def __init__(self, payload: bytes, error_type: str | None, error_message: str | None,
                 framed_log: str | LogFrame, log_stream: str) -> None:
        self.payload = payload
        self.error_type = error_type
        self.error_message = error_message
        if isinstance(framed_log, LogFrame) and framed_log.platform_json is not None:
            framed_log = framed_log._replace(error_type=error_type, ended_at=time.time())
        self.framed_log = framed_log  # the log, or its frame (made into text when first read)
        self.log_stream = log_stream
        self._log_text: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_type is not None

    @property
    def log(self) -> str:
        """START / output / END / REPORT as ``LogType=Tail`` shows them (most logs are only read
        in bulk, when they are written to CloudWatch Logs, so they are framed then)."""
        if self._log_text is None:
            framed = self.framed_log
            self._log_text = framed.text() if isinstance(framed, LogFrame) else framed
        return self._log_text

    def log_events(self) -> list[str]:
        """The CloudWatch Logs events' messages."""
        framed = self.framed_log
        return framed.cloudwatch_events() if isinstance(framed, LogFrame) else framed.splitlines(keepends=True)


def decoded(payload: bytes) -> Any:
    """A payload as tests see it: the JSON value, or the bytes when they are not JSON."""
    try:
        with json_nesting_room(payload):
            return json.loads(payload)
    except ValueError:
        return payload


MAX_JSON_DEPTH = 1000  # Jackson's default nesting limit, which Invoke's payload parser applies
_room_lock = threading.Lock()
_room_users = 0
_limit_before = 0


@contextmanager
def json_nesting_room(document: str | bytes) -> Iterator[None]:
    """Room on the stack for Python's JSON parser and encoder to handle any document Invoke
    accepts (nested up to ``MAX_JSON_DEPTH``): below Python 3.13 they stop near 1000 levels."""
    if len(document) < 2 * MAX_JSON_DEPTH // 3:  # too short to nest near the limit: the common case
        yield
        return
    with deep_json_room():
        yield


@contextmanager
def deep_json_room() -> Iterator[None]:
    """``json_nesting_room`` for a value whose text is not at hand (one about to be encoded): the
    recursion limit is raised while one is in use, and put back when none is."""
    global _room_users, _limit_before
    with _room_lock:
        _room_users += 1
        if _room_users == 1:
            _limit_before = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_limit_before, 4 * MAX_JSON_DEPTH))
    try:
        yield
    finally:
        with _room_lock:
            _room_users -= 1
            if _room_users == 0:
                sys.setrecursionlimit(_limit_before)


# -- what tests see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One run (or one throttled try) of an event's handler."""

    at: datetime
    error_type: str | None = None  # None when the attempt succeeded
    error_message: str | None = None
    result: Any = None  # the handler's decoded return value, or AWS's error object
    kind: AttemptKind = "run"


@dataclass(frozen=True)
class Invocation:
    """An event accepted with 202, and everything that happened to it so far."""

    request_id: str
    function_arn: str
    payload: Any
    status: Status
    condition: str | None
    attempts: tuple[Attempt, ...]
    delivered_to: tuple[str, ...]
    enqueued_at: datetime
    finished_at: datetime | None = None
    delivery_errors: tuple[str, ...] = ()  # destinations / DLQs that could not be reached, and why

    @property
    def function_name(self) -> str:
        return Arn.parse(self.function_arn).function_name


@dataclass(frozen=True)
class DurableOperation:
    """One operation of a durable execution, as ``GetDurableExecutionState`` would show it."""

    id: str
    type: str  # EXECUTION, STEP, WAIT, CALLBACK, CONTEXT, CHAINED_INVOKE
    status: str
    start: datetime
    end: datetime | None = None
    name: str | None = None
    sub_type: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class DurableExecutionView:
    """A durable execution (issue 16) and everything that happened to it so far; ``caller`` is
    the ARN of the execution whose chained invoke started it."""

    arn: str
    name: str
    function_arn: str  # qualified by the version it runs
    status: str
    start: datetime
    end: datetime | None
    input_payload: str
    result: str | None
    error: Mapping[str, Any] | None
    operations: tuple[DurableOperation, ...]
    invocations: int
    caller: str | None = None

    @property
    def function_name(self) -> str:
        return Arn.parse(self.function_arn).function_name


# -- what the queue keeps ---------------------------------------------------------------------


class AttemptRecord:
    """One attempt as the queue keeps it: the handler's response is decoded only when a test
    looks (``Attempt.result``), not on every attempt."""

    __slots__ = ("at", "error_type", "error_message", "payload", "kind")

    def __init__(self, at: datetime, error_type: str | None = None, error_message: str | None = None,
                 payload: bytes | None = None, kind: AttemptKind = "run") -> None:
        self.at = at
        self.error_type = error_type
        self.error_message = error_message
        self.payload = payload
        self.kind: AttemptKind = kind

    def public(self) -> Attempt:
        return Attempt(at=self.at, error_type=self.error_type, error_message=self.error_message,
                       result=None if self.payload is None else decoded(self.payload), kind=self.kind)


class _Progress:
    """What an event has come to: its retries so far and its end. Made when the first of these is
    set, so that a queued event that has not been tried carries none of it."""

    __slots__ = ("condition", "finished_at", "delivered_to", "delivery_errors", "function_errors", "throttles",
                 "last_result", "stopped_as_recursive")

    def __init__(self) -> None:
        self.condition: str | None = None
        self.finished_at: float | None = None
        self.delivered_to: tuple[str, ...] = ()
        self.delivery_errors: tuple[str, ...] = ()
        self.function_errors = 0
        self.throttles = 0
        self.last_result: ExecutionResult | None = None
        self.stopped_as_recursive = False


_NOT_YET = _Progress()  # every event's progress until one of its fields is set (never written to)
_T = TypeVar("_T")


class _OnProgress(Generic[_T]):
    """A field of ``QueuedEvent`` kept in its ``_Progress``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, event: None, owner: type) -> _OnProgress[_T]: ...

    @overload
    def __get__(self, event: QueuedEvent, owner: type) -> _T: ...

    def __get__(self, event: QueuedEvent | None, owner: type) -> _T | _OnProgress[_T]:
        if event is None:
            return self
        return cast(_T, getattr(event._progress, self._name))

    def __set__(self, event: QueuedEvent, value: _T) -> None:
        progress = event._progress
        if progress is _NOT_YET:
            progress = event._progress = _Progress()
        setattr(progress, self._name, value)


class QueuedEvent:
    """One accepted asynchronous event (mutable; tests see frozen ``Invocation`` copies). Kept
    small while it waits (thousands may be queued): what follows from its attempts lives in a
    ``_Progress`` made when the first of it is set."""

    __slots__ = ("function", "request", "enqueued_at", "attempts", "sequence", "_progress")

    condition = _OnProgress[str | None]()
    finished_at = _OnProgress[float | None]()
    delivered_to = _OnProgress[tuple[str, ...]]()
    delivery_errors = _OnProgress[tuple[str, ...]]()
    function_errors = _OnProgress[int]()
    throttles = _OnProgress[int]()
    last_result = _OnProgress[ExecutionResult | None]()
    stopped_as_recursive = _OnProgress[bool]()

    def __init__(self, function: FunctionSnapshot, request: InvocationRequest, enqueued_at: float,
                 sequence: int = 0) -> None:
        self.function = function
        self.request = request
        self.enqueued_at = enqueued_at
        self.attempts: tuple[AttemptRecord, ...] = ()  # a tuple: most events have one attempt, none while queued
        self.sequence = sequence  # acceptance order: what orders items due at one instant
        self._progress = _NOT_YET

    def __repr__(self) -> str:
        return (f"QueuedEvent({self.request.request_id!r}, {self.request.invoked_arn!r}, "
                f"attempts={len(self.attempts)}, condition={self.condition!r})")

    @property
    def request_id(self) -> str:
        return self.request.request_id

    @property
    def qualified_arn(self) -> str:
        """The ARN as AWS writes it in records: always qualified (``:$LATEST`` when invoked bare)."""
        return qualified(self.request.invoked_arn)

    @property
    def invoke_count(self) -> int:
        """``approximateInvokeCount``: attempts that ran the function."""
        return sum(1 for attempt in self.attempts if attempt.kind == "run")

    def decoded_payload(self) -> Any:
        return decoded(self.request.payload) if self.request.payload.strip() else {}


@dataclass(eq=False)
class Timer:
    """Work the queue does besides attempts, at a due time: e.g. polling an SQS queue."""

    callback: Callable[[], None]
    description: str
    background: bool = False  # background work never keeps run_until_idle going (see call_at)
    sequence: int = 0  # creation order, among the items due at one instant


class StreamRecord(NamedTuple):
    """One record of a Kinesis or DynamoDB stream's shard, as a mapping reads it. ``event`` is the
    record as the Lambda event carries it (a Kinesis record's ``invokeIdentityArn`` is None there:
    the poller fills in the function's role, keeping the key's place). A tuple, not a frozen
    dataclass: a mapping reads thousands at a time, and a tuple is made in a third of the time."""

    sequence_number: str
    partition_key: str  # Kinesis: PartitionKey; DynamoDB: the item's key as JSON (order is per key)
    arrival: datetime  # on the mock's clock: approximateArrivalTimestamp / ApproximateCreationDateTime
    size: int  # bytes the record adds to a batch's payload
    event: dict[str, Any]
    kinesis: bool = False  # ``event`` is ``kinesis_record``'s: written and copied by its fast paths
