"""Lambda's Runtime API (version 2018-06-01), served on loopback for one execution environment.

A runtime process polls ``GET /2018-06-01/runtime/invocation/next`` for its next event and answers
with ``POST .../invocation/{id}/response`` or ``.../error``, or reports a failed init with
``POST .../runtime/init/error`` (AWS's "Using the Lambda runtime API for custom runtimes"). Status
codes, error bodies and the runtime's state machine are those of AWS's own implementation, the
Runtime Interface Emulator (``internal/lambda/rapi``): ``202 {"status":"OK"}``, ``400
InvalidRequestID``, ``403 InvalidStateTransition``, ``413 RequestEntityTooLarge``, chi's 404 / 405.

The environment (``process_runtime``) hands out invocations with ``submit`` and reads what the
runtime did from ``events``: ``("next", None)`` when the runtime took the invocation,
``("reply", Reply)`` when it answered.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .runtime_http import Answer, Connection, HttpServer, Request

VERSION = "/2018-06-01"
NEXT = VERSION + "/runtime/invocation/next"
INIT_ERROR = VERSION + "/runtime/init/error"
MAX_PAYLOAD = 6 * 1024 * 1024 + 100  # RIE's interop.MaxPayloadSize: a response over it is refused (413)
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
_VALID_ERROR_TYPE = re.compile(r"(Runtime|Function)\.[A-Z][a-zA-Z]+")  # RIE's check: unanchored, as there


@dataclass(frozen=True)
class Invocation:
    """What ``/next`` hands the runtime; the deadline is set when the runtime takes it."""

    request_id: str
    payload: bytes
    invoked_arn: str
    timeout: float
    trace_id: str
    client_context: str | None = None  # the JSON of a synchronous invoke's ClientContext
    cognito_identity: str | None = None


@dataclass(frozen=True)
class Reply:
    """What the runtime answered: its body as posted, and the error type it named (validated)."""

    kind: Literal["response", "error", "init_error", "too_large"]
    body: bytes
    error_type: str | None = None


def valid_error_type(header: str | None) -> str:
    """``Lambda-Runtime-Function-Error-Type`` as Lambda keeps it: ``Runtime.X`` / ``Function.X``
    as sent, anything else ``Function.Unknown`` or ``Runtime.Unknown`` (RIE's fatalerror)."""
    value = header or ""
    if _VALID_ERROR_TYPE.search(value):
        return value
    return "Function.Unknown" if value.startswith("Function.") else "Runtime.Unknown"


class RuntimeApi:
    """The API of one execution environment: one invocation at a time, as on Lambda.

    A ``/next`` that finds no invocation is parked: its connection's thread goes back to reading,
    and ``submit`` answers it on the invoking thread itself, so that handing an event to a waiting
    runtime wakes no thread of ours. Answers on one connection keep their order: a request that
    follows a parked ``/next`` on it waits until that one is answered."""

    def __init__(self, on_first_next: Callable[[], None] | None = None) -> None:
        self._on_first_next = on_first_next  # the init phase ends: what the process wrote so far was its init's
        self.events: queue.Queue[tuple[str, Reply | None]] = queue.Queue()
        self._cond = threading.Condition()
        self._state = "Started"  # RIE's runtime state names, as its 403 messages show them
        self._pending: Invocation | None = None
        self._current: Invocation | None = None
        self._parked: list[tuple[Connection, Request]] = []  # /next requests waiting for an invocation, oldest first
        self._answering: set[Connection] = set()  # parked ones taken by ``submit``, until it has written
        self._closed = False
        self._server = HttpServer(self._route, "mocklambda-runtime-api", on_close=self._gone)
        self.address = f"127.0.0.1:{self._server.port}"

    def submit(self, invocation: Invocation) -> None:
        """The next invocation: a waiting ``/next`` returns it (answered here when one is parked)."""
        with self._cond:
            if not self._parked:
                self._pending = invocation
                return
            connection, request = self._parked.pop(0)
            self._answering.add(connection)
            answer = self._hand_over(invocation)
        self.events.put(("next", None))
        try:  # a runtime that asked and then reads nothing: the invocation times out, as it would on Lambda
            connection.send(answer, request, timeout=invocation.timeout)
        finally:  # also when the invoking thread is interrupted meanwhile (its own handler's timeout)
            with self._cond:
                self._answering.discard(connection)
                self._cond.notify_all()  # (a thread waits here only when its connection sent more meanwhile)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._server.close()

    # --- the endpoints (called on the server's connection threads) ----------------------------------------

    def _route(self, connection: Connection, request: Request) -> Answer | None:
        self._answered(connection)
        path = request.path
        if request.method == "GET" and path == NEXT:
            return self.next_invocation(connection, request)
        if request.method == "POST":
            error_type = request.headers.get("lambda-runtime-function-error-type")
            match = _INVOCATION.match(path)
            if match:
                return self.invocation_reply(match[1], match[2], request.body, error_type)
            if path == INIT_ERROR:
                return self.init_error(request.body, error_type)
        return _route_miss(path)

    def _answered(self, connection: Connection) -> None:
        """Wait until the connection's parked ``/next`` (if any) has its answer written."""
        with self._cond:
            while (connection in self._answering or any(parked is connection for parked, _ in self._parked)) \
                    and not self._closed:
                self._cond.wait()

    def _gone(self, connection: Connection) -> None:
        """A connection closed: a ``/next`` parked on it can no longer take an invocation."""
        with self._cond:
            self._parked = [entry for entry in self._parked if entry[0] is not connection]

    def next_invocation(self, connection: Connection, request: Request) -> Answer | None:
        """The pending invocation, at once; else None: the connection is parked until ``submit``."""
        with self._cond:
            if self._state == "InitError":
                return self._forbidden("Ready")
            if self._state == "Started" and self._on_first_next is not None:
                self._on_first_next()
            self._state = "Ready" if self._state != "Running" else self._state
            if self._pending is None:
                if not self._closed:
                    self._parked.append((connection, request))
                return None
            invocation, self._pending = self._pending, None
            answer = self._hand_over(invocation)
        self.events.put(("next", None))
        return answer

    def _hand_over(self, invocation: Invocation) -> Answer:
        """The invocation becomes the current one (under the lock); ``/next``'s answer for it."""
        self._current, self._state = invocation, "Running"
        deadline_ms = int((time.time() + invocation.timeout) * 1000)
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
            "Lambda-Runtime-Client-Context": invocation.client_context or "",
            "Lambda-Runtime-Cognito-Identity": invocation.cognito_identity or "",
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_arn,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
        }
        headers = {key: value for key, value in headers.items() if value}  # RIE's setHeaderIfNotEmpty
        headers["Content-Type"] = "application/json"
        return 200, headers, invocation.payload

    def invocation_reply(self, request_id: str, kind: str, body: bytes, error_type: str | None) -> Answer:
        target = "InvocationResponse" if kind == "response" else "InvocationErrorResponse"
        with self._cond:
            if self._current is None or request_id != self._current.request_id:
                return _json(400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
            if self._state != "Running":
                return self._forbidden(target)
            self._state = "RuntimeResponseSentState"
        if kind == "response" and len(body) > MAX_PAYLOAD:
            self.events.put(("reply", Reply("too_large", b"")))
            return _json(413, {"errorMessage": f"Exceeded maximum allowed payload size ({MAX_PAYLOAD} bytes).",
                               "errorType": "RequestEntityTooLarge"})
        reply = Reply("response", body) if kind == "response" else Reply("error", body, valid_error_type(error_type))
        self.events.put(("reply", reply))
        return _ACCEPTED

    def init_error(self, body: bytes, error_type: str | None) -> Answer:
        with self._cond:
            if self._state != "Started":
                return self._forbidden("InitError")
            self._state = "InitError"
        self.events.put(("reply", Reply("init_error", body, valid_error_type(error_type))))
        return _ACCEPTED

    def _forbidden(self, target: str) -> Answer:
        message = f"State transition from {self._state} to {target} failed for runtime. " \
                  "Error: State transition is not allowed"
        return _json(403, {"errorMessage": message, "errorType": "InvalidStateTransition"})


def _route_miss(path: str) -> Answer:
    """As chi answers: 405 with no body for a known path, else ``404 page not found``."""
    if path in (NEXT, INIT_ERROR) or _INVOCATION.match(path) is not None:
        return 405, {}, b""
    return 404, {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}, \
        b"404 page not found\n"


def _json(status: int, body: dict[str, Any]) -> Answer:
    """As Go's json.Encoder writes it: compact, one trailing newline."""
    return status, {"Content-Type": "application/json"}, (json.dumps(body, separators=(",", ":")) + "\n").encode()


_ACCEPTED = _json(202, {"status": "OK"})
