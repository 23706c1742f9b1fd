"""Custom runtimes (``provided.al2023`` / ``provided.al2``): the zip's ``bootstrap`` runs as a process
and serves invocations through the Runtime API, under the same engine as Python functions (issue 15,
items 1, 2 and 4). The bootstraps here are real custom runtimes: Python scripts using urllib."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from typing import Any

import pytest

from mocklambda import mock_lambda
from tests.helpers import FN_ARN, RUNTIME_LOOP, bootstrap_zip, invoke_json, send_event
from tests.test_golden_snapshots import LAMBDA, LAMBDA_TEST, as_recorded, assert_shape, recorded
from tests.test_logs import log_events, tail

HANDLER = """
import subprocess, time

def handle(event, headers):
    print("event", json.dumps(event), flush=True)
    if "exit" in event:
        sys.exit(event["exit"])
    if "sleep" in event:
        time.sleep(event["sleep"])
    if "fail" in event:
        raise ValueError(event["fail"])
    if "size" in event:
        return "x" * event["size"]
    child = subprocess.Popen(["sleep", "60"]).pid if event.get("child") else None
    return {"count": COUNT, "pid": os.getpid(), "child": child, "cwd": os.getcwd(), "headers": headers,
            "event": event, "env": dict(os.environ)}
"""
"""What each event asks for: exit, sleep, fail (ValueError), a result of ``size`` bytes, or
(by default) a report of the process: invocations served, pid, cwd, the /next headers, its environment."""

BOOTSTRAP = RUNTIME_LOOP.format(handler=HANDLER)


@pytest.fixture
def create_custom(create_function):
    """A provided.al2023 function whose bootstrap is ``bootstrap`` (``BOOTSTRAP`` by default)."""

    def create(name: str, bootstrap: str = BOOTSTRAP, *, zip_file: bytes | None = None, **kwargs: Any) -> dict:
        kwargs.setdefault("Runtime", "provided.al2023")
        kwargs.setdefault("Handler", "function.handler")
        return create_function(name, {}, Code={"ZipFile": zip_file or bootstrap_zip(bootstrap)}, **kwargs)

    return create


def alive(pid: int) -> bool:
    """Running (a zombie is not: its parent, gone, can no longer reap it, and it runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sync_invoke_returns_what_the_runtime_posted(lambda_mock, lambda_client, create_custom):
    create_custom("custom", Timeout=7)
    before_ms = time.time() * 1000
    response = lambda_client.invoke(FunctionName="custom", Payload=b'{"n": 1}')
    seen = json.loads(response["Payload"].read())
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert seen["event"] == {"n": 1}
    headers = seen["headers"]  # the Runtime API's /next headers ("Using the Lambda runtime API")
    assert headers["Lambda-Runtime-Aws-Request-Id"] == response["ResponseMetadata"]["RequestId"]
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == FN_ARN.format("custom")
    assert before_ms + 6000 < int(headers["Lambda-Runtime-Deadline-Ms"]) <= time.time() * 1000 + 7000
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Sampled=0", headers["Lambda-Runtime-Trace-Id"])
    assert "Lambda-Runtime-Client-Context" not in headers and "Lambda-Runtime-Cognito-Identity" not in headers
    client_context = {"custom": {"k": "v"}}
    encoded = base64.b64encode(json.dumps(client_context).encode()).decode()
    again = invoke_json(lambda_client, "custom", {}, ClientContext=encoded)
    assert json.loads(again["headers"]["Lambda-Runtime-Client-Context"]) == client_context  # spec 1.13


def test_the_bootstrap_gets_lambdas_environment_and_nothing_of_the_tests(lambda_mock, lambda_client, create_custom,
                                                                         monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTSOWNKEY")
    monkeypatch.setenv("SOME_TEST_SECRET", "s3cret")
    create_custom("env", Environment={"Variables": {"TABLE": "orders", "LANG": "C.UTF-8"}}, MemorySize=256,
                  Handler="main.handle")
    seen = invoke_json(lambda_client, "env", {})
    env = seen["env"]
    assert env["AWS_LAMBDA_RUNTIME_API"] == re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])[0]
    assert seen["cwd"] == env["LAMBDA_TASK_ROOT"]  # the extracted task root, as /var/task on Lambda
    assert os.path.isdir(env["LAMBDA_RUNTIME_DIR"])
    assert {key: env[key] for key in ("_HANDLER", "TABLE", "LANG", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                                      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                                      "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ")} == {
        "_HANDLER": "main.handle", "TABLE": "orders", "LANG": "C.UTF-8", "AWS_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": "env", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "TZ": ":UTC",
    }  # spec 9.2; the function's LANG overrides Lambda's en_US.UTF-8, as that one is not reserved
    assert "AWS_EXECUTION_ENV" not in env  # not set for the OS-only runtimes, as AWS documents
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and "SOME_TEST_SECRET" not in env  # never the test's own
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].startswith(time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime()))


def test_one_warm_process_serves_invocations_in_turn(lambda_mock, lambda_client, create_custom):
    create_custom("warm")
    first = lambda_client.invoke(FunctionName="warm", LogType="Tail")
    reports = [json.loads(first["Payload"].read())]
    second = lambda_client.invoke(FunctionName="warm", LogType="Tail")
    reports.append(json.loads(second["Payload"].read()))
    assert [r["count"] for r in reports] == [1, 2]
    assert reports[0]["pid"] == reports[1]["pid"]
    assert "Init Duration: " in tail(first) and "Init Duration: " not in tail(second)  # spec 1.9


def test_the_process_output_is_the_invocations_log(lambda_mock, lambda_client, create_custom):
    create_custom("logs", RUNTIME_LOOP.format(handler='print("init", flush=True)\n' + HANDLER))
    response = lambda_client.invoke(FunctionName="logs", Payload=b'{"n": 1}', LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = tail(response).splitlines()
    assert lines[:4] == ["init", f"START RequestId: {request_id} Version: $LATEST", 'event {"n": 1}',
                         f"END RequestId: {request_id}"]  # spec 1.9: the init phase's output comes before START
    assert lines[4].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    events = log_events("logs")
    assert events[0].startswith("INIT_START Runtime Version: provided:al2023.v1\tRuntime Version ARN: "
                                "arn:aws:lambda:us-east-1::runtime:")
    assert events[1:4] == ["init\n", f"START RequestId: {request_id} Version: $LATEST\n", 'event {"n": 1}\n']


def test_the_init_output_ends_when_the_runtime_asks_for_an_event_however_late_the_engine_looks(
        lambda_mock, lambda_client, create_custom, monkeypatch):
    """The handler's first lines follow ``/next`` at once; the engine learns of ``/next`` later (here
    0.3 s later, as on a loaded machine): they still belong after START, not to the init phase."""
    from mocklambda._runtime import process_runtime
    taken = process_runtime._Run.taken
    monkeypatch.setattr(process_runtime._Run, "taken", lambda run, count: (time.sleep(0.3), taken(run, count)))
    create_custom("late", RUNTIME_LOOP.format(handler='print("init", flush=True)\n' + HANDLER))
    response = lambda_client.invoke(FunctionName="late", Payload=b'{"n": 2}', LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert tail(response).splitlines()[:3] == ["init", f"START RequestId: {request_id} Version: $LATEST",
                                               'event {"n": 2}']  # spec 1.9


def test_an_error_the_runtime_posts_is_an_unhandled_function_error(lambda_mock, lambda_client, create_custom):
    create_custom("fails")
    response = lambda_client.invoke(FunctionName="fails", Payload=b'{"fail": "nope"}')
    assert response["FunctionError"] == "Unhandled"  # spec 1.7-1.8
    assert response["Payload"].read() == b'{"errorMessage": "nope", "errorType": "ValueError", "stackTrace": []}'
    assert invoke_json(lambda_client, "fails", {})["count"] == 2  # an error leaves the environment warm


@pytest.mark.lambda_mock(mode="manual")
def test_an_async_event_that_fails_is_retried_on_awss_schedule(lambda_mock, lambda_client, create_custom):
    create_custom("retried")
    send_event(lambda_client, "retried", {"fail": "again"})
    lambda_mock.clock.advance(59)
    assert len(lambda_mock.invocations()[0].attempts) == 1
    lambda_mock.clock.advance(121)
    [invocation] = lambda_mock.invocations()
    start = lambda_mock.clock.now() - lambda_mock.clock.elapsed
    assert [(a.at - start).total_seconds() for a in invocation.attempts] == [0, 60, 180]  # spec 2.2
    assert (invocation.status, invocation.condition) == ("failed", "RetriesExhausted")
    assert [a.error_type for a in invocation.attempts] == ["ValueError"] * 3
    assert invocation.attempts[0].result["errorMessage"] == "again"


def test_an_async_event_runs_through_the_queue(lambda_mock, lambda_client, create_custom):
    create_custom("queued")
    send_event(lambda_client, "queued", {"n": 2})
    lambda_mock.run_until_idle()
    [invocation] = lambda_mock.invocations()
    assert invocation.status == "succeeded"
    assert invocation.attempts[0].result["event"] == {"n": 2}


def test_a_timeout_kills_the_process_and_the_next_invocation_starts_cold(lambda_mock, lambda_client, create_custom):
    """TestLambdaBehavior::test_lambda_invoke_with_timeout: Sandbox.Timedout, errorType first (spec 9.5)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaBehavior::test_lambda_invoke_with_timeout")
    create_custom("slow", Timeout=1)
    pid = invoke_json(lambda_client, "slow", {})["pid"]
    started = time.monotonic()
    response = lambda_client.invoke(FunctionName="slow", Payload=b'{"sleep": 30}', LogType="Tail")
    assert time.monotonic() - started < 5
    log = tail(response)
    del response["LogResult"]
    assert_shape([(as_recorded(response), golden["invoke-result"])])
    assert re.search(r"\d{4}-\d\d-\d\dT[\d:.]+Z \S+ Task timed out after 1\.00 seconds\n", log)
    assert not alive(pid)
    after = lambda_client.invoke(FunctionName="slow", LogType="Tail")
    report = json.loads(after["Payload"].read())
    assert (report["count"], report["pid"] != pid) == (1, True)
    assert "Init Duration: " in tail(after)


@pytest.mark.parametrize("code, test", [
    (0, "TestLambdaErrors::test_lambda_runtime_exit"),
    (127, "TestLambdaErrors::test_lambda_runtime_wrapper_not_found"),
])
def test_the_process_exiting_is_a_runtime_exit_error(lambda_mock, lambda_client, create_custom, code, test):
    """Recorded: exit 0 is "Runtime exited without providing a reason", 127 "exit status 127" (spec 9.6)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + test)
    create_custom("exits")
    pid = invoke_json(lambda_client, "exits", {})["pid"]
    response = lambda_client.invoke(FunctionName="exits", Payload=json.dumps({"exit": code}).encode())
    assert_shape([(as_recorded(response), golden["invocation_error"])])
    assert invoke_json(lambda_client, "exits", {})["pid"] != pid  # a new environment, cold


def test_exit_status_and_signals_are_worded_as_lambda_words_them(lambda_mock, lambda_client, create_custom):
    create_custom("exit3")
    response = lambda_client.invoke(FunctionName="exit3", Payload=b'{"exit": 3}')
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }
    create_custom("killed", RUNTIME_LOOP.format(handler="def handle(event, headers):\n"
                                                       "    os.kill(os.getpid(), 9)\n"))
    killed = json.loads(lambda_client.invoke(FunctionName="killed")["Payload"].read())
    assert killed["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")  # spec 9.6


def test_a_bootstrap_without_its_executable_bit_is_an_invalid_entrypoint(lambda_mock, lambda_client, create_custom):
    create_custom("not-executable", zip_file=bootstrap_zip(BOOTSTRAP, executable=False))
    response = lambda_client.invoke(FunctionName="not-executable")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {request_id} Error: fork/exec /var/task/bootstrap: permission denied",
    }


def test_a_package_without_a_bootstrap_is_an_invalid_entrypoint(lambda_mock, lambda_client, create_function):
    create_function("no-bootstrap", {"main.sh": "echo hi"}, Runtime="provided.al2", Handler="main")
    response = lambda_client.invoke(FunctionName="no-bootstrap")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert json.loads(response["Payload"].read()) == {
        "errorType": "Runtime.InvalidEntrypoint",
        "errorMessage": f"RequestId: {request_id} Error: Couldn't find valid bootstrap(s): "
                        "[/var/task/bootstrap /opt/bootstrap]",
    }


INIT_FAILS = """#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/init/error"
print("init attempt", flush=True)
body = json.dumps({"errorMessage": "no config", "errorType": "ConfigError", "stackTrace": []}).encode()
urllib.request.urlopen(urllib.request.Request(api, data=body, method="POST",
                                              headers={"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigError"}))
raise SystemExit(1)
"""


def test_an_init_error_the_runtime_reports_is_the_invocations_error(lambda_mock, lambda_client, create_custom):
    create_custom("init-fails", INIT_FAILS)
    for _ in range(2):  # the environment is reset: the next invocation runs the init again
        response = lambda_client.invoke(FunctionName="init-fails", LogType="Tail")
        assert response["FunctionError"] == "Unhandled"
        assert response["Payload"].read() == b'{"errorMessage": "no config", "errorType": "ConfigError", ' \
                                             b'"stackTrace": []}'
        assert tail(response).startswith("init attempt\nSTART RequestId: ")


def test_a_response_over_6_mb_is_awss_function_error(lambda_mock, lambda_client, create_custom):
    """TestLambdaBaseFeatures::test_lambda_too_large_response (spec 1.14)."""
    golden = recorded(LAMBDA, LAMBDA_TEST + "TestLambdaBaseFeatures::test_lambda_too_large_response")
    create_custom("too-large")
    response = lambda_client.invoke(FunctionName="too-large", Payload=b'{"size": 6291600}')
    assert_shape([(as_recorded(response), golden["invoke_result"])])
    assert invoke_json(lambda_client, "too-large", {"size": 10}) == "x" * 10  # the runtime goes on


def test_no_process_outlives_the_mock(create_custom, lambda_client):
    with mock_lambda():
        create_custom("short-lived")
        report = invoke_json(lambda_client, "short-lived", {"child": True})
        assert alive(report["pid"]) and alive(report["child"])
        task_root = report["cwd"]
    assert not alive(report["pid"]) and not alive(report["child"])  # its whole process group
    assert not os.path.exists(task_root)


def test_a_published_version_runs_its_own_package(lambda_mock, lambda_client, create_custom):
    create_custom("versions")
    lambda_client.publish_version(FunctionName="versions")
    lambda_client.update_function_code(FunctionName="versions", ZipFile=bootstrap_zip(
        RUNTIME_LOOP.format(handler="def handle(event, headers):\n    return 'v2'\n")))
    assert invoke_json(lambda_client, "versions", {}) == "v2"
    old = invoke_json(lambda_client, "versions", {}, Qualifier="1")
    assert old["headers"]["Lambda-Runtime-Invoked-Function-Arn"] == FN_ARN.format("versions") + ":1"
    assert old["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == "1"


def test_a_bound_callable_still_takes_precedence(lambda_mock, lambda_client, create_custom):
    create_custom("bound")
    lambda_mock.handler("bound", return_value={"from": "callable"})
    assert invoke_json(lambda_client, "bound", {}) == {"from": "callable"}


def test_invocations_at_the_same_time_get_environments_of_their_own(lambda_mock, lambda_client, create_custom):
    create_custom("parallel", Timeout=10)
    invoke_json(lambda_client, "parallel", {})  # one warm environment
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(invoke_json(lambda_client, "parallel", {"sleep": 2})))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == 2 and results[0]["pid"] != results[1]["pid"]  # two environments, as on Lambda
    assert sorted(r["count"] for r in results) == [1, 2]  # the warm one served one of them


def test_a_stream_mapping_and_an_sqs_mapping_drive_a_custom_runtime(lambda_mock, lambda_client, create_custom, sqs):
    """Issue 15 item 6, as far as it goes: poll-based invocations run the process the same way."""
    import base64

    import boto3

    from tests.helpers import make_queue

    create_custom("custom")
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.create_stream(StreamName="events", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="events")["StreamDescription"]["StreamARN"]
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="custom",
                                              StartingPosition="TRIM_HORIZON")
    url, queue_arn = make_queue(sqs, "jobs")
    lambda_client.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="custom", BatchSize=1)
    kinesis.put_record(StreamName="events", Data=b"from-kinesis", PartitionKey="k")
    sqs.send_message(QueueUrl=url, MessageBody="from-sqs")
    lambda_mock.run_until_idle()
    printed = [e for e in log_events("custom") if e.startswith("event ")]
    events = [json.loads(line.split(" ", 1)[1]) for line in printed]
    kinesis_data = [base64.b64decode(r["kinesis"]["data"]) for e in events for r in e["Records"] if "kinesis" in r]
    bodies = [r["body"] for e in events for r in e["Records"] if "body" in r]
    assert (kinesis_data, bodies) == ([b"from-kinesis"], ["from-sqs"])
