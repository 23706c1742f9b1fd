"""DynamoDB Streams mappings through boto3, beyond what AWS recorded: where a mapping starts,
several mappings on one stream, item changes in order, a table deleted under its mapping, the
stream's 24-hour retention, and a DynamoDB -> Lambda -> DynamoDB loop, which AWS does not stop
(stream spec S2, S7, S9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.helpers import make_queue, make_stream_table, metric_total

# records what it got in a second table, and writes the next generation of an item to its own
# table until generation LIMIT: the loop bounds itself
LOOP = """
import boto3
LIMIT = {limit}
def handler(event, context):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for record in event["Records"]:
        if record["eventName"] != "INSERT":
            continue
        generation = int(record["dynamodb"]["NewImage"]["generation"]["N"])
        dynamodb.put_item(TableName="seen", Item={{"pk": {{"S": str(generation)}}}})
        if generation < LIMIT:
            dynamodb.put_item(TableName="chain", Item={{"pk": {{"S": "item-" + str(generation + 1)}},
                                                       "generation": {{"N": str(generation + 1)}}}})
"""
RECORDER = "def handler(event, context):\n    return None\n"


@pytest.fixture
def dynamodb(aws_region: str) -> Any:
    return boto3.client("dynamodb", region_name=aws_region)


def batches_of(lambda_mock: Any, name: str) -> list[dict[str, Any]]:
    batches: list[dict[str, Any]] = []
    lambda_mock.handler(name, lambda event, context: batches.append(event))
    return batches


def names(batches: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for batch in batches for r in batch["Records"]]


def test_latest_starts_after_the_streams_newest_record_and_trim_horizon_at_its_oldest(
        lambda_mock, lambda_client, create_function, dynamodb):
    arn = make_stream_table(dynamodb, "t")
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "before"}})
    for name in ("latest", "horizon"):
        create_function(name, RECORDER)
    latest, horizon = batches_of(lambda_mock, "latest"), batches_of(lambda_mock, "horizon")
    for name, position in (("latest", "LATEST"), ("horizon", "TRIM_HORIZON")):
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition=position,
                                                  BatchSize=10, MaximumRetryAttempts=0)
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "after"}})
    lambda_mock.run_until_idle()
    assert names(latest) == [("INSERT", "after")]
    assert names(horizon) == [("INSERT", "before"), ("INSERT", "after")]  # two mappings, one stream, each all


def test_an_items_changes_arrive_in_order_with_the_images_of_the_view_type(lambda_mock, lambda_client,
                                                                         create_function, dynamodb):
    arn = make_stream_table(dynamodb, "t", "OLD_IMAGE")
    create_function("reader", RECORDER)
    batches = batches_of(lambda_mock, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", StartingPosition="LATEST",
                                              BatchSize=1, MaximumRetryAttempts=0)
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    dynamodb.update_item(TableName="t", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                         ExpressionAttributeValues={":v": {"N": "2"}})
    dynamodb.delete_item(TableName="t", Key={"pk": {"S": "a"}})
    lambda_mock.run_until_idle()
    assert names(batches) == [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a")]
    images = [batch["Records"][0]["dynamodb"].get("OldImage") for batch in batches]
    assert images == [None, {"pk": {"S": "a"}, "v": {"N": "1"}}, {"pk": {"S": "a"}, "v": {"N": "2"}}]


def test_records_older_than_a_day_are_gone_before_a_mapping_reads_them(lambda_mock, lambda_client,
                                                                      create_function, dynamodb, sqs):
    """DynamoDB Streams keeps records 24 hours: a TRIM_HORIZON mapping created later never sees
    the trimmed ones, and no on-failure record is written for them (they were never read)."""
    arn = make_stream_table(dynamodb, "t")
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "expired"}})
    lambda_mock.clock.advance(timedelta(hours=23))
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "kept"}})
    lambda_mock.clock.advance(timedelta(hours=1, seconds=1))
    create_function("reader", RECORDER)
    batches = batches_of(lambda_mock, "reader")
    url, queue_arn = make_queue(sqs, "on-failure")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", BatchSize=10, MaximumRetryAttempts=0,
                                              DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    lambda_mock.run_until_idle()
    assert names(batches) == [("INSERT", "kept")]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_a_deleted_tables_mapping_stays_and_invokes_nothing(lambda_mock, lambda_client, create_function, dynamodb):
    """test_deletion_event_source_mapping_with_dynamodb: the mapping is still listed after its
    table is deleted; the stream is gone, so nothing more is read."""
    arn = make_stream_table(dynamodb, "t")
    create_function("reader", RECORDER)
    batches = batches_of(lambda_mock, "reader")
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="TRIM_HORIZON", BatchSize=1)["UUID"]
    dynamodb.delete_table(TableName="t")
    dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",  # a new table of that name: a new stream
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "new table"}})
    lambda_mock.clock.advance(60)
    lambda_mock.run_until_idle()
    listed = lambda_client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert [mapping["UUID"] for mapping in listed] == [uuid]
    assert batches == []


@pytest.mark.lambda_mock(mode="auto")
def test_a_dynamodb_lambda_dynamodb_loop_is_not_stopped(lambda_mock, lambda_client, create_function, dynamodb):
    """AWS's recursive loop detection follows events through SQS, SNS, S3 and Lambda only; a
    function writing to the table whose stream invokes it is never stopped (stream spec S9.1,
    S9.2), not after 16 invocations and not with the function's recursion config at Terminate.
    The handler stops itself after 20 generations."""
    arn = make_stream_table(dynamodb, "chain", "NEW_IMAGE")
    make_stream_table(dynamodb, "seen", "KEYS_ONLY")
    create_function("looper", LOOP.format(limit=20), Timeout=30)
    assert lambda_client.get_function_recursion_config(FunctionName="looper")["RecursiveLoop"] == "Terminate"
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="looper", StartingPosition="LATEST",
                                              BatchSize=1, MaximumRetryAttempts=0)
    dynamodb.put_item(TableName="chain", Item={"pk": {"S": "item-0"}, "generation": {"N": "0"}})
    lambda_mock.run_until_idle()
    seen = sorted(int(item["pk"]["S"]) for item in dynamodb.scan(TableName="seen")["Items"])
    assert seen == list(range(21))  # generations 0..20: 21 invocations, past the 16 that SQS/SNS loops get
    assert dynamodb.scan(TableName="chain", Select="COUNT")["Count"] == 21
    assert metric_total(lambda_mock, "Invocations", "looper") == 21
    assert metric_total(lambda_mock, "RecursiveInvocationsDropped", "looper") == 0
    assert lambda_mock.invocations("looper") == []  # polled (synchronous), not asynchronous events
