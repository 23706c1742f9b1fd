"""Seeing stream mappings at work (issue 14 item 5): their invocations in the function's logs and
metrics, ``IteratorAge`` on the mock's clock, the mapping's own event counts when ``MetricsConfig``
asks for them, and a timeline of each shard's batches, all read through boto3.

AWS's words are quoted from its docs: "Types of metrics for Lambda functions" (quoted "metric
types"), its section "Event source mapping metrics" ("ESM metrics"), and "Viewing metrics for
Lambda functions" (the ``EventSourceMappingUUID`` dimension). Scenarios replayed from the
recordings name their entry in ``test_lambda_integration_kinesis.snapshot.json``.
"""

from __future__ import annotations

import json
import warnings
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from mocklambda import MockLambdaWarning
from mocklambda._core.shard_lanes import retry_delay
from tests.helpers import REGION, error_of, make_queue
from tests.test_golden_snapshots import recorded
from tests.test_kinesis_mapping import make_stream, put

pytest_plugins = ["pytester"]

KINESIS = "event-source-mappings/test_lambda_integration_kinesis.snapshot.json"
KINESIS_TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.py::"
                "TestKinesisSource::")
POISON = """
import base64, json
def handler(event, context):
    values = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
    print("batch", values)
    if "poison" in values:
        raise ValueError("cannot process poison")
"""
FAILS = "def handler(event, context):\n    raise ValueError('always')\n"
OK = "def handler(event, context):\n    print('records', len(event['Records']))\n"


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


def lambda_metric(lam: Any, name: str, statistic: str = "Sum", **dimensions: str) -> float:
    """An ``AWS/Lambda`` metric (exactly these dimensions) over the whole run: one period from the
    mock's start to its clock's now, so that ``Maximum`` and ``SampleCount`` cover every datum."""
    start = lam.clock.started_at - timedelta(minutes=1)
    end = lam.clock.now() + timedelta(minutes=1)
    period = -(-int((end - start).total_seconds()) // 60) * 60
    points = boto3.client("cloudwatch", region_name=REGION).get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=name, Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=start, EndTime=end, Period=period, Statistics=[statistic])["Datapoints"]
    assert len(points) <= 1
    return points[0][statistic] if points else 0.0


def mapping_metric(lam: Any, uuid: str, name: str, statistic: str = "Sum") -> float:
    return lambda_metric(lam, name, statistic, EventSourceMappingUUID=uuid)


def mapping_metric_names(uuid: str) -> set[str]:
    listed = boto3.client("cloudwatch", region_name=REGION).list_metrics(
        Namespace="AWS/Lambda", Dimensions=[{"Name": "EventSourceMappingUUID", "Value": uuid}])["Metrics"]
    return {metric["MetricName"] for metric in listed}


def shard_lines(lam: Any, uuid: str) -> list[str]:
    """The timeline's lines for one mapping's shards (after its header, up to the next section)."""
    lines = lam.timeline().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"mocklambda: stream mapping {uuid}:"))
    rest = lines[start + 1:]
    end = next((i for i, line in enumerate(rest) if line.startswith("mocklambda:")), len(rest))
    return rest[:end]


def entries(lines: list[str]) -> list[tuple[float, str]]:
    """``    +   0.500s  text`` -> (0.5, "text") for each batch line."""
    found = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("+"):
            at, text = stripped[1:].split("s  ", 1)
            found.append((float(at), text))
    return found


# -- logs and function metrics -------------------------------------------------------------------


@pytest.mark.lambda_mock(mode="manual")
def test_stream_invocations_are_in_the_functions_logs_and_invocation_metrics(lambda_mock, lambda_client,
                                                                             create_function, kinesis):
    arn = make_stream(kinesis)
    create_function("reader", OK)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", BatchSize=2)
    put(kinesis, "events", 1, 2, 3)
    lambda_mock.run_until_idle()
    logs = boto3.client("logs", region_name=REGION)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/reader")["logStreams"]
    messages = [event["message"] for stream in streams for event in logs.get_log_events(
        logGroupName="/aws/lambda/reader", logStreamName=stream["logStreamName"])["events"]]
    assert [m for m in messages if m.startswith("records")] == ["records 2\n", "records 1\n"]  # two batches
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 2
    assert lambda_metric(lambda_mock, "Invocations", FunctionName="reader") == 2  # metric types: Invocations
    assert lambda_metric(lambda_mock, "Errors", FunctionName="reader") == 0


# -- IteratorAge ---------------------------------------------------------------------------------


@pytest.mark.lambda_mock(mode="manual")
def test_iterator_age_is_the_age_of_the_batchs_last_record_when_it_is_sent(lambda_mock, lambda_client,
                                                                          create_function, kinesis):
    # metric types: "IteratorAge – ... the age of the last record in the event in milliseconds. This
    # metric measures the time between when a stream receives the record and when the event source
    # mapping sends the event to the function."
    arn = make_stream(kinesis)
    create_function("reader", OK)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                              StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=30)
    put(kinesis, "events", "first")  # the batching window opens now
    lambda_mock.clock.advance(10)
    put(kinesis, "events", "last")  # 20 s before the window closes
    lambda_mock.clock.advance(20)  # the batch of both is sent at +30 s
    for dimensions in ({}, {"FunctionName": "reader"}, {"FunctionName": "reader", "Resource": "reader"}):
        assert lambda_metric(lambda_mock, "IteratorAge", "SampleCount", **dimensions) == 1
        assert lambda_metric(lambda_mock, "IteratorAge", "Maximum", **dimensions) == 20_000.0
    now = lambda_mock.clock.now()

    def maxima(start: datetime, end: datetime) -> list[tuple[float, str]]:
        points = boto3.client("cloudwatch", region_name=REGION).get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="IteratorAge", Dimensions=[{"Name": "FunctionName", "Value": "reader"}],
            StartTime=start, EndTime=end, Period=60, Statistics=["Maximum"])["Datapoints"]
        return [(p["Maximum"], p["Unit"]) for p in points]

    # dated when the batch was sent (+30 s), not when its records arrived (spec 6.3: invocation start)
    assert maxima(now - timedelta(seconds=1), now + timedelta(seconds=1)) == [(20_000.0, "Milliseconds")]
    assert maxima(now - timedelta(hours=1), now - timedelta(seconds=1)) == []


@pytest.mark.lambda_mock(mode="manual")
def test_iterator_age_grows_with_each_retry_of_a_blocked_shard(lambda_mock, lambda_client, create_function,
                                                               kinesis):
    arn = make_stream(kinesis)
    create_function("reader", FAILS, Publish=True)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader:1",
                                              StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=2)
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    # invoked at once, then after each backoff: the record is older at every retry
    ages = [0.0, retry_delay(1) * 1000, (retry_delay(1) + retry_delay(2)) * 1000]
    by_version = {"FunctionName": "reader", "Resource": "reader:1"}  # the mapping invokes the version
    assert lambda_metric(lambda_mock, "IteratorAge", "SampleCount", **by_version) == 3
    assert lambda_metric(lambda_mock, "IteratorAge", "Sum", **by_version) == sum(ages)
    assert lambda_metric(lambda_mock, "IteratorAge", "Maximum", **by_version) == max(ages)
    assert lambda_metric(lambda_mock, "IteratorAge", "Minimum", **by_version) == 0.0
    assert lambda_metric(lambda_mock, "IteratorAge", "SampleCount", FunctionName="reader", Resource="reader") == 0
    assert lambda_metric(lambda_mock, "Errors", **by_version) == 3


def test_a_throttled_batch_is_not_sent_so_it_has_no_iterator_age(lambda_mock, lambda_client, create_function,
                                                                 kinesis):
    arn = make_stream(kinesis)
    create_function("reader", OK)
    lambda_mock.inject_throttles("reader", times=2)
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=1)["UUID"]
    put(kinesis, "events", "x")
    lambda_mock.run_until_idle()
    assert lambda_metric(lambda_mock, "Throttles", FunctionName="reader") == 2
    assert lambda_metric(lambda_mock, "IteratorAge", "SampleCount", FunctionName="reader") == 1
    assert lambda_metric(lambda_mock, "IteratorAge", "Maximum", FunctionName="reader") == 2 * retry_delay(1) * 1000
    assert [text for _, text in entries(shard_lines(lambda_mock, uuid))] == [
        f"batch seq 1 (1 record): throttled -> tried again in {retry_delay(1):g}s (no retry spent)",
        f"batch seq 1 (1 record): throttled -> tried again in {retry_delay(1):g}s (no retry spent)",
        "batch seq 1 (1 record): ok",
    ]


# -- event source mapping metrics (MetricsConfig) ------------------------------------------------


@pytest.mark.lambda_mock(mode="manual")
def test_event_counts_of_a_poison_record_bisected_out_to_its_on_failure_queue(lambda_mock, lambda_client,
                                                                               create_function, kinesis, sqs):
    arn = make_stream(kinesis)
    _, dlq_arn = make_queue(sqs, "failed-records")
    create_function("reader", POISON)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", BatchSize=8,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1, MetricsConfig={"Metrics": ["EventCount"]},
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})["UUID"]
    assert lambda_client.get_event_source_mapping(UUID=uuid)["MetricsConfig"] == {"Metrics": ["EventCount"]}
    put(kinesis, "events", 0, 1, 2, "poison", 4, 5, 6, 7)
    lambda_mock.run_until_idle()
    # batches: 8 (fails) -> 4 (fails) + 4; 2 (ok) + 2 (fails) -> 1 (ok) + 1 (fails), its retry (fails)
    assert mapping_metric(lambda_mock, uuid, "PolledEventCount") == 8  # ESM metrics: read from the stream
    assert mapping_metric(lambda_mock, uuid, "InvokedEventCount") == 8 + 4 + 2 + 2 + 1 + 1 + 1 + 4
    assert mapping_metric(lambda_mock, uuid, "FailedInvokeEventCount") == 8 + 4 + 2 + 1 + 1
    assert mapping_metric(lambda_mock, uuid, "OnFailureDestinationDeliveredEventCount") == 1
    # "Dropped events also excludes events that you send to an on-failure destination"
    assert mapping_metric_names(uuid) == {"PolledEventCount", "InvokedEventCount", "FailedInvokeEventCount",
                                          "OnFailureDestinationDeliveredEventCount"}
    assert lambda_metric(lambda_mock, "PolledEventCount", FunctionName="reader") == 0  # the mapping's only


@pytest.mark.lambda_mock(mode="manual")
def test_records_given_up_without_a_destination_count_as_dropped(lambda_mock, lambda_client, create_function,
                                                                 kinesis):
    arn = make_stream(kinesis)
    create_function("reader", FAILS)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=0,
        MetricsConfig={"Metrics": ["EventCount"]})["UUID"]
    put(kinesis, "events", 1, 2, 3)
    lambda_mock.run_until_idle()
    # ESM metrics: "the number of records that exceed your configured values for ... MaximumRetryAttempts"
    assert mapping_metric(lambda_mock, uuid, "DroppedEventCount") == 3
    assert mapping_metric(lambda_mock, uuid, "FailedInvokeEventCount") == 3
    assert "OnFailureDestinationDeliveredEventCount" not in mapping_metric_names(uuid)
    assert entries(shard_lines(lambda_mock, uuid))[-1][1] == (
        "given up seq 1..3 (3 records): RetryAttemptsExhausted (approximateInvokeCount 1) -> "
        "dropped (no on-failure destination)")


@pytest.mark.lambda_mock(mode="manual")
def test_records_past_the_mappings_maximum_age_are_dropped_but_not_those_the_stream_expired(
        lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    create_function("reader", FAILS)
    by_age = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", MaximumRecordAgeInSeconds=60,
        MetricsConfig={"Metrics": ["EventCount"]})["UUID"]
    create_function("other", FAILS)
    by_retention = lambda_client.create_event_source_mapping(  # reads nothing until enabled, a day later
        EventSourceArn=arn, FunctionName="other", StartingPosition="TRIM_HORIZON", Enabled=False,
        MetricsConfig={"Metrics": ["EventCount"]})["UUID"]
    put(kinesis, "events", "x")
    lambda_mock.clock.advance(25 * 3600)  # the stream keeps records 24 h
    with warnings.catch_warnings():  # a record the stream let go before a mapping read it may be warned about
        warnings.simplefilter("ignore", MockLambdaWarning)
        lambda_client.update_event_source_mapping(UUID=by_retention, Enabled=True)
        lambda_mock.run_until_idle()
    # ESM metrics: DroppedEventCount counts "records that exceed your configured values for
    # MaximumRecordAgeInSeconds", but "doesn't include the number of records that expire due to
    # exceeding your event source's retention settings"
    assert mapping_metric(lambda_mock, by_age, "DroppedEventCount") == 1
    assert entries(shard_lines(lambda_mock, by_age))[-1][1].startswith(
        "given up seq 1 (1 record): RecordAgeExceeded")
    assert mapping_metric(lambda_mock, by_retention, "PolledEventCount") == 1  # read, but too late
    assert mapping_metric(lambda_mock, by_retention, "InvokedEventCount") == 0
    assert "DroppedEventCount" not in mapping_metric_names(by_retention)


@pytest.mark.lambda_mock(mode="manual")
def test_an_on_failure_record_that_cannot_be_delivered_counts_as_a_delivery_failure_and_dropped(
        lambda_mock, lambda_client, create_function, kinesis, sqs):
    arn = make_stream(kinesis)
    url, dlq_arn = make_queue(sqs, "gone")
    create_function("reader", FAILS)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=0,
        MetricsConfig={"Metrics": ["EventCount"]}, DestinationConfig={"OnFailure": {"Destination": dlq_arn}})["UUID"]
    sqs.delete_queue(QueueUrl=url)
    put(kinesis, "events", 1, 2)
    with pytest.warns(MockLambdaWarning, match="could not deliver the on-failure record"):
        lambda_mock.run_until_idle()
    # ESM metrics: if delivery fails, no OnFailureDestinationDeliveredEventCount; DestinationDeliveryFailures 1;
    # DroppedEventCount "a number equal to the number of events that failed delivery"
    assert lambda_metric(lambda_mock, "DestinationDeliveryFailures", FunctionName="reader") == 1
    assert mapping_metric(lambda_mock, uuid, "DroppedEventCount") == 2
    assert "OnFailureDestinationDeliveredEventCount" not in mapping_metric_names(uuid)
    last = entries(shard_lines(lambda_mock, uuid))[-1][1]
    assert last.startswith(f"given up seq 1..2 (2 records): RetryAttemptsExhausted (approximateInvokeCount 1) -> "
                           f"NOT delivered to {dlq_arn}: ")
    assert last.endswith("; dropped")


@pytest.mark.lambda_mock(mode="manual")
def test_checkpointed_records_are_the_failed_ones(lambda_mock, lambda_client, create_function, kinesis):
    arn = make_stream(kinesis)
    create_function("reader", """
import json, base64
def handler(event, context):
    failed = [r["kinesis"]["sequenceNumber"] for r in event["Records"]
              if json.loads(base64.b64decode(r["kinesis"]["data"])) == "bad"]
    return {"batchItemFailures": [{"itemIdentifier": s} for s in failed]}
""")
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=1,
        FunctionResponseTypes=["ReportBatchItemFailures"], MetricsConfig={"Metrics": ["EventCount"]})["UUID"]
    put(kinesis, "events", "a", "b", "bad", "c")
    lambda_mock.run_until_idle()
    texts = [text for _, text in entries(shard_lines(lambda_mock, uuid))]
    batches, last = texts[:-1], texts[-1]
    assert batches[0].startswith("batch seq 1..4 (4 records): reported failures from seq 3 -> checkpointed at seq 3, ")
    assert all(text.startswith("batch seq 3..4 (2 records): reported failures from seq 3 -> ") for text in batches[1:])
    assert sum(f"retry 1 of 1 in {retry_delay(1):g}s" in text for text in batches) == 1  # MaximumRetryAttempts 1
    assert batches[-1].endswith(" -> given up")
    assert last == ("given up seq 3..4 (2 records): RetryAttemptsExhausted (approximateInvokeCount 2) -> "
                    "dropped (no on-failure destination)")
    # ESM metrics: FailedInvokeEventCount "includes any event with a non-empty BatchItemFailures in the
    # response": here, of each invocation, the records processed again, from the checkpoint on
    assert mapping_metric(lambda_mock, uuid, "FailedInvokeEventCount") == 2 * len(batches)
    assert mapping_metric(lambda_mock, uuid, "InvokedEventCount") == 4 + 2 * (len(batches) - 1)


def test_a_mapping_without_metrics_config_publishes_no_event_counts(lambda_mock, lambda_client, create_function,
                                                                    kinesis):
    arn = make_stream(kinesis)
    create_function("reader", OK)
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="TRIM_HORIZON")["UUID"]
    put(kinesis, "events", 1)
    lambda_mock.run_until_idle()
    assert lambda_metric(lambda_mock, "IteratorAge", "SampleCount", FunctionName="reader") == 1
    assert mapping_metric_names(uuid) == set()
    lambda_client.update_event_source_mapping(UUID=uuid, MetricsConfig={"Metrics": ["EventCount"]})
    put(kinesis, "events", 2, 3)
    lambda_mock.run_until_idle()
    assert mapping_metric(lambda_mock, uuid, "InvokedEventCount") == 2  # counted from the update on
    lambda_client.update_event_source_mapping(UUID=uuid, MetricsConfig={"Metrics": []})
    put(kinesis, "events", 4)
    lambda_mock.run_until_idle()
    assert mapping_metric(lambda_mock, uuid, "InvokedEventCount") == 2


def test_an_sqs_mapping_counts_polled_invoked_failed_and_deleted_messages(lambda_mock, lambda_client,
                                                                          create_function, sqs):
    url, queue_arn = make_queue(sqs, "jobs")
    create_function("worker", """
def handler(event, context):
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"]}
""")
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName="worker", BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"],
        MetricsConfig={"Metrics": ["EventCount"]})["UUID"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": body}
                                                  for n, body in enumerate(["a", "bad", "c"])])
    lambda_mock.run_until_idle()
    # one batch of three; "bad" waits for the queue's visibility timeout to pass (30 s, virtual)
    assert mapping_metric(lambda_mock, uuid, "PolledEventCount") == 3
    assert mapping_metric(lambda_mock, uuid, "InvokedEventCount") == 3
    assert mapping_metric(lambda_mock, uuid, "FailedInvokeEventCount") == 1
    assert mapping_metric(lambda_mock, uuid, "DeletedEventCount") == 2  # ESM metrics: SQS deletes, never drops
    lambda_mock.clock.advance(30)  # received again, failing again
    assert mapping_metric(lambda_mock, uuid, "PolledEventCount") == 4
    assert mapping_metric(lambda_mock, uuid, "FailedInvokeEventCount") == 2
    assert mapping_metric(lambda_mock, uuid, "DeletedEventCount") == 2
    assert not {"DroppedEventCount", "OnFailureDestinationDeliveredEventCount"} & mapping_metric_names(uuid)


@pytest.mark.parametrize(("metrics", "problem"), [
    (["Bogus"], "Value '[Bogus]' at 'metricsConfig.metrics' failed to satisfy constraint: Member must satisfy "
                "constraint: [Member must satisfy enum value set: [EventCount, ErrorCount, KafkaMetrics], "
                "Member must not be null]"),
    (["EventCount"] * 4, "Value '[EventCount, EventCount, EventCount, EventCount]' at 'metricsConfig.metrics' "
                         "failed to satisfy constraint: Member must have length less than or equal to 3"),
])
def test_metrics_config_outside_the_model_is_refused(lambda_mock, lambda_client, create_function, kinesis,
                                                     metrics, problem):
    arn = make_stream(kinesis)
    create_function("reader", OK)
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                  StartingPosition="TRIM_HORIZON", MetricsConfig={"Metrics": metrics})
    assert error_of(refused) == (400, "ValidationException", f"1 validation error detected: {problem}")
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []
    uuid = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader",
                                                     StartingPosition="TRIM_HORIZON")["UUID"]
    with pytest.raises(ClientError) as refused:
        lambda_client.update_event_source_mapping(UUID=uuid, MetricsConfig={"Metrics": metrics})
    assert error_of(refused) == (400, "ValidationException", f"1 validation error detected: {problem}")
    assert "MetricsConfig" not in {k for k, v in lambda_client.get_event_source_mapping(UUID=uuid).items() if v}


# -- the timeline --------------------------------------------------------------------------------


@pytest.mark.lambda_mock(mode="manual")
def test_the_timeline_shows_each_batch_a_bisection_and_where_the_poison_record_went(
        lambda_mock, lambda_client, create_function, kinesis, sqs):
    arn = make_stream(kinesis)
    url, dlq_arn = make_queue(sqs, "failed-records")
    create_function("reader", POISON)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON", BatchSize=8,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})["UUID"]
    put(kinesis, "events", 0, 1, 2, "poison", 4, 5, 6, 7)
    lambda_mock.run_until_idle()
    function_arn = lambda_client.get_function(FunctionName="reader")["Configuration"]["FunctionArn"]
    text = lambda_mock.timeline()
    assert f"mocklambda: stream mapping {uuid}: {arn} -> {function_arn}" in text.splitlines()
    lines = shard_lines(lambda_mock, uuid)
    assert lines[0] == "  shardId-000000000000"
    poison = "ValueError: cannot process poison"
    retry = retry_delay(1)
    assert entries(lines) == [
        (0.0, f"batch seq 1..8 (8 records): {poison} -> bisected into seq 1..4 (4 records) and seq 5..8 (4 records)"),
        (0.0, f"batch seq 1..4 (4 records): {poison} -> bisected into seq 1..2 (2 records) and seq 3..4 (2 records)"),
        (0.0, "batch seq 1..2 (2 records): ok"),
        (0.0, f"batch seq 3..4 (2 records): {poison} -> bisected into seq 3 (1 record) and seq 4 (1 record)"),
        (0.0, "batch seq 3 (1 record): ok"),
        (0.0, f"batch seq 4 (1 record): {poison} -> retry 1 of 1 in {retry:g}s"),
        (retry, f"batch seq 4 (1 record): {poison} -> given up"),
        (retry, f"given up seq 4 (1 record): RetryAttemptsExhausted (approximateInvokeCount 5) -> "
                f"on-failure record sent to {dlq_arn}"),
        (retry, "batch seq 5..8 (4 records): ok"),
    ]
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["KinesisBatchInfo"]["startSequenceNumber"] == "4"  # the record the timeline names
    assert body["requestContext"]["approximateInvokeCount"] == 5


@pytest.mark.lambda_mock(mode="manual")
def test_the_timeline_of_a_recorded_on_failure_scenario(lambda_mock, lambda_client, create_function, kinesis, sqs):
    """``test_kinesis_event_source_mapping_with_on_failure_destination_config``: one failing record,
    BatchSize 1, one retry; the timeline shows as many invocations as the recorded record counts."""
    entry = recorded(KINESIS, KINESIS_TEST + "test_kinesis_event_source_mapping_with_on_failure_destination_config")
    settings = entry["create_event_source_mapping_response"]
    context = entry["sqs_payload"]["Messages"][0]["Body"]["requestContext"]
    arn = make_stream(kinesis)
    url, dlq_arn = make_queue(sqs, "destination")
    create_function("reader", FAILS)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="reader", StartingPosition=settings["StartingPosition"],
        BatchSize=settings["BatchSize"], MaximumBatchingWindowInSeconds=settings["MaximumBatchingWindowInSeconds"],
        MaximumRetryAttempts=settings["MaximumRetryAttempts"],
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})["UUID"]
    put(kinesis, "events", {"record": 1})
    lambda_mock.run_until_idle()
    lines = entries(shard_lines(lambda_mock, uuid))
    invocations = [text for _, text in lines if text.startswith("batch ")]
    assert len(invocations) == context["approximateInvokeCount"]
    assert all(text.startswith("batch seq 1 (1 record): ValueError: always") for text in invocations)
    assert lines[0][0] == 0.0  # a full batch (BatchSize 1) does not wait for the batching window
    assert lines[-1] == (retry_delay(1),
                         f"given up seq 1 (1 record): {context['condition']} (approximateInvokeCount "
                         f"{context['approximateInvokeCount']}) -> on-failure record sent to {dlq_arn}")
    assert json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])["requestContext"]["condition"] == \
        context["condition"]


def test_a_timeline_without_stream_mappings_is_unchanged(lambda_mock):
    assert lambda_mock.timeline().splitlines() == [lambda_mock.timeline().splitlines()[0]]
    assert "stream mapping" not in lambda_mock.timeline()


def test_a_failing_test_shows_each_shards_batches(pytester):
    pytester.makepyfile(test_stream='''
import io, json, zipfile
import boto3

def test_reader(lambda_mock):
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    kinesis.create_stream(StreamName="events", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="events")["StreamDescription"]["StreamARN"]
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").writestr("handler.py", "def handler(e, c):\\n    raise KeyError('id')\\n")
    client = boto3.client("lambda", region_name="us-east-1")
    client.create_function(FunctionName="reader", Runtime="python3.12", Role=role, Handler="handler.handler",
                           Code={"ZipFile": buffer.getvalue()})
    client.create_event_source_mapping(EventSourceArn=arn, FunctionName="reader", StartingPosition="TRIM_HORIZON",
                                       MaximumRetryAttempts=0)
    kinesis.put_record(StreamName="events", Data=b"{}", PartitionKey="k")
    lambda_mock.run_until_idle()
    assert lambda_mock.invocations()  # stream batches are not asynchronous events: this fails
''')
    # in this process, so that this checkout's plugin shows the report
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*mocklambda timeline*",
        "mocklambda: no asynchronous events*",
        "mocklambda: stream mapping *: arn:aws:kinesis:us-east-1:123456789012:stream/events -> *function:reader",
        "  shardId-000000000000",
        "    +   0.000s  batch seq 1 (1 record): KeyError: 'id' -> given up",
        "    +   0.000s  given up seq 1 (1 record): RetryAttemptsExhausted (approximateInvokeCount 1) -> dropped*",
    ])
