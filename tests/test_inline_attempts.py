"""Warm attempts in the virtual modes run on the thread that moves the clock (not on a handler
thread). What a handler sees, what the test sees afterwards, and timeouts must be as on a handler
thread (spec §9, 2.10)."""

from __future__ import annotations

import base64
import json
import os
import re
import sys
import threading
import time

import boto3
import pytest

from tests.helpers import make_queue, send_event

WARM_THEN_STUCK = """
import time
def handler(event, context):
    if event.get("stuck") == "sleep":
        time.sleep(60)  # a blocking call: the timeout must still end it
    if event.get("stuck") == "spin":
        while True:
            pass
    return {"ok": event}
"""


def logged(aws_region: str, name: str) -> str:
    logs = boto3.client("logs", region_name=aws_region)
    group = f"/aws/lambda/{name}"
    text = ""
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])["events"]
        text += "\n".join(e["message"] for e in events) + "\n"
    return text


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("stuck", ["sleep", "spin"])
def test_warm_attempt_past_its_timeout_is_ended_and_retried(lambda_mock, lambda_client, create_function, stuck):
    create_function("stuck", WARM_THEN_STUCK, Timeout=1)
    retries = 1 if stuck == "spin" else 0  # a retry starts cold, on a handler thread a sleep outlives
    lambda_client.put_function_event_invoke_config(FunctionName="stuck", MaximumRetryAttempts=retries)
    send_event(lambda_client, "stuck", {"warm": 1})
    lambda_mock.run_until_idle()  # the container is warm now
    request_id = send_event(lambda_client, "stuck", {"stuck": stuck})
    started = time.monotonic()
    lambda_mock.run_until_idle()
    assert time.monotonic() - started < 10  # 1 s timeouts, not a 60 s sleep (or forever)
    stuck_event = lambda_mock.invocations()[1]
    assert [a.error_type for a in stuck_event.attempts] == ["Sandbox.Timedout"] * (1 + retries)  # spec 2.10
    assert stuck_event.attempts[0].result == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds",
    }
    assert stuck_event.condition == "RetriesExhausted"
    send_event(lambda_client, "stuck", {"after": 1})  # the interruption never leaks into later code
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations()[2].attempts[-1].result == {"ok": {"after": 1}}


@pytest.mark.lambda_mock(mode="manual")
def test_warm_timeout_on_a_thread_other_than_main(lambda_mock, lambda_client, create_function):
    create_function("stuck", WARM_THEN_STUCK, Timeout=1)
    lambda_client.put_function_event_invoke_config(FunctionName="stuck", MaximumRetryAttempts=0)
    send_event(lambda_client, "stuck", {"warm": 1})
    send_event(lambda_client, "stuck", {"stuck": "spin"})
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            lambda_mock.run_until_idle()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    worker = threading.Thread(target=drain)
    worker.start()
    worker.join(20)
    assert not worker.is_alive() and errors == []
    assert [a.error_type for a in lambda_mock.invocations()[1].attempts] == ["Sandbox.Timedout"]


@pytest.mark.lambda_mock(mode="manual")
def test_many_short_warm_attempts_are_never_interrupted(lambda_mock, lambda_client, create_function):
    create_function("quick", "def handler(e, c):\n    return sum(range(e['n']))\n", Timeout=1)
    for n in range(300):
        send_event(lambda_client, "quick", {"n": n})
    lambda_mock.run_until_idle()
    results = [i.attempts[-1].result for i in lambda_mock.invocations()]
    assert results == [sum(range(n)) for n in range(300)]
    assert all(len(i.attempts) == 1 for i in lambda_mock.invocations())


ENVIRONMENT = """
import os
def handler(event, context):
    os.environ["SET_BY_HANDLER"] = "1"
    return {key: os.environ.get(key) for key in ("AWS_LAMBDA_FUNCTION_NAME", "TABLE", "_X_AMZN_TRACE_ID", "AWS_REGION")}
"""


@pytest.mark.lambda_mock(mode="manual")
def test_handlers_see_lambdas_environment_and_the_test_gets_its_own_back(lambda_mock, lambda_client, create_function,
                                                                         monkeypatch):
    monkeypatch.setenv("TABLE", "the-tests-table")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    before = dict(os.environ)
    create_function("env-a", ENVIRONMENT, Environment={"Variables": {"TABLE": "orders"}})
    create_function("env-b", ENVIRONMENT, Environment={"Variables": {"TABLE": "refunds"}})
    for name in ("env-a", "env-a", "env-b", "env-a", "env-a"):
        send_event(lambda_client, name, {})
    lambda_mock.run_until_idle()
    seen = [i.attempts[0].result for i in lambda_mock.invocations()]
    assert [(r["AWS_LAMBDA_FUNCTION_NAME"], r["TABLE"]) for r in seen] == [
        ("env-a", "orders"), ("env-a", "orders"), ("env-b", "refunds"), ("env-a", "orders"), ("env-a", "orders")]
    assert all(r["AWS_REGION"] == "us-east-1" for r in seen)
    assert len({r["_X_AMZN_TRACE_ID"] for r in seen}) == 5  # a trace id per invocation
    assert all(re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", r["_X_AMZN_TRACE_ID"]) for r in seen)
    assert dict(os.environ) == before  # spec 9.3: Lambda's variables exist only while handlers run


PRINTS = """
import logging
logging.getLogger().setLevel(logging.INFO)
def handler(event, context):
    print("printed", event["n"])
    logging.getLogger().info("logged %s", event["n"])
    return event["n"]
"""


@pytest.mark.lambda_mock(mode="manual")
def test_each_warm_attempt_logs_only_its_own_output(lambda_mock, lambda_client, create_function, aws_region, capsys):
    create_function("talks", PRINTS)
    ids = [send_event(lambda_client, "talks", {"n": n}) for n in range(3)]
    lambda_mock.run_until_idle()
    print("the test's own line")
    text = logged(aws_region, "talks")
    for n, request_id in enumerate(ids):
        block = text.split(f"START RequestId: {request_id}")[1].split(f"END RequestId: {request_id}")[0]
        assert f"printed {n}" in block
        assert "[INFO]\t" in block and f"\t{request_id}\tlogged {n}" in block
        assert block.count("printed") == 1
    assert "the test's own line" not in text
    assert capsys.readouterr().out.count("printed") == 3  # the output still reaches the real stream


SAME_MODULE = "VALUE = {value!r}\ndef handler(e, c):\n    import handler as me\n    return me.VALUE\n"


@pytest.mark.lambda_mock(mode="manual")
def test_functions_with_the_same_module_name_each_run_their_own_code(lambda_mock, lambda_client, create_function):
    create_function("one", SAME_MODULE.format(value="one"))
    create_function("two", SAME_MODULE.format(value="two"))
    order = ["one", "two", "two", "one", "one", "two"]
    for name in order:
        send_event(lambda_client, name, {})
    lambda_mock.run_until_idle()
    assert [i.attempts[0].result for i in lambda_mock.invocations()] == order
    assert "handler" not in sys.modules  # the handler's module is not left in the test's modules


@pytest.mark.lambda_mock(mode="manual")
def test_a_handler_can_invoke_another_function_synchronously(lambda_mock, lambda_client, create_function):
    create_function("inner", "def handler(e, c):\n    return {'inner': e}\n")
    create_function("outer", """
import boto3, json
def handler(event, context):
    answer = boto3.client("lambda", region_name="us-east-1").invoke(FunctionName="inner", Payload=json.dumps(event))
    return json.loads(answer["Payload"].read())
""")
    for n in range(3):
        send_event(lambda_client, "outer", {"n": n})
    lambda_mock.run_until_idle()
    assert [i.attempts[0].result for i in lambda_mock.invocations()] == [{"inner": {"n": n}} for n in range(3)]


def test_log_tail_of_a_warm_synchronous_call_after_async_ones(lambda_mock, lambda_client, create_function):
    create_function("talks", PRINTS)
    send_event(lambda_client, "talks", {"n": 1})
    response = lambda_client.invoke(FunctionName="talks", Payload=b'{"n": 2}', LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert "printed 2" in tail and "printed 1" not in tail


RESULTS = """
from decimal import Decimal
def handler(event, context):
    kind = event["kind"]
    if kind == "cycle":
        looped = []
        looped.append(looped)
        return looped
    if kind == "set":
        return {1}
    if kind == "nan":
        return float("nan")
    if kind == "decimal":
        return {"a": Decimal("2"), "b": Decimal("1.5")}
    return {"text": "caf\u00e9", "n": 1.5, "none": None}
"""


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("runtime, text", [("python3.11", b'"caf\\u00e9"'), ("python3.12", "\"caf\u00e9\"".encode())])
def test_warm_results_are_marshalled_as_the_runtime_does(lambda_mock, lambda_client, create_function, runtime, text):
    create_function("results", RESULTS, Runtime=runtime)
    lambda_client.put_function_event_invoke_config(FunctionName="results", MaximumRetryAttempts=0)
    kinds = ["plain", "plain", "cycle", "set", "nan", "decimal", "plain"]  # the first one warms the container
    for kind in kinds:
        send_event(lambda_client, "results", {"kind": kind})
    lambda_mock.run_until_idle()
    attempts = [i.attempts[0] for i in lambda_mock.invocations()]
    assert [a.error_type for a in attempts] == [None, None, "Runtime.MarshalError", "Runtime.MarshalError", None, None, None]
    assert attempts[2].error_message == "Unable to marshal response: Circular reference detected"  # spec 9.4
    assert attempts[3].error_message == "Unable to marshal response: Object of type set is not JSON serializable"
    assert attempts[5].result == {"a": 2, "b": 1.5}
    synchronous = lambda_client.invoke(FunctionName="results", Payload=b'{"kind": "plain"}')["Payload"].read()
    assert text in synchronous and b'"none": null' in synchronous
    nan = lambda_client.invoke(FunctionName="results", Payload=b'{"kind": "nan"}')["Payload"].read()
    assert nan == b"NaN"  # json.dumps writes it, as the runtime does


CATCHES_THE_TIMEOUT = """
def handler(event, context):
    if event.get("warm"):
        return "warm"
    try:
        while True:
            pass
    except BaseException:  # a bare except: catches the interruption at the timeout
        if event["then"] == "goes-on":
            while True:
                pass
        raise RuntimeError("cleanup failed")
"""


@pytest.mark.lambda_mock(mode="manual")
@pytest.mark.parametrize("then", ["goes-on", "raises-another-error"])
def test_a_handler_that_catches_its_timeout_still_times_out(lambda_mock, lambda_client, create_function, then):
    create_function("stubborn", CATCHES_THE_TIMEOUT, Timeout=1)
    lambda_client.put_function_event_invoke_config(FunctionName="stubborn", MaximumRetryAttempts=0)
    send_event(lambda_client, "stubborn", {"warm": True})
    lambda_mock.run_until_idle()
    send_event(lambda_client, "stubborn", {"then": then})
    started = time.monotonic()
    lambda_mock.run_until_idle()
    assert time.monotonic() - started < 5  # interrupted again after the first one was caught
    assert [a.error_type for a in lambda_mock.invocations()[1].attempts] == ["Sandbox.Timedout"]  # spec 9.5


@pytest.mark.lambda_mock(mode="manual")
def test_a_handlers_context_variables_and_decimal_context_stay_its_own(lambda_mock, lambda_client, create_function):
    import decimal

    create_function("precise", """
import decimal
def handler(event, context):
    seen = decimal.getcontext().prec
    decimal.getcontext().prec = 3
    return seen
""")
    for _ in range(3):
        send_event(lambda_client, "precise", {})
    lambda_mock.run_until_idle()
    assert [i.attempts[0].result for i in lambda_mock.invocations()] == [28, 3, 3]  # a warm sandbox keeps it
    assert decimal.getcontext().prec == 28  # the test's own context is untouched


@pytest.mark.lambda_mock(mode="manual")
def test_the_mocks_own_work_between_attempts_never_sees_a_handlers_environment(lambda_mock, lambda_client,
                                                                                 create_function, aws_region):
    """A function's variables (here an endpoint that nothing answers) must not reach the clients the
    mock makes between attempts: the SQS poller's, the deliveries'."""
    sqs = boto3.client("sqs", region_name=aws_region)
    url, arn = make_queue(sqs, "jobs")
    create_function("elsewhere", "def handler(e, c):\n    return e\n",
                    Environment={"Variables": {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}})
    create_function("worker", "def handler(e, c):\n    return None\n")
    received = []
    lambda_mock.handler("worker", lambda event, context: received.extend(r["body"] for r in event["Records"]))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=1)
    send_event(lambda_client, "elsewhere", {"warm": 1})
    lambda_mock.run_until_idle()
    send_event(lambda_client, "elsewhere", {"n": 1})
    sqs.send_message(QueueUrl=url, MessageBody="job")  # the poll comes due after the attempt above
    lambda_mock.run_until_idle()
    assert received == ["job"]
    assert "AWS_ENDPOINT_URL" not in os.environ


@pytest.mark.lambda_mock(mode="manual")
def test_changes_between_events_reach_the_next_attempt(lambda_mock, lambda_client, create_function):
    """Function snapshots and configurations are cached between attempts: every change made
    through the API is seen by the next one."""
    from conftest import make_zip

    create_function("changing", "import os\ndef handler(e, c):\n    return ['v1', os.environ.get('COLOUR')]\n",
                    Environment={"Variables": {"COLOUR": "red"}})
    send_event(lambda_client, "changing", {})
    lambda_mock.run_until_idle()
    lambda_client.update_function_code(FunctionName="changing", ZipFile=make_zip(
        {"handler.py": "import os\ndef handler(e, c):\n    return ['v2', os.environ.get('COLOUR')]\n"}))
    send_event(lambda_client, "changing", {})
    lambda_mock.run_until_idle()
    lambda_client.update_function_configuration(FunctionName="changing", Environment={"Variables": {"COLOUR": "blue"}})
    send_event(lambda_client, "changing", {})
    lambda_mock.run_until_idle()
    lambda_client.put_function_concurrency(FunctionName="changing", ReservedConcurrentExecutions=0)
    send_event(lambda_client, "changing", {})
    lambda_mock.run_until_idle()
    lambda_client.delete_function_concurrency(FunctionName="changing")
    lambda_client.put_function_event_invoke_config(FunctionName="changing", MaximumRetryAttempts=0)
    send_event(lambda_client, "changing", {})
    lambda_mock.run_until_idle()
    results = [i.attempts[0].result if i.attempts else i.condition for i in lambda_mock.invocations()]
    assert results == [["v1", "red"], ["v2", "red"], ["v2", "blue"], "ZeroReservedConcurrency", ["v2", "blue"]]


def test_log_subscription_filters_receive_a_handlers_output_before_the_next_call(lambda_mock, lambda_client,
                                                                                  create_function, aws_region):
    """moto delivers to subscription filters as logs are written: they are written before any
    call the test makes afterwards, whatever service it calls."""
    import base64
    import gzip

    received = []
    create_function("talks", "def handler(e, c):\n    print('hello from', e['n'])\n")
    create_function("reader", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("reader", lambda event, context: received.append(
        json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))))
    logs = boto3.client("logs", region_name=aws_region)
    logs.create_log_group(logGroupName="/aws/lambda/talks")
    reader_arn = lambda_client.get_function(FunctionName="reader")["Configuration"]["FunctionArn"]
    logs.put_subscription_filter(logGroupName="/aws/lambda/talks", filterName="all", filterPattern="",
                                 destinationArn=reader_arn)
    send_event(lambda_client, "talks", {"n": 1})
    boto3.client("sqs", region_name=aws_region).list_queues()  # any call: the event runs, its log is written
    messages = [e["message"] for batch in received for e in batch["logEvents"]]
    assert any("hello from 1" in message for message in messages), messages
