"""The HTTP/1.1 under the Runtime API: one listening socket on loopback, a thread per connection,
requests read with a buffered reader and each answer written in one ``sendall``.

Why not ``http.server``: a runtime's warm invocation is two exchanges on a kept-alive connection,
and ``BaseHTTPRequestHandler`` parses each request's headers with the ``email`` package and writes
headers and body separately, about half a millisecond of the round trip here. Answers are framed as
AWS's Runtime Interface Emulator (Go's ``net/http``) frames them: the handler's headers in name
order, then ``Date`` and ``Content-Length``; a malformed request gets Go's plain-text ``400 Bad
Request`` (or ``431``, ``505``) and the connection closes.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
REFUSAL_DRAIN_SECONDS = 0.5  # Go's rstAvoidanceDelay
MAX_HEADER_BYTES = (1 << 20) + 4096  # Go's DefaultMaxHeaderBytes, with the slack its reader allows
REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 413: "Request Entity Too Large", 431: "Request Header Fields Too Large",
           501: "Not Implemented", 505: "HTTP Version Not Supported"}

Answer = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case; a repeated header keeps its first value
    body: bytes
    close: bool  # the client asked for the connection to end with the answer (``Connection: close``, HTTP/1.0)


class BadRequest(Exception):
    """What Go's server answers before any handler runs, and closes the connection on; ``text``
    where Go's error is a ``statusError`` that says why (``unsupported protocol version``)."""

    def __init__(self, status: int, text: str = "") -> None:
        super().__init__(status, text)
        self.status = status
        self.text = text


class Connection:
    """One client connection. ``send`` may be called from another thread than the one reading it
    (the Runtime API answers a parked ``/next`` from the invoking thread), never two at once."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def send(self, answer: Answer, request: Request, timeout: float | None = None) -> bool:
        """Write the answer to ``request``; False if the client is gone (or did not read it within
        ``timeout``). When the client asked to close, our side of the connection ends with it."""
        data = render(answer, request.close, request.method == "HEAD")
        try:
            self._write(data, timeout)
            if request.close:
                self.sock.shutdown(socket.SHUT_WR)
            return True
        except OSError:  # socket.timeout included: a runtime that asked for an event and reads nothing
            self.shutdown()
            return False

    def _write(self, data: bytes, timeout: float | None) -> None:
        """``sendall``, within ``timeout`` when one is given: without switching the socket to a
        timeout, which the thread reading it shares (and which costs a ``poll`` before each call)."""
        if timeout is None or not _DONTWAIT:
            self.sock.sendall(data)
            return
        view, deadline = memoryview(data), time.monotonic() + timeout
        while view:  # a usual answer fits in the socket's buffer: one call
            try:
                view = view[self.sock.send(view, _DONTWAIT):]
            except BlockingIOError:
                with selectors.DefaultSelector() as selector:
                    selector.register(self.sock, selectors.EVENT_WRITE)
                    if not selector.select(max(deadline - time.monotonic(), 0)):
                        raise TimeoutError("the client read nothing") from None

    def read_request(self) -> Request | None:
        """The next request; None at the end of the stream. Raises ``BadRequest``."""
        line = self.reader.readline(MAX_HEADER_BYTES + 1)
        while line in (b"\r\n", b"\n"):  # Go, as RFC 7230 allows, skips empty lines before a request
            line = self.reader.readline(MAX_HEADER_BYTES + 1)
        if not line:
            return None
        used = len(line)
        parts = line.split()
        if len(parts) != 3 or not line.endswith(b"\n"):
            raise BadRequest(431 if used > MAX_HEADER_BYTES else 400)
        method, target, version = (part.decode("latin-1") for part in parts)
        if not version.startswith("HTTP/1."):
            if re.fullmatch(r"HTTP/\d\.\d", version):  # Go parses it, then serves HTTP/1.x only
                raise BadRequest(505, "unsupported protocol version")
            raise BadRequest(400)  # Go: malformed HTTP version
        headers: dict[str, str] = {}
        while True:
            line = self.reader.readline(MAX_HEADER_BYTES + 1 - used)
            used += len(line)
            if line in (b"\r\n", b"\n"):
                break
            if used > MAX_HEADER_BYTES:
                raise BadRequest(431)
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon or not name or name != name.strip():
                raise BadRequest(400)
            headers.setdefault(name.lower(), value.strip())
        if version != "HTTP/1.0" and "host" not in headers and method != "CONNECT":
            raise BadRequest(400, "missing required Host header")
        encoding = headers.get("transfer-encoding")
        if encoding is not None and encoding.lower() != "chunked":
            raise BadRequest(501)  # Go's unsupportedTEError
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if headers.get("expect", "").lower() == "100-continue" and version != "HTTP/1.0":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # curl waits for it before a large body
        return Request(method, target, headers, self._body(headers), close)

    def _body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                line = self.reader.readline()
                if not line.endswith(b"\n"):  # the connection ended within the body
                    raise ConnectionAbortedError("the request's chunked body ended early")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadRequest(400) from None
                if size < 0:
                    raise BadRequest(400)
                if size == 0:
                    while (trailer := self.reader.readline()) not in (b"\r\n", b"\n"):
                        if not trailer.endswith(b"\n"):
                            raise ConnectionAbortedError("the request's chunked body ended early")
                    return b"".join(chunks)
                chunks.append(self._exactly(size))
                end = self.reader.readline()
                if end not in (b"\r\n", b"\n"):  # Go: "malformed chunked encoding"
                    if not end.endswith(b"\n"):
                        raise ConnectionAbortedError("the request's chunked body ended early")
                    raise BadRequest(400)
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            raise BadRequest(400) from None
        return self._exactly(length) if length > 0 else b""

    def _exactly(self, size: int) -> bytes:
        """A body cut short is a runtime that went away mid-request (Go's handler reads
        ``io.ErrUnexpectedEOF``): never an answer to take as the invocation's."""
        data = self.reader.read(size)
        if len(data) < size:
            raise ConnectionAbortedError(f"the request's body ended after {len(data)} of {size} bytes")
        return data

    def refuse(self, status: int, text: str = "") -> None:
        """Go's refusal, then our end closed and what the client still sends read for a moment
        (Go's ``closeWriteAndWait``): closing with unread data would reset the connection, and the
        client could lose the answer."""
        self.sock.sendall(refusal(status, text))
        self.sock.shutdown(socket.SHUT_WR)
        self.sock.settimeout(REFUSAL_DRAIN_SECONDS)
        with contextlib.suppress(OSError):
            while self.sock.recv(65536):
                pass

    def shutdown(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.shutdown()
        with contextlib.suppress(OSError):
            self.reader.close()
        with contextlib.suppress(OSError):
            self.sock.close()


def render(answer: Answer, close: bool = False, head_only: bool = False) -> bytes:
    """One answer as Go's ``net/http`` writes it."""
    status, headers, body = answer
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, '')}"]
    lines.extend(f"{name}: {headers[name]}" for name in sorted(headers))
    if close:
        lines.append("Connection: close")
    lines.append(f"Date: {http_date()}")
    lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


def refusal(status: int, text: str = "") -> bytes:
    """Go's answer to a request it cannot parse (``net/http``'s ``conn.serve``): the status, with a
    ``statusError``'s text after it in the status line and the body, or (501) its own body."""
    reason = f"{status} {REASONS[status]}" + (f": {text}" if text else "")
    body = "Unsupported transfer encoding" if status == 501 else reason
    return f"HTTP/1.1 {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n{body}".encode()


_date_cache: tuple[int, str] = (0, "")


def http_date() -> str:
    """``Date``: formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


Handler = Callable[[Connection, Request], "Answer | None"]


class HttpServer:
    """Serves ``handler`` on ``127.0.0.1`` (a free port): it returns the answer to write, or None
    when the request is answered later from another thread (``Connection.send``), the handler
    seeing to it that answers on one connection keep their order; ``on_close`` hears of each
    connection that ends."""

    def __init__(self, handler: Handler, name: str, on_close: Callable[[Connection], None] | None = None) -> None:
        self._handler = handler
        self._on_close = on_close
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port: int = self._listener.getsockname()[1]
        self._connections: set[Connection] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name=f"{name}-{self.port}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections = list(self._connections)
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept loop
        for connection in connections:
            connection.shutdown()
        self._thread.join(1.0)
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            # an answer is one write, but the client's delayed ACK must never hold a second one
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock)
            with self._lock:
                if self._closed:
                    connection.close()
                    return
                self._connections.add(connection)
            threading.Thread(target=self._serve, args=(connection,), name=self._thread.name, daemon=True).start()

    def _serve(self, connection: Connection) -> None:
        try:
            while not self._closed:
                try:
                    request = connection.read_request()
                except BadRequest as bad:
                    connection.refuse(bad.status, bad.text)
                    return
                if request is None:
                    return
                answer = self._handler(connection, request)
                # None: answered later, from another thread; this one reads on meanwhile (the client's
                # next request, or the end of the connection after an answer that closed our side)
                if answer is not None and (not connection.send(answer, request) or request.close):
                    return
        except (OSError, ValueError):  # a runtime that went away mid-request (killed at a timeout, or at stop)
            return
        finally:
            with self._lock:
                self._connections.discard(connection)
            if self._on_close is not None:
                self._on_close(connection)
            connection.close()
