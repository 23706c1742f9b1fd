"""Handlers that misbehave are contained and reported as AWS would report them, and leave nothing
behind (issue 13)."""

from __future__ import annotations

import json
import os
import signal
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
