"""Event source mappings into durable functions (issue 16 item 3): the mapping invokes the durable
function synchronously and waits for the whole execution, each batch (retries included) a new
execution (D3, D4); past 15 minutes the execution times out and fails and the mapping handles the
timeout by its retry settings (D3). ``D#`` cites the research spec of issue 16 (README "Durable
functions"); the SQS event's shape comes from the recording of
``test_lambda_integration_sqs.py::TestSQSEventSourceMapping::test_sqs_event_source_mapping``."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import error_of, make_queue, metric_total, metric_value
from tests.test_durable_functions import durable_function, event_types, needs_sdk
from tests.test_golden_snapshots import recorded

__all__ = ["durable_function"]  # the fixture

SQS_ESM = "event-source-mappings/test_lambda_integration_sqs.snapshot.json"
SQS_TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_sqs.py::"
            "TestSQSEventSourceMapping::test_sqs_event_source_mapping")

WAITS = """
import base64, json
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

def bodies(event):
    records = event["Records"]
    if "kinesis" in records[0]:
        return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in records]
    return [json.loads(r["body"]) for r in records]

@durable_execution
def handler(event, context: DurableContext):
    values = context.step(lambda _: bodies(event), name="read")
    context.wait(Duration.from_seconds(max(v.get("wait", 300) for v in values)), name="settle")
    if any(v.get("fail") for v in values):
        raise RuntimeError("cannot settle")
    return {"settled": len(values)}
"""


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


def executions(lambda_client: Any, name: str) -> list[dict[str, Any]]:
    listed = lambda_client.list_durable_executions_by_function(FunctionName=name)["DurableExecutions"]
    return sorted(listed, key=lambda execution: execution["StartTimestamp"])


def left_in(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def sqs_mapping(lambda_client: Any, sqs: Any, function: str, **queue: Any) -> str:
    url, arn = make_queue(sqs, "orders", **queue)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=function, BatchSize=1)
    return url


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_an_sqs_batch_waits_for_its_whole_durable_execution_then_is_deleted(lambda_mock, lambda_client, sqs,
                                                                           durable_function):
    """D3: the poller waits for the execution (its 5-minute wait passes on the mock's clock inside
    the batch); the execution's input is the SQS event as AWS records it; the message is deleted."""
    durable_function("settler", WAITS)
    url = sqs_mapping(lambda_client, sqs, "settler:$LATEST")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"foo": "bar"}))
    lambda_mock.clock.advance(0)
    assert lambda_mock.clock.offset() == pytest.approx(300)  # the batch waited the whole execution
    (execution,) = executions(lambda_client, "settler")
    assert execution["Status"] == "SUCCEEDED"
    arn = execution["DurableExecutionArn"]
    assert event_types(lambda_client, arn)[-3:] == ["WaitSucceeded", "InvocationCompleted", "ExecutionSucceeded"]
    got = lambda_client.get_durable_execution(DurableExecutionArn=arn)
    assert json.loads(got["Result"]) == {"settled": 1}
    (record,) = json.loads(got["InputPayload"])["Records"]
    (expected,) = recorded(SQS_ESM, SQS_TEST)["events"][0]["Records"]
    # AWS's record members, in AWS's order (the SQS event builder leaves out the null md5OfMessageAttributes)
    assert list(record) == [member for member, value in expected.items() if value is not None]
    assert json.loads(record["body"]) == expected["body"]
    assert left_in(sqs, url) == 0


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_a_failed_execution_fails_the_batch_and_each_retry_is_a_new_execution(lambda_mock, lambda_client, sqs,
                                                                             durable_function):
    """D3/D4: the failed execution is the batch's function error; the message shows again after the
    visibility timeout, is received again and starts a new execution, until the redrive policy
    moves it to the dead-letter queue."""
    durable_function("settler", WAITS)
    dlq_url, dlq_arn = make_queue(sqs, "dead")
    url = sqs_mapping(lambda_client, sqs, "settler:$LATEST", VisibilityTimeout="600",
                      RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": True, "wait": 60}))
    lambda_mock.run_until_idle()
    lambda_mock.clock.advance(1300)  # the second failure's message shows again, and is redriven
    runs = executions(lambda_client, "settler")
    assert [run["Status"] for run in runs] == ["FAILED", "FAILED"]
    assert len({run["DurableExecutionArn"] for run in runs}) == 2  # D4: no idempotency for a mapping
    assert (runs[1]["StartTimestamp"] - runs[0]["StartTimestamp"]).total_seconds() == pytest.approx(600)
    error = lambda_client.get_durable_execution(DurableExecutionArn=runs[0]["DurableExecutionArn"])["Error"]
    assert error["ErrorMessage"] == "cannot settle"
    assert left_in(sqs, url) == 0
    (dead,) = sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert json.loads(dead["Body"]) == {"fail": True, "wait": 60}
    assert metric_total(lambda_mock, "DurableExecutionFailed", "settler") == 2


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_a_kinesis_batch_waits_for_its_execution_and_the_shard_moves_on(lambda_mock, lambda_client, kinesis,
                                                                       durable_function):
    """D3: one batch at a time per shard, each waited for to its end; the next batch starts only after."""
    durable_function("settler", WAITS)
    kinesis.create_stream(StreamName="events", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="events")["StreamDescription"]["StreamARN"]
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="settler:$LATEST",
                                              StartingPosition="TRIM_HORIZON", BatchSize=2)
    kinesis.put_records(StreamName="events", Records=[
        {"Data": json.dumps({"n": n, "wait": 120}).encode(), "PartitionKey": "k"} for n in range(4)])
    lambda_mock.run_until_idle()
    runs = executions(lambda_client, "settler")
    assert [run["Status"] for run in runs] == ["SUCCEEDED", "SUCCEEDED"]
    inputs = [json.loads(lambda_client.get_durable_execution(DurableExecutionArn=run["DurableExecutionArn"])
                         ["InputPayload"]) for run in runs]
    assert [[json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in i["Records"]] for i in inputs] \
        == [[0, 1], [2, 3]]
    assert runs[1]["StartTimestamp"] >= runs[0]["EndTimestamp"]  # the shard waited for the first execution


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_an_execution_longer_than_15_minutes_times_out_and_the_mapping_retries_it(lambda_mock, lambda_client,
                                                                                  kinesis, durable_function):
    """D3: past 15 minutes "the execution times out and fails. The event source mapping receives a
    timeout exception and handles it according to its retry configuration" (here: one retry, a new
    execution, D4)."""
    durable_function("settler", WAITS)
    kinesis.create_stream(StreamName="events", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="events")["StreamDescription"]["StreamARN"]
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="settler:$LATEST",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=1)
    kinesis.put_records(StreamName="events", Records=[
        {"Data": json.dumps({"wait": 3600}).encode(), "PartitionKey": "k"}])
    lambda_mock.run_until_idle()
    runs = executions(lambda_client, "settler")
    assert [run["Status"] for run in runs] == ["TIMED_OUT", "TIMED_OUT"]
    for run in runs:
        assert (run["EndTimestamp"] - run["StartTimestamp"]).total_seconds() == pytest.approx(900)
    assert event_types(lambda_client, runs[0]["DurableExecutionArn"])[-1] == "ExecutionTimedOut"
    assert metric_value("AWS/Lambda", "DurableExecutionTimedOut", {"FunctionName": "settler"},
                        runs[0]["EndTimestamp"]) == 2


@needs_sdk
@pytest.mark.lambda_mock(mode="realtime")
def test_a_mapping_into_a_durable_function_is_refused_in_realtime_mode(lambda_mock, lambda_client, sqs,
                                                                         durable_function):
    """Durable functions run on the virtual clock only: a realtime mock refuses the mapping when it is
    made, rather than accepting it and failing each batch."""
    durable_function("settler", WAITS)
    _, arn = make_queue(sqs, "orders")
    with pytest.raises(ClientError) as caught:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="settler:$LATEST")
    status, code, message = error_of(caught)
    assert (status, code) == (400, "InvalidParameterValueException") and "mode='realtime'" in message
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


@needs_sdk
def test_a_mapping_naming_a_durable_function_unqualified_is_refused(lambda_mock, lambda_client, sqs,
                                                                    durable_function, create_function):
    """D8: a durable function is invoked only through a qualified ARN; the mapping must name one."""
    durable_function("settler", WAITS)
    create_function("plain", "def handler(event, context):\n    return None\n")
    _, arn = make_queue(sqs, "orders")
    with pytest.raises(ClientError) as caught:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="settler")
    assert error_of(caught) == (400, "InvalidParameterValueException",
                                "You cannot invoke a durable function using an unqualified ARN.")
    mapping = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="plain")
    with pytest.raises(ClientError) as caught:
        lambda_client.update_event_source_mapping(UUID=mapping["UUID"], FunctionName="settler")
    assert error_of(caught)[:2] == (400, "InvalidParameterValueException")
    updated = lambda_client.update_event_source_mapping(UUID=mapping["UUID"], FunctionName="settler:$LATEST")
    assert updated["FunctionArn"].endswith(":function:settler:$LATEST")


PARTIAL = """
import json
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

@durable_execution
def handler(event, context: DurableContext):
    context.wait(Duration.from_seconds(30), name="settle")
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                  if json.loads(r["body"]).get("bad")]}
"""


@needs_sdk
@pytest.mark.lambda_mock(mode="manual")
def test_a_succeeded_executions_batch_item_failures_keep_those_messages(lambda_mock, lambda_client, sqs,
                                                                       durable_function):
    """The execution's result is the batch's response: ReportBatchItemFailures applies to it."""
    durable_function("settler", PARTIAL)
    url, arn = make_queue(sqs, "orders", VisibilityTimeout="60")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="settler:$LATEST", BatchSize=10,
                                              FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "good", "MessageBody": json.dumps({"bad": False})},
                                                  {"Id": "bad", "MessageBody": json.dumps({"bad": True})}])
    lambda_mock.clock.advance(0)
    assert [run["Status"] for run in executions(lambda_client, "settler")] == ["SUCCEEDED"]
    assert left_in(sqs, url) == 1
    lambda_mock.clock.advance(60)  # the failed item shows again: a new execution for it alone
    runs = executions(lambda_client, "settler")
    assert len(runs) == 2
    (record,) = json.loads(lambda_client.get_durable_execution(
        DurableExecutionArn=runs[1]["DurableExecutionArn"])["InputPayload"])["Records"]
    assert json.loads(record["body"]) == {"bad": True}
