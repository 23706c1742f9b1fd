"""``mocklambda serve``: the same emulator over HTTP, for the AWS CLI and every non-Python SDK.

moto's server app answers the AWS API, with mocklambda's Lambda backend; the engine runs in
realtime mode; handlers run in this process and their own boto3 calls reach the same state. A
small control API under ``/_mocklambda/`` lets a test outside the process move the clock and read
what happened.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import traceback
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import _moto
from ._model import deep_json_room, json_nesting_room

if TYPE_CHECKING:
    from ._api import IsolationMode

CONTROL_PREFIX = "/_mocklambda/"
SHUTDOWN_GRACE_SECONDS = 10.0  # how long a stopping server waits for running handlers
IDLE_CONNECTION_SECONDS = 60.0  # a client silent this long mid-request (or between requests) is dropped
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


def host_allowed(host_header: str | None, bound: str) -> bool:
    """Whether a request's ``Host`` names this server: a loopback name (``localhost``, its
    subdomains, ``127.0.0.1``, ``::1``) or the address it is bound to, any port. A web page can
    make a browser send requests here through DNS rebinding, but only with its own host name in
    ``Host``; refusing those keeps it from running code in this process. Bound to every
    interface, the server was opened on purpose: any ``Host`` is served."""
    if bound in WILDCARD_ADDRESSES or not host_header:
        return True
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:5000
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("localhost", "127.0.0.1", "::1", bound.lower()) or name.endswith(".localhost")


def _invocation_json(invocation: Any) -> dict[str, Any]:
    return {
        "request_id": invocation.request_id,
        "function_arn": invocation.function_arn,
        "payload": invocation.payload,
        "status": invocation.status,
        "condition": invocation.condition,
        "attempts": [
            {"at": a.at.isoformat(), "kind": a.kind, "error_type": a.error_type,
             "error_message": a.error_message, "result": a.result}
            for a in invocation.attempts
        ],
        "delivered_to": list(invocation.delivered_to),
        "delivery_errors": list(invocation.delivery_errors),
        "enqueued_at": invocation.enqueued_at.isoformat(),
        "finished_at": invocation.finished_at.isoformat() if invocation.finished_at else None,
    }


class ControlApp:
    """WSGI middleware: ``/_mocklambda/...`` is ours, everything else is the AWS API."""

    def __init__(self, aws_app: Callable[..., Iterable[bytes]], lam: Any, bound: str = "127.0.0.1") -> None:
        self.aws_app = aws_app
        self.lam = lam
        self.bound = bound

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not host_allowed(environ.get("HTTP_HOST"), self.bound):
            return _aws_error(start_response, "403 Forbidden", "ForbiddenException",
                              f"Host {environ.get('HTTP_HOST')!r} is not an address this server listens on "
                              f"(bound to {self.bound}); use localhost or the bound address")
        length = environ.get("CONTENT_LENGTH")
        if length and not length.isdigit():  # werkzeug would read it as 0 and answer the request
            return _aws_error(start_response, "400 Bad Request", "BadRequestException",
                              f"Content-Length {length!r} is not a number of bytes")
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PREFIX):
            signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Credential" in environ.get("QUERY_STRING", "")
            if not signed:  # as AWS answers a request that names no service and no credentials
                return _aws_error(start_response, "403 Forbidden", "MissingAuthenticationTokenException",
                                  "Missing Authentication Token")
            try:
                intake = _moto.active.current()
                if intake is not None:
                    intake.flush_telemetry()  # logs and metrics so far, for whoever reads them
                return self.aws_app(environ, start_response)
            except ValueError:  # moto could not read the body (not JSON, not UTF-8): the client's fault
                return _aws_error(start_response, "400 Bad Request", "SerializationException",
                                  "Could not parse request body into json")
            except Exception:  # noqa: BLE001 - a request moto cannot answer must not end the server
                traceback.print_exc()  # for whoever runs the server; the client gets no Python text
                return _aws_error(start_response, "500 Internal Server Error", "InternalFailure",
                                  "mocklambda serve could not answer this request; its log has the details")
        try:
            status, body = self._control(environ, path[len(CONTROL_PREFIX):].strip("/"))
        except Exception as error:  # noqa: BLE001 - a bad control request must not kill the server
            status, body = "400 Bad Request", {"error": f"{type(error).__name__}: {error}"}
        data = _encoded(body)
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def _control(self, environ: dict[str, Any], action: str) -> tuple[str, Any]:
        method = environ.get("REQUEST_METHOD", "GET")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        lam = self.lam
        if action == "invocations" and method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            function = query.get("function", [None])[0]
            return "200 OK", [_invocation_json(i) for i in lam.invocations(function)]
        if action == "clock" and method == "GET":
            return "200 OK", {"now": lam.clock.now().isoformat(), "elapsed": lam.clock.elapsed.total_seconds()}
        if action == "clock/advance" and method == "POST":
            lam.clock.advance(float(request.get("seconds", 0)))
            return "200 OK", {"now": lam.clock.now().isoformat(), "elapsed": lam.clock.elapsed.total_seconds()}
        if action == "run-until-idle" and method == "POST":
            lam.run_until_idle(timeout=float(request.get("timeout", 60)))
            return "200 OK", {"idle": True}
        if action == "timeline" and method == "GET":
            return "200 OK", {"timeline": lam.timeline()}
        return "404 Not Found", {"error": f"no control action {method} {CONTROL_PREFIX}{action}",
                                 "actions": ["GET invocations[?function=]", "GET clock", "POST clock/advance",
                                             "POST run-until-idle", "GET timeline"]}


class _EndOfBodyIsAnError:
    """A request's input stream on which the connection closing before the body is complete is an
    error (``ConnectionError``, which werkzeug treats as a dropped connection). werkzeug's reader of
    chunked bodies takes an empty read for data and keeps asking a closed socket for the rest of a
    chunk the client declared (281 TB for ``ffffffffffff``): a thread at full CPU, memory growing
    by hundreds of MB a second."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int | None = -1) -> bytes:
        data: bytes = self._stream.read(size)
        if not data and size is not None and size > 0:
            raise ConnectionError("the client closed the connection before the end of the request body")
        return data

    def __getattr__(self, name: str) -> Any:  # readline (the request line, headers), close, ...
        return getattr(self._stream, name)


def _encoded(body: Any) -> bytes:
    """The control API's JSON. An event's payload (or a result) may nest as deep as Invoke accepts,
    deeper than Python's encoder goes on a request thread's stack."""
    try:
        return json.dumps(body, default=str).encode("utf-8")
    except RecursionError:
        with deep_json_room():
            return json.dumps(body, default=str).encode("utf-8")


def _aws_error(start_response: Any, status: str, code: str, message: str) -> Iterable[bytes]:
    data = json.dumps({"__type": code, "message": message}).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                            ("Content-Length", str(len(data)))])
    return [data]


class ControlClient:
    """Drives a running ``mocklambda serve`` from a test in another process."""

    def __init__(self, endpoint: str = "http://127.0.0.1:5000") -> None:
        self.endpoint = endpoint.rstrip("/")

    def _call(self, method: str, action: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.endpoint}{CONTROL_PREFIX}{action}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = response.read()
        with json_nesting_room(answer):  # an event's payload may nest as deep as Invoke accepts
            return json.loads(answer)

    def invocations(self, function_name: str | None = None) -> list[dict[str, Any]]:
        query = f"?function={urllib.parse.quote(function_name, safe='')}" if function_name else ""
        invocations: list[dict[str, Any]] = self._call("GET", "invocations" + query)
        return invocations

    def clock(self) -> dict[str, Any]:
        """``{"now": <ISO time>, "elapsed": <seconds since the server started>}``."""
        return dict(self._call("GET", "clock"))

    def advance(self, seconds: float) -> None:
        self._call("POST", "clock/advance", {"seconds": seconds})

    def run_until_idle(self, timeout: float = 60.0) -> None:
        self._call("POST", "run-until-idle", {"timeout": timeout})

    def timeline(self) -> str:
        return str(self._call("GET", "timeline")["timeline"])


Client = ControlClient  # the name it was first published under


def serve(host: str = "127.0.0.1", port: int = 5000, time_scale: float = 1.0,
          ready: Callable[[str], None] | None = None, idle_timeout: float = IDLE_CONNECTION_SECONDS,
          isolation: IsolationMode = "in-process") -> None:
    """Serve until SIGINT or SIGTERM. ``isolation="process"``: Python functions run in processes
    under AWS's runtime interface client."""
    from werkzeug.serving import make_server

    from ._api import LambdaMock, MockLambdaError

    try:
        lam = LambdaMock(mode="realtime", time_scale=time_scale, isolation=isolation)
    except MockLambdaError as error:  # awslambdaric missing: the fix, not a traceback
        raise SystemExit(f"mocklambda serve: {error}") from None
    lam.start()
    try:
        app = ControlApp(_moto.wsgi_app(), lam, bound=host)

        class Handler(_moto.request_handler()):  # type: ignore[misc]
            timeout = idle_timeout  # half a request cannot hold a thread for ever

            def setup(self) -> None:
                super().setup()
                self.rfile: Any = _EndOfBodyIsAnError(self.rfile)

        server = make_server(host, port, app, threaded=True, request_handler=Handler)
        endpoint = f"http://{host}:{server.server_port}"
        stop = threading.Event()

        def shut_down(signum: int, frame: Any) -> None:
            if stop.is_set():  # a second Ctrl-C / SIGTERM: leave now
                os._exit(1)
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, shut_down)
        print(f"mocklambda serving the AWS API on {endpoint}", flush=True)
        print(f"  use it with: aws --endpoint-url {endpoint} ...  or  "
              f"boto3.client(..., endpoint_url=\"{endpoint}\")", flush=True)
        print(f"  control API: {endpoint}{CONTROL_PREFIX}invocations, clock, clock/advance, run-until-idle, timeline",
              flush=True)
        if ready is not None:
            ready(endpoint)
        server.serve_forever()
    finally:
        stopper = threading.Thread(target=lam.stop, daemon=True)
        stopper.start()
        stopper.join(SHUTDOWN_GRACE_SECONDS)
        if stopper.is_alive():
            print(f"mocklambda stopped without waiting for handlers still running after "
                  f"{SHUTDOWN_GRACE_SECONDS:g} s", file=sys.stderr, flush=True)
        else:
            print("mocklambda stopped", file=sys.stderr, flush=True)
