"""The pure rules of the event source mapping API (issue 14 item 1): AWS's checks in AWS's order,
the defaults, the states and the answered configuration. The boto3 tests are in
``tests/test_stream_mapping_api.py`` (compared with AWS's recordings there)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mocklambda._core import aws_errors
from mocklambda._core import stream_mapping_config as config

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
TABLE_STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-01T00:00:00.000"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"
RANGES = {"BatchSize": (1, 10000), "MaximumBatchingWindowInSeconds": (0, 300), "ParallelizationFactor": (1, 10),
          "MaximumRecordAgeInSeconds": (-1, 604800), "MaximumRetryAttempts": (-1, 10000),
          "TumblingWindowInSeconds": (0, 900)}


def refusal(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str, str]:
    with pytest.raises(aws_errors.AwsError) as refused:
        call(*args, **kwargs)
    return refused.value.status, refused.value.code, refused.value.message


def settled(body: dict[str, Any], source: str = STREAM) -> dict[str, Any]:
    """Create's checks (those without moto) and the configuration answered for ``body``."""
    config.check_model(body, creating=True)
    config.check_destinations(body, None)
    kind = config.source_kind(source)
    config.check_settings(body, kind, source, None, fifo=source.endswith(".fifo"))
    return config.configuration(kind, config.new_settings(body, kind), uuid="u", mapping_arn="m", source_arn=source,
                                function_arn="f", last_modified=0.0, state=config.CREATING)


@given(st.sampled_from(sorted(RANGES)), st.integers(min_value=-10**6, max_value=10**6))
def test_each_integer_is_accepted_exactly_within_the_models_range(member: str, value: int) -> None:
    """Property: the model's range decides; outside it, one ValidationException naming the bound."""
    low, high = RANGES[member]
    try:
        config.check_model({member: value}, creating=True)
    except aws_errors.AwsError as error:
        assert not low <= value <= high
        bound = f"less than or equal to {high}" if value > high else f"greater than or equal to {low}"
        assert (error.code, error.message.endswith(f"Member must have value {bound}")) == ("ValidationException", True)
        assert error.message.startswith(f"1 validation error detected: Value '{value}' at '")
        return
    assert low <= value <= high


members = st.fixed_dictionaries({}, optional={
    "BatchSize": st.integers(-5, 20000), "MaximumBatchingWindowInSeconds": st.integers(-5, 400),
    "ParallelizationFactor": st.integers(-1, 12), "MaximumRecordAgeInSeconds": st.integers(-3, 700000),
    "MaximumRetryAttempts": st.integers(-3, 20000), "TumblingWindowInSeconds": st.integers(-1, 1000),
    "BisectBatchOnFunctionError": st.booleans(), "Enabled": st.booleans(),
    "StartingPosition": st.sampled_from(["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP", "NOW"]),
    "StartingPositionTimestamp": st.integers(0, 2 * 10**9),
    "FunctionResponseTypes": st.lists(st.sampled_from(["ReportBatchItemFailures", "Other"]), max_size=2),
    "DestinationConfig": st.fixed_dictionaries({}, optional={
        "OnFailure": st.fixed_dictionaries({}, optional={"Destination": st.sampled_from(
            ["", QUEUE, "arn:aws:sns:us-east-1:123456789012:t", "arn:aws:s3:::b",
             "arn:aws:lambda:us-east-1:123456789012:function:f", "nope"])}),
        "OnSuccess": st.just({"Destination": QUEUE})}),
    "Topics": st.just(["t"]),
})


@given(members, st.sampled_from([STREAM, TABLE_STREAM, QUEUE, QUEUE + ".fifo"]))
def test_a_request_is_refused_with_a_400_or_answered_within_awss_ranges(body: dict[str, Any], source: str) -> None:
    """Property: never another exception; an accepted mapping answers every member its source
    has, each within the model's range, with AWS's defaults for what the request left out."""
    try:
        answer = settled(config.parse_body(json.dumps(body).encode()), source)
    except aws_errors.AwsError as error:
        assert error.status == 400
        return
    for member, (low, high) in RANGES.items():
        if member in answer:
            assert low <= answer[member] <= high
            if member not in body:
                defaults = config.SQS_DEFAULTS if source.startswith("arn:aws:sqs") else config.STREAM_DEFAULTS
                assert answer[member] == defaults[member]
    if source.startswith("arn:aws:sqs"):
        assert set(answer) == {"UUID", "BatchSize", "MaximumBatchingWindowInSeconds", "EventSourceArn", "FunctionArn",
                               "LastModified", "State", "StateTransitionReason", "FunctionResponseTypes",
                               "EventSourceMappingArn"}
    else:
        assert answer["StartingPosition"] in ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP")
        assert ("StartingPositionTimestamp" in answer) == (answer["StartingPosition"] == "AT_TIMESTAMP")
        assert answer["DestinationConfig"]["OnFailure"].get("Destination", QUEUE).split(":")[2] in ("sqs", "sns", "s3")
        assert not 0 <= answer["MaximumRecordAgeInSeconds"] < 60


def test_the_defaults_of_a_stream_mapping_are_the_recorded_ones() -> None:
    answer = settled({"StartingPosition": "LATEST"})
    assert {key: answer[key] for key in config.STREAM_DEFAULTS} == {
        "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1,
        "MaximumRecordAgeInSeconds": -1, "MaximumRetryAttempts": -1, "TumblingWindowInSeconds": 0,
        "BisectBatchOnFunctionError": False, "FunctionResponseTypes": [], "DestinationConfig": {"OnFailure": {}}}
    assert (answer["LastProcessingResult"], answer["StateTransitionReason"]) == ("No records processed", "User action")


def test_problems_are_listed_in_the_models_member_order() -> None:
    status, code, message = refusal(config.check_model, {
        "FunctionResponseTypes": ["X"], "TumblingWindowInSeconds": 901, "StartingPosition": "NOW", "BatchSize": 0},
        creating=True)
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("4 validation errors detected: Value '0' at 'batchSize'")
    assert message.index("'startingPosition'") < message.index("'tumblingWindowInSeconds'") < message.index(
        "'functionResponseTypes'")


def test_update_takes_no_starting_position() -> None:
    config.check_model({"StartingPosition": "NOW"}, creating=False)  # not a member of UpdateEventSourceMapping
    changed = config.changed_settings({"StartingPosition": "LATEST", "StartingPositionTimestamp": 1.0,
                                       "BatchSize": 5}, config.KINESIS)
    assert changed == {"BatchSize": 5}  # ignored, as AWS's JSON front end ignores members a request may not have


@pytest.mark.parametrize("body, kind, message", [
    ({"DestinationConfig": {"OnSuccess": {"Destination": QUEUE}}}, None,
     "Unsupported DestinationConfig parameter for given event source mapping type."),
    ({"DestinationConfig": {"OnFailure": {"Destination": QUEUE}}}, config.SQS,
     "Unsupported DestinationConfig parameter for given event source mapping type."),
    ({"DestinationConfig": {"OnFailure": {}}}, config.KINESIS,
     "The Destination field is required for an OnFailure configuration."),
    ({"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:events:us-east-1:123456789012:event-bus/b"}}},
     config.DYNAMODB, "The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure("
                      "destination=arn:aws:events:us-east-1:123456789012:event-bus/b)) is invalid."),
])
def test_destinations_aws_refuses(body: dict[str, Any], kind: str | None, message: str) -> None:
    assert refusal(config.check_destinations, body, kind) == (400, "InvalidParameterValueException", message)


@pytest.mark.parametrize("target", ["", QUEUE, "arn:aws:sns:us-east-1:123456789012:t", "arn:aws:s3:::b"])
def test_a_queue_a_topic_a_bucket_or_none_is_an_on_failure_destination(target: str) -> None:
    config.check_destinations({"DestinationConfig": {"OnFailure": {"Destination": target}}}, config.KINESIS)


@pytest.mark.parametrize("source, message", [
    (None, "Unrecognized event source."),
    ("", "Unrecognized event source."),
    ("arn:aws:mq:us-east-1:123456789012:broker:b:1", "Unsupported event source type: mocklambda emulates"),
    (STREAM + "/consumer/c:1", "Unsupported event source type: mocklambda emulates"),
    ("not an arn", "Unsupported event source type: mocklambda emulates"),
])
def test_sources_other_than_queues_and_streams_are_refused(source: str | None, message: str) -> None:
    status, code, text = refusal(config.source_kind, source)
    assert (status, code, text.startswith(message)) == (400, "InvalidParameterValueException", True)


def test_each_source_is_recognized() -> None:
    assert [config.source_kind(arn) for arn in (STREAM, TABLE_STREAM, QUEUE)] == ["kinesis", "dynamodb", "sqs"]


@pytest.mark.parametrize("body, source, current, message", [
    ({}, STREAM, None, "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
                       "constraint: Member must not be null."),
    ({"StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": 1}, TABLE_STREAM, None,
     f"Unsupported starting position for arn type: {TABLE_STREAM}"),
    ({"StartingPosition": "AT_TIMESTAMP"}, STREAM, None, "Need to specify a timestamp"),
    ({"MaximumRecordAgeInSeconds": 0}, STREAM, {"StartingPosition": "LATEST"},
     "MaximumRecordAgeInSeconds must be either -1 (forever) or between 60 and 604800 (inclusive)"),
    ({"Queues": ["q"]}, STREAM, {}, "Unsupported Queues parameter for given event source mapping type."),
    ({"ProvisionedPollerConfig": {}}, TABLE_STREAM, {}, "Unsupported ProvisionedPollerConfig parameter for given "
                                                        "event source mapping type."),
    ({"StartingPosition": "LATEST"}, QUEUE, None, "StartingPosition is not valid for SQS event sources."),
    ({"TumblingWindowInSeconds": 60}, QUEUE, None,
     "Unsupported TumblingWindowInSeconds parameter for given event source mapping type."),
    ({"BatchSize": 11}, QUEUE, {"MaximumBatchingWindowInSeconds": 0},
     "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
    ({"MaximumBatchingWindowInSeconds": 0}, QUEUE, {"BatchSize": 500, "MaximumBatchingWindowInSeconds": 5},
     "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
    ({"MaximumBatchingWindowInSeconds": 1}, QUEUE + ".fifo", None, "Batching window is not supported for FIFO queues"),
    ({"BatchSize": 11, "MaximumBatchingWindowInSeconds": 1}, QUEUE + ".fifo", None,
     "Batching window is not supported for FIFO queues"),
])
def test_settings_the_source_refuses(body: dict[str, Any], source: str, current: dict[str, Any] | None,
                                     message: str) -> None:
    kind = config.source_kind(source)
    assert refusal(config.check_settings, body, kind, source, current, source.endswith(".fifo")) == (
        400, "InvalidParameterValueException", message)


def test_an_update_of_a_queue_mapping_is_checked_with_its_current_window() -> None:
    config.check_settings({"BatchSize": 500}, config.SQS, QUEUE, {"MaximumBatchingWindowInSeconds": 5})


@pytest.mark.parametrize("before, requested, state", [
    (True, False, "Disabling"), (False, True, "Enabling"), (True, True, "Updating"), (False, None, "Updating")])
def test_the_state_update_answers(before: bool, requested: bool | None, state: str) -> None:
    assert config.answer_state_on_update(before, requested) == state


def test_the_state_create_answers() -> None:
    assert [config.answer_state_on_create(kind, enabled) for kind, enabled in (
        (config.KINESIS, True), (config.DYNAMODB, False), (config.SQS, True), (config.SQS, False))] == [
        "Creating", "Creating", "Creating", "Disabled"]


def test_changed_settings_normalise_destinations_and_filters() -> None:
    assert config.changed_settings({"DestinationConfig": {"OnFailure": {"Destination": ""}}}, config.KINESIS) == {
        "DestinationConfig": {"OnFailure": {}}}
    assert config.changed_settings({"DestinationConfig": {}}, config.KINESIS) == {}
    assert config.changed_settings({"FilterCriteria": {"Filters": []}}, config.SQS) == {"FilterCriteria": None}
    assert config.changed_settings({"BatchSize": 5, "ParallelizationFactor": 2}, config.SQS) == {"BatchSize": 5}


@given(st.integers(0, 250), st.one_of(st.none(), st.integers(1, 300)))
def test_pages_hold_every_mapping_once_in_order(count: int, max_items: int | None) -> None:
    """Property: following NextMarker yields each mapping once, pages of at most 100."""
    answers = [{"UUID": str(n)} for n in range(count)]
    seen: list[dict[str, Any]] = []
    marker = None
    while True:
        result = config.page(answers, marker, max_items)
        assert len(result["EventSourceMappings"]) <= min(max_items or 100, 100)
        seen += result["EventSourceMappings"]
        marker = result.get("NextMarker")
        if marker is None:
            break
    assert seen == answers


def test_a_bad_marker_or_max_items_is_refused() -> None:
    assert refusal(config.page, [], "%%%", None) == (400, "InvalidParameterValueException", "Invalid marker")
    assert refusal(config.page, [], None, 10001)[1] == "ValidationException"
