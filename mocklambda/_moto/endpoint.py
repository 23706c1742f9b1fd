"""The running mock over loopback HTTP, for functions that run as processes (issue 15 item 5).

A process cannot be patched as in-process Python is: its SDK calls reach the mock only over the
network. moto's server application serves the same backends the test reads (its state is
module-level, shared with the decorator), with mocklambda's Lambda backend, so a ``bootstrap``
told ``AWS_ENDPOINT_URL=http://127.0.0.1:<port>`` writes into the test's SQS queue and its own
``Invoke`` calls are queued by this mock.

One server per mock, started on the first process environment (a mock that runs only Python
handlers opens no port) and shut at the mock's stop. Under ``mocklambda serve`` the server is
already there: ``serve_at`` names it and none is started.
"""

from __future__ import annotations

import threading
from typing import Any

from ..errors import MockLambdaError, warn
from .http_app import AwsApp, loopback_url, make_server
from .lifecycle import wsgi_app

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.05  # how soon a shut server's loop notices: the mock's stop waits that long at most
# where a process's calls go when the mock cannot serve them (no flask): the discard port refuses
# the connection at once, so a call fails loudly rather than reaching AWS with fake credentials
UNREACHABLE = f"http://{LOOPBACK}:9"


class LoopbackEndpoint:
    """The mock's HTTP endpoint: ``url()`` starts it on first use; ``close()`` stops it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._url: str | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._closed = False

    def serve_at(self, url: str) -> None:
        """The mock is served at ``url`` already (``mocklambda serve``): processes call it there."""
        with self._lock:
            self._url = url

    def url(self) -> str:
        with self._lock:
            if self._url is None and not self._closed:
                self._url = self._start()
            return self._url or UNREACHABLE

    def _start(self) -> str:
        try:
            app = AwsApp(wsgi_app(), bound=LOOPBACK)
        except MockLambdaError as error:  # moto's server dependencies (flask) are optional
            warn(f"functions running as processes cannot reach the mock: {error}; their AWS calls are "
                 f"pointed at {UNREACHABLE}, which refuses them")
            return UNREACHABLE
        server = make_server(LOOPBACK, 0, app, log_requests=False)  # a test's log is not the place for them
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS},
                                        name="mocklambda-endpoint", daemon=True)
        self._thread.start()
        return loopback_url(LOOPBACK, server.server_port)

    def close(self) -> None:
        """Stop serving (the processes are gone by now): nothing of the mock outlives it."""
        with self._lock:
            self._closed = True
            server, thread, self._server, self._thread, self._url = self._server, self._thread, None, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()
