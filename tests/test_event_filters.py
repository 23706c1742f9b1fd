"""``FilterCriteria`` on event source mappings, through boto3: refused at Create/Update where Lambda
refuses it (as recorded), and applied by the SQS mapping, which deletes the messages no filter
keeps and invokes the function only with the others (AWS: "Control which events Lambda sends to
your function", "Filtering Amazon SQS messages"). The recordings are
``event-source-mappings/test_lambda_integration_{sqs,dynamodbstreams}.snapshot.json``, read as they are.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import REGION, error_of, make_queue
from tests.test_golden_snapshots import as_recorded, assert_shape, recorded
from tests.unit.test_event_filters import DDB_FILE, DDB_TEST, SQS_FILE, SQS_NOT_MATCHING, SQS_TEST, as_body

RECORDER = "def handler(event, context):\n    return None\n"


def count(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def criteria(*patterns: Any) -> dict[str, Any]:
    return {"Filters": [{"Pattern": p if isinstance(p, str) else json.dumps(p)} for p in patterns]}


@pytest.fixture
def batches(lambda_mock: Any, create_function: Any) -> list[list[dict[str, Any]]]:
    """The record lists function ``worker`` is invoked with."""
    seen: list[list[dict[str, Any]]] = []
    create_function("worker", RECORDER)
    lambda_mock.handler("worker", lambda event, context: seen.append(event["Records"]))
    return seen


@pytest.mark.parametrize("case", list(SQS_NOT_MATCHING))
def test_the_recorded_sqs_filters_deliver_what_aws_delivered(lambda_mock, lambda_client, sqs, batches, case):
    """Replays test_sqs_event_filter[<case>]: both messages wait in the queue, the mapping is
    created with the recorded filter, one invocation gets the matching message only, and the queue
    is empty afterwards (the other message was deleted)."""
    golden = recorded(SQS_FILE, SQS_TEST + f"test_sqs_event_filter[{case}]")
    pattern = golden["create_event_source_mapping_response"]["FilterCriteria"]["Filters"][0]["Pattern"]
    (delivered,) = golden["invocation_events"][0]["Records"]
    url, arn = make_queue(sqs, f"queue-{len(case)}")
    sqs.send_message(QueueUrl=url, MessageBody=as_body(delivered["body"]))
    sqs.send_message(QueueUrl=url, MessageBody=as_body(SQS_NOT_MATCHING[case]))
    mapping = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                                        MaximumBatchingWindowInSeconds=1,
                                                        FilterCriteria=criteria(pattern))
    assert json.loads(mapping["FilterCriteria"]["Filters"][0]["Pattern"]) == pattern
    lambda_mock.run_until_idle()
    assert [[r["body"] for r in batch] for batch in batches] == [[as_body(delivered["body"])]]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []  # as the recorded test asserts
    assert count(sqs, url) == 0


@pytest.mark.lambda_mock(mode="manual")
def test_a_batch_is_invoked_with_the_matching_messages_only(lambda_mock, lambda_client, sqs, batches):
    url, arn = make_queue(sqs, "orders")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", BatchSize=10,
                                              FilterCriteria=criteria({"body": {"kind": ["order"]}}))
    for body in ({"kind": "order", "n": 1}, {"kind": "refund"}, "plain text", {"kind": "order", "n": 2}):
        sqs.send_message(QueueUrl=url, MessageBody=as_body(body))
    lambda_mock.run_until_idle()
    assert [[json.loads(r["body"])["n"] for r in batch] for batch in batches] == [[1, 2]]
    assert count(sqs, url) == 0  # the matches after the successful run, the others unseen


@pytest.mark.lambda_mock(mode="manual")
def test_a_batch_that_nothing_matches_invokes_nothing_and_is_deleted(lambda_mock, lambda_client, sqs, batches):
    url, arn = make_queue(sqs, "orders")
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                              FilterCriteria=criteria({"body": {"kind": ["order"]}}))
    for n in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": "refund", "n": n}))
    lambda_mock.run_until_idle()
    assert batches == []
    assert count(sqs, url) == 0
    assert lambda_client.get_function(FunctionName="worker")  # the function exists: it was not called
    logs = boto3.client("logs", region_name=REGION)
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/worker")["logGroups"] == []


@pytest.mark.lambda_mock(mode="manual")
def test_failed_matches_return_while_dropped_messages_never_do(lambda_mock, lambda_client, create_function, sqs):
    url, arn = make_queue(sqs, "orders", VisibilityTimeout=30)
    seen = []
    create_function("failing", RECORDER)

    def failing(event, context):
        seen.append([r["body"] for r in event["Records"]])
        raise RuntimeError("not yet")

    lambda_mock.handler("failing", failing)
    lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="failing",
                                              FilterCriteria=criteria({"body": [{"prefix": "keep"}]}))
    sqs.send_message(QueueUrl=url, MessageBody="keep me")
    sqs.send_message(QueueUrl=url, MessageBody="drop me")
    lambda_mock.run_until_idle()
    lambda_mock.clock.advance(30)
    assert seen == [["keep me"], ["keep me"]]
    assert count(sqs, url) == 1  # the failed match, hidden again; the other was deleted


@pytest.mark.lambda_mock(mode="manual")
def test_metadata_and_message_attributes_can_be_filtered(lambda_mock, lambda_client, sqs, batches):
    url, arn = make_queue(sqs, "orders")
    lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="worker",
        FilterCriteria=criteria({"messageAttributes": {"kind": {"stringValue": ["order"]}}},
                                {"attributes": {"MessageGroupId": [{"exists": True}]}}))
    sqs.send_message(QueueUrl=url, MessageBody="a", MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}})
    sqs.send_message(QueueUrl=url, MessageBody="b", MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})
    sqs.send_message(QueueUrl=url, MessageBody="c")
    lambda_mock.run_until_idle()
    assert [[r["body"] for r in batch] for batch in batches] == [["a"]]


@pytest.mark.lambda_mock(mode="manual")
def test_updated_filters_apply_from_the_next_poll_and_empty_criteria_remove_them(lambda_mock, lambda_client, sqs, batches):
    url, arn = make_queue(sqs, "orders")
    mapping = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                                        FilterCriteria=criteria({"body": ["first"]}))
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.send_message(QueueUrl=url, MessageBody="second")
    lambda_mock.run_until_idle()
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], FilterCriteria=criteria({"body": ["second"]}))
    for body in ("first", "second"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lambda_mock.run_until_idle()
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], FilterCriteria={})
    sqs.send_message(QueueUrl=url, MessageBody="third")
    lambda_mock.run_until_idle()
    assert [[r["body"] for r in batch] for batch in batches] == [["first"], ["second"], ["third"]]


# --- refused at Create/Update ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case, pattern", [
    ("None", "null"), ("simple string", "simple string"),
    ("invalid_filter2", json.dumps({"eventSource": "aws:sqs"})), ("invalid_filter3", json.dumps({"eventSource": []})),
])
def test_invalid_sqs_filters_are_refused_as_recorded(lambda_mock, lambda_client, create_function, sqs, case, pattern):
    golden = recorded(SQS_FILE, SQS_TEST + f"test_sqs_invalid_event_filter[{case}]")
    create_function("worker", RECORDER)
    _, arn = make_queue(sqs, "orders")
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                                  MaximumBatchingWindowInSeconds=1, FilterCriteria=criteria(pattern))
    assert_shape([(as_recorded(refused.value.response), golden["create_event_source_mapping_exception"])])
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []  # nothing stored


def dynamodb_stream(name: str) -> str:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST",
                                  StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return table["TableDescription"]["LatestStreamArn"]


def kinesis_stream(name: str) -> str:
    kinesis = boto3.client("kinesis", region_name=REGION)
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


@pytest.mark.parametrize("case", ["single-string", '[{"eventName": ["INSERT"=123}]'])
def test_invalid_dynamodb_filters_are_refused_as_recorded(lambda_mock, lambda_client, create_function, case):
    golden = recorded(DDB_FILE, DDB_TEST + f"test_dynamodb_invalid_event_filter[{case}]")
    create_function("worker", RECORDER)
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(
            FunctionName="worker", BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=dynamodb_stream("t"),
            MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1, FilterCriteria=criteria(case))
    assert_shape([(as_recorded(refused.value.response), golden["exception_event_source_creation"])])


@pytest.mark.parametrize("stream, pattern", [
    ("kinesis", {"partitionKey": ["1"]}),  # AWS: Kinesis mappings "only support filtering on the data key"
    ("kinesis", {"data": ["not json"]}),  # AWS: a non-JSON data pattern throws at create/update
    ("dynamodb", {"dynamodb": [{"exists": True}]}),
])
def test_stream_filters_lambda_throws_at_are_refused(lambda_mock, lambda_client, create_function, stream, pattern):
    create_function("worker", RECORDER)
    source = kinesis_stream("s") if stream == "kinesis" else dynamodb_stream("t")
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(FunctionName="worker", EventSourceArn=source,
                                                  StartingPosition="TRIM_HORIZON", FilterCriteria=criteria(pattern))
    assert error_of(refused) == (400, "InvalidParameterValueException", "Invalid filter pattern definition.")


def test_valid_stream_filters_are_stored(lambda_mock, lambda_client, create_function):
    create_function("worker", RECORDER)
    kinesis = criteria({"data": {"event_type": ["function_1"]}})
    dynamodb = criteria({"eventName": ["INSERT"]}, {"dynamodb": {"NewImage": {"k": {"S": [{"prefix": "a"}]}}}})
    for source, given in ((kinesis_stream("s"), kinesis), (dynamodb_stream("t"), dynamodb)):
        mapping = lambda_client.create_event_source_mapping(FunctionName="worker", EventSourceArn=source,
                                                            StartingPosition="TRIM_HORIZON", FilterCriteria=given)
        assert lambda_client.get_event_source_mapping(UUID=mapping["UUID"])["FilterCriteria"] == given


def test_an_invalid_update_is_refused_and_changes_nothing(lambda_mock, lambda_client, create_function, sqs):
    create_function("worker", RECORDER)
    _, arn = make_queue(sqs, "orders")
    kept = criteria({"body": {"k": ["v"]}})
    mapping = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", FilterCriteria=kept)
    with pytest.raises(ClientError) as refused:
        lambda_client.update_event_source_mapping(UUID=mapping["UUID"], BatchSize=5,
                                                  FilterCriteria=criteria({"body": {"k": "v"}}))
    assert error_of(refused) == (400, "InvalidParameterValueException", "Invalid filter pattern definition.")
    stored = lambda_client.get_event_source_mapping(UUID=mapping["UUID"])
    assert (stored["FilterCriteria"], stored["BatchSize"]) == (kept, 10)


def test_too_many_or_too_long_patterns_are_refused(lambda_mock, lambda_client, create_function, sqs):
    create_function("worker", RECORDER)
    _, arn = make_queue(sqs, "orders")
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                                  FilterCriteria=criteria(*({"body": [str(n)]} for n in range(6))))
    assert error_of(refused)[:2] == (400, "InvalidParameterValueException")
    long = json.dumps({"body": ["x" * 4096]})
    with pytest.raises(ClientError) as refused:
        lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker", FilterCriteria=criteria(long))
    assert error_of(refused)[:2] == (400, "ValidationException")
    assert "at 'filterCriteria.filters.1.member.pattern' failed to satisfy constraint" in error_of(refused)[2]
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


def test_a_stacks_mapping_with_refused_filters_fails_the_stack(lambda_mock, lambda_client, create_function, sqs):
    """CloudFormation's handler makes the CreateEventSourceMapping call: its refusal fails the
    resource with Lambda's message, and the stack rolls back (nothing stored)."""
    create_function("worker", RECORDER)
    _, arn = make_queue(sqs, "orders")
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    mapping = {"Type": "AWS::Lambda::EventSourceMapping",
               "Properties": {"FunctionName": "worker", "EventSourceArn": arn, "FilterCriteria": criteria("null")}}
    cloudformation.create_stack(StackName="mappings", TemplateBody=json.dumps({"Resources": {"Mapping": mapping}}))
    assert cloudformation.describe_stacks(StackName="mappings")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = next(e for e in cloudformation.describe_stack_events(StackName="mappings")["StackEvents"]
                  if e["ResourceStatus"] == "CREATE_FAILED")
    assert (failed["LogicalResourceId"], failed["ResourceType"]) == ("Mapping", "AWS::Lambda::EventSourceMapping")
    assert failed["ResourceStatusReason"].startswith(
        'Resource handler returned message: "Invalid filter pattern definition. (Service: Lambda, Status Code: 400,')
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []
