"""moto's server application behind the checks every mocklambda HTTP server makes, and the
werkzeug server that runs it: ``mocklambda serve``, and the loopback endpoint that functions
running as processes call (``endpoint``).

The checks: a ``Host`` that names the server (DNS rebinding), a numeric ``Content-Length``, a
signed request (AWS's ``MissingAuthenticationTokenException`` otherwise), a body moto cannot read
answered as AWS does, and a connection that stalls dropped after ``idle_timeout``.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from . import active
from .compat import request_handler

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


def loopback_url(host: str, port: int) -> str:
    """The address a process on this machine reaches a server bound to ``host`` at."""
    if host in WILDCARD_ADDRESSES:
        host = "::1" if host == "::" else "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def aws_error(start_response: Any, status: str, code: str, message: str) -> Iterable[bytes]:
    data = json.dumps({"__type": code, "message": message}).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                            ("Content-Length", str(len(data)))])
    return [data]


class AwsApp:
    """WSGI: the AWS API (moto's app, mocklambda's Lambda), behind the checks. ``route`` answers
    a request that passed them; ``mocklambda serve`` extends it with its control API."""

    def __init__(self, aws_app: Callable[..., Iterable[bytes]], bound: str = "127.0.0.1") -> None:
        self.aws_app = aws_app
        self.bound = bound

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not host_allowed(environ.get("HTTP_HOST"), self.bound):
            return aws_error(start_response, "403 Forbidden", "ForbiddenException",
                             f"Host {environ.get('HTTP_HOST')!r} is not an address this server listens on "
                             f"(bound to {self.bound}); use localhost or the bound address")
        length = environ.get("CONTENT_LENGTH")
        if length and not length.isdigit():  # werkzeug would read it as 0 and answer the request
            return aws_error(start_response, "400 Bad Request", "BadRequestException",
                             f"Content-Length {length!r} is not a number of bytes")
        return self.route(environ, start_response)

    def route(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        signed = "HTTP_AUTHORIZATION" in environ or "X-Amz-Credential" in environ.get("QUERY_STRING", "")
        if not signed:  # as AWS answers a request that names no service and no credentials
            return aws_error(start_response, "403 Forbidden", "MissingAuthenticationTokenException",
                             "Missing Authentication Token")
        try:
            intake = active.current()
            if intake is not None:
                intake.flush_telemetry()  # logs and metrics so far, for whoever reads them
            return self.aws_app(environ, start_response)
        except ValueError:  # moto could not read the body (not JSON, not UTF-8): the client's fault
            return aws_error(start_response, "400 Bad Request", "SerializationException",
                             "Could not parse request body into json")
        except Exception:  # noqa: BLE001 - a request moto cannot answer must not end the server
            traceback.print_exc()  # for whoever runs the server; the client gets no Python text
            return aws_error(start_response, "500 Internal Server Error", "InternalFailure",
                             "mocklambda could not answer this request; the log of the process serving it "
                             "has the details")


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


def make_server(host: str, port: int, app: Callable[..., Iterable[bytes]],
                idle_timeout: float = IDLE_CONNECTION_SECONDS, log_requests: bool = True) -> Any:
    """A threaded werkzeug server for ``app`` (moto's request handler, where moto has one);
    ``log_requests=False`` keeps a line per request out of the ``werkzeug`` logger."""
    from werkzeug.serving import make_server as werkzeug_server

    class Handler(request_handler()):  # type: ignore[misc]
        timeout = idle_timeout  # half a request cannot hold a thread for ever

        def setup(self) -> None:
            super().setup()
            self.rfile: Any = _EndOfBodyIsAnError(self.rfile)

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            if log_requests:
                super().log_request(*args, **kwargs)

    return werkzeug_server(host, port, app, threaded=True, request_handler=Handler)
