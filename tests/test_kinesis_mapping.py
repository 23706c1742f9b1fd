"""Kinesis event source mappings: polled per shard on the mock's clock, with AWS's failure
semantics (issue 14). Shapes come from the recordings in
``localstack-snapshots/event-source-mappings/test_lambda_integration_kinesis.snapshot.json``."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from tests.helpers import make_queue


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


def make_stream(kinesis: Any, name: str = "events", shards: int = 1) -> str:
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def put(kinesis: Any, stream: str, *payloads: Any, key: str = "k") -> None:
    kinesis.put_records(StreamName=stream, Records=[
        {"Data": json.dumps(p).encode(), "PartitionKey": key} for p in payloads])


def decoded(batch: dict[str, Any]) -> list[Any]:
    return [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in batch["Records"]]


def test_records_arrive_in_order_in_one_batch_in_kinesis_event_shape(lambda_mock, lambda_client, create_function,
                                                                     kinesis):
    arn = make_stream(kinesis)
    batches: list[dict[str, Any]] = []
    create_function("reader", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("reader", lambda event, context: batches.append(event))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON")
    put(kinesis, "events", *range(10))
    lambda_mock.run_until_idle()
    assert [decoded(b) for b in batches] == [list(range(10))]
    record = batches[0]["Records"][0]
    assert list(record) == ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn",
                            "awsRegion", "eventSourceARN"]  # AWS's order (record_body.payload)
    assert record["eventID"] == f"shardId-000000000000:{record['kinesis']['sequenceNumber']}"
    assert record["eventSourceARN"] == arn
    assert record["invokeIdentityArn"].startswith("arn:aws:iam::")


@pytest.mark.lambda_mock(mode="manual")
def test_a_poison_record_is_bisected_out_to_the_on_failure_queue(lambda_mock, lambda_client, create_function,
                                                                 kinesis, sqs):
    arn = make_stream(kinesis)
    dlq_url, dlq_arn = make_queue(sqs, "failed-records")
    create_function("reader", """
import base64, json
def handler(event, context):
    values = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    print("batch", values)
    if "poison" in values:
        raise ValueError("cannot process poison")
""")
    lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", BatchSize=8,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    put(kinesis, "events", 0, 1, 2, "poison", 4, 5, 6, 7)
    lambda_mock.run_until_idle()
    messages = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert list(body) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]
    info = body["KinesisBatchInfo"]
    assert info["batchSize"] == 1
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
