"""The event-invoke-config API exactly as AWS answers it (spec §5, 3.14; TestLambdaEventInvokeConfig)."""

from __future__ import annotations

from datetime import datetime

import pytest
from botocore.exceptions import ClientError

from tests.helpers import ECHO, FN_ARN, error_of


def strip(config: dict) -> dict:
    return {k: v for k, v in config.items() if k not in ("ResponseMetadata", "LastModified")}


@pytest.fixture
def fn(lambda_mock, lambda_client, create_function):
    create_function("fn", ECHO)
    return "fn"


def test_put_returns_the_config_with_destination_config_always_present(fn, lambda_client):
    response = lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    assert isinstance(response["LastModified"], datetime)  # an epoch number on the wire (spec 5.5)
    assert strip(response) == {
        "FunctionArn": FN_ARN.format("fn") + ":$LATEST",  # always qualified (spec 5.6)
        "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}},
    }


def test_put_overwrites_and_update_merges(fn, lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    put = lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0)
    assert "MaximumEventAgeInSeconds" not in put  # spec 5.2
    assert strip(lambda_client.get_function_event_invoke_config(FunctionName=fn)) == strip(put)
    lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    updated = lambda_client.update_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0)
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 60)  # spec 5.3


def test_update_without_a_config_is_404_naming_the_qualified_arn(fn, lambda_client):
    with pytest.raises(ClientError) as excinfo:
        lambda_client.update_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=0)
    assert error_of(excinfo) == (  # spec 5.9
        404, "ResourceNotFoundException",
        f"The function {FN_ARN.format('fn')}:$LATEST doesn't have an EventInvokeConfig",
    )


def test_get_and_delete_without_a_config_name_the_qualified_arn(fn, lambda_client):
    for call in (lambda_client.get_function_event_invoke_config, lambda_client.delete_function_event_invoke_config):
        with pytest.raises(ClientError) as excinfo:
            call(FunctionName="doesnotexist")
        assert error_of(excinfo)[2] == (
            f"The function {FN_ARN.format('doesnotexist')}:$LATEST doesn't have an EventInvokeConfig"
        )
        with pytest.raises(ClientError) as excinfo:
            call(FunctionName=fn, Qualifier="doesnotexist")
        assert error_of(excinfo)[2] == (
            f"The function {FN_ARN.format('fn')}:doesnotexist doesn't have an EventInvokeConfig"
        )


def test_put_update_and_list_on_a_missing_function(lambda_mock, lambda_client):
    for call, kwargs in (
        (lambda_client.put_function_event_invoke_config, {"MaximumRetryAttempts": 1}),
        (lambda_client.update_function_event_invoke_config, {"MaximumRetryAttempts": 1}),
        (lambda_client.list_function_event_invoke_configs, {}),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(FunctionName="doesnotexist", **kwargs)
        assert error_of(excinfo) == (404, "ResourceNotFoundException", "The function doesn't exist.")


@pytest.mark.parametrize("function_name", ["existing", "doesnotexist"])
def test_put_needs_at_least_one_setting_before_the_function_is_looked_up(fn, lambda_client, function_name):
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_event_invoke_config(FunctionName=fn if function_name == "existing" else function_name)
    assert error_of(excinfo) == (  # spec 5.4: a 400 even for a function that does not exist
        400, "InvalidParameterValueException", "You must specify at least one of error handling or destination setting.",
    )


def test_above_max_values_are_validation_errors(fn, lambda_client):
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=3)
    assert error_of(excinfo) == (  # spec 5.10
        400,
        "ValidationException",
        "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
        "Member must have value less than or equal to 2",
    )
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=3, MaximumEventAgeInSeconds=21601)
    assert error_of(excinfo)[2].startswith("2 validation errors detected: ")
    maxed = lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=21600)
    assert (maxed["MaximumRetryAttempts"], maxed["MaximumEventAgeInSeconds"]) == (2, 21600)


def test_configs_are_separate_per_qualifier(fn, lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    lambda_client.publish_version(FunctionName=fn)
    lambda_client.create_alias(FunctionName=fn, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as excinfo:  # nothing is copied at publish (spec 5.8)
        lambda_client.get_function_event_invoke_config(FunctionName=fn, Qualifier="1")
    assert error_of(excinfo)[0] == 404
    version = lambda_client.put_function_event_invoke_config(FunctionName=fn, Qualifier="1", MaximumEventAgeInSeconds=120)
    alias = lambda_client.put_function_event_invoke_config(FunctionName=f"{fn}:live", MaximumRetryAttempts=0)
    assert version["FunctionArn"] == FN_ARN.format("fn") + ":1"
    assert alias["FunctionArn"] == FN_ARN.format("fn") + ":live"
    assert lambda_client.get_function_event_invoke_config(FunctionName=fn)["MaximumRetryAttempts"] == 1
    listed = lambda_client.list_function_event_invoke_configs(FunctionName=fn)["FunctionEventInvokeConfigs"]
    assert sorted(c["FunctionArn"].rsplit(":", 1)[1] for c in listed) == ["$LATEST", "1", "live"]


def test_put_on_a_missing_alias_and_qualifier_mismatch(fn, lambda_client):
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_event_invoke_config(FunctionName=fn, Qualifier="nope", MaximumRetryAttempts=1)
    assert error_of(excinfo) == (404, "ResourceNotFoundException", "The function doesn't exist.")
    with pytest.raises(ClientError) as excinfo:
        lambda_client.put_function_event_invoke_config(FunctionName=f"{fn}:live", Qualifier="1", MaximumRetryAttempts=1)
    assert error_of(excinfo) == (
        400, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.",
    )


def test_list_pages_with_marker_and_max_items(fn, lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    lambda_client.publish_version(FunctionName=fn)
    lambda_client.put_function_event_invoke_config(FunctionName=fn, Qualifier="1", MaximumRetryAttempts=1)
    first = lambda_client.list_function_event_invoke_configs(FunctionName=fn, MaxItems=1)
    assert len(first["FunctionEventInvokeConfigs"]) == 1 and "NextMarker" in first  # spec 5.11
    second = lambda_client.list_function_event_invoke_configs(FunctionName=fn, MaxItems=1, Marker=first["NextMarker"])
    assert len(second["FunctionEventInvokeConfigs"]) == 1 and "NextMarker" not in second
    paginator = lambda_client.get_paginator("list_function_event_invoke_configs")
    pages = list(paginator.paginate(FunctionName=fn, PaginationConfig={"PageSize": 1}))
    assert sum(len(p["FunctionEventInvokeConfigs"]) for p in pages) == 2


def test_delete_then_delete_again(fn, lambda_client):
    lambda_client.put_function_event_invoke_config(FunctionName=fn, MaximumRetryAttempts=1)
    assert lambda_client.delete_function_event_invoke_config(FunctionName=fn)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        lambda_client.delete_function_event_invoke_config(FunctionName=fn)  # spec 5.12
    assert error_of(excinfo)[0] == 404
    assert lambda_client.list_function_event_invoke_configs(FunctionName=fn)["FunctionEventInvokeConfigs"] == []


def test_destination_checks(fn, lambda_client, create_function):
    def put(destination: str, which: str = "OnSuccess"):
        return lambda_client.put_function_event_invoke_config(
            FunctionName=fn, DestinationConfig={which: {"Destination": destination}}
        )

    with pytest.raises(ClientError) as excinfo:
        put(FN_ARN.format("fn"))
    assert error_of(excinfo) == (400, "InvalidParameterValueException", "You can't specify the function as a destination for itself.")
    with pytest.raises(ClientError) as excinfo:
        put(FN_ARN.format("doesnotexist"))
    assert error_of(excinfo)[2] == f"The destination ARN {FN_ARN.format('doesnotexist')} is invalid."
    iam_arn = "arn:aws:iam:us-east-1:123456789012:function:fn"
    with pytest.raises(ClientError) as excinfo:
        put(iam_arn)
    assert error_of(excinfo)[2] == (
        f"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={iam_arn}), onFailure=null) is invalid."
    )
    with pytest.raises(ClientError) as excinfo:
        put("arn:aws:_-/!lambda:us-east-1:123456789012:function:fn", "OnFailure")
    status, code, message = error_of(excinfo)
    assert (status, code) == (400, "ValidationException")
    assert "at 'destinationConfig.onFailure.destination' failed to satisfy constraint" in message
    create_function("other", ECHO)
    ok = put(FN_ARN.format("other"))
    assert ok["DestinationConfig"] == {"OnSuccess": {"Destination": FN_ARN.format("other")}, "OnFailure": {}}
    empty = lambda_client.put_function_event_invoke_config(FunctionName=fn, DestinationConfig={"OnSuccess": {}})
    assert empty["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}


def test_dead_letter_config_is_kept_and_returned(lambda_mock, lambda_client, create_function, aws_region):
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:dlq"
    created = create_function("withdlq", ECHO, DeadLetterConfig={"TargetArn": queue_arn})
    assert created["DeadLetterConfig"] == {"TargetArn": queue_arn}
    assert lambda_client.get_function(FunctionName="withdlq")["Configuration"]["DeadLetterConfig"] == {"TargetArn": queue_arn}
    topic_arn = "arn:aws:sns:us-east-1:123456789012:dlq"
    updated = lambda_client.update_function_configuration(FunctionName="withdlq", DeadLetterConfig={"TargetArn": topic_arn})
    assert updated["DeadLetterConfig"] == {"TargetArn": topic_arn}
    assert lambda_client.get_function_configuration(FunctionName="withdlq")["DeadLetterConfig"] == {"TargetArn": topic_arn}
    cleared = lambda_client.update_function_configuration(FunctionName="withdlq", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in cleared
