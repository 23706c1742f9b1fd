"""Create/Update/Get/List/DeleteEventSourceMapping as AWS answers them (issue 14 item 1), for
Kinesis streams, DynamoDB streams and SQS queues: defaults, states, response shapes and errors.

Whole responses are compared with AWS's recordings (``shared/reference/localstack-snapshots``:
``event-source-mappings/*.snapshot.json`` and ``test_lambda_api.snapshot.json``
``TestLambdaEventSourceMappings``), made by the same calls as the upstream tests that recorded
them; uuids, names and dates are masked there and matched by form (``tests/test_golden_snapshots``).
Where no recording exists, the expected answers are AWS's as quoted in the README's choices table."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from mocklambda._moto.mapping_api import record_processing_result
from tests.helpers import ACCOUNT, ECHO, REGION, make_queue
from tests.test_golden_snapshots import as_recorded, assert_shape, recorded

ESM = "event-source-mappings/"
KINESIS = ESM + "test_lambda_integration_kinesis.snapshot.json"
DYNAMODB = ESM + "test_lambda_integration_dynamodbstreams.snapshot.json"
SQS = ESM + "test_lambda_integration_sqs.snapshot.json"
API = "test_lambda_api.snapshot.json"
UPSTREAM = "tests/aws/services/lambda_/"
KINESIS_TEST = UPSTREAM + "event_source_mapping/test_lambda_integration_kinesis.py::TestKinesisSource::"
FILTER_TEST = UPSTREAM + "event_source_mapping/test_lambda_integration_kinesis.py::TestKinesisEventFiltering::"
DYNAMODB_TEST = UPSTREAM + "event_source_mapping/test_lambda_integration_dynamodbstreams.py::TestDynamoDBEventSourceMapping::"
SQS_TEST = UPSTREAM + "event_source_mapping/test_lambda_integration_sqs.py::"
API_TEST = UPSTREAM + "test_lambda_api.py::TestLambdaEventSourceMappings::"


@pytest.fixture
def kinesis(aws_region: str) -> Any:
    return boto3.client("kinesis", region_name=aws_region)


@pytest.fixture
def dynamodb(aws_region: str) -> Any:
    return boto3.client("dynamodb", region_name=aws_region)


@pytest.fixture
def echo(lambda_mock: Any, create_function: Any) -> str:
    create_function("echo", ECHO)
    return "echo"


def stream(kinesis: Any, name: str = "orders") -> str:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    return str(kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"])


def table_stream(dynamodb: Any, name: str = "orders", view: str = "NEW_IMAGE") -> str:
    table = dynamodb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return str(table["TableDescription"]["LatestStreamArn"])


def answered(response: dict[str, Any]) -> dict[str, Any]:
    """A response as recorded; its timestamps as text (the recordings mask them as ``<datetime>``)."""
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in as_recorded(response).items()}


def listed_as_recorded(listing: dict[str, Any]) -> dict[str, Any]:
    mappings = [{key: value.isoformat() if isinstance(value, datetime) else value for key, value in mapping.items()}
                for mapping in listing["EventSourceMappings"]]
    return {**answered(listing), "EventSourceMappings": mappings}


def refused(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return excinfo.value.response


def raw_client() -> Any:
    """A client that sends what botocore itself would refuse (values below a minimum, wrong
    types), as other SDKs and raw HTTP can."""
    return boto3.client("lambda", region_name=REGION, config=Config(parameter_validation=False))


# --- Create answers as recorded ---------------------------------------------------------------------------------


def destination(sqs: Any) -> dict[str, Any]:
    return {"OnFailure": {"Destination": make_queue(sqs, "failures")[1]}}


KINESIS_CREATES = [
    ("test_create_kinesis_event_source_mapping", {"StartingPosition": "LATEST"}),
    ("test_disable_kinesis_event_source_mapping", {"StartingPosition": "LATEST", "BatchSize": 10}),
    ("test_kinesis_event_source_mapping_with_on_failure_destination_config",
     {"BatchSize": 1, "StartingPosition": "TRIM_HORIZON", "MaximumBatchingWindowInSeconds": 1,
      "MaximumRetryAttempts": 1, "DestinationConfig": destination}),
    ("test_kinesis_report_batch_item_failures",
     {"BatchSize": 3, "StartingPosition": "TRIM_HORIZON", "MaximumBatchingWindowInSeconds": 1,
      "MaximumRetryAttempts": 3, "DestinationConfig": destination, "FunctionResponseTypes": ["ReportBatchItemFailures"]}),
    ("test_kinesis_maximum_record_age_exceeded[expire-while-retrying]",
     {"BatchSize": 1, "StartingPosition": "TRIM_HORIZON", "MaximumBatchingWindowInSeconds": 1,
      "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": 60, "DestinationConfig": destination}),
]


@pytest.mark.parametrize("test, params", KINESIS_CREATES, ids=[test for test, _ in KINESIS_CREATES])
def test_kinesis_create_answers_as_recorded(echo, lambda_client, kinesis, sqs, test, params):
    """202, AWS's defaults for what the request leaves out, State Creating, StateTransitionReason
    "User action", LastProcessingResult "No records processed"."""
    golden = recorded(KINESIS, KINESIS_TEST + test)
    params = {key: value(sqs) if callable(value) else value for key, value in params.items()}
    response = lambda_client.create_event_source_mapping(EventSourceArn=stream(kinesis), FunctionName=echo, **params)
    shape = assert_shape([(answered(response), golden["create_event_source_mapping_response"])])
    assert shape.bound["<uuid:1>"] == response["UUID"]


def test_an_s3_on_failure_destination_is_kept(echo, lambda_client, kinesis):
    golden = recorded(KINESIS, KINESIS_TEST + "test_kinesis_event_source_mapping_with_s3_on_failure_destination")
    response = lambda_client.create_event_source_mapping(
        FunctionName=echo, BatchSize=1, StartingPosition="TRIM_HORIZON", EventSourceArn=stream(kinesis),
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failed-batches"}})
    assert_shape([(answered(response), golden["create_event_source_mapping_response"])])


def test_filter_criteria_are_answered_and_two_functions_share_a_stream(lambda_mock, lambda_client, create_function,
                                                                        kinesis):
    golden = recorded(KINESIS, FILTER_TEST + "test_kinesis_event_filtering_json_pattern")
    arn = stream(kinesis)
    responses = []
    for number in (1, 2):
        create_function(f"function-{number}", ECHO)
        responses.append(lambda_client.create_event_source_mapping(
            FunctionName=f"function-{number}", EventSourceArn=arn, StartingPosition="TRIM_HORIZON", BatchSize=1,
            MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1,
            FilterCriteria={"Filters": [{"Pattern": f'{{"data": {{"event_type": ["function_{number}"]}}}}'}]}))
    assert_shape([(answered(responses[0]), golden["create_event_source_mapping_response"]),
                  (answered(responses[1]), golden["create_event_source_mapping_2_response"])])


DYNAMODB_CREATES = [
    ("test_dynamodb_event_source_mapping", "create_event_source_mapping_response",
     {"BatchSize": 1, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 1}),
    ("test_dynamodb_event_source_mapping_with_on_failure_destination_config", "create_event_source_mapping_response",
     {"BatchSize": 1, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 1,
      "DestinationConfig": destination}),
    ("test_dynamodb_report_batch_item_failures", "create_event_source_mapping_response",
     {"BatchSize": 3, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 3,
      "DestinationConfig": destination, "FunctionResponseTypes": ["ReportBatchItemFailures"]}),
    ("test_disabled_dynamodb_event_source_mapping", "create_event_source_mapping_result",
     {"MaximumBatchingWindowInSeconds": 1}),
    ("test_dynamodb_event_filter[content_or_filter]", "create_event_source_mapping_response",
     {"BatchSize": 1, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 1,
      "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["INSERT", "MODIFY"]}'}]}}),
]


@pytest.mark.parametrize("test, entry, params", DYNAMODB_CREATES, ids=[test for test, _, _ in DYNAMODB_CREATES])
def test_dynamodb_create_answers_as_recorded(echo, lambda_client, dynamodb, sqs, test, entry, params):
    golden = recorded(DYNAMODB, DYNAMODB_TEST + test)
    params = {key: value(sqs) if callable(value) else value for key, value in params.items()}
    response = lambda_client.create_event_source_mapping(
        EventSourceArn=table_stream(dynamodb), FunctionName=echo, StartingPosition="TRIM_HORIZON", **params)
    assert_shape([(answered(response), golden[entry])])


def test_an_at_timestamp_mapping_keeps_its_timestamp(echo, lambda_client, kinesis, lambda_mock):
    """StartingPositionTimestamp is answered (and kept, epoch seconds) only with AT_TIMESTAMP."""
    at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    arn = stream(kinesis)
    response = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=echo, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=at)
    assert (response["StartingPosition"], response["StartingPositionTimestamp"]) == ("AT_TIMESTAMP", at)
    assert lambda_client.get_event_source_mapping(UUID=response["UUID"])["StartingPositionTimestamp"] == at
    other = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=echo + ":$LATEST", StartingPosition="LATEST", StartingPositionTimestamp=at)
    assert "StartingPositionTimestamp" not in other


# --- states, Get, List, Update, Delete as recorded ----------------------------------------------------------------


def test_get_shows_the_mapping_enabled_then_delete_answers_deleting(echo, lambda_client, dynamodb, sqs):
    """Recorded: test_event_source_mapping_lifecycle (Creating -> Enabled -> Deleting); a
    deleted mapping is gone at once (404 afterwards)."""
    golden = recorded(API, API_TEST + "test_event_source_mapping_lifecycle")
    create = lambda_client.create_event_source_mapping(
        FunctionName=echo, EventSourceArn=table_stream(dynamodb), DestinationConfig=destination(sqs), BatchSize=1,
        StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1)
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    delete = lambda_client.delete_event_source_mapping(UUID=create["UUID"])
    assert_shape([(answered(create), golden["create_response"]), (answered(get), golden["get_response"]),
                  (answered(delete), golden["delete_response"])])
    assert error_of_response(refused(lambda_client.get_event_source_mapping, UUID=create["UUID"])) == (
        404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


def error_of_response(response: dict[str, Any]) -> tuple[int, str, str]:
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_a_mapping_outlives_its_function(echo, lambda_client, dynamodb, sqs):
    golden = recorded(API, API_TEST + "test_event_source_mapping_lifecycle_delete_function")
    create = lambda_client.create_event_source_mapping(
        FunctionName=echo, EventSourceArn=table_stream(dynamodb), DestinationConfig=destination(sqs), BatchSize=1,
        StartingPosition="TRIM_HORIZON", MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1)
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    deleted_function = lambda_client.delete_function(FunctionName=echo)
    after = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    delete = lambda_client.delete_event_source_mapping(UUID=create["UUID"])
    assert_shape([(answered(create), golden["create_response"]), (answered(get), golden["get_response"]),
                  (answered(deleted_function), golden["delete_function_response"]),
                  (answered(after), golden["get_response_post_delete"]), (answered(delete), golden["delete_response"])])


def test_list_answers_the_mappings_of_a_stream(echo, lambda_client, dynamodb):
    golden = recorded(DYNAMODB, DYNAMODB_TEST + "test_deletion_event_source_mapping_with_dynamodb")
    create = lambda_client.create_event_source_mapping(
        FunctionName=echo, EventSourceArn=table_stream(dynamodb), StartingPosition="TRIM_HORIZON")
    listing = lambda_client.list_event_source_mappings(EventSourceArn=create["EventSourceArn"])
    assert_shape([(answered(create), golden["create_event_source_mapping_result"]),
                  (listed_as_recorded(listing), golden["list_event_source_mapping_result"])])


def test_disabling_answers_disabling_and_keeps_the_last_processing_result(echo, lambda_client, dynamodb):
    """Recorded: test_disabled_dynamodb_event_source_mapping, whose mapping had run a batch
    (LastProcessingResult "OK", which the stream poller records through record_processing_result)."""
    golden = recorded(DYNAMODB, DYNAMODB_TEST + "test_disabled_dynamodb_event_source_mapping")
    create = lambda_client.create_event_source_mapping(
        FunctionName=echo, EventSourceArn=table_stream(dynamodb), StartingPosition="TRIM_HORIZON",
        MaximumBatchingWindowInSeconds=1)
    record_processing_result(create["UUID"], "OK")
    update = lambda_client.update_event_source_mapping(UUID=create["UUID"], Enabled=False)
    assert_shape([(answered(create), golden["create_event_source_mapping_result"]),
                  (answered(update), golden["update_event_source_mapping_result"])])
    assert lambda_client.get_event_source_mapping(UUID=create["UUID"])["State"] == "Disabled"


def test_get_shows_the_last_processing_result(echo, lambda_client, kinesis):
    golden = recorded(KINESIS, KINESIS_TEST + "test_kinesis_empty_provided")
    create = lambda_client.create_event_source_mapping(
        EventSourceArn=stream(kinesis), FunctionName=echo, StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=2)
    before = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    record_processing_result(create["UUID"], "OK")
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    assert_shape([(answered(create), golden["create_event_source_mapping_response"]),
                  (answered(get), golden["get_esm_result"])])
    assert before["LastProcessingResult"] == "No records processed"


@pytest.mark.parametrize("start_enabled, change, answer, settled", [
    (True, {"Enabled": False}, "Disabling", "Disabled"),
    (False, {"Enabled": True}, "Enabling", "Enabled"),
    (True, {"Enabled": True}, "Updating", "Enabled"),
    (True, {"BatchSize": 50}, "Updating", "Enabled"),
    (False, {"MaximumRetryAttempts": 5}, "Updating", "Disabled"),
])
def test_update_answers_the_transition_and_get_the_settled_state(echo, lambda_client, kinesis, start_enabled,
                                                                   change, answer, settled):
    """Recorded transitions: Disabling (update_event_source_mapping_result), Enabling
    (update_esm_enabling), Updating (updated_esm); the mock's transitions take no time."""
    create = lambda_client.create_event_source_mapping(
        EventSourceArn=stream(kinesis), FunctionName=echo, StartingPosition="LATEST", Enabled=start_enabled)
    assert create["State"] == "Creating"
    assert lambda_client.get_event_source_mapping(UUID=create["UUID"])["State"] == (
        "Enabled" if start_enabled else "Disabled")
    update = lambda_client.update_event_source_mapping(UUID=create["UUID"], **change)
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    assert (update["ResponseMetadata"]["HTTPStatusCode"], update["State"], get["State"]) == (202, answer, settled)
    for key, value in change.items():
        if key != "Enabled":
            assert update[key] == get[key] == value


def test_update_changes_only_what_it_names(echo, lambda_client, kinesis, sqs, create_function):
    arn = stream(kinesis)
    queue = make_queue(sqs, "failures")[1]
    create = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=echo, StartingPosition="TRIM_HORIZON", BatchSize=7,
        DestinationConfig={"OnFailure": {"Destination": queue}}, BisectBatchOnFunctionError=True)
    create_function("other", ECHO)
    update = lambda_client.update_event_source_mapping(
        UUID=create["UUID"], FunctionName="other", MaximumRecordAgeInSeconds=3600, ParallelizationFactor=4,
        TumblingWindowInSeconds=120, FunctionResponseTypes=["ReportBatchItemFailures"])
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    for answer in (update, get):
        assert answer["FunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"
        assert (answer["BatchSize"], answer["BisectBatchOnFunctionError"], answer["DestinationConfig"]) == (
            7, True, {"OnFailure": {"Destination": queue}})
        assert (answer["MaximumRecordAgeInSeconds"], answer["ParallelizationFactor"], answer["TumblingWindowInSeconds"],
                answer["FunctionResponseTypes"], answer["StartingPosition"]) == (
            3600, 4, 120, ["ReportBatchItemFailures"], "TRIM_HORIZON")
    removed = lambda_client.update_event_source_mapping(UUID=create["UUID"],
                                                        DestinationConfig={"OnFailure": {"Destination": ""}})
    assert removed["DestinationConfig"] == {"OnFailure": {}}
    kept = lambda_client.update_event_source_mapping(UUID=create["UUID"], DestinationConfig={})
    assert kept["DestinationConfig"] == {"OnFailure": {}}


def test_the_settings_are_kept_where_the_pollers_read_them(echo, lambda_client, kinesis):
    """moto's mapping object holds the checked values as ints and bools (the stream poller reads
    them there, before each batch)."""
    from moto.awslambda.models import lambda_backends

    create = lambda_client.create_event_source_mapping(
        EventSourceArn=stream(kinesis), FunctionName=echo, StartingPosition="LATEST", MaximumRetryAttempts=4,
        FilterCriteria={"Filters": []})
    esm = lambda_backends[ACCOUNT][REGION].get_event_source_mapping(create["UUID"])
    assert (esm.batch_size, esm.max_batch_window, esm.max_retry_attempts, esm.max_record_age, esm.bisect_on_error,
            esm.parallelization_factor, esm.tumbling_window, esm.function_response_types, esm.destination_config,
            esm.starting_position, esm.filter_criteria) == (
        100, 0, 4, -1, False, 1, 0, [], {"OnFailure": {}}, "LATEST", None)
    assert "FilterCriteria" not in create  # recorded: response-with-empty-filters


def test_list_filters_by_source_and_function_and_pages(lambda_mock, lambda_client, create_function, kinesis):
    create_function("a", ECHO)
    create_function("b", ECHO)
    version = lambda_client.publish_version(FunctionName="a")["Version"]
    first, second = stream(kinesis, "first"), stream(kinesis, "second")
    made = [lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="LATEST")
            for arn, name in ((first, "a"), (second, "a"), (first, "b"), (first, f"a:{version}"))]
    uuids = [m["UUID"] for m in made]

    def listed(**kwargs: Any) -> list[str]:
        return [m["UUID"] for m in lambda_client.list_event_source_mappings(**kwargs)["EventSourceMappings"]]

    assert listed() == uuids
    assert listed(EventSourceArn=first) == [uuids[0], uuids[2], uuids[3]]
    assert listed(FunctionName="a") == [uuids[0], uuids[1], uuids[3]]
    assert listed(FunctionName=f"a:{version}") == [uuids[3]]
    assert listed(FunctionName="b", EventSourceArn=second) == []
    assert listed(FunctionName="doesnotexist") == []  # recorded: list doesn't care whether filters exist
    page = lambda_client.list_event_source_mappings(MaxItems=3)
    rest = lambda_client.list_event_source_mappings(MaxItems=3, Marker=page["NextMarker"])
    assert [m["UUID"] for m in page["EventSourceMappings"] + rest["EventSourceMappings"]] == uuids
    assert "NextMarker" not in rest


# --- errors as recorded ---------------------------------------------------------------------------------------------


def test_unknown_uuids_and_functions_and_missing_sources_are_refused_as_recorded(lambda_mock, lambda_client):
    golden = recorded(API, API_TEST + "test_event_source_mapping_exceptions")
    uuid = "7ec9ed05-3c1b-4e3e-8b5e-6ef0c4bba1c7"
    queue = f"arn:aws:sqs:{REGION}:111111111111:somequeue"
    assert_shape([
        (answered(refused(lambda_client.get_event_source_mapping, UUID=uuid)), golden["get_unknown_uuid"]),
        (answered(refused(lambda_client.delete_event_source_mapping, UUID=uuid)), golden["delete_unknown_uuid"]),
        (answered(refused(lambda_client.update_event_source_mapping, UUID=uuid, Enabled=False)),
         golden["update_unknown_uuid"]),
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName="doesnotexist")),
         golden["create_no_event_source_arn"]),
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName="doesnotexist",
                          EventSourceArn=queue)), golden["create_unknown_params"]),
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName="doesnotexist", EventSourceArn=queue,
                          DestinationConfig={"OnSuccess": {"Destination": queue + "2"}})),
         golden["destination_config_failure"]),
    ])


@pytest.mark.parametrize("file, test, source", [
    (KINESIS, KINESIS_TEST + "test_duplicate_event_source_mappings", "kinesis"),
    (DYNAMODB, DYNAMODB_TEST + "test_duplicate_event_source_mappings", "dynamodb"),
], ids=["kinesis", "dynamodb"])
def test_a_second_mapping_of_the_same_source_and_function_is_a_conflict(lambda_mock, lambda_client, create_function,
                                                                         kinesis, dynamodb, file, test, source):
    golden = recorded(file, test)
    create_function("function-1", ECHO)
    create_function("function-2", ECHO)
    arn = stream(kinesis) if source == "kinesis" else table_stream(dynamodb)
    params = {"StartingPosition": "LATEST"} if source == "kinesis" else {
        "StartingPosition": "TRIM_HORIZON", "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 1}
    create = lambda_client.create_event_source_mapping(FunctionName="function-1", EventSourceArn=arn, **params)
    error = refused(lambda_client.create_event_source_mapping, FunctionName="function-1", EventSourceArn=arn, **params)
    assert_shape([(answered(create), golden["create"]), (answered(error), golden["error"])])
    other = lambda_client.create_event_source_mapping(FunctionName="function-2", EventSourceArn=arn, **params)
    assert other["State"] == "Creating"  # another function on the same stream is no duplicate
    listed = lambda_client.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [create["UUID"], other["UUID"]]


def test_a_missing_stream_is_refused_as_recorded(echo, lambda_client):
    kinesis_golden = recorded(KINESIS, KINESIS_TEST + "test_esm_with_not_existing_kinesis_stream")
    dynamodb_golden = recorded(DYNAMODB, DYNAMODB_TEST + "test_esm_with_not_existing_dynamodb_stream")
    kinesis_arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/test-foobar-81ded7e8"
    dynamodb_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/test-table-4a53f4e8/stream/2025-02-22T03:03:25.490"
    assert_shape([
        (answered(refused(lambda_client.create_event_source_mapping, EventSourceArn=kinesis_arn, FunctionName=echo,
                          StartingPosition="LATEST")), kinesis_golden["error"]),
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName=echo, BatchSize=1,
                          StartingPosition="TRIM_HORIZON", EventSourceArn=dynamodb_arn,
                          MaximumBatchingWindowInSeconds=1, MaximumRetryAttempts=1)), dynamodb_golden["error"]),
    ])


@pytest.mark.parametrize("source", ["kinesis", "dynamodb"])
def test_the_starting_position_is_checked_as_recorded(echo, lambda_client, kinesis, dynamodb, source):
    """Recorded: test_create_event_source_validation(_kinesis): missing (400
    InvalidParameterValue), not in the enum (ValidationException); AT_TIMESTAMP on DynamoDB."""
    test = "test_create_event_source_validation" + ("_kinesis" if source == "kinesis" else "")
    golden = recorded(API, API_TEST + test)
    arn = stream(kinesis) if source == "kinesis" else table_stream(dynamodb, view="NEW_AND_OLD_IMAGES")
    pairs = [
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName=echo, EventSourceArn=arn)),
         golden["no_starting_position"]),
        (answered(refused(lambda_client.create_event_source_mapping, FunctionName=echo, EventSourceArn=arn,
                          StartingPosition="invalid")), golden["invalid_starting_position"]),
    ]
    if source == "dynamodb":
        pairs.append((answered(refused(lambda_client.create_event_source_mapping, FunctionName=echo,
                                       EventSourceArn=arn, StartingPosition="AT_TIMESTAMP",
                                       StartingPositionTimestamp="1741010802")),
                      golden["incompatible_starting_position"]))
    assert_shape(pairs)
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


# --- SQS mappings answer as recorded too ------------------------------------------------------------------------------


def test_sqs_answers_as_recorded(echo, lambda_client, sqs):
    """An SQS mapping answers only its own members, "USER_INITIATED"; a FIFO mapping created
    disabled answers Disabled, then Enabling (recorded: test_sqs_event_source_mapping,
    test_fifo_message_group_parallelism)."""
    plain = recorded(SQS, SQS_TEST + "TestSQSEventSourceMapping::test_sqs_event_source_mapping")
    fifo = recorded(SQS, SQS_TEST + "test_fifo_message_group_parallelism")
    create = lambda_client.create_event_source_mapping(
        EventSourceArn=make_queue(sqs, "jobs")[1], FunctionName=echo, MaximumBatchingWindowInSeconds=1)
    fifo_arn = make_queue(sqs, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")[1]
    disabled = lambda_client.create_event_source_mapping(FunctionName=echo, EventSourceArn=fifo_arn, Enabled=False,
                                                         BatchSize=1)
    enabling = lambda_client.update_event_source_mapping(UUID=disabled["UUID"], Enabled=True)
    enabled = lambda_client.get_event_source_mapping(UUID=disabled["UUID"])
    assert_shape([(answered(create), plain["create-event-source-mapping-response"])])
    assert_shape([(answered(disabled), fifo["create_esm_disabled"]), (answered(enabling), fifo["update_esm_enabling"]),
                  (answered(enabled), fifo["get_esm_enabled"])])


def test_an_sqs_mapping_moved_to_another_version_answers_as_recorded(echo, lambda_client, sqs):
    golden = recorded(SQS, SQS_TEST + "TestSQSEventSourceMapping::test_sqs_event_source_mapping_update")
    v1 = lambda_client.publish_version(FunctionName=echo)["FunctionArn"]
    lambda_client.update_function_configuration(FunctionName=echo, Environment={"Variables": {"CUSTOM_VAR": "b"}})
    v2 = lambda_client.publish_version(FunctionName=echo)["FunctionArn"]
    create = lambda_client.create_event_source_mapping(EventSourceArn=make_queue(sqs, "jobs")[1], FunctionName=v1,
                                                       MaximumBatchingWindowInSeconds=1)
    update = lambda_client.update_event_source_mapping(UUID=create["UUID"], FunctionName=v2)
    get = lambda_client.get_event_source_mapping(UUID=create["UUID"])
    assert_shape([(answered(create), golden["create-event-source-mapping-response"]),
                  (answered(update), golden["updated_esm"]), (answered(get), golden["updated_event_source_mapping"])])
    assert (create["FunctionArn"], get["FunctionArn"]) == (v1, v2)


def test_sqs_refusals_are_recorded_ones(echo, lambda_client, sqs):
    batch = recorded(SQS, SQS_TEST + "TestSQSEventSourceMapping::test_event_source_mapping_default_batch_size")
    dup = recorded(SQS, SQS_TEST + "TestSQSEventSourceMapping::test_duplicate_event_source_mappings")
    missing = recorded(SQS, SQS_TEST + "test_esm_with_not_existing_sqs_queue")
    arn = make_queue(sqs, "jobs")[1]
    create = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName=echo)
    assert_shape([
        (answered(create), batch["create-event-source-mapping"]),
        (answered(refused(lambda_client.update_event_source_mapping, UUID=create["UUID"], FunctionName=echo,
                          BatchSize=11)), batch["invalid-update-event-source-mapping"]),
        (answered(refused(lambda_client.create_event_source_mapping, EventSourceArn=make_queue(sqs, "other")[1],
                          FunctionName=echo, BatchSize=11)), batch["invalid-create-event-source-mapping"]),
    ])
    assert_shape([(answered(create), dup["create"]),
                  (answered(refused(lambda_client.create_event_source_mapping, EventSourceArn=arn, FunctionName=echo)),
                   dup["error"])])
    assert_shape([(answered(refused(lambda_client.create_event_source_mapping, FunctionName=echo, BatchSize=1,
                                    EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:nothing-here")), missing["error"])])


FUNCTION_NAMES = ["name_only", "partial_arn_latest", "partial_arn_version", "partial_arn_alias", "full_arn_latest",
                  "full_arn_version", "full_arn_alias"]


def test_the_function_arn_is_answered_as_the_request_named_it(echo, lambda_client, sqs):
    """Recorded: test_function_name_variations (qualified exactly when a qualifier was named)."""
    golden = recorded(API, API_TEST + "test_function_name_variations")
    arn = make_queue(sqs, "jobs")[1]
    version = lambda_client.publish_version(FunctionName=echo)
    alias = lambda_client.create_alias(FunctionName=echo, FunctionVersion=version["Version"], Name="myalias")
    function_arn = lambda_client.get_function(FunctionName=echo)["Configuration"]["FunctionArn"]
    names = [echo, f"{echo}:$LATEST", f"{echo}:{version['Version']}", f"{echo}:myalias", function_arn,
             version["FunctionArn"], alias["AliasArn"]]
    pairs = []
    for scope, name in zip(FUNCTION_NAMES, names, strict=True):
        response = lambda_client.create_event_source_mapping(FunctionName=name, EventSourceArn=arn)
        pairs.append((answered(response), golden[f"{scope}_create_esm"]))
        lambda_client.delete_event_source_mapping(UUID=response["UUID"])
    assert_shape(pairs)


# --- checks AWS makes where no recording has its words (README choices) ----------------------------------------------


def test_values_above_the_models_maximums_are_one_validation_exception(echo, lambda_client, kinesis):
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn=stream(kinesis), FunctionName=echo,
                       StartingPosition="LATEST", BatchSize=10001, ParallelizationFactor=11,
                       MaximumRetryAttempts=10001, TumblingWindowInSeconds=901)
    assert error_of_response(response) == (400, "ValidationException", (
        "4 validation errors detected: "
        "Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000; "
        "Value '11' at 'parallelizationFactor' failed to satisfy constraint: Member must have value less than or "
        "equal to 10; "
        "Value '10001' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or "
        "equal to 10000; "
        "Value '901' at 'tumblingWindowInSeconds' failed to satisfy constraint: Member must have value less than or "
        "equal to 900"))
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


@pytest.mark.parametrize("member, value, field, bound", [
    ("MaximumBatchingWindowInSeconds", 301, "maximumBatchingWindowInSeconds", "less than or equal to 300"),
    ("MaximumRecordAgeInSeconds", 604801, "maximumRecordAgeInSeconds", "less than or equal to 604800"),
    ("MaximumRecordAgeInSeconds", -2, "maximumRecordAgeInSeconds", "greater than or equal to -1"),
    ("MaximumRetryAttempts", -2, "maximumRetryAttempts", "greater than or equal to -1"),
    ("ParallelizationFactor", 0, "parallelizationFactor", "greater than or equal to 1"),
    ("BatchSize", 0, "batchSize", "greater than or equal to 1"),
    ("TumblingWindowInSeconds", -1, "tumblingWindowInSeconds", "greater than or equal to 0"),
])
def test_each_range_is_the_models(echo, kinesis, member, value, field, bound):
    """Values below a minimum come from other clients than botocore (which refuses them itself)."""
    arn = stream(kinesis)
    response = refused(raw_client().create_event_source_mapping, EventSourceArn=arn, FunctionName=echo,
                       StartingPosition="LATEST", **{member: value})
    assert error_of_response(response) == (400, "ValidationException", (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
        f"Member must have value {bound}"))


def test_the_limits_themselves_are_accepted(echo, lambda_client, kinesis):
    arn = stream(kinesis)
    top = lambda_client.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=echo, StartingPosition="LATEST", BatchSize=10000,
        MaximumBatchingWindowInSeconds=300, ParallelizationFactor=10, MaximumRecordAgeInSeconds=604800,
        MaximumRetryAttempts=10000, TumblingWindowInSeconds=900)
    bottom = lambda_client.update_event_source_mapping(
        UUID=top["UUID"], BatchSize=1, MaximumBatchingWindowInSeconds=0, ParallelizationFactor=1,
        MaximumRecordAgeInSeconds=60, MaximumRetryAttempts=0, TumblingWindowInSeconds=0)
    assert [top[m] for m in ("BatchSize", "MaximumRecordAgeInSeconds", "MaximumRetryAttempts")] == [10000, 604800, 10000]
    assert [bottom[m] for m in ("BatchSize", "MaximumRecordAgeInSeconds", "MaximumRetryAttempts")] == [1, 60, 0]


@pytest.mark.parametrize("params, code, message", [
    ({"MaximumRecordAgeInSeconds": 59}, "InvalidParameterValueException",
     "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"),
    ({"StartingPosition": "AT_TIMESTAMP"}, "InvalidParameterValueException", "Need to specify a timestamp"),
    ({"FunctionResponseTypes": ["ReportBatchItemFailure"]}, "ValidationException",
     "1 validation error detected: Value '[ReportBatchItemFailure]' at 'functionResponseTypes' failed to satisfy "
     "constraint: Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]"),
    ({"DestinationConfig": {"OnSuccess": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:done"}}},
     "InvalidParameterValueException", "Unsupported DestinationConfig parameter for given event source mapping type."),
    ({"DestinationConfig": {"OnFailure": {}}}, "InvalidParameterValueException",
     "The Destination field is required for an OnFailure configuration."),
    ({"DestinationConfig": {"OnFailure": {"Destination": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:echo"}}},
     "InvalidParameterValueException",
     "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination="
     f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:echo)) is invalid."),
    ({"DestinationConfig": {"OnFailure": {"Destination": "queue"}}}, "ValidationException",
     "1 validation error detected: Value 'queue' at 'destinationConfig.onFailure.destination' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: $|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|"
     "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:"
     "(\\d{12})?:(.*)"),
    ({"Topics": ["orders"]}, "InvalidParameterValueException",
     "Unsupported Topics parameter for given event source mapping type."),
    ({"ScalingConfig": {"MaximumConcurrency": 5}}, "InvalidParameterValueException",
     "Unsupported ScalingConfig parameter for given event source mapping type."),
])
def test_stream_settings_aws_refuses(echo, lambda_client, kinesis, params, code, message):
    params = {"StartingPosition": "LATEST", **params}
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn=stream(kinesis), FunctionName=echo,
                       **params)
    assert error_of_response(response) == (400, code, message)


@pytest.mark.parametrize("params, message", [
    ({"StartingPosition": "LATEST"}, "StartingPosition is not valid for SQS event sources."),
    ({"MaximumRetryAttempts": 2}, "Unsupported MaximumRetryAttempts parameter for given event source mapping type."),
    ({"BisectBatchOnFunctionError": True},
     "Unsupported BisectBatchOnFunctionError parameter for given event source mapping type."),
    ({"DestinationConfig": {"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}}},
     "Unsupported DestinationConfig parameter for given event source mapping type."),
])
def test_stream_settings_on_a_queue_are_refused(echo, lambda_client, sqs, params, message):
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn=make_queue(sqs, "jobs")[1],
                       FunctionName=echo, **params)
    assert error_of_response(response) == (400, "InvalidParameterValueException", message)


@pytest.mark.parametrize("params, message", [
    ({"MaximumBatchingWindowInSeconds": 5}, "Batching window is not supported for FIFO queues"),
    ({"BatchSize": 11}, "Maximum batch size must be between 1 and 10 inclusive"),
])
def test_fifo_queues_take_no_batching_window_and_ten_messages_at_most(echo, lambda_client, sqs, params, message):
    arn = make_queue(sqs, "jobs.fifo", FifoQueue="true")[1]
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn=arn, FunctionName=echo, **params)
    assert error_of_response(response) == (400, "InvalidParameterValueException", message)


@pytest.mark.parametrize("target", [f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq", f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts",
                                    "arn:aws:s3:::failed-batches"], ids=["sqs", "sns", "s3"])
def test_a_stream_mapping_sends_failures_to_a_queue_a_topic_or_a_bucket(echo, lambda_client, kinesis, target):
    response = lambda_client.create_event_source_mapping(
        EventSourceArn=stream(kinesis), FunctionName=echo, StartingPosition="LATEST",
        DestinationConfig={"OnFailure": {"Destination": target}})
    assert response["DestinationConfig"] == {"OnFailure": {"Destination": target}}


def test_a_source_mocklambda_does_not_emulate_is_refused(echo, lambda_client):
    source = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/orders/5a2e"
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn=source, FunctionName=echo,
                       Topics=["orders"], StartingPosition="LATEST")
    status, code, message = error_of_response(response)
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message.startswith("Unsupported event source type: mocklambda emulates mappings of SQS queues")
    queue = make_queue(boto3.client("sqs", region_name=REGION), "jobs")[1]  # MetricsConfig is emulated: kept
    created = lambda_client.create_event_source_mapping(EventSourceArn=queue, FunctionName=echo,
                                                        MetricsConfig={"Metrics": ["EventCount"]})
    assert created["MetricsConfig"] == {"Metrics": ["EventCount"]}
    assert lambda_client.get_event_source_mapping(UUID=created["UUID"])["MetricsConfig"] == {"Metrics": ["EventCount"]}


def test_an_update_to_a_missing_function_or_a_taken_pair_is_refused(lambda_mock, lambda_client, create_function,
                                                                    kinesis):
    create_function("a", ECHO)
    create_function("b", ECHO)
    arn = stream(kinesis)
    first = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="a", StartingPosition="LATEST")
    second = lambda_client.create_event_source_mapping(EventSourceArn=arn, FunctionName="b", StartingPosition="LATEST")
    assert error_of_response(refused(lambda_client.update_event_source_mapping, UUID=first["UUID"],
                                     FunctionName="missing")) == (
        400, "InvalidParameterValueException", "Function does not exist")
    assert error_of_response(refused(lambda_client.update_event_source_mapping, UUID=second["UUID"],
                                     FunctionName="a")) == (
        409, "ResourceConflictException",
        f'The event source arn (" {arn} ") and function (" a ") provided mapping already exists. '
        f"Please update or delete the existing mapping with UUID {first['UUID']}")
    assert lambda_client.get_event_source_mapping(UUID=second["UUID"])["FunctionArn"].endswith(":function:b")


@pytest.mark.parametrize("params, message", [
    ({"BatchSize": "10"}, "STRING_VALUE can not be converted to an Integer"),
    ({"Enabled": "yes"}, "STRING_VALUE can not be converted to a Boolean"),
    ({"FunctionResponseTypes": "ReportBatchItemFailures"}, "STRING_VALUE can not be converted to a List"),
    ({"DestinationConfig": []}, "Start of list found where not expected"),
    ({"StartingPositionTimestamp": "yesterday"}, "STRING_VALUE can not be converted to a Timestamp"),
])
def test_a_member_of_the_wrong_json_type_is_a_serialization_exception(echo, lambda_client, kinesis, params, message):
    """The body as another client could send it (botocore would not serialize these)."""
    body = json.dumps({"EventSourceArn": stream(kinesis), "FunctionName": echo, "StartingPosition": "LATEST",
                       **params}).encode()

    def replace_body(request: Any, **_: Any) -> None:
        request.data = body

    lambda_client.meta.events.register("before-sign.lambda.CreateEventSourceMapping", replace_body)
    response = refused(lambda_client.create_event_source_mapping, EventSourceArn="arn:aws:sqs:x", FunctionName=echo)
    assert error_of_response(response) == (400, "SerializationException", message)
    assert lambda_client.list_event_source_mappings()["EventSourceMappings"] == []


# --- CloudFormation's AWS::Lambda::EventSourceMapping makes the same call -------------------------------------------


def create_stack(name: str, properties: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    cloudformation = boto3.client("cloudformation", region_name=REGION)
    template = {"Resources": {"Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": properties}}}
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(template))
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    return stack["StackStatus"], cloudformation.describe_stack_events(StackName=name)["StackEvents"]


def test_a_stack_makes_the_mapping_lambda_checks(echo, lambda_client, kinesis):
    """The resource's handler calls CreateEventSourceMapping: a template's numeric string is the
    schema's integer; Lambda's refusal or the schema's fails the resource and rolls the stack back."""
    arn = stream(kinesis)
    status, _ = create_stack("good", {"EventSourceArn": arn, "FunctionName": echo, "StartingPosition": "LATEST",
                                      "BatchSize": "10", "BisectBatchOnFunctionError": "true"})
    [mapping] = lambda_client.list_event_source_mappings()["EventSourceMappings"]
    assert (status, mapping["BatchSize"], mapping["BisectBatchOnFunctionError"]) == ("CREATE_COMPLETE", 10, True)
    for name, properties, reason in [
        ("no-position", {"EventSourceArn": arn, "FunctionName": "other"},
         'Resource handler returned message: "1 validation error detected: Value null at \'startingPosition\' '
         "failed to satisfy constraint: Member must not be null. (Service: Lambda, Status Code: 400, Request ID: "),
        ("not-a-number", {"EventSourceArn": arn, "FunctionName": echo, "StartingPosition": "LATEST", "BatchSize": "ten"},
         "Properties validation failed for resource Mapping with message: #/BatchSize: expected type: Integer, "
         "found: String"),
    ]:
        status, events = create_stack(name, properties)
        failed = [event for event in events if event.get("ResourceStatus") == "CREATE_FAILED"]
        assert (status, len(failed)) == ("ROLLBACK_COMPLETE", 1)
        assert failed[0]["ResourceStatusReason"].startswith(reason)
    assert len(lambda_client.list_event_source_mappings()["EventSourceMappings"]) == 1
