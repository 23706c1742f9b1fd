"""Handlers that misbehave are contained and reported as AWS would report them, and leave nothing
behind (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

import pytest

from tests.helpers import send_event

# An exception whose __str__ raises escapes the runtime's own reporting: the runtime process exits
# and Lambda reports Runtime.ExitError (spec 9.6).
UNPRINTABLE = """
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text for you")

def handler(event, context):
    raise Unprintable()
"""
TOO_DEEP_TO_MARSHAL = """
def handler(event, context):
    nested = []
    for _ in range(100_000):
        nested = [nested]
    return nested
"""
HEALTHY = "def handler(event, context):\n    return 'healthy'\n"


@pytest.mark.parametrize(("source", "error_type", "message"), [
    (UNPRINTABLE, "Runtime.ExitError", "Error: Runtime exited with error: exit status 1"),
    (TOO_DEEP_TO_MARSHAL, "RecursionError", "maximum recursion depth exceeded"),
])
def test_an_error_out_of_the_runtimes_reporting_is_a_function_error(lambda_mock, lambda_client, create_function,
                                                                     source, error_type, message):
    create_function("hostile", source)
    create_function("healthy", HEALTHY)
    for _ in range(2):  # cold, then again: the handler thread that ran it is still usable
        response = lambda_client.invoke(FunctionName="hostile")
        payload = json.loads(response["Payload"].read())
        assert (response["FunctionError"], payload["errorType"]) == ("Unhandled", error_type)
        assert message in payload["errorMessage"]
        assert json.loads(lambda_client.invoke(FunctionName="healthy")["Payload"].read()) == "healthy"
    send_event(lambda_client, "hostile")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations("hostile")[0]
    assert invocation.condition == "RetriesExhausted"  # spec 2.2: a function error, retried twice
    assert [attempt.error_type for attempt in invocation.attempts] == [error_type] * 3


RAISES_KEYBOARD_INTERRUPT_WHEN_WARM = """
calls = 0

def handler(event, context):
    global calls
    calls += 1
    if calls > 1:
        raise KeyboardInterrupt
    return calls
"""


def test_a_warm_handlers_keyboard_interrupt_is_a_function_error(lambda_mock, lambda_client, create_function):
    """Issue 13 item 7: run inline on the test's thread, it neither escapes run_until_idle() nor stop()."""
    create_function("interrupting", RAISES_KEYBOARD_INTERRUPT_WHEN_WARM)
    send_event(lambda_client, "interrupting")
    send_event(lambda_client, "interrupting")  # warm: runs inline on this thread
    lambda_mock.run_until_idle()
    first, second = lambda_mock.invocations("interrupting")
    assert first.condition == "Success"
    assert second.attempts[0].error_type == "KeyboardInterrupt"


def test_ctrl_c_during_a_drain_still_stops_the_run(lambda_mock, lambda_client, create_function):
    """A real SIGINT while a warm handler runs inline stops the test run, and the event stays queued."""
    create_function("sleepy", "import time\ndef handler(event, context):\n    if event.get('sleep'):\n"
                              "        time.sleep(5)\n    return 1\n", Timeout=10)
    send_event(lambda_client, "sleepy")
    lambda_mock.run_until_idle()  # warm from now on
    send_event(lambda_client, "sleepy", {"sleep": True})
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        lambda_mock.run_until_idle()
    timer.join()
    assert [i.status for i in lambda_mock.invocations("sleepy")] == ["succeeded", "queued"]
    lambda_mock.handler("sleepy", return_value=1)
    lambda_mock.run_until_idle()  # nothing was lost
    assert lambda_mock.invocations("sleepy")[1].status == "succeeded"


READS_ITS_CONFIG = """
import os
import sys

def handler(event, context):
    with open("config.json") as shipped:
        config = shipped.read()
    here = os.getcwd()
    os.chdir("/")
    return {"config": config, "cwd": here, "task_root": os.environ["LAMBDA_TASK_ROOT"]}
"""


def test_handlers_run_in_their_task_root_and_a_chdir_does_not_leak(lambda_mock, lambda_client, create_function):
    """Issue 13 item 2: the working directory is LAMBDA_TASK_ROOT while the handler runs."""
    before = os.getcwd()
    create_function("configured", {"handler.py": READS_ITS_CONFIG, "config.json": '{"stage": "test"}'})
    for _ in range(2):  # cold (on a handler thread), then warm
        result = json.loads(lambda_client.invoke(FunctionName="configured")["Payload"].read())
        assert result["config"] == '{"stage": "test"}' and result["cwd"] == result["task_root"]
        assert os.getcwd() == before
    send_event(lambda_client, "configured")
    send_event(lambda_client, "configured")  # warm attempts, inline on this thread
    lambda_mock.run_until_idle()
    assert [i.attempts[0].result["config"] for i in lambda_mock.invocations()] == ['{"stage": "test"}'] * 2
    assert os.getcwd() == before


RUNS_ASYNCIO = """
import asyncio

async def work(value):
    await asyncio.sleep(0)
    return value * 2

def handler(event, context):
    return asyncio.run(work(event["value"]))
"""


async def test_asyncio_run_in_a_handler_works_when_the_test_is_async(lambda_mock, lambda_client, create_function):
    """Issue 13 item 3: warm attempts do not run on the test's event-loop thread."""
    create_function("asynchronous", RUNS_ASYNCIO)
    for value in range(3):
        send_event(lambda_client, "asynchronous", {"value": value})
    lambda_mock.run_until_idle()
    assert [i.attempts[0].result for i in lambda_mock.invocations()] == [0, 2, 4]


MOVES_THE_CLOCK = """
import mocklambda_handle

def handler(event, context):
    if event.get("advance"):
        mocklambda_handle.lam.clock.advance(60)
    else:
        mocklambda_handle.lam.run_until_idle()
"""


@pytest.mark.parametrize("payload", [{"advance": True}, {}])
def test_a_handler_moving_the_mocks_time_gets_an_error_that_says_why(lambda_mock, lambda_client, create_function,
                                                                     monkeypatch, payload):
    """Issue 13 item 8: not a wait until the handler's timeout."""
    import types
    monkeypatch.setitem(sys.modules, "mocklambda_handle", types.SimpleNamespace(lam=lambda_mock))
    create_function("impatient", MOVES_THE_CLOCK, Timeout=30)
    for _ in range(2):  # cold on a handler thread, then warm
        response = lambda_client.invoke(FunctionName="impatient", Payload=json.dumps(payload))
        error = json.loads(response["Payload"].read())
        assert error["errorType"] == "MockLambdaError"
        assert "was called from handler code" in error["errorMessage"]
