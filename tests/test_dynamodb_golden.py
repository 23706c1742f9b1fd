"""DynamoDB Streams mappings replayed from AWS's recordings (``event-source-mappings/
test_lambda_integration_dynamodbstreams.snapshot.json``): the same calls as the upstream tests
(``tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams.py``),
on the mock's clock, and what a test reads back compared with what AWS answered: the event the
handler logged (key order included, attributes inside images too), on-failure records on SQS, SNS
and S3 (``DDBStreamBatchInfo``), and ``ReportBatchItemFailures`` responses. Stream spec S7 (records),
S4 (on-failure records), S3 (failure handling)."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import boto3
import pytest

from tests.helpers import make_queue, on_failure_target
from tests.test_golden_snapshots import assert_shape, recorded
from tests.test_kinesis_golden import FAILURES as KINESIS_FAILURES
from tests.test_kinesis_golden import SUCCESSES as KINESIS_SUCCESSES
from tests.test_kinesis_golden import received, with_response

DYNAMODB = "event-source-mappings/test_lambda_integration_dynamodbstreams.snapshot.json"
TEST = ("tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams.py::"
        "TestDynamoDBEventSourceMapping::")
KEY = "my_partition_key"

# LocalStack's lambda_echo.py (TEST_LAMBDA_PYTHON_ECHO) and lambda_unhandled_error.py
ECHO = "import json\ndef handler(event, context):\n    print(json.dumps(event))\n    return event\n"
UNHANDLED_ERROR = "def handler(event, context):\n    raise Exception('Test exception (this is intentional)')\n"
# LocalStack's lambda_report_batch_item_failures_dynamodb.py, as far as it behaves
BATCH_ITEM_FAILURES = """
import json
def handler(event, context):
    print(json.dumps(event))
    failures = []
    for record in event.get("Records", []):
        if record["dynamodb"].get("NewImage", {}).get("should_fail", {}).get("BOOL", False):
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def dynamodb(aws_region: str) -> Any:
    return boto3.client("dynamodb", region_name=aws_region)


def recording(test: str) -> dict[str, Any]:
    return recorded(DYNAMODB, TEST + test)


def stream_of_new_table(dynamodb: Any, name: str = "test-table") -> str:
    """As upstream: a table on ``my_partition_key``, then UpdateTable turning on a NEW_IMAGE stream."""
    dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}])
    response = dynamodb.update_table(TableName=name,
                                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    return response["TableDescription"]["LatestStreamArn"]


def logged_events(function: str) -> list[str]:
    """The events a function printed, as the JSON text it printed (AWS's key order), with
    ``ApproximateCreationDateTime`` checked as the upstream test checks it: a float (the shape
    comparison's mask would let an int pass) of 10 digits before the point."""
    logs = boto3.client("logs", region_name="us-east-1")
    group = f"/aws/lambda/{function}"
    found = []
    for log_stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        for event in logs.get_log_events(logGroupName=group, logStreamName=log_stream["logStreamName"])["events"]:
            try:
                value = json.loads(event["message"])
            except ValueError:
                continue
            if not isinstance(value, dict) or "Records" not in value:
                continue
            for record in value["Records"]:
                created = record["dynamodb"]["ApproximateCreationDateTime"]
                assert isinstance(created, float) and int(math.log10(created)) == 9, created
            found.append(event["message"])
    return found


def test_an_item_put_reaches_the_function_as_recorded(lambda_mock, lambda_client, create_function, dynamodb):
    expected = recording("test_dynamodb_event_source_mapping")
    arn = stream_of_new_table(dynamodb)
    create_function("echo", ECHO, Runtime="python3.12")
    lambda_client.create_event_source_mapping(FunctionName="echo", BatchSize=1, StartingPosition="TRIM_HORIZON",
                                              EventSourceArn=arn, MaximumBatchingWindowInSeconds=1,
                                              MaximumRetryAttempts=1)
    dynamodb.put_item(TableName="test-table", Item={KEY: {"S": "hello world"}, "binary_key": {"B": b"foobar"}})
    lambda_mock.run_until_idle()
    assert_shape([(logged_events("echo"), expected["event_logs"])])  # SizeBytes 70; NewImage binary_key first


@pytest.mark.parametrize("destination", ["sqs", "sns", "s3"])
def test_on_failure_destinations_receive_awss_record(lambda_mock, lambda_client, create_function, dynamodb, sqs,
                                                     destination):
    test = {"sqs": "test_dynamodb_event_source_mapping_with_on_failure_destination_config",
            "sns": "test_dynamodb_event_source_mapping_with_sns_on_failure_destination_config",
            "s3": "test_dynamodb_event_source_mapping_with_s3_on_failure_destination"}[destination]
    expected = recording(test)
    arn = stream_of_new_table(dynamodb)
    create_function("failing", UNHANDLED_ERROR, Runtime="python3.12")
    url, target = on_failure_target(sqs, destination)
    s3 = boto3.client("s3", region_name="us-east-1")
    response = lambda_client.create_event_source_mapping(
        FunctionName="failing", BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": target}})
    dynamodb.put_item(TableName="test-table", Item={KEY: {"S": "hello world"}})
    lambda_mock.run_until_idle()
    if destination == "sqs":  # approximateInvokeCount 2, functionError Unhandled, DDBStreamBatchInfo
        assert_shape([(received(sqs, url), expected["destination_queue_messages"])])
        return
    if destination == "sns":
        envelope = json.loads(received(sqs, url)["Messages"][0]["Body"])
        expected_message = expected["failure_sns_message"]
        assert_shape([({k: envelope[k] for k in expected_message}, expected_message)])
        return
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="on-failure-bucket")["Contents"]]
    assert len(keys) == 1
    body = json.loads(s3.get_object(Bucket="on-failure-bucket", Key=keys[0])["Body"].read())
    record_body = expected["record_body"]
    # the payload is the event as the function got it, in AWS's order (the recorder kept it unsorted)
    payload = json.loads(body["payload"]) if isinstance(body["payload"], str) else body["payload"]
    (record,) = payload["Records"]
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    assert_shape([(json.dumps(payload), record_body["payload"])])  # SizeBytes 54
    assert_shape([({k: v for k, v in body.items() if k != "payload"},
                   {k: v for k, v in record_body.items() if k != "payload"})], ordered=False)
    stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))  # upstream's key check
    shard = body["DDBStreamBatchInfo"]["shardId"]
    assert keys[0].startswith(f"aws/lambda/{response['UUID']}/{shard}/{stamp:%Y/%m/%d}/{stamp:%Y-%m-%dT%H.%M.%S}")
    assert re.fullmatch(r".*-[0-9a-f-]{36}", keys[0]), keys[0]


@pytest.mark.lambda_mock(mode="manual")
def test_report_batch_item_failures_checkpoint_at_the_failed_record(lambda_mock, lambda_client, create_function,
                                                                    dynamodb, sqs):
    """Six items written 0.1 s apart, batches of 3 within a 1 s window: testId5 fails, the
    checkpoint moves past the five that succeeded, and it is retried alone three times before
    its record reaches the on-failure queue (testId5 runs five times in all, as recorded)."""
    expected = recording("test_dynamodb_report_batch_item_failures")
    arn = stream_of_new_table(dynamodb)
    create_function("reporter", BATCH_ITEM_FAILURES, Runtime="python3.12")
    url, queue_arn = make_queue(sqs, "on-failure")
    lambda_client.create_event_source_mapping(
        FunctionName="reporter", BatchSize=3, StartingPosition="TRIM_HORIZON", EventSourceArn=arn,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=3,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}}, FunctionResponseTypes=["ReportBatchItemFailures"])
    for number in range(6):
        dynamodb.put_item(TableName="test-table", Item={KEY: {"S": f"testId{number}"},
                                                        "should_fail": {"BOOL": number == 5}})
        lambda_mock.clock.advance(0.1)
    lambda_mock.run_until_idle()
    assert_shape([(received(sqs, url), expected["destination_queue_messages"])])  # approximateInvokeCount 4
    batches = [json.loads(text) for text in logged_events("reporter")]
    records = sorted((r for b in batches for r in b["Records"]), key=lambda r: r["dynamodb"]["Keys"][KEY]["S"])
    assert_shape([({"Records": records}, expected["dynamodb_records"])], ordered=False)  # recorder sorted keys


# the upstream tests' responses (the Kinesis ones; DynamoDB's recordings have no empty-string run)
FAILURES = KINESIS_FAILURES
SUCCESSES = {name: value for name, value in KINESIS_SUCCESSES.items() if name != "empty_string_success"}


@pytest.mark.parametrize("scenario", [*FAILURES, *SUCCESSES])
def test_batch_item_failure_responses_are_read_as_aws_reads_them(lambda_mock, lambda_client, create_function,
                                                                 dynamodb, sqs, scenario):
    failure = scenario in FAILURES
    expected = recording(f"test_dynamodb_report_batch_item_{'failure' if failure else 'success'}_scenarios[{scenario}]")
    arn = stream_of_new_table(dynamodb)
    create_function("responder", with_response({**FAILURES, **SUCCESSES}[scenario]), Runtime="python3.12")
    url, queue_arn = make_queue(sqs, "on-failure")
    if failure:  # as upstream: a failure run has a destination and 3 retries, a success run 2 and none
        settings: dict[str, Any] = {"BatchSize": 3, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 3,
                                    "DestinationConfig": {"OnFailure": {"Destination": queue_arn}}}
    else:
        settings = {"BatchSize": 1, "MaximumBatchingWindowInSeconds": 0, "MaximumRetryAttempts": 2}
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="responder",
                                              StartingPosition="TRIM_HORIZON",
                                              FunctionResponseTypes=["ReportBatchItemFailures"], **settings)
    dynamodb.put_item(TableName="test-table", Item={KEY: {"S": "hello world"}, "binary_key": {"B": b"foobar"}})
    lambda_mock.run_until_idle()
    pairs: list[tuple[Any, Any]] = [(logged_events("responder"), expected["dynamodb_events"])]  # 4 attempts, or 1
    if failure:
        pairs.append((received(sqs, url), expected["destination_queue_messages"]))
    assert_shape(pairs)


def test_a_disabled_mapping_invokes_nothing(lambda_mock, lambda_client, create_function, dynamodb):
    """test_disabled_dynamodb_event_source_mapping: one item reaches the function; after
    ``Enabled=False`` the next one does not."""
    dynamodb.create_table(TableName="ddb-table", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    arn = dynamodb.describe_table(TableName="ddb-table")["Table"]["LatestStreamArn"]
    create_function("echo", ECHO, Runtime="python3.12")
    uuid = lambda_client.create_event_source_mapping(FunctionName="echo", EventSourceArn=arn,
                                                     StartingPosition="TRIM_HORIZON",
                                                     MaximumBatchingWindowInSeconds=1)["UUID"]
    dynamodb.put_item(TableName="ddb-table", Item={"id": {"S": "first"}, "data": {"S": "data1"}})
    lambda_mock.clock.advance(1)  # the batching window (BatchSize 100 is not filled)
    lambda_mock.run_until_idle()
    assert len(logged_events("echo")) == 1
    lambda_client.update_event_source_mapping(UUID=uuid, Enabled=False)
    dynamodb.put_item(TableName="ddb-table", Item={"id": {"S": "second"}, "data": {"S": "data2"}})
    lambda_mock.clock.advance(2)
    lambda_mock.run_until_idle()
    assert len(logged_events("echo")) == 1


FILTERED = {  # upstream's parameters: the two items put, and the pattern (LocalStack's test_dynamodb_event_filter)
    "insert_same_entry_twice": ({"id": {"S": "id_value"}, "id2": {"S": "id2_value"}},
                                {"id": {"S": "id_value"}, "id2": {"S": "id2_value"}}, {"eventName": ["INSERT"]}),
    "content_or_filter": ({"id": {"S": "id_value"}}, {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
                          {"eventName": ["INSERT", "MODIFY"]}),
    "content_multiple_filters": ({"id": {"S": "id_value"}}, {"id": {"S": "id_value"}, "id2": {"S": "id2_new_value"}},
                                 {"eventName": ["INSERT"], "eventSource": ["aws:dynamodb"]}),
    "content_filter_type": ({"id": {"S": "id_value_1"}, "presentKey": {"S": "presentValue"}}, {"id": {"S": "id_value_2"}},
                            {"dynamodb": {"NewImage": {"presentKey": {"S": ["presentValue"]}}}}),
    "exists_filter_type": ({"id": {"S": "id_value_1"}, "presentKey": {"S": "presentValue"}}, {"id": {"S": "id_value_2"}},
                           {"dynamodb": {"NewImage": {"presentKey": {"S": [{"exists": True}]}}}}),
    "exists_false_filter": ({"id": {"S": "id_value_1"}}, {"id": {"S": "id_value_2"}, "presentKey": {"S": "presentValue"}},
                            {"dynamodb": {"NewImage": {"presentKey": [{"exists": False}]}}}),
    "numeric_filter": ({"id": {"S": "id_value_1"}, "numericFilter": {"N": "42"}},
                       {"id": {"S": "id_value_2"}, "numericFilter": {"N": "101"}},
                       {"dynamodb": {"NewImage": {"numericFilter": {"N": [{"numeric": [">", 100]},
                                                                          {"anything-but": "101"}]}}}}),
    "prefix_filter": ({"id": {"S": "id_value_1"}, "prefix": {"S": "us-1-other-suffix"}},
                      {"id": {"S": "id_value_1"}, "prefix": {"S": "other-suffix"}},
                      {"dynamodb": {"NewImage": {"prefix": {"S": [{"prefix": "us-1"}]}}}}),
    "date_time_conversion": ({"id": {"S": "id_value_1"}}, {"id": {"S": "id_value_2"}},
                             {"dynamodb": {"ApproximateCreationDateTime": [{"numeric": [">", 0]}]}}),
}


@pytest.mark.parametrize("case", FILTERED)
def test_filtered_records_reach_the_function_as_recorded(lambda_mock, lambda_client, create_function, dynamodb, case):
    """test_dynamodb_event_filter: the first item matches; the second reaches the function only
    where the recording shows a second event. The records go through FilterCriteria as Lambda
    reads them (a float ApproximateCreationDateTime, NewImage's typed values) and reach the handler
    in AWS's order, attributes inside images too ({"id2", "id"}, {"numericFilter", "id"}, ...)."""
    expected = recording(f"test_dynamodb_event_filter[{case}]")
    first, second, pattern = FILTERED[case]
    dynamodb.create_table(TableName="test-table", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    arn = dynamodb.update_table(TableName="test-table", StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]["LatestStreamArn"]
    create_function("echo", ECHO, Runtime="python3.12")
    lambda_client.create_event_source_mapping(FunctionName="echo", BatchSize=1, StartingPosition="TRIM_HORIZON",
                                              EventSourceArn=arn, MaximumBatchingWindowInSeconds=1,
                                              MaximumRetryAttempts=1,
                                              FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})
    dynamodb.put_item(TableName="test-table", Item=first)
    lambda_mock.run_until_idle()
    assert_shape([(logged_events("echo"), expected["lambda-log-events"])])
    dynamodb.put_item(TableName="test-table", Item=second)
    lambda_mock.run_until_idle()
    assert_shape([(logged_events("echo"), expected["lambda-multiple-log-events"])])
