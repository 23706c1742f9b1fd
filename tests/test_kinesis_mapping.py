"""Kinesis event source mappings: polled per shard on the mock's clock, with AWS's failure
semantics (issue 14). Shapes come from the recordings in
``localstack-snapshots/event-source-mappings/test_lambda_integration_kinesis.snapshot.json``."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from mocklambda.errors import MockLambdaWarning
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


def values(events: list[dict[str, Any]]) -> list[Any]:
    return [v for batch in events for v in decoded(batch)]


def recorder(lambda_mock: Any, create_function: Any, name: str, fail: Any = None) -> list[dict[str, Any]]:
    """A function whose events are kept; ``fail(values)`` True makes an invocation raise."""
    events: list[dict[str, Any]] = []
    create_function(name, "def handler(e, c):\n    return None\n")

    def handle(event: dict[str, Any], context: Any) -> None:
        events.append(event)
        if fail is not None and fail(decoded(event)):
            raise RuntimeError("rejected")

    lambda_mock.handler(name, handle)
    return events


def test_each_mapping_on_a_stream_reads_every_record(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)  # recorded: ..._multiple_lambdas_single_kinesis_event_stream
    first, second = (recorder(lambda_mock, create_function, name) for name in ("a", "b"))
    for name in ("a", "b"):
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name,
                                                  StartingPosition="TRIM_HORIZON")
    put(kinesis, "events", "hello")
    lambda_mock.run_until_idle()
    assert values(first) == values(second) == ["hello"]


def test_latest_reads_only_records_put_after_the_mapping_and_trim_horizon_all(lambda_mock, lambda_client,
                                                                              create_function, kinesis):
    arn = make_stream(kinesis)
    put(kinesis, "events", "before")
    latest, oldest = recorder(lambda_mock, create_function, "latest"), recorder(lambda_mock, create_function, "oldest")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="latest", StartingPosition="LATEST")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="oldest",
                                              StartingPosition="TRIM_HORIZON")
    put(kinesis, "events", "after")
    lambda_mock.run_until_idle()
    assert values(latest) == ["after"]
    assert values(oldest) == ["before", "after"]


@pytest.mark.lambda_mock(mode="manual")
def test_at_timestamp_starts_at_the_first_record_put_at_or_after_it(lambda_mock, lambda_client, create_function,
                                                                    kinesis):
    arn = make_stream(kinesis)
    put(kinesis, "events", "old")
    lambda_mock.clock.advance(10)
    start = lambda_mock.clock.now()
    put(kinesis, "events", "new")
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=start)
    lambda_mock.run_until_idle()
    assert values(events) == ["new"]


@pytest.mark.lambda_mock(mode="manual")
def test_a_disabled_mapping_reads_nothing_and_resumes_where_it_stopped(lambda_mock, lambda_client,
                                                                       create_function, kinesis):
    arn = make_stream(kinesis)  # recorded: test_disable_kinesis_event_source_mapping
    events = recorder(lambda_mock, create_function, "reader")
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="LATEST")["UUID"]
    put(kinesis, "events", 1)
    lambda_mock.run_until_idle()
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=False)
    put(kinesis, "events", 2)
    lambda_mock.clock.advance(3600)
    assert values(events) == [1]
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    lambda_mock.run_until_idle()
    assert values(events) == [1, 2]


def test_a_deleted_mapping_reads_no_more(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="LATEST")["UUID"]
    put(kinesis, "events", 1)
    lambda_client.list_event_source_mappings()  # auto mode: settled before this call is answered
    lambda_client.delete_event_source_mapping(UUID=uuid)
    put(kinesis, "events", 2)
    lambda_mock.run_until_idle()
    assert values(events) == [1]


@pytest.mark.lambda_mock(mode="manual")
def test_a_failing_batch_blocks_its_shard_until_retries_are_spent(lambda_mock, lambda_client, create_function,
                                                                  kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader", fail=lambda vs: "bad" in vs)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", BatchSize=1,
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=2)
    put(kinesis, "events", "bad", "good")
    lambda_mock.clock.advance(0)
    assert values(events) == ["bad"]
    lambda_mock.clock.advance(0.5)  # first retry after 0.5 s, the second 1 s later
    assert values(events) == ["bad", "bad"]
    lambda_mock.clock.advance(0.99)
    assert values(events) == ["bad", "bad"]  # "good" waits behind it
    lambda_mock.clock.advance(0.01)
    assert values(events) == ["bad", "bad", "bad", "good"]  # given up (no destination: gone), then on


@pytest.mark.lambda_mock(mode="manual")
def test_parallelization_keeps_order_per_partition_key_while_another_key_is_blocked(lambda_mock, lambda_client,
                                                                                   create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader", fail=lambda vs: "a-poison" in vs)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", BatchSize=1,
                                              StartingPosition="TRIM_HORIZON", ParallelizationFactor=10,
                                              MaximumRetryAttempts=1)
    kinesis.put_records(StreamName="events", Records=[
        {"Data": json.dumps(v).encode(), "PartitionKey": key}
        for v, key in [("a-poison", "a"), ("b-1", "b"), ("a-2", "a"), ("b-2", "b")]])
    lambda_mock.clock.advance(0)
    seen = values(events)
    assert seen.index("b-1") < seen.index("b-2")  # key b ran on while key a was blocked
    assert "a-2" not in seen
    lambda_mock.run_until_idle()
    seen = values(events)
    assert seen.count("a-poison") == 2 and seen.index("a-2") > seen.index("a-poison")


@pytest.mark.lambda_mock(mode="manual")
def test_throttles_are_retried_without_spending_a_retry(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=0)
    lambda_mock.inject_throttles("reader", times=3)
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    assert values(events) == ["x"]  # MaximumRetryAttempts 0, yet delivered after three throttles


@pytest.mark.lambda_mock(mode="manual")
def test_a_batch_failing_forever_with_aws_defaults_blocks_the_shard_in_the_background(lambda_mock, lambda_client,
                                                                                    create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader", fail=lambda vs: True)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON")  # retries and age: -1
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()  # does not jump a day of retries ahead
    assert len(events) == 1
    lambda_mock.clock.advance(3600)
    assert 60 < len(events) < 80  # retried each minute once the backoff reached its cap
    with pytest.warns(MockLambdaWarning, match="expired from the stream"):
        lambda_mock.clock.advance(86400)  # the stream's 24-hour retention ends it
    assert "expired from the stream (its retention) -> gone" in lambda_mock.timeline()
    count = len(events)
    lambda_mock.clock.advance(3600)
    assert len(events) == count


@pytest.mark.lambda_mock(mode="realtime", time_scale=0.001)
def test_realtime_mode_polls_on_a_background_thread(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader", fail=lambda vs: len(vs) == 1 and vs[0] == "retry-me")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=3)
    put(kinesis, "events", "retry-me")
    lambda_mock.run_until_idle(timeout=10)
    assert values(events) == ["retry-me"] * 4  # three retries on the scaled wall clock, then given up


def test_a_batching_window_closes_in_auto_mode_with_awss_default_retries(lambda_mock, lambda_client, create_function,
                                                                         kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", BatchSize=100,
                                              StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=1)
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()  # the window's end is foreground work, whatever the retry settings
    assert [decoded(e) for e in events] == [["x"]]
    assert lambda_mock.clock.elapsed.total_seconds() == 1


@pytest.mark.lambda_mock(mode="manual")
def test_a_batching_window_collects_separate_puts(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", BatchSize=3,
                                              StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=5)
    put(kinesis, "events", "a")
    lambda_mock.clock.advance(2)
    put(kinesis, "events", "b")
    lambda_mock.clock.advance(2.9)
    assert events == []  # the window opened at 0 and is not over
    lambda_mock.clock.advance(0.1)
    put(kinesis, "events", "c", "d", "e", "f")
    lambda_mock.clock.advance(0)  # a full batch goes at once
    assert [decoded(e) for e in events] == [["a", "b"], ["c", "d", "e"]]


def test_a_mapping_whose_function_is_deleted_waits_without_spinning(lambda_mock, lambda_client, create_function,
                                                                    kinesis):
    arn = make_stream(kinesis)
    recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=1)
    lambda_client.delete_function(FunctionName="reader")
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()  # returns: the batch waits in the background for its function
    assert lambda_mock.clock.elapsed.total_seconds() < 60


# -- found by the independent review of issue 14 ------------------------------------------------------------


@pytest.mark.lambda_mock(mode="realtime", time_scale=0.01)
def test_realtime_batches_of_a_shard_never_overlap_or_pass_each_other(lambda_mock, lambda_client, create_function,
                                                                      kinesis):
    arn = make_stream(kinesis)
    seen: list[list[int]] = []
    running: list[int] = []
    overlaps: list[list[int]] = []
    create_function("reader", "def handler(e, c):\n    return None\n")

    def handle(event: dict[str, Any], context: Any) -> None:
        batch = decoded(event)
        if running:
            overlaps.append(batch)
        running.append(1)
        try:
            seen.append(batch)
            if len(seen) % 3 == 0:  # every third invocation fails: its batch is retried
                raise RuntimeError("flaky")
        finally:
            running.pop()

    lambda_mock.handler("reader", handle)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", BatchSize=3,
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=5)
    for number in range(60):
        kinesis.put_record(StreamName="events", Data=json.dumps(number).encode(), PartitionKey="k")
    lambda_mock.run_until_idle(timeout=60)
    firsts = [batch[0] for batch in seen]
    delivered = [v for batch in seen for v in batch]
    assert overlaps == []
    assert sorted(set(delivered)) == list(range(60))
    assert all(later >= earlier for earlier, later in zip(firsts, firsts[1:], strict=False))  # never backwards


def test_a_mapping_made_before_this_mock_started_is_polled_from_its_start(lambda_client, create_function, kinesis):
    from moto import mock_aws

    from mocklambda import mock_lambda

    with mock_aws():
        with mock_lambda():
            arn = make_stream(kinesis)
            create_function("reader", "def handler(e, c):\n    print('got', e['Records'][0]['kinesis']['data'])\n")
            lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                      StartingPosition="TRIM_HORIZON")
            put(kinesis, "events", 1)
        with mock_lambda() as second:
            put(kinesis, "events", 2)
            second.run_until_idle()
            logs = boto3.client("logs", region_name="us-east-1")
            printed = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/reader")["events"]
                       if e["message"].startswith("got")]
            assert len(printed) == 2  # 1 under the first mock, 2 under this one (adopted at its start)


@pytest.mark.lambda_mock(mode="manual")
def test_reserved_concurrency_zero_throttles_the_shard_without_spending_retries(lambda_mock, lambda_client,
                                                                                create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.put_function_concurrency(FunctionName="reader", ReservedConcurrentExecutions=0)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=0)
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    lambda_mock.clock.advance(600)
    assert events == []  # throttled, held: the shard waits
    lambda_client.delete_function_concurrency(FunctionName="reader")
    lambda_mock.clock.advance(60)
    assert values(events) == ["x"]  # MaximumRetryAttempts 0, yet delivered: throttles spend no retry


def test_a_stream_deleted_and_made_again_is_read_from_its_start(lambda_mock, lambda_client, create_function,
                                                                kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON")
    put(kinesis, "events", *range(5))
    lambda_mock.run_until_idle()
    kinesis.delete_stream(StreamName="events")
    lambda_mock.run_until_idle()
    assert make_stream(kinesis) == arn
    put(kinesis, "events", *range(5, 11))
    lambda_mock.run_until_idle()
    assert values(events) == list(range(11))
    assert "the stream is gone" in lambda_mock.timeline()


@pytest.mark.lambda_mock(mode="manual")
def test_latest_of_a_mapping_created_disabled_is_taken_when_it_is_enabled(lambda_mock, lambda_client,
                                                                          create_function, kinesis):
    arn = make_stream(kinesis)  # stream spec O8
    events = recorder(lambda_mock, create_function, "reader")
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", Enabled=False,
                                                     StartingPosition="LATEST")["UUID"]
    put(kinesis, "events", "while-disabled")
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    put(kinesis, "events", "after-enable")
    lambda_mock.run_until_idle()
    assert values(events) == ["after-enable"]


@pytest.mark.lambda_mock(mode="manual")
def test_a_batch_whose_mapping_was_deleted_meanwhile_ends_with_its_invocation(lambda_mock, lambda_client,
                                                                               create_function, kinesis, sqs):
    arn = make_stream(kinesis)  # stream spec S2.8
    url, queue_arn = make_queue(sqs, "failed")
    create_function("reader", "def handler(e, c):\n    return None\n")
    mapping: dict[str, str] = {}

    def handle(event: dict[str, Any], context: Any) -> None:
        boto3.client("lambda", region_name="us-east-1").delete_event_source_mapping(UUID=mapping["uuid"])
        raise RuntimeError("fails after deleting its own mapping")

    lambda_mock.handler("reader", handle)
    mapping["uuid"] = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})["UUID"]
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None


def test_a_partial_arn_names_the_function_and_a_future_timestamp_is_refused(lambda_mock, lambda_client,
                                                                            create_function, kinesis):
    arn = make_stream(kinesis)
    events = recorder(lambda_mock, create_function, "reader")
    created = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="123456789012:function:reader",
                                                        StartingPosition="TRIM_HORIZON")
    assert created["FunctionArn"].endswith(":function:reader")
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    assert values(events) == ["x"]
    from datetime import datetime, timezone

    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException, match="cannot be in the future"):
        lambda_client.create_event_source_mapping(
            EventSourceArn=make_stream(kinesis, "other"), FunctionName="reader", StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=datetime(2100, 1, 1, tzinfo=timezone.utc))


def test_a_long_shard_numbers_its_records_as_moto_does(lambda_mock, lambda_client, create_function, kinesis):
    """moto finds a shard's first and last sequence numbers by copying all of them (on every put:
    n puts cost O(n²)); mocklambda reads the ends of the ordered records instead (issue 17). The
    numbers are moto's, and so is what GetRecords and a LATEST mapping see."""
    from moto.kinesis.models import kinesis_backends

    from mocklambda._moto.kinesis_streams import FIRST_NUMBER, LAST_NUMBER

    arn = make_stream(kinesis)
    shard = next(iter(kinesis_backends["123456789012"]["us-east-1"].streams["events"].shards.values()))
    assert (FIRST_NUMBER.replacement(shard), LAST_NUMBER.replacement(shard)) == (0, 0) == (
        FIRST_NUMBER.original(shard), LAST_NUMBER.original(shard))
    put(kinesis, "events", *range(300))
    assert (shard.get_min_sequence_number(), shard.get_max_sequence_number()) == (1, 300) == (
        FIRST_NUMBER.original(shard), LAST_NUMBER.original(shard))
    iterator = kinesis.get_shard_iterator(StreamName="events", ShardId="shardId-000000000000",
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    numbers = [r["SequenceNumber"] for r in kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]]
    assert numbers == [str(n) for n in range(1, 301)]
    batches: list[dict[str, Any]] = []
    create_function("reader", "def handler(e, c):\n    return None\n")
    lambda_mock.handler("reader", lambda event, context: batches.append(event))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", StartingPosition="LATEST")
    put(kinesis, "events", "after")
    lambda_mock.run_until_idle()
    assert [r["kinesis"]["sequenceNumber"] for b in batches for r in b["Records"]] == ["301"]
