"""DynamoDB Streams under the mock: boto3 writes (PutItem, UpdateItem, DeleteItem) keep AWS's
records on the mock's clock, never invoke inline, never clear; ``DynamoDBStreamSource`` reads them
as the stream poller does, and ``dynamodbstreams.get_records`` still returns them.

Shapes: recorded in ``test_lambda_integration_dynamodbstreams`` (see ``tests/unit/test_dynamodb_events.py``);
the DynamoDB Streams API (``StreamRecord``: ApproximateCreationDateTime rounded down to the second;
``StreamSpecification``: what each view type writes; records kept 24 hours).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import StreamShard

from mocklambda import mock_lambda
from mocklambda._moto.dynamodb_streams import DynamoDBStreamSource
from tests.helpers import make_stream_table, streams_client

REGION = "eu-west-1"  # not moto's hard-coded us-east-1: records carry the table's region


@pytest.fixture
def dynamodb(lambda_mock: Any) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def source(lambda_mock: Any) -> DynamoDBStreamSource:
    return DynamoDBStreamSource()


def read_all(source: DynamoDBStreamSource, arn: str) -> list[Any]:
    (shard,) = source.shard_ids(arn) or []
    return source.read(arn, shard, None, 1000)


def test_writes_become_aws_records_stamped_on_the_mocks_clock(lambda_mock, dynamodb, source) -> None:
    arn = make_stream_table(dynamodb, "orders")
    times = [lambda_mock.clock.now()]
    dynamodb.put_item(TableName="orders", Item={"pk": {"S": "o-1"}, "blob": {"B": b"foobar"}})
    lambda_mock.clock.advance(90.5)
    times.append(lambda_mock.clock.now())
    dynamodb.update_item(TableName="orders", Key={"pk": {"S": "o-1"}}, UpdateExpression="SET n = :n",
                         ExpressionAttributeValues={":n": {"N": "42"}})
    lambda_mock.clock.advance(3600)
    times.append(lambda_mock.clock.now())
    dynamodb.delete_item(TableName="orders", Key={"pk": {"S": "o-1"}})

    records = read_all(source, arn)
    events = [record.event for record in records]
    assert [event["eventName"] for event in events] == ["INSERT", "MODIFY", "REMOVE"]
    for event, at in zip(events, times, strict=True):
        assert list(event) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                               "eventSourceARN"]
        assert (event["eventVersion"], event["eventSource"], event["awsRegion"], event["eventSourceARN"]) == (
            "1.1", "aws:dynamodb", REGION, arn)
        assert event["dynamodb"]["ApproximateCreationDateTime"] == float(math.floor(at.timestamp()))
        assert len(event["eventID"]) == 32 and int(event["eventID"], 16) >= 0
    assert [record.arrival for record in records] == times  # the poller's record age reads the exact time
    sequence_numbers = [int(record.sequence_number) for record in records]
    assert sequence_numbers == sorted(set(sequence_numbers)) and all(n >= 10**20 for n in sequence_numbers)
    assert [event["dynamodb"]["SequenceNumber"] for event in events] == [r.sequence_number for r in records]
    insert, modify, remove = (event["dynamodb"] for event in events)
    assert insert["NewImage"] == {"pk": {"S": "o-1"}, "blob": {"B": "Zm9vYmFy"}} and "OldImage" not in insert
    assert modify["OldImage"] == insert["NewImage"] and modify["NewImage"]["n"] == {"N": "42"}
    assert remove["OldImage"] == modify["NewImage"] and "NewImage" not in remove
    # SizeBytes: key "pk"+"o-1" (5); blob "blob"+6 raw bytes (10); n "n"+2 (3)
    assert [event["dynamodb"]["SizeBytes"] for event in events] == [5 + 15, 5 + 18 + 15, 5 + 18]
    assert [record.size for record in records] == [20, 38, 23]
    assert {record.partition_key for record in records} == {'{"pk":{"S":"o-1"}}'}


@pytest.mark.parametrize(("view_type", "images"), [
    ("KEYS_ONLY", [set(), set(), set()]),
    ("NEW_IMAGE", [{"NewImage"}, {"NewImage"}, set()]),
    ("OLD_IMAGE", [set(), {"OldImage"}, {"OldImage"}]),
    ("NEW_AND_OLD_IMAGES", [{"NewImage"}, {"NewImage", "OldImage"}, {"OldImage"}]),
])
def test_each_view_type_writes_the_images_aws_writes(dynamodb, source, view_type, images) -> None:
    arn = make_stream_table(dynamodb, "t", view_type, sort_key="sk")
    key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
    dynamodb.put_item(TableName="t", Item={**key, "data": {"S": "test"}})
    dynamodb.put_item(TableName="t", Item={**key, "data": {"S": "hello"}})
    dynamodb.delete_item(TableName="t", Key=key)
    events = [record.event["dynamodb"] for record in read_all(source, arn)]
    assert [{name for name in event if name.endswith("Image")} for event in events] == images
    assert all(event["Keys"] == key and event["StreamViewType"] == view_type for event in events)


def test_a_write_that_changes_nothing_and_a_delete_of_nothing_add_no_record(dynamodb, source) -> None:
    """AWS adds no stream record for a PutItem or UpdateItem that leaves the item as it was;
    moto adds a MODIFY. Deleting an item that is not there changes nothing either."""
    arn = make_stream_table(dynamodb, "t")
    item = {"pk": {"S": "a"}, "v": {"N": "1"}}
    dynamodb.put_item(TableName="t", Item=item)
    dynamodb.put_item(TableName="t", Item=item)
    dynamodb.update_item(TableName="t", Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                         ExpressionAttributeValues={":v": {"N": "1"}})
    dynamodb.delete_item(TableName="t", Key={"pk": {"S": "missing"}})
    assert [record.event["eventName"] for record in read_all(source, arn)] == ["INSERT"]


def get_records(arn: str, region: str, shard: str | None = None) -> list[dict[str, Any]]:
    """Every record GetRecords returns from the stream's start (TRIM_HORIZON)."""
    streams = streams_client(region)
    shard = shard or streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    return streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]


def test_get_records_still_returns_every_record_in_aws_form(lambda_mock, lambda_client, create_function) -> None:
    """moto clears a shard once it has sent its records to a mapping (so GetRecords loses them):
    with a mapping on the stream, every write stays readable, as on AWS."""
    arn = make_stream_table(boto3.client("dynamodb", region_name="us-east-1"), "t", "NEW_IMAGE")
    create_function("reader", "def handler(event, context):\n    return None\n")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON")
    table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
    for number in range(3):
        table.put_item(Item={"pk": f"k{number}"})
    records = get_records(arn, "us-east-1")
    assert [record["dynamodb"]["Keys"]["pk"]["S"] for record in records] == ["k0", "k1", "k2"]
    first = records[0]
    assert (first["eventVersion"], first["eventName"], first["dynamodb"]["SizeBytes"]) == ("1.1", "INSERT", 8)
    created = first["dynamodb"]["ApproximateCreationDateTime"]
    assert created.timestamp() == math.floor(lambda_mock.clock.now().timestamp())


def test_get_records_answers_binaries_once_encoded_and_the_tables_region(dynamodb) -> None:
    """moto 5.1 keeps a top-level binary as base64 text, which its answer encodes again."""
    arn = make_stream_table(dynamodb, "t", "NEW_IMAGE")
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "k"}, "blob": {"B": b"\x00\x01"},
                                           "nested": {"M": {"b": {"B": b"\x02"}}}})
    (record,) = get_records(arn, REGION)
    assert record["awsRegion"] == REGION
    assert record["dynamodb"]["NewImage"]["blob"] == {"B": b"\x00\x01"}
    assert record["dynamodb"]["NewImage"]["nested"] == {"M": {"b": {"B": b"\x02"}}}
    assert record["dynamodb"]["SizeBytes"] == (2 + 1) + (2 + 1) + (4 + 2) + (6 + 3 + 1 + 1 + 1)


def test_reading_after_a_sequence_number_and_up_to_a_limit(dynamodb, source) -> None:
    arn = make_stream_table(dynamodb, "t")
    for number in range(5):
        dynamodb.put_item(TableName="t", Item={"pk": {"S": f"k{number}"}})
    (shard,) = source.shard_ids(arn) or []
    everything = source.read(arn, shard, None, 10)
    after_second = source.read(arn, shard, everything[1].sequence_number, 2)
    assert [r.sequence_number for r in after_second] == [r.sequence_number for r in everything[2:4]]
    assert source.read(arn, shard, everything[-1].sequence_number, 10) == []
    assert source.newest(arn, shard) == everything[-1].sequence_number
    assert source.read(arn, "shardId-other", None, 10) == [] and source.newest(arn, "shardId-other") is None


def test_records_are_trimmed_after_24_hours_on_the_mocks_clock(lambda_mock, dynamodb, source) -> None:
    """DynamoDB Streams keeps a record for 24 hours (Streams.html); the poller reads what is left."""
    arn = make_stream_table(dynamodb, "t")
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "old"}})
    lambda_mock.clock.advance(timedelta(hours=23))
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "young"}})
    assert len(read_all(source, arn)) == 2
    lambda_mock.clock.advance(timedelta(hours=1, seconds=1))
    (young,) = read_all(source, arn)
    assert young.event["dynamodb"]["Keys"] == {"pk": {"S": "young"}}
    assert source.retention_seconds(arn) == 86400
    lambda_mock.clock.advance(timedelta(hours=23))
    assert read_all(source, arn) == []
    assert source.newest(arn, (source.shard_ids(arn) or [""])[0]) == young.sequence_number  # LATEST is still after it


def test_a_deleted_tables_stream_is_gone(dynamodb, source) -> None:
    deleted = make_stream_table(dynamodb, "deleted")
    dynamodb.put_item(TableName="deleted", Item={"pk": {"S": "a"}})
    dynamodb.delete_table(TableName="deleted")
    assert source.shard_ids(deleted) is None
    assert source.read(deleted, "shardId-00000001541626099285-f35f62ef", None, 10) == []


def test_a_disabled_stream_keeps_its_records_readable_and_gets_no_new_ones(dynamodb, source) -> None:
    """Streams.html: disabling a stream closes its shards; "The data in the stream will continue
    to be readable for 24 hours". moto would go on recording writes into it."""
    arn = make_stream_table(dynamodb, "t")
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "before"}})
    dynamodb.update_table(TableName="t", StreamSpecification={"StreamEnabled": False})
    dynamodb.put_item(TableName="t", Item={"pk": {"S": "after"}})
    assert [r.event["dynamodb"]["Keys"]["pk"]["S"] for r in read_all(source, arn)] == ["before"]
    shard = "shardId-00000001541626099285-f35f62ef"  # moto's DescribeStream fails on a disabled stream
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in get_records(arn, REGION, shard)] == ["before"]


@pytest.mark.parametrize("arn", [
    "arn:aws:kinesis:eu-west-1:123456789012:stream/orders",
    "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
    "arn:aws:dynamodb:eu-west-1:123456789012:table/missing/stream/2024-01-01T00:00:00.000",
    "arn:aws:dynamodb:eu-west-1:999999999999:table/orders/stream/{label}",
    "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2000-01-01T00:00:00.000",
    "arn:aws:dynamodb:not-a-region:123456789012:table/orders/stream/{label}",
    "not an arn",
])
def test_an_arn_that_names_no_current_stream_has_no_shards(dynamodb, source, arn) -> None:
    real = make_stream_table(dynamodb, "orders")
    label = real.rsplit("/", 1)[1]
    assert source.shard_ids(arn.format(label=label)) is None
    assert source.shard_ids(real) == ["shardId-00000001541626099285-f35f62ef"]


def test_records_written_before_the_mock_started_are_read_in_aws_form() -> None:
    """Under moto alone, moto's own ``add`` runs (eventVersion 1.0, us-east-1); the mock reads
    those records as AWS wrote them, and puts moto's ``add`` back when it stops."""
    original = StreamShard.add
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        arn = make_stream_table(dynamodb, "t", "KEYS_ONLY")
        dynamodb.put_item(TableName="t", Item={"pk": {"S": "before"}})
        with mock_lambda():
            assert StreamShard.add is not original
            dynamodb.put_item(TableName="t", Item={"pk": {"S": "during"}})
            records = read_all(DynamoDBStreamSource(), arn)
        assert StreamShard.add is original
    assert [r.event["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["before", "during"]
    before = records[0].event
    assert (before["eventVersion"], before["awsRegion"], before["dynamodb"]["SizeBytes"]) == ("1.1", REGION, 8)
    assert list(before["dynamodb"]) == ["ApproximateCreationDateTime", "Keys", "SequenceNumber", "SizeBytes",
                                        "StreamViewType"]
    assert isinstance(before["dynamodb"]["ApproximateCreationDateTime"], float)
