"""What a function run as a process cannot do to the test that runs it (issue 15, item 4): write
without end until the test's memory is gone, hold up the mock with one endless line, or leave a
detached process behind it ("Processes never outlive the mock")."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from mocklambda import mock_lambda
from mocklambda._runtime.capture import DROPPED, EVENT_BYTES, KEPT_BYTES
from tests.helpers import RUNTIME_LOOP, bootstrap_zip, invoke_json
from tests.test_logs import log_events, tail
from tests.test_provided_runtime import alive

HANDLER = """
import subprocess, time

def handle(event, headers):
    if "flood" in event:  # the handler's process becomes `yes`: it writes "y\\n" until it is killed
        os.execvp("yes", ["yes"])
    if "line" in event:  # one line of that many bytes, written in 64 KB chunks, no newline until the end
        for _ in range(event["line"] // 65536):
            sys.stdout.write("x" * 65536)
        sys.stdout.write(event.get("end", ""))
        sys.stdout.flush()
    if "detach" in event:  # a grandchild in a session of its own, reparented once `sh` exits
        shell = subprocess.run(["setsid", "sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"],
                               capture_output=True, text=True, check=True)
        return {"pid": os.getpid(), "detached": int(shell.stdout)}
    if "sleep" in event:
        time.sleep(event["sleep"])
    return {"pid": os.getpid()}
"""

BOOTSTRAP = RUNTIME_LOOP.format(handler=HANDLER)


@pytest.fixture
def create_custom(create_function):
    def create(name: str, **kwargs: Any) -> dict:
        return create_function(name, {}, Runtime="provided.al2023", Handler="function.handler",
                               Code={"ZipFile": bootstrap_zip(BOOTSTRAP)}, **kwargs)

    return create


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@contextmanager
def peak_rss_growth_kb() -> Iterator[list[int]]:
    """The test process's resident size, sampled while the block runs: the peak's growth over the start."""
    start, peak, done = rss_kb(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], rss_kb() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()
        peak[0] = max(peak[0], rss_kb() - start)


def test_a_process_writing_without_end_is_timed_out_and_memory_stays_bounded(lambda_client, create_custom):
    with peak_rss_growth_kb() as growth, mock_lambda():  # the mock's stop too: the log reaches CloudWatch Logs then
        create_custom("flood", Timeout=1)
        started = time.monotonic()
        response = lambda_client.invoke(FunctionName="flood", Payload=b'{"flood": true}', LogType="Tail")
        elapsed = time.monotonic() - started
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "Sandbox.Timedout"  # spec 9.5
    assert elapsed < 5  # its Timeout (1 s): reading the flood never holds up the timeout
    assert growth[0] < 300 * 1024  # unbounded, it reached gigabytes
    log = tail(response)  # the kept output ends with the line saying the rest was dropped, then the timeout
    assert DROPPED in log and log.index(DROPPED) < log.index("Task timed out after 1.00 seconds")


def test_an_endless_line_is_cut_into_events_and_the_rest_dropped_past_the_cap(lambda_mock, lambda_client,
                                                                             create_custom):
    create_custom("line", Timeout=30)
    written = 2 * KEPT_BYTES  # with no newline
    assert invoke_json(lambda_client, "line", {"line": written})["pid"] > 0
    events = log_events("line")
    start = next(i for i, event in enumerate(events) if event.startswith("START RequestId:"))
    output = events[start + 1:events.index(DROPPED)]
    assert output and all(event == "x" * EVENT_BYTES for event in output)  # as Lambda cuts a long line
    assert len(output) * (EVENT_BYTES + 26) <= KEPT_BYTES < (len(output) + 1) * (EVENT_BYTES + 26)
    assert events[events.index(DROPPED) + 1].startswith("END RequestId:")


def test_a_long_line_is_several_events_and_the_next_invocation_is_whole(lambda_mock, lambda_client,
                                                                        create_custom):
    create_custom("long", Timeout=30)
    invoke_json(lambda_client, "long", {"line": 10 * 65536, "end": "!\n"})
    invoke_json(lambda_client, "long", {"line": 65536, "end": "\n"})
    output = [event for event in log_events("long") if event.startswith("x")]
    line = "x" * (10 * 65536) + "!\n"
    assert output == [line[:EVENT_BYTES], line[EVENT_BYTES:2 * EVENT_BYTES], line[2 * EVENT_BYTES:],
                      "x" * 65536 + "\n"]


def test_a_print_longer_than_an_event_is_cut_in_process_too(lambda_mock, lambda_client, create_function):
    create_function("printer", "def handler(event, context):\n    print('é' * 200000)\n")
    lambda_client.invoke(FunctionName="printer")
    output = [event for event in log_events("printer") if event.startswith("é")]
    cut_at = EVENT_BYTES // 2  # two bytes a character: the cut never splits one
    assert output == ["é" * cut_at, "é" * (200000 - cut_at) + "\n"]


def test_a_detached_grandchild_does_not_outlive_the_mock(create_custom, lambda_client):
    with mock_lambda():
        create_custom("detaches")
        report = invoke_json(lambda_client, "detaches", {"detach": True})
        detached = report["detached"]
        assert alive(detached) and os.getsid(detached) != os.getsid(report["pid"])  # out of killpg's reach
    assert not alive(detached)


def test_a_detached_grandchild_goes_with_its_environment_on_a_timeout(lambda_mock, lambda_client, create_custom):
    create_custom("detaches-then-hangs", Timeout=1)
    detached = invoke_json(lambda_client, "detaches-then-hangs", {"detach": True})["detached"]
    response = lambda_client.invoke(FunctionName="detaches-then-hangs", Payload=b'{"sleep": 30}', LogType="Tail")
    assert re.search(r"Task timed out after 1\.00 seconds", tail(response))  # spec 9.5
    assert not alive(detached)


KILLED_TEST = """
import base64, boto3, sys, threading
from mocklambda import mock_lambda

with mock_lambda():
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda")
    client.create_function(FunctionName="spins", Runtime="provided.al2023", Role=role, Handler="function.handler",
                           Code={"ZipFile": base64.b64decode(sys.argv[1])}, Timeout=900)
    threading.Thread(target=client.invoke, kwargs={"FunctionName": "spins", "Payload": sys.argv[2]}).start()
    threading.Event().wait()  # until it is killed: the mock never stops
"""

WRITES_ITS_PID = """
def handle(event, headers):
    with open(event["pidfile"] + ".tmp", "w") as pidfile:
        pidfile.write(str(os.getpid()))
    os.replace(event["pidfile"] + ".tmp", event["pidfile"])
    while True:  # an endless handler: the runtime spins until something kills it
        pass
"""


def test_a_runtime_does_not_outlive_a_test_process_killed_before_its_mock_stopped(tmp_path):
    """A test process killed mid-invocation (a CI timeout, a second Ctrl-C) never stops its mock:
    the runtime it started, spinning in an endless handler, is killed by the watcher all the same
    (issue 17: orphaned runtimes spun on after the run)."""
    import base64
    import signal
    import subprocess
    import sys

    pidfile = tmp_path / "runtime.pid"
    code = base64.b64encode(bootstrap_zip(RUNTIME_LOOP.format(handler=WRITES_ITS_PID))).decode()
    test = subprocess.Popen([sys.executable, "-c", KILLED_TEST, code, json.dumps({"pidfile": str(pidfile)})],
                            cwd=os.getcwd())
    runtime = 0
    try:
        deadline = time.monotonic() + 60
        while not pidfile.exists():
            assert test.poll() is None and time.monotonic() < deadline, "the runtime never started"
            time.sleep(0.05)
        runtime = int(pidfile.read_text())
        assert alive(runtime)
        test.send_signal(signal.SIGKILL)
        test.wait(10)
        deadline = time.monotonic() + 10
        while alive(runtime) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(runtime)
    finally:
        if test.poll() is None:
            test.kill()
        if runtime and alive(runtime):  # never leave it spinning, even when the test fails
            os.kill(runtime, signal.SIGKILL)
