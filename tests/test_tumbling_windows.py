"""Tumbling windows (``TumblingWindowInSeconds``) of a Kinesis mapping, through boto3, on the mock's
clock (issue 14, item 4). ``S5.<n>`` cite the stream spec (``tests/reference/stream-mappings-spec.md``
§5, AWS's "Time windows" documentation; quoted in ``mocklambda/_core/tumbling_windows.py``). No
recording of a windowed invocation exists, so the records inside a window event are compared with the
recorded Kinesis event (``test_kinesis_event_source_trim_horizon``) and the rest with AWS's samples.
"""

from __future__ import annotations

import copy
import json
import math
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from mocklambda import MockLambdaWarning
from tests.helpers import make_queue
from tests.test_golden_snapshots import recorded

KINESIS_RECORDINGS = "event-source-mappings/test_lambda_integration_kinesis.snapshot.json"
TRIM_HORIZON_TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.py::"
                     "TestKinesisSource::test_kinesis_event_source_trim_horizon")
WINDOW = 60
EVENT_KEYS = ["Records", "window", "state", "shardId", "eventSourceARN", "isFinalInvokeForWindow",
              "isWindowTerminatedEarly"]  # S5.2: KinesisTimeWindowEvent, in its order


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


@pytest.fixture
def stream(kinesis: Any) -> str:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    return str(kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"])


def put(kinesis: Any, *values: Any, key: str = "k") -> None:
    kinesis.put_records(StreamName="clicks", Records=[
        {"Data": json.dumps(value).encode(), "PartitionKey": key} for value in values])


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def align(lam: Any, length: int = WINDOW) -> tuple[datetime, datetime]:
    """Moves the clock one second into the next window of ``length`` seconds (windows are aligned to
    the epoch, as AWS's samples are); that window's start and end."""
    now = lam.clock.now()
    start = datetime.fromtimestamp(math.floor(now.timestamp() / length + 1) * length, tz=timezone.utc)
    lam.clock.advance(start + timedelta(seconds=1) - now)
    return start, start + timedelta(seconds=length)


class Windowed:
    """A window handler: counts the window's records in its state (``{"count": n}``) and keeps
    each event it got, with the mock's time it came at; ``fail`` decides per call (0, 1, ...) to
    raise, or to answer something else than AWS's response."""

    def __init__(self, lam: Any, fail: Any = None) -> None:
        self.lam, self.fail = lam, fail
        self.events: list[dict[str, Any]] = []
        self.times: list[datetime] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.events.append(copy.deepcopy(event))
        self.times.append(self.lam.clock.now())
        answer = self.fail(len(self.events) - 1, event) if self.fail is not None else None
        if isinstance(answer, Exception):
            raise answer
        if answer is not None:
            return answer
        if event["isFinalInvokeForWindow"]:
            return {"state": event["state"]}
        return {"state": {"count": event["state"].get("count", 0) + len(event["Records"])}}

    def summary(self) -> list[tuple[int, dict[str, Any], bool, bool]]:
        """(records, state, isFinalInvokeForWindow, isWindowTerminatedEarly) of each event."""
        return [(len(e["Records"]), e["state"], e["isFinalInvokeForWindow"], e["isWindowTerminatedEarly"])
                for e in self.events]


@pytest.fixture
def windowed(lambda_mock: Any, create_function: Any) -> Windowed:
    create_function("counter", "def handler(event, context):\n    return None\n")
    handler = Windowed(lambda_mock)
    lambda_mock.handler("counter", handler)
    return handler


def key_paths(value: Any, prefix: str = "") -> list[str]:
    """Every key of a JSON document, depth first, in order."""
    if not isinstance(value, dict):
        return []
    return [path for key, item in value.items() for path in [prefix + key, *key_paths(item, prefix + key + ".")]]


@pytest.mark.lambda_mock(mode="manual")
def test_a_windows_batches_carry_its_state_and_its_final_invoke_comes_when_it_ends(
        lambda_mock, lambda_client, kinesis, stream, windowed):
    start, end = align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter", BatchSize=2,
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, *range(5))
    lambda_mock.clock.advance(end - lambda_mock.clock.now() - timedelta(milliseconds=1))
    # S5.4: batches of one window, each handed the state the previous one returned ({} first)
    assert windowed.summary() == [(2, {}, False, False), (2, {"count": 2}, False, False),
                                  (1, {"count": 4}, False, False)]
    lambda_mock.clock.advance(timedelta(milliseconds=1))
    # S5.6: when the window ends its final invoke gets the last state (no records: ours)
    assert windowed.summary()[3:] == [(0, {"count": 5}, True, False)]
    assert windowed.times[3] == end
    for event in windowed.events:
        assert list(event) == EVENT_KEYS  # S5.2
        assert event["window"] == {"start": iso(start), "end": iso(end)}  # S5.3: epoch-aligned, whole seconds
        assert (event["shardId"], event["eventSourceARN"]) == ("shardId-000000000000", stream)
    golden = recorded(KINESIS_RECORDINGS, TRIM_HORIZON_TEST)["invocation_events"][0]["event"]["Records"][0]
    assert key_paths(windowed.events[0]["Records"][0]) == key_paths(golden)  # the records as recorded


@pytest.mark.lambda_mock(mode="manual")
def test_a_batch_never_spans_two_windows_and_the_earlier_window_closes_first(
        lambda_mock, lambda_client, kinesis, stream, windowed):
    start, end = align(lambda_mock)
    uuid = lambda_client.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="counter", StartingPosition="TRIM_HORIZON", Enabled=False,
        TumblingWindowInSeconds=WINDOW)["UUID"]
    put(kinesis, "a")
    lambda_mock.clock.advance(WINDOW)  # the next records arrive in the next window
    put(kinesis, "b", "c")
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=True)
    lambda_mock.run_until_idle()
    # S5.3: each record belongs to its window; the first window's final invoke precedes the next window
    assert windowed.summary()[:3] == [(1, {}, False, False), (0, {"count": 1}, True, False), (2, {}, False, False)]
    assert [e["window"]["start"] for e in windowed.events[:3]] == [iso(start), iso(start), iso(end)]
    assert windowed.summary()[3:] == [(0, {"count": 2}, True, False)]  # run_until_idle reaches the window's end


@pytest.mark.lambda_mock(mode="manual")
def test_a_response_without_state_is_a_failed_invocation_retried_by_the_mappings_policy(
        lambda_mock, lambda_client, kinesis, stream, windowed, sqs):
    url, queue_arn = make_queue(sqs, "discarded")
    windowed.fail = lambda call, event: None if event["isFinalInvokeForWindow"] else {"count": 1}
    align(lambda_mock)
    lambda_client.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="counter", StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW,
        MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    put(kinesis, "a", "b")
    lambda_mock.run_until_idle()
    # S5.4: no `state`, a failed invocation; S5.7: retried once (MaximumRetryAttempts=1), then discarded
    assert windowed.summary() == [(2, {}, False, False), (2, {}, False, False), (0, {}, True, False)]
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2
    assert body["responseContext"]["functionError"] is None  # the function itself did not fail
    assert body["KinesisBatchInfo"]["batchSize"] == 2


@pytest.mark.lambda_mock(mode="manual")
def test_a_failed_batch_is_retried_with_the_state_it_was_given(lambda_mock, lambda_client, kinesis, stream,
                                                                windowed):
    windowed.fail = lambda call, event: ValueError("flaky") if call == 1 else None
    align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter", BatchSize=2,
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, 1, 2, 3, 4)
    lambda_mock.run_until_idle()
    assert windowed.summary() == [(2, {}, False, False), (2, {"count": 2}, False, False),
                                  (2, {"count": 2}, False, False), (0, {"count": 4}, True, False)]


@pytest.mark.lambda_mock(mode="manual")
def test_a_failing_final_invoke_holds_the_shard_until_it_succeeds(lambda_mock, lambda_client, kinesis, stream,
                                                                  windowed):
    finals = []

    def fail_first_two_finals(call: int, event: dict[str, Any]) -> Any:
        if event["isFinalInvokeForWindow"]:
            finals.append(call)
            return RuntimeError("cannot store the aggregate") if len(finals) <= 2 else None
        return None

    windowed.fail = fail_first_two_finals
    _, end = align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter",
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, "a")
    lambda_mock.clock.advance(end - lambda_mock.clock.now())
    put(kinesis, "b")  # the next window's record waits behind the failed final invoke (S5.6)
    lambda_mock.run_until_idle()  # the final invoke's retries are background work: not chased
    assert windowed.summary() == [(1, {}, False, False), (0, {"count": 1}, True, False)]
    lambda_mock.clock.advance(0.5)  # the lane's backoff: 0.5 s, then 1 s
    assert len(windowed.events) == 3
    lambda_mock.clock.advance(1)
    assert windowed.summary()[3:] == [(0, {"count": 1}, True, False), (1, {}, False, False)]
    assert windowed.times[2:] == [end + timedelta(seconds=0.5), end + timedelta(seconds=1.5),
                                  end + timedelta(seconds=1.5)]


@pytest.mark.lambda_mock(mode="manual")
def test_a_final_invoke_without_state_fails_and_says_so(lambda_mock, lambda_client, kinesis, stream, windowed):
    windowed.fail = lambda call, event: {"done": True} if event["isFinalInvokeForWindow"] and call < 2 else None
    _, end = align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter",
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, "a")
    with pytest.warns(MockLambdaWarning, match="returned no `state`"):
        lambda_mock.clock.advance(end - lambda_mock.clock.now())
    lambda_mock.clock.advance(0.5)
    assert windowed.summary() == [(1, {}, False, False), (0, {"count": 1}, True, False),
                                  (0, {"count": 1}, True, False)]


@pytest.mark.lambda_mock(mode="manual")
def test_a_state_over_1_mb_ends_the_window_early_and_it_goes_on_with_a_fresh_state(
        lambda_mock, lambda_client, kinesis, stream, windowed):
    big = {"blob": "x" * (1024 * 1024)}
    windowed.fail = lambda call, event: {"state": big} if call == 0 else None
    start, end = align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter", BatchSize=1,
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, "a", "b")
    lambda_mock.clock.advance(end - lambda_mock.clock.now())
    # S5.5: the final invoke ends the window early with that state; the window then starts over
    assert windowed.summary() == [(1, {}, False, False), (0, big, True, True), (1, {}, False, False),
                                  (0, {"count": 1}, True, False)]
    assert {e["window"]["start"] for e in windowed.events} == {iso(start)}
    assert windowed.times[1] == start + timedelta(seconds=1)  # at once, not when the window ends


@pytest.mark.lambda_mock(mode="manual")
def test_reported_item_failures_keep_the_state_returned_with_them(lambda_mock, lambda_client, kinesis, stream,
                                                                   windowed):
    def first_record_only(call: int, event: dict[str, Any]) -> Any:
        if call == 0:
            second = event["Records"][1]["kinesis"]["sequenceNumber"]
            return {"state": {"count": 1}, "batchItemFailures": [{"itemIdentifier": second}]}
        return None

    windowed.fail = first_record_only
    align(lambda_mock)
    lambda_client.create_event_source_mapping(
        EventSourceArn=stream, FunctionName="counter", StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    put(kinesis, "a", "b", "c")
    lambda_mock.run_until_idle()
    # the response is TimeWindowEventResponse {state, batchItemFailures} (S5.4): the retry from the
    # checkpoint gets the state that counted the records before it
    assert windowed.summary() == [(3, {}, False, False), (2, {"count": 1}, False, False),
                                  (0, {"count": 3}, True, False)]


def test_in_auto_mode_the_window_closes_when_the_queue_settles(lambda_mock, lambda_client, kinesis, stream,
                                                               windowed):
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter",
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=900)
    put(kinesis, "a", "b")
    kinesis.describe_stream(StreamName="clicks")  # any AWS call settles the queue first
    assert windowed.summary() == [(2, {}, False, False), (0, {"count": 2}, True, False)]
    end = datetime.strptime(windowed.events[1]["window"]["end"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert windowed.times[1] == end


@pytest.mark.lambda_mock(mode="manual")
def test_each_parallelization_slot_keeps_a_window_of_its_own(lambda_mock, lambda_client, kinesis, stream,
                                                              windowed):
    keys = ["k0", next(f"k{n}" for n in range(1, 100)
                       if zlib.crc32(f"k{n}".encode()) % 2 != zlib.crc32(b"k0") % 2)]  # two slots
    align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter", ParallelizationFactor=2,
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    put(kinesis, 1, 2, key=keys[0])
    put(kinesis, 3, key=keys[1])
    lambda_mock.run_until_idle()
    finals = sorted(e["state"]["count"] for e in windowed.events if e["isFinalInvokeForWindow"])
    assert finals == [1, 2]  # ours: a slot is a lane of its own, so it aggregates its own keys


@pytest.mark.lambda_mock(mode="manual")
def test_a_dynamodb_streams_windows_work_the_same_way(lambda_mock, lambda_client, aws_region, windowed):
    dynamodb = boto3.client("dynamodb", region_name=aws_region)
    dynamodb.create_table(TableName="clicks", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST",
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    stream = dynamodb.describe_table(TableName="clicks")["Table"]["LatestStreamArn"]
    start, end = align(lambda_mock)
    lambda_client.create_event_source_mapping(EventSourceArn=stream, FunctionName="counter",
                                              StartingPosition="TRIM_HORIZON", TumblingWindowInSeconds=WINDOW)
    dynamodb.put_item(TableName="clicks", Item={"pk": {"S": "a"}})
    lambda_mock.clock.advance(1)
    for key in ("b", "c"):
        dynamodb.put_item(TableName="clicks", Item={"pk": {"S": key}})
    lambda_mock.clock.advance(end - lambda_mock.clock.now())
    assert windowed.summary() == [(1, {}, False, False), (2, {"count": 1}, False, False),
                                  (0, {"count": 3}, True, False)]
    shard = windowed.events[0]["shardId"]
    for event in windowed.events:
        assert list(event) == EVENT_KEYS  # S5.2: DynamodbTimeWindowEvent
        assert event["window"] == {"start": iso(start), "end": iso(end)}
        assert (event["shardId"], event["eventSourceARN"]) == (shard, stream)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for e in windowed.events for r in e["Records"]] == ["a", "b", "c"]
    assert shard.startswith("shardId-")
