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

import contextlib
import json
import queue
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

VERSION = "/2018-06-01"
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
    """The API of one execution environment: one invocation at a time, as on Lambda."""

    def __init__(self, on_first_next: Callable[[], None] | None = None) -> None:
        self._on_first_next = on_first_next  # the init phase ends: what the process wrote so far was its init's
        self.events: queue.Queue[tuple[str, Reply | None]] = queue.Queue()
        self._cond = threading.Condition()
        self._state = "Started"  # RIE's runtime state names, as its 403 messages show them
        self._pending: Invocation | None = None
        self._current: Invocation | None = None
        self._closed = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._serve, name=f"mocklambda-runtime-api-{self.address}",
                                        daemon=True)
        self._thread.start()

    def submit(self, invocation: Invocation) -> None:
        """The next invocation: a waiting ``/next`` returns it."""
        with self._cond:
            self._pending = invocation
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        with contextlib.suppress(OSError):
            self._server.socket.shutdown(socket.SHUT_RDWR)  # wakes the accept loop
        self._thread.join(1.0)
        self._server.server_close()

    def _serve(self) -> None:
        while not self._closed:
            self._server.handle_request()

    # --- the endpoints (called on the server's request threads) ------------------------------------------

    def next_invocation(self) -> tuple[int, dict[str, str], bytes]:
        with self._cond:
            if self._state == "InitError":
                return self._forbidden("Ready")
            if self._state == "Started" and self._on_first_next is not None:
                self._on_first_next()
            self._state = "Ready" if self._state != "Running" else self._state
            while self._pending is None and not self._closed:
                self._cond.wait()
            if self._closed or self._pending is None:
                return 500, {}, b""
            invocation, self._pending = self._pending, None
            self._current, self._state = invocation, "Running"
        self.events.put(("next", None))
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

    def invocation_reply(self, request_id: str, kind: str, body: bytes, error_type: str | None,
                         ) -> tuple[int, dict[str, str], bytes]:
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
        return _accepted()

    def init_error(self, body: bytes, error_type: str | None) -> tuple[int, dict[str, str], bytes]:
        with self._cond:
            if self._state != "Started":
                return self._forbidden("InitError")
            self._state = "InitError"
        self.events.put(("reply", Reply("init_error", body, valid_error_type(error_type))))
        return _accepted()

    def _forbidden(self, target: str) -> tuple[int, dict[str, str], bytes]:
        message = f"State transition from {self._state} to {target} failed for runtime. " \
                  "Error: State transition is not allowed"
        return _json(403, {"errorMessage": message, "errorType": "InvalidStateTransition"})


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """As Go's json.Encoder writes it: compact, one trailing newline."""
    return status, {"Content-Type": "application/json"}, (json.dumps(body, separators=(",", ":")) + "\n").encode()


def _accepted() -> tuple[int, dict[str, str], bytes]:
    return _json(202, {"status": "OK"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    api: RuntimeApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A runtime that went away mid-request (killed at a timeout, or at the mock's stop) is no news."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # runtimes keep their connection open between invocations
    # headers and body go out in two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK (40 ms), on each request of a kept-alive connection (awslambdaric's C client keeps one)
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        """No Nagle delay: an answer's headers and body are separate writes, and a client that
        delays its ACK (Node's does) would otherwise hold each exchange for 40 ms."""
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == VERSION + "/runtime/invocation/next":
            self._send(*self.server.api.next_invocation())
        else:
            self._route_miss()

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        match = _INVOCATION.match(self.path)
        if match:
            self._send(*self.server.api.invocation_reply(match[1], match[2], body, error_type))
        elif self.path == VERSION + "/runtime/init/error":
            self._send(*self.server.api.init_error(body, error_type))
        else:
            self._route_miss()

    def do_PUT(self) -> None:  # noqa: N802
        self._body()
        self._route_miss()

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    def _route_miss(self) -> None:
        """As chi answers: 405 with no body for a known path, else ``404 page not found``."""
        known = self.path == VERSION + "/runtime/invocation/next" or self.path == VERSION + "/runtime/init/error" \
            or _INVOCATION.match(self.path) is not None
        if known:
            self._send(405, {}, b"")
        else:
            self._send(404, {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"},
                       b"404 page not found\n")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        """Quiet: the runtime's requests are not the test's output."""
