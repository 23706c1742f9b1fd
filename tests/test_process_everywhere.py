"""Functions that run as processes, triggered the ways in-process Python functions are (issue 15
item 6): SNS subscriptions, S3 notifications, EventBridge rules, asynchronous retries with an
on-failure destination, and realtime mode running one function's invocations in parallel
environments. Each test runs twice: a ``provided.al2023`` bootstrap (a Python custom runtime, as
tests/test_provided_runtime.py writes them) and a Python function isolated under awslambdaric."""

from __future__ import annotations

import json
import os
import re

import boto3
import pytest

from conftest import make_zip
from tests.helpers import FN_ARN, REGION, RUNTIME_LOOP, bootstrap_zip, make_queue, send_event
from tests.test_logs import log_events, tail

WORK = """
import json, os, time

def meet(directory, n, parties, patience=30.0):
    # say this run has begun, then wait (up to `patience` s) until `parties` runs have: True when they
    # all were running at once, whatever the machine's load made their start-up cost
    open(os.path.join(directory, str(n)), "w").close()
    deadline = time.time() + patience
    while len(os.listdir(directory)) < parties:
        if time.time() > deadline:
            return False
        time.sleep(0.01)
    return True

def work(event):
    if "allocate_mb" in event:
        held = bytearray(event["allocate_mb"] * 1024 * 1024)
        held[::4096] = b"x" * len(held[::4096])  # touched: resident, not only reserved
    started = time.time()
    time.sleep(float(os.environ.get("SLEEP", "0")))
    met = meet(os.environ["MEET"], event["n"], int(os.environ["PARTIES"])) if "MEET" in os.environ else None
    print("ran", json.dumps({"event": event, "pid": os.getpid(), "started": started, "ended": time.time(),
                             "met": met}), flush=True)
    if os.environ.get("FAIL"):
        raise RuntimeError("downstream is down")
    return "ok"
"""
"""The one body both kinds run: prints ``ran {"event", "pid", "started", "ended"}``, after
allocating the event's ``allocate_mb`` and sleeping ``$SLEEP`` seconds; fails with ``RuntimeError``
when ``$FAIL`` is set."""

CODE = {
    "provided": lambda: {"Runtime": "provided.al2023", "Handler": "function.handler", "Code": {"ZipFile": bootstrap_zip(
        RUNTIME_LOOP.format(handler=WORK + "\ndef handle(event, headers):\n    return work(event)\n"))}},
    "isolated": lambda: {"Runtime": "python3.12", "Handler": "handler.handler", "Code": {"ZipFile": make_zip(
        {"handler.py": WORK + "\ndef handler(event, context):\n    return work(event)\n"})}},
}


@pytest.fixture(params=sorted(CODE))
def create_process_function(request, lambda_mock, create_function):
    """create(name, timeout=3, **variables): a function of this kind that runs as a process."""

    def create(name: str, timeout: int = 3, **variables: str) -> str:
        create_function(name, {}, Environment={"Variables": variables}, Timeout=timeout, **CODE[request.param]())
        if request.param == "isolated":
            lambda_mock.isolate(name)
        return FN_ARN.format(name)

    return create


def runs(name: str) -> list[dict]:
    """What each run of the function printed, from its CloudWatch log."""
    return [json.loads(line.split(" ", 1)[1]) for line in log_events(name) if line.startswith("ran ")]


def test_an_sns_subscription_runs_it(lambda_mock, lambda_client, create_process_function):
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=create_process_function("on-order"))
    sns.publish(TopicArn=topic, Message="hello")
    lambda_mock.run_until_idle()
    [run] = runs("on-order")
    record = run["event"]["Records"][0]
    assert (record["EventSource"], record["Sns"]["Message"], record["Sns"]["TopicArn"]) == ("aws:sns", "hello", topic)
    assert run["pid"] != os.getpid()
    assert lambda_mock.invocations("on-order")[0].condition == "Success"


def test_an_s3_notification_runs_it(lambda_mock, lambda_client, create_process_function):
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": create_process_function("on-upload"),
                                          "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="uploads", Key="cat.png", Body=b"12345")
    lambda_mock.run_until_idle()
    [run] = runs("on-upload")
    record = run["event"]["Records"][0]
    assert (record["eventSource"], record["eventName"]) == ("aws:s3", "ObjectCreated:Put")  # spec 8.1
    assert (record["s3"]["object"]["key"], record["s3"]["object"]["size"]) == ("cat.png", 5)


def test_an_eventbridge_rule_runs_it(lambda_mock, lambda_client, create_process_function):
    events = boto3.client("events", region_name=REGION)
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "fn", "Arn": create_process_function("on-event")}])
    sent = events.put_events(Entries=[{"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 7}'}])
    lambda_mock.run_until_idle()
    [run] = runs("on-event")
    assert (run["event"]["id"], run["event"]["detail"]) == (sent["Entries"][0]["EventId"], {"id": 7})  # spec 8.3


@pytest.mark.lambda_mock(mode="manual")
def test_async_retries_end_in_the_on_failure_destination(lambda_mock, lambda_client, create_process_function, sqs):
    """Two retries at +60 s and +180 s (spec 2.2), then the invocation record on the queue (spec 3.x)."""
    url, queue_arn = make_queue(sqs, "failed")
    create_process_function("flaky", FAIL="1")
    lambda_client.put_function_event_invoke_config(FunctionName="flaky",
                                                   DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    request_id = send_event(lambda_client, "flaky", {"order": 1})
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations("flaky")
    start = invocation.attempts[0].at
    assert [(a.at - start).total_seconds() for a in invocation.attempts] == [0, 60, 180]
    assert [a.error_type for a in invocation.attempts] == ["RuntimeError"] * 3
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"] == {"requestId": request_id, "functionArn": FN_ARN.format("flaky") + ":$LATEST",
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 3}
    assert record["requestPayload"] == {"order": 1}
    assert (record["responsePayload"]["errorType"], record["responsePayload"]["errorMessage"]) == (
        "RuntimeError", "downstream is down")
    assert len({run["pid"] for run in runs("flaky")}) == 1  # a function error leaves the environment warm


@pytest.mark.lambda_mock(mode="realtime")
def test_realtime_runs_invocations_of_one_function_in_parallel_environments(lambda_mock, lambda_client,
                                                                           create_process_function, tmp_path):
    """Two events at once: two environments (two pids), each run waiting until the other has begun
    (a rendezvous in a directory; run one at a time, the first would wait in vain and say so)."""
    create_process_function("parallel", timeout=60, MEET=str(tmp_path), PARTIES="2")
    for n in range(2):
        send_event(lambda_client, "parallel", {"n": n})
    lambda_mock.run_until_idle(timeout=60)
    first, second = runs("parallel")
    assert first["pid"] != second["pid"]
    assert first["met"] is True and second["met"] is True


def test_memory_beyond_memory_size_is_runtime_out_of_memory(lambda_mock, lambda_client, create_process_function):
    """Using more than ``MemorySize`` gets the environment killed, as Lambda's sandbox does: the
    newer ``Runtime.OutOfMemory`` type, the exit worded ``signal: killed`` (spec 9.6); REPORT shows
    all of the memory used; the next invocation starts cold. Within the limit, the same code runs."""
    create_process_function("hungry")
    lambda_client.update_function_configuration(FunctionName="hungry", MemorySize=128)
    assert lambda_client.invoke(FunctionName="hungry", Payload=b'{"allocate_mb": 40}')["Payload"].read() == b'"ok"'
    response = lambda_client.invoke(FunctionName="hungry", Payload=b'{"allocate_mb": 400}', LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.OutOfMemory", "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}
    assert re.search(r"\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t", tail(response))
    assert "Init Duration: " in tail(lambda_client.invoke(FunctionName="hungry", Payload=b"{}", LogType="Tail"))
