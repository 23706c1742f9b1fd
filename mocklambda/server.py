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
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from . import _moto
from ._model import deep_json_room, json_nesting_room
from ._moto.http_app import IDLE_CONNECTION_SECONDS, AwsApp, host_allowed, loopback_url, make_server

if TYPE_CHECKING:
    from ._api import IsolationMode

CONTROL_PREFIX = "/_mocklambda/"
SHUTDOWN_GRACE_SECONDS = 10.0  # how long a stopping server waits for running handlers


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


class ControlApp(AwsApp):
    """WSGI middleware: ``/_mocklambda/...`` is ours, everything else is the AWS API."""

    def __init__(self, aws_app: Callable[..., Iterable[bytes]], lam: Any, bound: str = "127.0.0.1") -> None:
        super().__init__(aws_app, bound)
        self.lam = lam

    def route(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(CONTROL_PREFIX):
            return super().route(environ, start_response)
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


def _encoded(body: Any) -> bytes:
    """The control API's JSON. An event's payload (or a result) may nest as deep as Invoke accepts,
    deeper than Python's encoder goes on a request thread's stack."""
    try:
        return json.dumps(body, default=str).encode("utf-8")
    except RecursionError:
        with deep_json_room():
            return json.dumps(body, default=str).encode("utf-8")


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
__all__ = ["CONTROL_PREFIX", "Client", "ControlApp", "ControlClient", "host_allowed", "serve"]


def serve(host: str = "127.0.0.1", port: int = 5000, time_scale: float = 1.0,
          ready: Callable[[str], None] | None = None, idle_timeout: float = IDLE_CONNECTION_SECONDS,
          isolation: IsolationMode = "in-process") -> None:
    """Serve until SIGINT or SIGTERM. ``isolation="process"``: Python functions run in processes
    under AWS's runtime interface client."""
    from ._api import LambdaMock, MockLambdaError

    try:
        lam = LambdaMock(mode="realtime", time_scale=time_scale, isolation=isolation)
    except MockLambdaError as error:  # awslambdaric missing: the fix, not a traceback
        raise SystemExit(f"mocklambda serve: {error}") from None
    lam.start()
    try:
        app = ControlApp(_moto.wsgi_app(), lam, bound=host)
        server = make_server(host, port, app, idle_timeout)
        endpoint = f"http://{host}:{server.server_port}"
        lam._serve_at(loopback_url(host, server.server_port))  # functions run as processes call this server
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
