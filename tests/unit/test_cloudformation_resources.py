"""CloudFormation's checks of ``AWS::Lambda::EventInvokeConfig`` (the resource type's registry
schema: FunctionName and Qualifier required, MaximumRetryAttempts 0-2, MaximumEventAgeInSeconds
60-21600, DestinationConfig's OnSuccess/OnFailure each with a Destination) and the status reasons
of a failed resource: pure."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mocklambda._core import aws_errors
from mocklambda._core.cloudformation import (
    event_invoke_config_problems,
    handler_failed,
    integer,
    physical_id,
    put_request,
    rollback_reason,
    validation_failed,
)

VALID = {"FunctionName": "fn", "Qualifier": "$LATEST", "MaximumRetryAttempts": 0}


@pytest.mark.parametrize(
    "properties, problems",
    [
        (VALID, []),
        ({**VALID, "DestinationConfig": {}}, []),  # the recorded template's empty DestinationConfig
        ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:fn", "Qualifier": "1",
          "MaximumEventAgeInSeconds": "300"}, []),  # an ARN; a parameter's text "300" is the integer 300
        ({"Qualifier": "$LATEST"}, ["#: required key [FunctionName] not found"]),
        ({"FunctionName": "fn"}, ["#: required key [Qualifier] not found"]),
        ({**VALID, "Tags": []}, ["#: extraneous key [Tags] is not permitted"]),
        ({**VALID, "MaximumRetryAttempts": 3}, ["#/MaximumRetryAttempts: 3 is not less or equal to 2"]),
        ({**VALID, "MaximumRetryAttempts": -1}, ["#/MaximumRetryAttempts: -1 is not greater or equal to 0"]),
        ({**VALID, "MaximumEventAgeInSeconds": 59}, ["#/MaximumEventAgeInSeconds: 59 is not greater or equal to 60"]),
        ({**VALID, "MaximumEventAgeInSeconds": 21601},
         ["#/MaximumEventAgeInSeconds: 21601 is not less or equal to 21600"]),
        ({**VALID, "MaximumRetryAttempts": "two"}, ["#/MaximumRetryAttempts: expected type: Integer, found: String"]),
        ({**VALID, "MaximumRetryAttempts": True}, ["#/MaximumRetryAttempts: expected type: Integer, found: Boolean"]),
        ({**VALID, "FunctionName": "bad name"},
         ["#/FunctionName: string [bad name] does not match pattern ^(arn:(aws[a-zA-Z-]*)?:lambda:)?"
          r"([a-z]{2}(-gov)?(-iso([a-z])?)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)"
          r"(:(\$LATEST|[a-zA-Z0-9-_]+))?$"]),
        ({**VALID, "Qualifier": 1}, ["#/Qualifier: expected type: String, found: Number"]),
        ({**VALID, "DestinationConfig": {"OnFailure": {}}},
         ["#/DestinationConfig/OnFailure: required key [Destination] not found"]),
        ({**VALID, "DestinationConfig": {"OnError": {"Destination": "arn:aws:sqs:us-east-1:123456789012:q"}}},
         ["#/DestinationConfig: extraneous key [OnError] is not permitted"]),
        ({**VALID, "DestinationConfig": {"OnSuccess": {"Destination": "x" * 351}}},
         ["#/DestinationConfig/OnSuccess/Destination: expected maxLength: 350, actual: 351"]),
        ({**VALID, "DestinationConfig": []}, ["#/DestinationConfig: expected type: JSONObject, found: JSONArray"]),
        ({"MaximumRetryAttempts": 5, "Extra": 1},
         ["#: required key [FunctionName] not found", "#: required key [Qualifier] not found",
          "#: extraneous key [Extra] is not permitted", "#/MaximumRetryAttempts: 5 is not less or equal to 2"]),
    ],
)
def test_the_schema_refuses_what_cloudformation_refuses(properties: dict, problems: list[str]) -> None:
    assert event_invoke_config_problems(properties) == problems


@settings(max_examples=200, deadline=None)
@given(retries=st.integers(-10, 10), age=st.integers(0, 30000), as_text=st.booleans())
def test_a_number_is_refused_exactly_when_it_is_out_of_range(retries: int, age: int, as_text: bool) -> None:
    """Each setting out of its range is one problem naming it and its bound; text is read as the
    number it spells (a parameter's value), and the Put carries integers."""
    properties = {"FunctionName": "fn", "Qualifier": "$LATEST",
                  "MaximumRetryAttempts": str(retries) if as_text else retries,
                  "MaximumEventAgeInSeconds": str(age) if as_text else age}
    problems = event_invoke_config_problems(properties)
    expected = []
    if not 0 <= retries <= 2:
        expected.append(f"#/MaximumRetryAttempts: {retries} is not "
                        + ("greater or equal to 0" if retries < 0 else "less or equal to 2"))
    if not 60 <= age <= 21600:
        expected.append(f"#/MaximumEventAgeInSeconds: {age} is not "
                        + ("greater or equal to 60" if age < 60 else "less or equal to 21600"))
    assert problems == expected
    if not problems:
        assert put_request(properties) == {"MaximumRetryAttempts": retries, "MaximumEventAgeInSeconds": age}


def test_the_put_carries_only_the_settings_the_template_gives() -> None:
    assert put_request({"FunctionName": "fn", "Qualifier": "1", "DestinationConfig": {}}) == {"DestinationConfig": {}}
    assert put_request({"FunctionName": "fn", "Qualifier": "1"}) == {}  # refused by Lambda (spec 5.4)


@pytest.mark.parametrize("value, number", [(2, 2), ("2", 2), ("-1", -1), (2.0, 2), (2.5, None), ("2.5", None),
                                           (True, None), (None, None), ([], None)])
def test_integers_as_cloudformation_reads_them(value: object, number: int | None) -> None:
    assert integer(value) == number


def test_status_reasons_are_worded_as_cloudformation_words_them() -> None:
    assert physical_id("fn", "$LATEST") == "fn|$LATEST"
    assert validation_failed("Config", ["#: required key [Qualifier] not found", "#: extraneous key [X] is not permitted"]) == (
        "Properties validation failed for resource Config with message: "
        "#: required key [Qualifier] not found #: extraneous key [X] is not permitted"
    )
    assert handler_failed(aws_errors.not_found_message("The function doesn't exist."), "r-1", "t-1") == (
        'Resource handler returned message: "The function doesn\'t exist. (Service: Lambda, Status Code: 404, '
        'Request ID: r-1)" (RequestToken: t-1, HandlerErrorCode: NotFound)'
    )
    refused = handler_failed(aws_errors.invalid_parameter("nope"), "r", "t")
    assert refused.endswith("Status Code: 400, Request ID: r)\" (RequestToken: t, HandlerErrorCode: InvalidRequest)")
    assert "HandlerErrorCode: ServiceInternalError" in handler_failed(aws_errors.internal_error(ValueError()), "r", "t")
    assert rollback_reason(["Config"]) == (
        "The following resource(s) failed to create: [Config]. Rollback requested by user."
    )
