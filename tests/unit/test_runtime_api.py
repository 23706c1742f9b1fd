"""The Runtime API server, spoken to over HTTP as a runtime speaks to it, and the platform's wording
of errors. Status codes and bodies are those of AWS's Runtime Interface Emulator
(``internal/lambda/rapi``: handlers, rendering, fatalerror), AWS's own implementation of the API."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._runtime.platform_reports import exit_reason
from mocklambda._runtime.runtime_api import MAX_PAYLOAD, Invocation, Reply, RuntimeApi, valid_error_type

NEXT = "/2018-06-01/runtime/invocation/next"


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    server = RuntimeApi()
    yield server
    server.close()


def call(api: RuntimeApi, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def invocation(request_id: str = "req-1", **kwargs: object) -> Invocation:
    fields: dict = {"request_id": request_id, "payload": b'{"a": 1}', "timeout": 3.0, "trace_id": "Root=1-x;Sampled=0",
                    "invoked_arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}
    fields.update(kwargs)
    return Invocation(**fields)


def take(api: RuntimeApi, given_invocation: Invocation) -> tuple[int, dict[str, str], bytes]:
    api.submit(given_invocation)
    answer = call(api, "GET", NEXT)
    assert api.events.get(timeout=5) == ("next", None)
    return answer


def test_next_blocks_until_an_invocation_then_hands_it_over_with_lambdas_headers(api):
    answers: list = []
    waiting = threading.Thread(target=lambda: answers.append(call(api, "GET", NEXT)))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and not answers  # blocks: no invocation yet
    api.submit(invocation(client_context='{"custom": {}}'))
    waiting.join(5)
    status, headers, body = answers[0]
    assert (status, body) == (200, b'{"a": 1}')
    assert headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert headers["Lambda-Runtime-Trace-Id"] == "Root=1-x;Sampled=0"
    assert headers["Lambda-Runtime-Client-Context"] == '{"custom": {}}'
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"\d{13}", headers["Lambda-Runtime-Deadline-Ms"])
    assert "Lambda-Runtime-Cognito-Identity" not in headers  # empty headers are left out (setHeaderIfNotEmpty)


def test_a_response_is_accepted_and_reported(api):
    take(api, invocation())
    answer = call(api, "POST", "/2018-06-01/runtime/invocation/req-1/response", b'"done"')
    assert answer[0] == 202 and answer[2] == b'{"status":"OK"}\n'  # RenderAccepted
    assert api.events.get(timeout=1) == ("reply", Reply("response", b'"done"'))


def test_an_error_keeps_its_body_and_a_valid_error_type(api):
    take(api, invocation())
    body = b'{"errorMessage": "m", "errorType": "E", "stackTrace": []}'
    status, _, _ = call(api, "POST", "/2018-06-01/runtime/invocation/req-1/error", body,
                        {"Lambda-Runtime-Function-Error-Type": "Handled"})
    assert status == 202
    assert api.events.get(timeout=1) == ("reply", Reply("error", body, "Runtime.Unknown"))


def test_an_unknown_request_id_is_invalid_request_id(api):
    status, headers, body = call(api, "POST", "/2018-06-01/runtime/invocation/nobody/response", b"{}")
    assert (status, body) == (400, b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}\n')
    assert headers["Content-Type"] == "application/json"
    take(api, invocation())
    assert call(api, "POST", "/2018-06-01/runtime/invocation/req-0/error", b"{}")[0] == 400


def test_a_second_answer_is_an_invalid_state_transition(api):
    take(api, invocation())
    assert call(api, "POST", "/2018-06-01/runtime/invocation/req-1/response", b"1")[0] == 202
    status, _, body = call(api, "POST", "/2018-06-01/runtime/invocation/req-1/error", b"{}")
    assert status == 403
    assert json.loads(body) == {
        "errorMessage": "State transition from RuntimeResponseSentState to InvocationErrorResponse failed for "
                        "runtime. Error: State transition is not allowed",
        "errorType": "InvalidStateTransition",
    }


def test_init_error_only_before_the_first_invocation(api):
    status, _, body = call(api, "POST", "/2018-06-01/runtime/init/error", b'{"errorType": "X"}',
                           {"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigError"})
    assert (status, body) == (202, b'{"status":"OK"}\n')
    assert api.events.get(timeout=1) == ("reply", Reply("init_error", b'{"errorType": "X"}', "Runtime.ConfigError"))
    status, _, body = call(api, "GET", NEXT)
    assert status == 403 and json.loads(body)["errorMessage"].startswith("State transition from InitError to Ready")


def test_init_error_after_next_is_refused(api):
    take(api, invocation())
    status, _, body = call(api, "POST", "/2018-06-01/runtime/init/error", b"{}")
    assert status == 403
    assert json.loads(body)["errorMessage"] == ("State transition from Running to InitError failed for runtime. "
                                                "Error: State transition is not allowed")


def test_a_response_over_the_limit_is_refused_with_413(api):
    take(api, invocation())
    status, _, body = call(api, "POST", "/2018-06-01/runtime/invocation/req-1/response", b"x" * (MAX_PAYLOAD + 1))
    assert status == 413
    assert body == b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).",' \
                   b'"errorType":"RequestEntityTooLarge"}\n'
    assert api.events.get(timeout=1) == ("reply", Reply("too_large", b""))


def test_a_chunked_response_is_read_whole(api):
    take(api, invocation())
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.request("POST", "/2018-06-01/runtime/invocation/req-1/response", body=iter([b'{"a":', b" 1}"]),
                       encode_chunked=True)
    assert connection.getresponse().status == 202
    connection.close()
    assert api.events.get(timeout=1) == ("reply", Reply("response", b'{"a": 1}'))


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_response_whose_body_is_cut_short_is_no_answer(api, framing):
    """A runtime that went away mid-POST (Go's handler reads ``io.ErrUnexpectedEOF``): what it sent
    is not the invocation's answer; a later whole answer is (issue 17 review)."""
    take(api, invocation())
    host, port = api.address.split(":")
    path = "/2018-06-01/runtime/invocation/req-1/response"
    with socket.create_connection((host, int(port)), timeout=5) as client:
        if framing == "length":
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        else:
            head = f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n"
        client.sendall(head.encode() + b'{"cut":')
        client.shutdown(socket.SHUT_WR)
        assert client.recv(100) == b""  # closed, unanswered
    assert api.events.empty()
    assert call(api, "POST", path, b'"whole"')[0] == 202
    assert api.events.get(timeout=1) == ("reply", Reply("response", b'"whole"'))


def test_other_paths_and_methods_are_answered_as_chi_answers_them(api):
    status, headers, body = call(api, "GET", "/2018-06-01/runtime/invocation/other")
    assert (status, body) == (404, b"404 page not found\n")
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert call(api, "POST", NEXT, b"")[:1] == (405,)
    assert call(api, "GET", "/2018-06-01/runtime/init/error")[::2] == (405, b"")


@given(st.text(max_size=40))
def test_an_error_type_is_kept_only_when_lambda_would_keep_it(header):
    kept = valid_error_type(header)
    assert re.search(r"(Runtime|Function)\.[A-Z][a-zA-Z]+", kept)  # always a type Lambda reports
    if re.search(r"(Runtime|Function)\.[A-Z][a-zA-Z]+", header):
        assert kept == header
    else:
        assert kept == ("Function.Unknown" if header.startswith("Function.") else "Runtime.Unknown")


@given(st.integers(min_value=1, max_value=255))
def test_an_exit_status_is_worded_as_go_words_it(code):
    assert exit_reason(code) == f"Runtime exited with error: exit status {code}"


def test_a_signal_and_a_clean_exit_are_worded_as_recorded():
    assert exit_reason(0) == "Runtime exited without providing a reason"  # test_lambda_runtime_exit
    assert exit_reason(-signal.SIGKILL) == "Runtime exited with error: signal: killed"  # spec 9.6
    assert exit_reason(-signal.SIGSEGV) == "Runtime exited with error: signal: segmentation fault"


def raw_request(client: socket.socket, method: str, path: str, body: bytes = b"", close: bool = False) -> None:
    extra = b"Connection: close\r\n" if close else b""
    client.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n".encode() + extra
                   + b"\r\n" + body)


def raw_answer(reader: Any) -> tuple[int, dict[str, str], bytes]:
    status = int(reader.readline().split()[1])
    headers = {}
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name] = value.strip()
    return status, headers, reader.read(int(headers["Content-Length"]))


def parked(api: RuntimeApi, close: bool = False) -> tuple[socket.socket, Any]:
    """A runtime's connection whose /next waits: no invocation yet."""
    host, port = api.address.split(":")
    client = socket.create_connection((host, int(port)), timeout=5)
    raw_request(client, "GET", NEXT, close=close)
    deadline = time.monotonic() + 5
    while not api._parked and time.monotonic() < deadline:
        time.sleep(0.001)
    return client, client.makefile("rb")


def test_a_waiting_next_is_answered_on_submit_and_the_connection_goes_on(api):
    """The invoking thread answers the parked /next itself; the runtime posts its answer on the same
    kept-alive connection, as AWS's clients do, and asks for the next event there again."""
    client, reader = parked(api)
    with client:
        api.submit(invocation())
        assert api.events.get(timeout=5) == ("next", None)
        status, headers, body = raw_answer(reader)
        assert (status, body, headers["Lambda-Runtime-Aws-Request-Id"]) == (200, b'{"a": 1}', "req-1")
        assert "Connection" not in headers
        raw_request(client, "POST", "/2018-06-01/runtime/invocation/req-1/response", b'"ok"')
        assert raw_answer(reader)[::2] == (202, b'{"status":"OK"}\n')
        assert api.events.get(timeout=5) == ("reply", Reply("response", b'"ok"'))
        raw_request(client, "GET", NEXT)
        api.submit(invocation("req-2"))
        assert raw_answer(reader)[1]["Lambda-Runtime-Aws-Request-Id"] == "req-2"


def test_a_waiting_next_that_asked_to_close_gets_its_answer_then_the_end(api):
    """urllib's way (``Connection: close``): the answer says so, and the connection ends after it."""
    client, reader = parked(api, close=True)
    with client:
        api.submit(invocation())
        status, headers, body = raw_answer(reader)
        assert (status, headers["Connection"], body) == (200, "close", b'{"a": 1}')
        assert reader.read() == b""  # our end is closed


def test_a_request_behind_a_waiting_next_is_answered_after_it(api):
    """Answers on one connection keep the order of its requests, even when a client sends the next
    one before the first is answered."""
    client, reader = parked(api)
    with client:
        raw_request(client, "GET", "/2018-06-01/runtime/nowhere")
        time.sleep(0.1)
        api.submit(invocation())
        assert raw_answer(reader)[0] == 200
        assert raw_answer(reader)[::2] == (404, b"404 page not found\n")


def test_a_waiting_next_whose_connection_closed_takes_no_invocation(api):
    client, reader = parked(api)
    reader.close()
    client.close()
    deadline = time.monotonic() + 5
    while api._parked and time.monotonic() < deadline:
        time.sleep(0.001)
    assert take(api, invocation())[0] == 200  # a runtime that asks again gets it


def test_a_runtime_that_asks_and_reads_nothing_does_not_hold_the_invoker(api):
    """A parked /next whose client never reads: ``submit`` gives up writing at the invocation's
    deadline, so the invocation times out as on Lambda instead of hanging."""
    host, port = api.address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw_request(client, "GET", NEXT)
        deadline = time.monotonic() + 5
        while not api._parked and time.monotonic() < deadline:
            time.sleep(0.001)
        started = time.monotonic()
        api.submit(invocation(payload=b"x" * (32 * 1024 * 1024), timeout=0.3))
        assert 0.3 <= time.monotonic() - started < 3


def test_next_answers_alike_whether_the_invocation_or_the_runtime_came_first(api):
    """The two paths of /next: asked before the invocation (parked, answered by ``submit`` on the
    invoking thread) or after it (answered on the connection's thread): the same status, headers
    and body, deadline and date aside."""
    given = invocation(client_context='{"custom": {"a": 1}}', cognito_identity='{"id": "x"}')
    client, reader = parked(api)
    with client:
        api.submit(given)
        early = raw_answer(reader)
        raw_request(client, "POST", "/2018-06-01/runtime/invocation/req-1/response", b"1")
        raw_answer(reader)
        api.submit(dataclasses.replace(given, request_id="req-2"))
        raw_request(client, "GET", NEXT)
        late = raw_answer(reader)

    def shown(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, list[str], dict[str, str], bytes]:
        status, headers, body = answer
        same = {k: v for k, v in headers.items() if k not in ("Date", "Lambda-Runtime-Deadline-Ms",
                                                               "Lambda-Runtime-Aws-Request-Id")}
        return status, list(headers), same, body

    assert shown(early) == shown(late)
    assert (early[1]["Lambda-Runtime-Aws-Request-Id"], late[1]["Lambda-Runtime-Aws-Request-Id"]) == ("req-1", "req-2")


@pytest.mark.parametrize(("body", "outcome"), [
    (b'7\r\n{"cut":\r\n', "dropped"),  # ended between chunks
    (b'7\r\n{"cut":', "dropped"),  # ended before a chunk's CRLF
    (b'7\r\n{"cut":XX0\r\n\r\n', 400),  # no CRLF after a chunk (Go: malformed chunked encoding)
    (b'-7\r\n{"cut":\r\n0\r\n\r\n', 400),  # a negative size
])
def test_a_malformed_or_unfinished_chunked_body_is_no_answer(api, body, outcome):
    take(api, invocation())
    host, port = api.address.split(":")
    head = (b"POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(head + body)
        client.shutdown(socket.SHUT_WR)
        answer = client.makefile("rb").read()
    if outcome == "dropped":
        assert answer == b""
    else:
        assert answer.startswith(b"HTTP/1.1 400 Bad Request")
    assert api.events.empty()
