"""The HTTP/1.1 under the Runtime API (``runtime_http``): requests read as any client frames them,
answers framed as AWS's Runtime Interface Emulator (Go's ``net/http``) frames them."""

from __future__ import annotations

import http.client
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocklambda._runtime.runtime_http import Connection, HttpServer, Request, render

HEADER_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True)
HEADER_VALUE = st.from_regex(r"[!-~]([ -~]{0,30}[!-~])?", fullmatch=True)


def read_back(raw: bytes) -> Request | None:
    """What ``Connection`` reads from ``raw`` sent by a client."""
    ours, theirs = socket.socketpair()
    try:
        threading.Thread(target=theirs.sendall, args=(raw,), daemon=True).start()
        return Connection(ours).read_request()
    finally:
        ours.close()
        theirs.close()


@settings(max_examples=60, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "PUT"]), body=st.binary(max_size=3000),
       headers=st.dictionaries(HEADER_NAME, HEADER_VALUE, max_size=6),
       splits=st.lists(st.integers(min_value=1, max_value=700), max_size=6), chunked=st.booleans())
def test_a_request_is_read_as_a_client_framed_it(method, body, headers, splits, chunked):
    """Whatever the headers, and a body sent whole or in chunks of any sizes, the server reads the
    request http.client wrote."""
    headers = {name: value for name, value in headers.items()
               if name.lower() not in ("content-length", "transfer-encoding", "connection", "expect", "host")}
    pieces, rest = [], body
    for size in splits:
        pieces.append(rest[:size])
        rest = rest[size:]
    pieces.append(rest)
    writer = _Capture()
    connection = http.client.HTTPConnection("127.0.0.1")
    connection.sock = writer  # type: ignore[assignment]
    connection.request(method, "/2018-06-01/x", body=iter([p for p in pieces if p]) if chunked else body,
                       headers=headers, encode_chunked=chunked)
    request = read_back(writer.data)
    assert request is not None
    assert (request.method, request.path, request.body, request.close) == (method, "/2018-06-01/x", body, False)
    for name in headers:
        first = next(v for k, v in headers.items() if k.lower() == name.lower())
        assert request.headers[name.lower()] == first


class _Capture:
    def __init__(self) -> None:
        self.data = b""

    def sendall(self, data: bytes) -> None:
        self.data += bytes(data)


@pytest.mark.parametrize("raw, close", [
    (b"GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", True),
    (b"GET /a HTTP/1.0\r\n\r\n", True),
    (b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", False),
    (b"\r\nGET /a HTTP/1.1\nHost: x\n\n", False),  # a stray empty line before it, bare newlines: as Go reads them
])
def test_the_connection_ends_when_the_client_asks(raw, close):
    request = read_back(raw)
    assert request is not None and (request.path, request.close) == ("/a", close)


def test_an_answer_is_framed_as_gos_net_http_frames_it():
    """The handler's headers in name order, then Date and Content-Length (Go's ``chunkWriter``);
    no ``Server`` header; ``Connection: close`` when the client asked for it."""
    raw = render((200, {"Lambda-Runtime-Trace-Id": "t", "Content-Type": "application/json",
                        "Lambda-Runtime-Aws-Request-Id": "r"}, b"{}"), close=True)
    head, body = raw.split(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 200 OK" and body == b"{}"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "Content-Type", "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Trace-Id", "Connection", "Date",
        "Content-Length"]
    assert re.fullmatch(r"Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", lines[-2])
    assert lines[-1] == "Content-Length: 2"


@pytest.fixture
def echo() -> Iterator[HttpServer]:
    server = HttpServer(lambda connection, request: (200, {"X-Method": request.method}, request.body), "test-http")
    yield server
    server.close()


def exchange(server: HttpServer, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(raw)
        client.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize("raw, answer", [
    (b"NONSENSE\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          b"Connection: close\r\n\r\n400 Bad Request"),
    (b"GET /a HTTP/1.1\r\nno colon here\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                                                  b"charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"),
    (b"GET /a HTTP/2.0\r\n\r\n", b"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n"
                                 b"Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
                                 b"505 HTTP Version Not Supported: unsupported protocol version"),
    (b"GET /a HTTP/3\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                               b"Connection: close\r\n\r\n400 Bad Request"),  # Go: malformed HTTP version
    (b"GET /a HTTP/1.1\r\n\r\n", b"HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: "
                                 b"text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
                                 b"400 Bad Request: missing required Host header"),
    (b"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
     b"HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
     b"Unsupported transfer encoding"),
    (b"GET /a HTTP/1.1\r\nX-Big: " + b"x" * ((1 << 20) + 8192) + b"\r\n\r\n",
     b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
     b"Connection: close\r\n\r\n431 Request Header Fields Too Large"),
])
def test_a_request_that_cannot_be_parsed_gets_gos_plain_refusal(echo, raw, answer):
    assert exchange(echo, raw) == answer


def test_expect_100_continue_is_answered_before_the_body_is_read(echo):
    """curl sends ``Expect: 100-continue`` with a large body and waits for the interim answer."""
    with socket.create_connection(("127.0.0.1", echo.port), timeout=5) as client:
        client.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        assert client.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(b"abc")
        answer = client.recv(1000)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b"\r\n\r\nabc")


def test_a_kept_alive_connection_serves_request_after_request(echo):
    connection = http.client.HTTPConnection("127.0.0.1", echo.port, timeout=5)
    try:
        for body in (b"one", b"", b"three"):
            connection.request("POST", "/a", body=body)
            response = connection.getresponse()
            assert (response.status, response.read(), response.getheader("X-Method")) == (200, body, "POST")
        connection.request("HEAD", "/a")
        response = connection.getresponse()
        assert (response.status, response.read(), response.getheader("Content-Length")) == (200, b"", "0")
    finally:
        connection.close()
