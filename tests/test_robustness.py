"""Faults that must never corrupt, lose or leak anything (regressions found in review)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from mocklambda import mock_lambda

WHO = """
import os, helper
def handler(event, context):
    return [helper.NAME, os.environ["WHO"], context.function_name]
"""


def deploy_pair(create_function) -> None:
    for name in ("a", "b"):
        create_function(name, {"handler.py": WHO, "helper.py": f"NAME = {name!r}\n"},
                        Environment={"Variables": {"WHO": name}}, Timeout=60)  # a loaded CI machine is slow


def test_synchronous_invokes_from_many_threads_never_see_each_others_code(lambda_mock, lambda_client, create_function):
    deploy_pair(create_function)

    # clients made up front: making one reads os.environ, which the running handler's variables
    # change meanwhile (Limits: handlers share the process); the invokes are what is under test
    clients = [boto3.client("lambda", region_name="us-east-1") for _ in range(16)]

    def call(job: tuple[str, object]) -> list:
        name, client = job
        return json.loads(client.invoke(FunctionName=name)["Payload"].read())  # type: ignore[attr-defined]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, zip(["a", "b"] * 8, clients, strict=True)))
    assert results == [["a", "a", "a"], ["b", "b", "b"]] * 8
    assert "WHO" not in os.environ and "helper" not in sys.modules


def test_realtime_attempts_in_parallel_never_see_each_others_code(create_function, lambda_client):
    with mock_lambda(mode="realtime", time_scale=0.001) as lam:
        deploy_pair(create_function)
        for _ in range(3):
            for name in ("a", "b"):
                lambda_client.invoke(FunctionName=name, InvocationType="Event")
        lam.run_until_idle(timeout=20)
        results = {tuple(i.attempts[0].result) for i in lam.invocations()}
    assert results == {("a", "a", "a"), ("b", "b", "b")}
    assert "WHO" not in os.environ and "helper" not in sys.modules


def test_warnings_turned_into_errors_lose_no_event(lambda_mock, lambda_client, create_function):
    create_function("java", {"Main.java": "class Main {}"}, Runtime="java21", Handler="Main::handle")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = lambda_client.invoke(FunctionName="java")  # no raw MockLambdaWarning into the caller
        lambda_client.invoke(FunctionName="java", InvocationType="Event")
        lambda_mock.run_until_idle()
    assert response["FunctionError"] == "Unhandled"
    assert lambda_mock.invocations()[0].condition == "RetriesExhausted"


def test_a_zip_that_vendors_boto3_still_talks_to_the_mock(lambda_mock, lambda_client, create_function):
    create_function(
        "vendored",
        {
            "handler.py": "import boto3\ndef handler(e, c):\n    return boto3.client('sts').get_caller_identity()['Account']\n",
            "boto3/__init__.py": "raise ImportError('the vendored copy must never be imported')\n",
            "botocore/__init__.py": "raise ImportError('the vendored copy must never be imported')\n",
        },
    )
    assert json.loads(lambda_client.invoke(FunctionName="vendored")["Payload"].read()) == "123456789012"


def test_base_exceptions_are_unhandled_errors_not_successes(lambda_mock, lambda_client, create_function):
    create_function("cancelled", "import asyncio\ndef handler(e, c):\n    raise asyncio.CancelledError()\n")
    response = lambda_client.invoke(FunctionName="cancelled")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "CancelledError"


def test_extracted_code_is_removed_at_stop(create_function, lambda_client, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this test's own temp dir (xdist-safe)
    with mock_lambda():
        create_function("exits", "import sys\ndef handler(e, c):\n    sys.exit(1)\n")
        lambda_client.invoke(FunctionName="exits", InvocationType="Event")  # three cold starts
        lambda_client.list_functions()  # settles: the containers were extracted and discarded
        assert list(tmp_path.glob("mocklambda-*"))
    assert list(tmp_path.glob("mocklambda-*")) == []


def test_auto_mode_settles_for_every_test_thread(lambda_mock, lambda_client, create_function):
    create_function("send", "import boto3\ndef handler(e, c):\n    boto3.client('sqs').send_message(QueueUrl=e['url'], MessageBody='x')\n")
    counts = {}

    def scenario(number: int) -> None:
        queue = boto3.client("sqs", region_name="us-east-1")
        url = queue.create_queue(QueueName=f"out-{number}")["QueueUrl"]
        client = boto3.client("lambda", region_name="us-east-1")
        client.invoke(FunctionName="send", InvocationType="Event", Payload=json.dumps({"url": url}))
        counts[number] = len(queue.receive_message(QueueUrl=url).get("Messages", []))

    threads = [threading.Thread(target=scenario, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts == {0: 1, 1: 1, 2: 1}  # each thread saw its own event's eventual result


def test_an_arn_of_another_account_is_not_found(lambda_mock, lambda_client, create_function):
    create_function("orders", "def handler(e, c):\n    return 1\n")
    for name in ("arn:aws:lambda:us-east-1:999999999999:function:orders", "999999999999:function:orders"):
        with pytest.raises(ClientError) as excinfo:
            lambda_client.invoke(FunctionName=name)
        assert excinfo.value.response["Error"]["Message"] == (
            "Function not found: arn:aws:lambda:us-east-1:999999999999:function:orders:$LATEST"
        )


@pytest.mark.parametrize("payload", [b"NaN", b'{"x": Infinity}', b"-Infinity"])
def test_nan_and_infinity_are_not_json(lambda_mock, lambda_client, create_function, payload):
    create_function("echo", "def handler(e, c):\n    return e\n")
    with pytest.raises(ClientError) as excinfo:
        lambda_client.invoke(FunctionName="echo", InvocationType="Event", Payload=payload)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidRequestContentException"
    assert "Non-standard token" in error["Message"]
    assert lambda_mock.invocations() == []


def test_binding_return_value_none_binds_a_mock(lambda_mock, lambda_client, create_function):
    create_function("f", "def handler(e, c):\n    return 'REAL CODE RAN'\n")
    bound = lambda_mock.handler("f", return_value=None)
    assert json.loads(lambda_client.invoke(FunctionName="f")["Payload"].read()) is None
    assert bound.call_count == 1


def test_output_routing_outlives_the_stream_it_wrapped(monkeypatch, tmp_path):
    """pytest closes its capture files when a test ends; a routing wrapper collected after that
    must neither flush nor close them (Python 3.13 reports that as an unraisable exception)."""
    import gc

    from mocklambda._runtime.capture import ThreadCapture

    original = open(tmp_path / "stdout.txt", "w+")  # noqa: SIM115 - closed by hand mid-test, on purpose
    monkeypatch.setattr(sys, "stdout", original)
    capture = ThreadCapture(threading.get_ident()).open()
    sink = capture.begin("request-1")
    print("captured")
    capture.close()
    assert sys.stdout is original and sink.take() == ["captured\n"]
    original.close()
    del capture
    gc.collect()
