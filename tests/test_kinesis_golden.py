"""Kinesis mappings replayed from AWS's recordings (``event-source-mappings/
test_lambda_integration_kinesis.snapshot.json``): the same calls as the upstream tests
(``tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.py``), on the
mock's clock, and what a test reads back compared with what AWS answered."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from tests.helpers import make_queue, on_failure_target
from tests.test_golden_snapshots import as_recorded, assert_shape, recorded, without_system_attributes

KINESIS = "event-source-mappings/test_lambda_integration_kinesis.snapshot.json"
TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_kinesis.py::"
        "TestKinesisSource::")

# LocalStack's lambda_integration.py, as far as these tests use it: raises when the record asks to
RAISES_ON_REQUEST = """
import base64, json
def handler(event, context):
    print(json.dumps(event))
    for record in event["Records"]:
        if json.loads(base64.b64decode(record["kinesis"]["data"])).get("raise_error"):
            raise Exception("Test exception (this is intentional)")
    return {"event": event}
"""
ECHO_FAILURE = """
import json
def handler(event, context):
    print(json.dumps({"event": event, "aws_request_id": context.aws_request_id}))
    raise Exception("intentional failure")
"""
BATCH_ITEM_FAILURES = """
import base64, json
def handler(event, context):
    print(json.dumps(event))
    failures = []
    for record in event.get("Records", []):
        if json.loads(base64.b64decode(record["kinesis"]["data"])).get("should_fail", False):
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
    return {"batchItemFailures": failures}
"""
FAILING_MESSAGE = {"input": "hello", "value": "world", "raise_error": 1}


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


def stream(kinesis: Any, name: str = "test-kinesis") -> str:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def received(sqs: Any, url: str) -> dict[str, Any]:
    response = as_recorded(sqs.receive_message(QueueUrl=url))
    response["Messages"] = [without_system_attributes(m) for m in response.get("Messages", [])]
    return response


def recording(test: str) -> dict[str, Any]:
    return recorded(KINESIS, TEST + test)


def logged_events(logs: Any, function: str) -> list[dict[str, Any]]:
    """The events a function printed (``print(json.dumps(event))``), read from CloudWatch Logs as
    the upstream tests read them."""
    group = f"/aws/lambda/{function}"
    found = []
    for log_stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for event in logs.get_log_events(logGroupName=group, logStreamName=log_stream["logStreamName"])["events"]:
            try:
                value = json.loads(event["message"])
            except ValueError:
                continue
            if isinstance(value, dict) and "Records" in value:
                found.append(value)
    return found


# LocalStack's create_lambda_with_response (event_source_mapping/utils.py)
def with_response(response: Any) -> str:
    return f"import json\ndef handler(event, context):\n    print(json.dumps(event))\n    return {response}\n"


def test_records_of_a_put_records_call_reach_the_function_as_recorded(lambda_mock, lambda_client, create_function,
                                                                      kinesis):
    expected = recording("test_create_kinesis_event_source_mapping")
    arn = stream(kinesis)
    events: list[dict[str, Any]] = []
    create_function("echo", "def handler(event, context):\n    return event\n")
    lambda_mock.handler("echo", lambda event, context: events.append(event))
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="echo", StartingPosition="LATEST")
    kinesis.put_records(StreamName="test-kinesis", Records=[
        {"Data": b"hello", "PartitionKey": f"test_{i}"} for i in range(10)])
    lambda_mock.run_until_idle()
    assert len(events) == 1  # one put_records call: one batch
    assert_shape([(events[0], expected["kinesis_records"])], ordered=False)  # recorded from logs, keys sorted
    assert int(events[0]["Records"][0]["kinesis"]["approximateArrivalTimestamp"]) > 10**9  # seconds (recorded check)


@pytest.mark.parametrize("destination", ["sqs", "sns", "s3"])
def test_on_failure_destinations_receive_awss_record(lambda_mock, lambda_client, create_function, kinesis, sqs,
                                                     destination):
    test = {"sqs": "test_kinesis_event_source_mapping_with_on_failure_destination_config",
            "sns": "test_kinesis_event_source_mapping_with_sns_on_failure_destination_config",
            "s3": "test_kinesis_event_source_mapping_with_s3_on_failure_destination"}[destination]
    expected = recording(test)
    arn = stream(kinesis)
    create_function("integration", RAISES_ON_REQUEST)
    url, target = on_failure_target(sqs, destination)
    s3 = boto3.client("s3", region_name="us-east-1")
    response = lambda_client.create_event_source_mapping(
        FunctionName="integration", BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": target}})
    kinesis.put_record(StreamName="test-kinesis", Data=json.dumps(FAILING_MESSAGE).encode(), PartitionKey="custom")
    lambda_mock.run_until_idle()
    pairs: list[tuple[Any, Any]] = []
    if destination == "sqs":
        pairs.append((received(sqs, url), expected["sqs_payload"]))
    elif destination == "sns":
        envelope = json.loads(received(sqs, url)["Messages"][0]["Body"])
        pairs.append(({k: envelope[k] for k in expected["failure_sns_message"]}, expected["failure_sns_message"]))
    else:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="on-failure-bucket")["Contents"]]
        assert len(keys) == 1
        assert re.fullmatch(rf"aws/lambda/{response['UUID']}/shardId-000000000000/\d{{4}}/\d\d/\d\d/"
                            r"\d{4}-\d\d-\d\dT\d\d\.\d\d\.\d\d-[0-9a-f-]{36}", keys[0]), keys[0]
        body = json.loads(s3.get_object(Bucket="on-failure-bucket", Key=keys[0])["Body"].read())
        # the recorder sorted the object's keys but not the event's, which AWS writes as text (stream spec S4.5)
        assert list(body) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo",
                              "payload"]
        assert isinstance(body["payload"], str)
        record_body = expected["record_body"]
        pairs.append((body["payload"], record_body["payload"]))
        assert_shape([({k: v for k, v in body.items() if k != "payload"},
                       {k: v for k, v in record_body.items() if k != "payload"})], ordered=False)
        stamp = body["timestamp"]  # the key's date and time are the record's own (stream spec S4.6)
        assert keys[0].split("/")[4:7] == stamp[:10].split("-")
        assert keys[0].split("/")[7].startswith(stamp[:19].replace(":", "."))
    assert_shape(pairs)


def test_report_batch_item_failures_checkpoint_at_the_failed_record(lambda_mock, lambda_client, create_function,
                                                                    kinesis, sqs):
    expected = recording("test_kinesis_report_batch_item_failures")
    arn = stream(kinesis)
    create_function("reporter", BATCH_ITEM_FAILURES)
    events: list[dict[str, Any]] = []
    url, queue_arn = make_queue(sqs, "on-failure")
    lambda_client.create_event_source_mapping(
        FunctionName="reporter", BatchSize=3, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}}, FunctionResponseTypes=["ReportBatchItemFailures"])
    kinesis.put_records(StreamName="test-kinesis", Records=[
        {"Data": json.dumps({"should_fail": i == 5}).encode(), "PartitionKey": f"test_{i}"} for i in range(6)])
    lambda_mock.run_until_idle()
    assert_shape([(received(sqs, url), expected["sqs_payload"])])
    batches = logged_events(boto3.client("logs", region_name="us-east-1"), "reporter")
    records = sorted((r for b in batches for r in b["Records"]), key=lambda r: r["kinesis"]["partitionKey"])
    assert_shape([({"Records": records}, expected["kinesis_records"])], ordered=False)
    del events


FAILURES = {
    "item_identifier_not_present_failure": {"batchItemFailures": [{"itemIdentifier": 123}]},
    "empty_string_item_identifier_failure": {"batchItemFailures": [{"itemIdentifier": ""}]},
    "null_item_identifier_failure": {"batchItemFailures": [{"itemIdentifier": None}]},
    "invalid_key_foo_failure": {"batchItemFailures": [{"foo": 123}]},
    "invalid_key_foo_null_value_failure": {"batchItemFailures": [{"foo": None}]},
    "unhandled_exception_in_function": "(lambda: 1 / 0)()",
}
SUCCESSES = {
    "empty_string_success": "",
    "empty_list_success": [],
    "null_success": None,
    "empty_dict_success": {},
    "empty_batch_item_failure_success": {"batchItemFailures": []},
    "null_batch_item_failure_success": {"batchItemFailures": None},
}


@pytest.mark.parametrize("scenario", [*FAILURES, *SUCCESSES])
def test_batch_item_failure_responses_are_read_as_aws_reads_them(lambda_mock, lambda_client, create_function,
                                                                 kinesis, sqs, scenario):
    failure = scenario in FAILURES
    kind = "failure" if failure else "success"
    expected = recording(f"test_kinesis_report_batch_item_{kind}_scenarios[{scenario}]")
    arn = stream(kinesis)
    create_function("responder", with_response({**FAILURES, **SUCCESSES}[scenario]))
    url, queue_arn = make_queue(sqs, "on-failure")
    lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="responder", StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumBatchingWindowInSeconds=1, FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=2,
        **({"DestinationConfig": {"OnFailure": {"Destination": queue_arn}}} if failure else {}))
    kinesis.put_record(Data=b"hello", PartitionKey="test", StreamName="test-kinesis")
    lambda_mock.run_until_idle()
    events = logged_events(boto3.client("logs", region_name="us-east-1"), "responder")
    pairs: list[tuple[Any, Any]] = [(events, expected["kinesis_events"])]  # 3 attempts, or 1
    if failure:
        pairs.append((received(sqs, url), expected["sqs_payload"]))
    assert_shape(pairs)


@pytest.mark.parametrize(("scenario", "delay", "retries"), [("expire-while-retrying", 0, -1),
                                                            ("expire-before-ingestion", 61, 0)])
@pytest.mark.lambda_mock(mode="manual")
def test_records_older_than_maximum_record_age_are_given_up(lambda_mock, lambda_client, create_function, kinesis,
                                                            sqs, scenario, delay, retries):
    expected = recording(f"test_kinesis_maximum_record_age_exceeded[{scenario}]")
    arn = stream(kinesis)
    kinesis.put_record(Data=b"stream-data", PartitionKey="test", StreamName="test-kinesis")
    lambda_mock.clock.advance(delay)  # upstream: sleep(60), then creating the function took more
    create_function("echo-fail", ECHO_FAILURE)
    url, queue_arn = make_queue(sqs, "on-failure")
    lambda_client.create_event_source_mapping(
        FunctionName="echo-fail", BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=retries, MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    lambda_mock.run_until_idle()
    assert_shape([(received(sqs, url), expected["record_age_exceeded_payload"])])  # approximateInvokeCount 8 / 1


@pytest.mark.lambda_mock(mode="manual")
def test_only_the_expired_head_of_a_batch_is_given_up(lambda_mock, lambda_client, create_function, kinesis, sqs):
    expected = recording("test_kinesis_maximum_record_age_exceeded_discard_records")
    arn = stream(kinesis)
    kinesis.put_record(Data=b"stream-data", PartitionKey="test", StreamName="test-kinesis")
    lambda_mock.clock.advance(80)
    events: list[dict[str, Any]] = []
    create_function("forwarder", "def handler(event, context):\n    return None\n")
    lambda_mock.handler("forwarder", lambda event, context: events.append(event))
    url, queue_arn = make_queue(sqs, "on-failure")
    kinesis.put_records(StreamName="test-kinesis", Records=[
        {"Data": f"stream-data-{i + 1}".encode(), "PartitionKey": "test"} for i in range(5)])
    lambda_client.create_event_source_mapping(
        FunctionName="forwarder", BatchSize=10, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=0, MaximumRecordAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    lambda_mock.run_until_idle()
    assert_shape([(received(sqs, url), expected["record_age_exceeded_payload"])])
    records = [r for e in events for r in e["Records"]]
    assert_shape([(records, expected["Records"])])


KINESIS_LOG = """
import json
from base64 import b64decode
def handler(event, context):
    print(json.dumps([json.loads(b64decode(r["kinesis"]["data"].encode()).decode()) for r in event["Records"]]))
"""


def test_filter_criteria_send_each_function_only_its_records(lambda_mock, lambda_client, create_function, kinesis):
    expected = recorded(KINESIS, TEST.replace("TestKinesisSource", "TestKinesisEventFiltering")
                        + "test_kinesis_event_filtering_json_pattern")
    arn = stream(kinesis)
    for name in ("function_1", "function_2"):
        create_function(name, KINESIS_LOG)
        lambda_client.create_event_source_mapping(
            FunctionName=name, BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
            MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"data": {"event_type": [name]}})}]})
    for message in ({"event_type": "function_1", "message": "foo"}, {"event_type": "function_2", "message": "bar"}):
        kinesis.put_record(StreamName="test-kinesis", Data=json.dumps(message).encode(), PartitionKey="custom")
    lambda_mock.run_until_idle()
    logs = boto3.client("logs", region_name="us-east-1")
    for name, seen in (("function_1", "foo"), ("function_2", "bar")):
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        assert len([e for e in events if e["message"].startswith("REPORT")]) == 1  # one invocation each
        printed = [e["message"] for e in events if "{" in e["message"]]
        assert [json.loads(m)[0]["message"] for m in printed] == [seen]
        if name == "function_1":
            assert printed[0] == expected["kinesis-record-lambda-payload"] + "\n"  # the recorded line
