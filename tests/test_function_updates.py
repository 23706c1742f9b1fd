"""Queued events run the function as it is when their attempt comes (issue 12 item 1): code and
configuration deployed after an event was accepted apply to it and to its retries, as recorded
against AWS in ``test_lambda.snapshot.json`` (``test_async_invoke_queue_upon_function_update``)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from conftest import make_zip
from tests.helpers import FAILS, FN_ARN, make_queue, receive, send_event

SNAPSHOTS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "localstack-snapshots"

# Each run reports "<payload>--<variant>" to a queue; the first event (as in the recording, where it
# was still running when the function was updated) deploys variant 2 itself.
REPORTS_AND_UPDATES = """
import json, os, boto3

def handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["HISTORY"], MessageBody=event["id"] + "--" + os.environ["VARIANT"])
    if event["id"].endswith("-sleep"):
        environment = {"Variables": {"HISTORY": os.environ["HISTORY"], "VARIANT": "variant-2"}}
        boto3.client("lambda").update_function_configuration(FunctionName=context.function_name, Environment=environment)
"""


def recorded_history() -> list[str]:
    recordings = json.loads((SNAPSHOTS / "test_lambda.snapshot.json").read_text())
    key = next(k for k in recordings if k.endswith("test_async_invoke_queue_upon_function_update"))
    history: list[str] = recordings[key]["recorded-content"]["async_invoke_history_sorted"]
    return history


@pytest.mark.lambda_mock(mode="manual")
def test_events_queued_before_an_update_run_the_updated_function(lambda_mock, lambda_client, create_function, sqs):
    url, _ = make_queue(sqs, "history")
    create_function("variants", REPORTS_AND_UPDATES, Environment={"Variables": {"HISTORY": url, "VARIANT": "variant-1"}})
    send_event(lambda_client, "variants", {"id": "01-sleep"})
    for number in range(2, 11):
        send_event(lambda_client, "variants", {"id": f"{number:02d}-before"})
    lambda_mock.run_until_idle()  # 01 deploys variant 2 while 02-10 wait in the queue
    for number in range(11, 16):
        send_event(lambda_client, "variants", {"id": f"{number}-after"})
    lambda_mock.run_until_idle()
    history = sorted(message["Body"] for message in receive(sqs, url, 10) + receive(sqs, url, 5))
    assert history == recorded_history()  # 01 ran variant 1; every other event variant 2, as on AWS


FIXED = "def handler(event, context):\n    return {'fixed': True}\n"


@pytest.mark.lambda_mock(mode="manual")
def test_a_retry_runs_a_fix_deployed_after_the_failed_attempt(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "outcomes")
    create_function("flaky", FAILS)
    lambda_client.put_function_event_invoke_config(FunctionName="flaky", DestinationConfig={"OnSuccess": {"Destination": arn}})
    request_id = send_event(lambda_client, "flaky", {"n": 1})
    lambda_mock.clock.advance(0)
    assert [a.error_type for a in lambda_mock.invocations()[0].attempts] == ["Exception"]
    lambda_client.update_function_code(FunctionName="flaky", ZipFile=make_zip({"handler.py": FIXED}))
    lambda_mock.clock.advance(60)  # spec 2.2: the retry one minute later runs what is deployed now
    invocation = lambda_mock.invocations()[0]
    assert invocation.status == "succeeded"
    record = json.loads(receive(sqs, url)[0]["Body"])
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["responsePayload"] == {"fixed": True}


@pytest.mark.lambda_mock(mode="manual")
def test_a_configuration_update_applies_to_queued_events(lambda_mock, lambda_client, create_function):
    create_function("configured", "import os\ndef handler(event, context):\n    return os.environ.get('STAGE')\n")
    send_event(lambda_client, "configured")
    lambda_client.update_function_configuration(FunctionName="configured", Environment={"Variables": {"STAGE": "two"}})
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations()[0].attempts[0].result == "two"


VERSIONED = "def handler(event, context):\n    return {'code': CODE, 'version': context.function_version}\nCODE = %d\n"


@pytest.mark.lambda_mock(mode="manual")
def test_a_versions_events_run_that_version_and_an_alias_its_current_version(lambda_mock, lambda_client, create_function):
    create_function("pinned", VERSIONED % 1)
    lambda_client.publish_version(FunctionName="pinned")
    lambda_client.update_function_code(FunctionName="pinned", ZipFile=make_zip({"handler.py": VERSIONED % 2}))
    lambda_client.publish_version(FunctionName="pinned")
    lambda_client.create_alias(FunctionName="pinned", Name="live", FunctionVersion="1")
    send_event(lambda_client, "pinned", Qualifier="1")
    send_event(lambda_client, "pinned", Qualifier="live")
    send_event(lambda_client, "pinned")
    lambda_client.update_alias(FunctionName="pinned", Name="live", FunctionVersion="2")
    lambda_client.update_function_code(FunctionName="pinned", ZipFile=make_zip({"handler.py": VERSIONED % 3}))
    lambda_mock.run_until_idle()
    by_arn = {i.function_arn: i.attempts[0].result for i in lambda_mock.invocations()}
    assert by_arn == {
        FN_ARN.format("pinned") + ":1": {"code": 1, "version": "1"},  # a version never changes
        FN_ARN.format("pinned") + ":live": {"code": 2, "version": "2"},  # the alias's version when it ran
        FN_ARN.format("pinned") + ":$LATEST": {"code": 3, "version": "$LATEST"},
    }


@pytest.mark.lambda_mock(mode="manual")
def test_an_event_whose_function_is_deleted_before_it_runs_is_dropped_visibly(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "dlq")
    create_function("doomed", FAILS, DeadLetterConfig={"TargetArn": arn})
    send_event(lambda_client, "doomed")
    lambda_client.delete_function(FunctionName="doomed")
    lambda_mock.run_until_idle()
    invocation = lambda_mock.invocations()[0]
    assert (invocation.status, invocation.condition, invocation.attempts) == ("failed", "FunctionDeleted", ())
    assert "FunctionDeleted" in lambda_mock.timeline()
    assert boto3.client("sqs").receive_message(QueueUrl=url).get("Messages", []) == []
